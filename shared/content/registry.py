"""Which converter reads which kind of file.

Built-in converters are named by dotted path so the server process never imports pypdf, python-docx, openpyxl or
python-pptx: only the worker process that runs a conversion does. `register` adds a converter for an extra MIME type
(a module-level function, since it is sent to the worker by reference).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from .model import Converted, Limits, Source
from .sniff import base_mime

Converter = Callable[[bytes, Source, Limits], Converted]

BUILT_IN: dict[str, str] = {
    "pdf": "shared.content.pdf:convert_pdf",
    "docx": "shared.content.word:convert_docx",
    "xlsx": "shared.content.spreadsheet:convert_xlsx",
    "pptx": "shared.content.slides:convert_pptx",
    "html": "shared.content.html_doc:convert_html",
    "csv": "shared.content.tabular:convert_csv",
    "tsv": "shared.content.tabular:convert_tsv",
    "markdown": "shared.content.text:convert_text",
    "text": "shared.content.text:convert_text",
    "json": "shared.content.text:convert_json",
    "email": "shared.content.mail_message:convert_email",
}

_extra: dict[str, tuple[str, Converter]] = {}


def register(mime: str, converter: Converter, *, kind: str) -> None:
    """Read files declared as `mime` with `converter`, reported as `kind`. Takes precedence over sniffing."""
    if not callable(converter) or "<locals>" in getattr(converter, "__qualname__", "<locals>"):
        raise TypeError("a converter must be a module-level function: it is sent to a worker process by name")
    _extra[base_mime(mime)] = (kind, converter)


def unregister(mime: str) -> None:
    _extra.pop(base_mime(mime), None)


def registered(mime: str) -> tuple[str, Converter] | None:
    return _extra.get(base_mime(mime))


def resolve(target: str | Converter) -> Converter:
    """A converter from its dotted path (imported here, in the worker) or as given."""
    if not isinstance(target, str):
        return target
    module, _, function = target.partition(":")
    converter: Converter = getattr(importlib.import_module(module), function)
    return converter
