"""Google-native files have no bytes to download: Drive exports them. These are the formats that read best here."""

from __future__ import annotations

from .sniff import PPTX_MIME, XLSX_MIME, base_mime

GOOGLE_EXPORTS: dict[str, str] = {
    # Docs: Drive's own markdown export keeps headings, lists, links and tables, with nothing to parse.
    "application/vnd.google-apps.document": "text/markdown",
    # Sheets: XLSX carries every sheet; text/csv would export only the first one.
    "application/vnd.google-apps.spreadsheet": XLSX_MIME,
    # Slides: PPTX keeps slide titles and speaker notes; text/plain loses which text is on which slide.
    "application/vnd.google-apps.presentation": PPTX_MIME,
}


def export_mime(google_mime: str) -> str | None:
    """The MIME type to ask Drive's export for, or None when a Google-native type has no text (drawings, forms)."""
    return GOOGLE_EXPORTS.get(base_mime(google_mime))
