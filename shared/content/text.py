"""Plain text, markdown and JSON: decoded and passed through (JSON pretty-printed in a code fence)."""

from __future__ import annotations

import codecs
import json

from .model import Converted, Limits, Source, prefaced
from .sniff import charset_of


def decode(data: bytes, mime: str) -> tuple[str, str | None]:
    """Bytes to str: a byte-order mark, then the declared charset, then UTF-8, then Windows-1252 (with a note)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), None
    declared = charset_of(mime)
    for encoding in filter(None, (declared, "utf-8")):
        try:
            return data.decode(encoding), None
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("cp1252", errors="replace"), "The text is not valid UTF-8; it was read as Windows-1252."


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def convert_text(data: bytes, source: Source, limits: Limits) -> Converted:
    text, note = decode(data, source.mime)
    notes = [note] if note else []
    return Converted(prefaced(normalise_newlines(text), notes), notes)


def convert_json(data: bytes, source: Source, limits: Limits) -> Converted:
    text, note = decode(data, source.mime)
    notes = [note] if note else []
    try:
        pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        notes.append(f"{source.name} is not valid JSON; it is shown as plain text.")
        return Converted(prefaced(normalise_newlines(text), notes), notes)
    return Converted(prefaced(f"```json\n{pretty}\n```\n", notes), notes)
