"""The async entry points: size checks before download, conversion in a killable worker process, binary summaries.

A conversion runs in a worker process (`pool.py`), never on the event loop, under a time limit: on timeout the
worker is killed, so a parser stuck in a loop really stops. At most MAX_WORKERS conversions run at once; a call that
waits longer than its time limit for a slot is told the server is busy.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import AsyncIterable

import anyio
from anyio.lowlevel import RunVar

from shared.errors import ConnectorError

from . import memo, registry
from .errors import ConversionBusy, ConversionTimeout, FileTooLarge, UnreadableFile
from .model import DEFAULT_LIMITS, Converted, Document, Limits, Source, prefaced
from .pool import WorkerFailed, run_in_worker
from .sniff import EXTENSION_KINDS, MIME_KINDS, base_mime, detect

BINARY_KINDS = frozenset({"image", "legacy", "archive", "binary"})
_NOT_DOWNLOADED_PREFIXES = ("image/", "video/", "audio/", "font/")
_NOT_DOWNLOADED = frozenset({"application/zip", "application/x-zip-compressed", "application/x-7z-compressed"})
_BINARY_EXTENSIONS = frozenset(
    ".png .jpg .jpeg .gif .webp .bmp .tif .tiff .heic .svg .ico .mp3 .wav .m4a .ogg .mp4 .mov .avi .mkv .webm "
    ".zip .7z .rar .gz .tgz .exe .dll .dmg .iso .msi .bin".split()
)
_DESCRIPTIONS = {
    "image": "an image",
    "legacy": "a legacy Office file (.doc/.xls/.ppt) or a password-protected one; saved as DOCX/XLSX/PPTX it could "
    "be read here",
    "archive": "a ZIP archive",
    "binary": "a binary file",
}

# Conversions at once: the CPUs this process may use (not the host's, in a container), at most 4.
MAX_WORKERS = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 4)
_CLOSING_NOTE_ROOM = 256  # converters stop before the cap and then say so; that sentence may pass it
_slots: RunVar[anyio.CapacityLimiter] = RunVar("content_conversion_slots")


def needs_download(mime: str, name: str = "") -> bool:
    """False for files that are never read as text (images, media, archives, legacy Office): describe() them."""
    mime = base_mime(mime)
    if mime.startswith(_NOT_DOWNLOADED_PREFIXES) or mime in _NOT_DOWNLOADED:
        return False
    extension = posixpath.splitext(name.lower())[1]
    kind = MIME_KINDS.get(mime) or EXTENSION_KINDS.get(extension)
    return kind != "legacy" and (kind is not None or extension not in _BINARY_EXTENSIONS)


def check_size(size: int | None, mime: str, *, name: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse, before downloading, a file whose declared size is over the cap. `size=None`: collect() enforces it."""
    if size is not None and size > limits.max_bytes and needs_download(mime, name):
        raise _too_large(name, size, limits)


