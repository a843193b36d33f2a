"""The conversion worker: a child process (`python -m shared.content.worker`) that runs converters one at a time.

Requests and answers are pickles behind an 8-byte length, over the child's stdin and (a duplicate of) its stdout;
file descriptors 1 and 2 point at /dev/null, so a library that prints cannot corrupt the channel. The address space
is capped, so a decompression bomb ends in MemoryError (reported as FileTooLarge), not in the host swapping.
Every failure comes back as (error type, message): never a traceback, never a library exception the server might
not be able to unpickle.
"""

from __future__ import annotations

import os
import pickle
import sys
from typing import BinaryIO

from shared.errors import ConnectorError

from . import registry
from .errors import FileTooLarge, UnreadableFile
from .model import Converted, Limits, Source
from .pool import HEADER
from .sniff import LABELS

_TEXT_LABELS = {
    "html": "an HTML page",
    "csv": "CSV",
    "tsv": "TSV",
    "markdown": "markdown",
    "text": "text",
    "json": "JSON",
    "email": "an e-mail message",
}
MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024  # address space of one worker: size the container for MAX_WORKERS of them


def run_converter(
    target: str | registry.Converter, data: bytes, source: Source, limits: Limits
) -> Converted | tuple[str, str]:
    try:
        return registry.resolve(target)(data, source, limits)
    except FileTooLarge as error:
        return ("FileTooLarge", str(error))
    except UnreadableFile as error:
        return ("UnreadableFile", str(error))
    except ConnectorError as error:
        return ("ConnectorError", str(error))
    except MemoryError:
        return ("FileTooLarge", f"{source.name} needs more memory than this server allows to read it as text.")
    except RecursionError:
        return ("UnreadableFile", f"{source.name} is nested too deeply to be read as text here.")
    except Exception as error:  # noqa: BLE001 - parsers raise anything on hostile input; the caller gets a sentence
        reason = (str(error).strip() or type(error).__name__)[:160]
        what = LABELS.get(source.kind) or _TEXT_LABELS.get(source.kind) or f"a {source.kind or 'text'} file"
        return ("UnreadableFile", f"{source.name} could not be read as {what}: the file is damaged ({reason}).")


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """Answer requests until the server closes the channel (it exits, or kills us on a timeout)."""
    while True:
        header = requests.read(HEADER.size)
        if len(header) < HEADER.size:
            return
        payload = requests.read(HEADER.unpack(header)[0])
        target, data, source, limits = pickle.loads(payload)
        outcome = run_converter(target, data, source, limits)
        del payload, data
        try:
            body = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - a custom converter returned something that cannot travel
            body = pickle.dumps(("UnreadableFile", f"{source.name}: the converter returned an unusable result."))
        answers.write(HEADER.pack(len(body)) + body)
        answers.flush()


def _isolate_streams() -> BinaryIO:
    answers = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    return answers


def _cap_memory() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform, or already lower: the time limit still bounds the work


if __name__ == "__main__":
    channel = _isolate_streams()
    _cap_memory()
    serve(sys.stdin.buffer, channel)
