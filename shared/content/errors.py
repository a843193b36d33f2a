"""Why a file could not be turned into text. All are `shared.errors` types, so tools translate them once."""

from __future__ import annotations

from shared.errors import ConnectorError, InvalidInput


class FileTooLarge(InvalidInput):
    """The file (or what it unpacks to) is over a configured cap; it was not, or not wholly, read."""


class UnreadableFile(InvalidInput):
    """The bytes are not what the name or type says, or the file is damaged or password-protected."""


class ConversionTimeout(ConnectorError):
    """The conversion ran past its time limit; the worker doing it was killed."""

    retryable = False


class ConversionBusy(ConnectorError):
    """Every conversion slot stayed busy for the whole time limit."""

    retryable = True