async def collect(chunks: AsyncIterable[bytes], *, name: str, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """Read a download stream into memory, stopping (with FileTooLarge) as soon as it passes the cap."""
    parts: list[bytes] = []
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if total > limits.max_bytes:
            raise FileTooLarge(
                f"{name} is over {_human(limits.max_bytes)}; files that large are not read as text here. "
                "Open it at its link instead."
            )
        parts.append(chunk)
    return b"".join(parts)


def describe(*, name: str, mime: str, size: int | None, link: str | None = None, kind: str = "binary") -> Document:
    """A one-line document for a file that is not text: what it is, how big, where to open it. Never its bytes."""
    what = _DESCRIPTIONS.get(kind, _DESCRIPTIONS["binary"])
    if kind == "binary" and base_mime(mime).startswith("image/"):
        what, kind = _DESCRIPTIONS["image"], "image"
    size_text = f", {_human(size)}" if size is not None else ""
    where = f" Open it at {link}." if link else ""
    line = f"[{name} ({mime or 'unknown type'}{size_text}) is {what}: it has no text to show here.{where}]\n"
    return Document(name=name, mime=mime, kind=kind, markdown=line, size=size or 0, link=link)


async def to_markdown(
    data: bytes,
    *,
    name: str,
    mime: str,
    link: str | None = None,
    timeout: float | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Document:
    """The whole file as markdown, converted in a worker process within `timeout` seconds (default limits.timeout)."""
    if len(data) > limits.max_bytes:
        raise _too_large(name, len(data), limits)
    extra = registry.registered(mime)
    notes: list[str] = []
    target: str | registry.Converter
    if extra is not None:
        kind, target = extra
    else:
        detected = detect(data, name=name, mime=mime, limits=limits)
        if detected.kind in BINARY_KINDS:
            return describe(name=name, mime=mime, size=len(data), link=link, kind=detected.kind)
        kind, target = detected.kind, registry.BUILT_IN[detected.kind]
        notes += [detected.note] if detected.note else []
    if not data:
        return Document(
            name=name, mime=mime, kind=kind, markdown=f"[{name} is empty.]\n", notes=tuple(notes), link=link
        )
    key = await memo.key_for(data, (name, mime, link, limits, kind, target))
    known = memo.recall(key)
    if known is not None:
        return known
    source = Source(name=name, mime=mime, link=link, kind=kind)
    converted = await _convert_isolated(target, data, source, limits, limits.timeout if timeout is None else timeout)
    markdown = prefaced(_cap_chars(converted, name, limits), notes)
    document = Document(
        name=name,
        mime=mime,
        kind=kind,
        markdown=markdown,
        notes=tuple(notes + converted.notes),
        size=len(data),
        link=link,
    )
    memo.remember(key, document)
    return document


async def _convert_isolated(
    target: str | registry.Converter, data: bytes, source: Source, limits: Limits, timeout: float
) -> Converted:
    slots = _limiter(_slots, MAX_WORKERS)
    acquired = False
    with anyio.move_on_after(timeout):
        await slots.acquire()
        acquired = True
    if not acquired:
        raise ConversionBusy(
            f"The server is busy converting other files and could not start on {source.name} within {timeout:g} s. "
            "Try again in a moment."
        )
    try:
        outcome = await run_in_worker(target, data, source, limits, timeout)
    except TimeoutError:
        raise ConversionTimeout(
            f"Converting {source.name} to text took longer than {timeout:g} s and was stopped. "
            "The file is too large or too complex to read here; open it at its link."
        ) from None
    except WorkerFailed:
        raise UnreadableFile(f"{source.name} crashed the converter: the file is damaged or too complex.") from None
    finally:
        slots.release()
    if isinstance(outcome, Converted):
        return outcome
    error_type, message = outcome
    raise {"FileTooLarge": FileTooLarge, "ConnectorError": ConnectorError}.get(error_type, UnreadableFile)(message)


def _cap_chars(converted: Converted, name: str, limits: Limits) -> str:
    text = converted.markdown
    if len(text) <= limits.max_chars + _CLOSING_NOTE_ROOM:
        return text
    cut = text.rfind("\n", 0, limits.max_chars)
    cut = cut + 1 if cut > limits.max_chars // 2 else limits.max_chars
    left = len(text) - cut
    converted.notes.append(f"{name}: only the first {cut:,} characters are kept; {left:,} more are not readable here.")
    return text[:cut] + f"\n[conversion stopped: {left:,} more characters of {name} are over the size limit]\n"


def _too_large(name: str, size: int, limits: Limits) -> FileTooLarge:
    return FileTooLarge(
        f"{name} is {_human(size)}; files over {_human(limits.max_bytes)} are not read as text here. "
        "Open it at its link, or ask for a smaller file."
    )


def _limiter(slot: RunVar[anyio.CapacityLimiter], tokens: int) -> anyio.CapacityLimiter:
    """One limiter per event loop (a limiter cannot be shared between loops)."""
    try:
        return slot.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(tokens)
        slot.set(limiter)
        return limiter


def _human(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
