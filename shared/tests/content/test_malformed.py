"""Damaged, truncated or mislabelled files give one clear sentence naming the file and the problem."""

from __future__ import annotations

import io
import zipfile

import pytest

from shared import content
from shared.content.sniff import DOCX_MIME, PPTX_MIME, XLSX_MIME

from . import samples

pytestmark = pytest.mark.anyio

WRONG_OR_DAMAGED = "the file is damaged or has the wrong extension. Check the file, or open it at its link."


def docx_with_broken_xml() -> bytes:
    """A sound ZIP whose main part is cut in the middle of an XML tag."""
    original = zipfile.ZipFile(io.BytesIO(samples.word_document()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for entry in original.infolist():
            data = original.read(entry.filename)
            package.writestr(entry, data[: len(data) // 2] if entry.filename == "word/document.xml" else data)
    return buffer.getvalue()


async def test_a_truncated_docx_is_named_as_a_damaged_zip_package():
    with pytest.raises(content.UnreadableFile) as refused:
        await content.to_markdown(samples.word_document()[:3000], name="offer.docx", mime=DOCX_MIME)
    assert str(refused.value) == (
        "offer.docx is declared as a Word document (DOCX) but its content is not one (its ZIP package is truncated "
        f"or corrupt): {WRONG_OR_DAMAGED}"
    )


async def test_a_docx_with_broken_xml_inside_says_what_the_parser_found():
    with pytest.raises(content.UnreadableFile) as refused:
        await content.to_markdown(docx_with_broken_xml(), name="offer.docx", mime=DOCX_MIME)
    message = str(refused.value)
    assert message.startswith("offer.docx could not be read as a Word document (DOCX): the file is damaged (")
    assert "Traceback" not in message and len(message) < 300


async def test_a_truncated_pdf_is_reported_as_damaged():
    pdf = samples.pdf_with_text(3)
    with pytest.raises(content.UnreadableFile, match=r"^cut\.pdf could not be read as a PDF: the file is damaged"):
        await content.to_markdown(pdf[: len(pdf) // 2], name="cut.pdf", mime="application/pdf")


async def test_a_password_protected_pdf_says_so_and_one_that_opens_without_a_password_is_read():
    with pytest.raises(content.UnreadableFile, match=r"^locked\.pdf is a password-protected PDF: it cannot be read"):
        await content.to_markdown(samples.encrypted_pdf("secret"), name="locked.pdf", mime="application/pdf")
    document = await content.to_markdown(samples.encrypted_pdf(""), name="open.pdf", mime="application/pdf")
    assert document.markdown == "--- page 1 of 1 ---\nSecret clause.\n"


@pytest.mark.parametrize(
    ("name", "mime", "data", "why"),
    [
        ("notes.pdf", "application/pdf", b"plain words", "a PDF but its content is not one (it does not start"),
        ("book.xlsx", XLSX_MIME, b"<html>not a workbook</html>", "(XLSX) but its content is not one (it is not a ZIP"),
        ("deck.pptx", PPTX_MIME, b"", "(PPTX) but its content is not one (the file is empty)"),
    ],
)
async def test_content_that_is_not_what_its_type_says_is_refused(name, mime, data, why):
    with pytest.raises(content.UnreadableFile) as refused:
        await content.to_markdown(data, name=name, mime=mime)
    assert str(refused.value).startswith(f"{name} is declared as ") and why in str(refused.value)
    assert str(refused.value).endswith(WRONG_OR_DAMAGED)


async def test_a_pdf_with_a_word_extension_is_read_as_the_pdf_it_is():
    document = await content.to_markdown(samples.pdf_with_text(1, 1), name="scan.docx", mime=DOCX_MIME)
    note = "scan.docx is declared as a Word document (DOCX) but is a PDF; it was read as such."
    assert document.kind == "pdf" and document.notes == (note,)
    assert document.markdown == f"[{note}]\n\n--- page 1 of 1 ---\n{samples.clause(1, 1)}\n"


async def test_legacy_office_files_and_unknown_binaries_are_described_not_dumped():
    legacy = await content.to_markdown(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, name="old.doc", mime="")
    assert legacy.kind == "legacy" and "saved as DOCX/XLSX/PPTX it could be read here" in legacy.markdown
    noise = await content.to_markdown(bytes(range(256)) * 10, name="blob", mime="application/octet-stream")
    assert noise.markdown == "[blob (application/octet-stream, 2 KB) is a binary file: it has no text to show here.]\n"


async def test_html_nested_too_deeply_for_the_parser_is_refused_in_a_sentence():
    html = b"<div>" * 20_000 + b"deep" + b"</div>" * 20_000
    with pytest.raises(content.UnreadableFile, match=r"^deep\.html is nested too deeply to be read as text here\.$"):
        await content.to_markdown(html, name="deep.html", mime="text/html")


async def test_an_empty_text_file_says_it_is_empty():
    document = await content.to_markdown(b"", name="empty.txt", mime="text/plain")
    assert document.markdown == "[empty.txt is empty.]\n"
