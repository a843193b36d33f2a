"""Confluence storage format (XHTML with ac:/ri: elements) <-> markdown, losslessly.

Reading (`read(storage)`) turns every block markdown can say (paragraphs, headings, lists, simple
tables, quotes, code blocks, rules, bold/italic/code/links) into markdown. Everything else stays
in the text as a readable *placeholder* that names what it is and carries a number:

- atomic, inline or on its own line: `[[jira SHOP-12 #3]]`, `[[status In progress #4]]`,
  `[[mention @Alice Martin #5]]`, `[[image diagram.png #6]]`, `[[toc #7]]`;
- a container whose content is ordinary page content (panels such as info/note/warning, expand,
  any macro with a rich-text body, layouts, layout sections and cells): an opening and a closing
  marker, each on its own line, with the content in between as live markdown that can be edited:
  `[[info Heads up #8]]` ... `[[/info #8]]`;
- a block markdown cannot say whose text still matters (task lists, decision lists, tables with
  merged cells or block content): `[[tasks (read-only) #9]]` ... `[[/tasks #9]]`, the text in
  between being a readable rendering that must be left as it is (or the whole block deleted).

Where the originals live: nowhere but in Confluence. The numbering is a pure function of the
storage text (document order), so at write time the server re-reads the page (it must anyway,
to check the version the caller read) and re-derives the same numbers and the exact original XML
of every placeholder from that version. Nothing is kept between calls, nothing is base64'd into
the text, and a placeholder costs a few tokens. A write that names a number the current version
does not have is refused, never guessed.

Writing back (`write(markdown, doc)`) is block-wise: every top-level markdown block that is
textually identical to a block of the version read is replaced by that block's exact original XML
(so untouched content, including formatting markdown cannot express, comes back byte for byte);
changed blocks are rendered with markdown-it-py, and placeholders inside them are substituted
with their original XML. Containers are put back with their exact original start and end XML
around their (possibly edited) content. Placeholders the caller removed are reported.

XHTML is parsed with expat (the stdlib XML parser) so that every element keeps its exact byte
span; HTML named entities (&nbsp; ...) are declared through a foreign DTD. A body expat cannot
parse is shown as one read-only block, so it is still never damaged.

Modules: ``tree`` (expat parsing with byte spans), ``reader`` and ``reader_inline`` (storage -> markdown),
``writer`` (markdown -> storage), ``sections`` (editing under one heading), ``decision_extraction``,
``fragments`` (placeholders and the Doc a read returns), ``markdown_text`` (escaping, fences, placeholders)
and ``control_chars`` (what XML cannot carry).
"""

from .decision_extraction import DECISION_HEADING, Decision, decision_items, decisions
from .fragments import ATOMIC, READONLY, WRAPPER, Doc, Fragment
from .markdown_text import escape_md
from .reader import Reader, account_ids, read
from .sections import edit_section, headings
from .tree import BLOCK_TAGS, El, Text, parse, plain, raw, text_of
from .writer import TRUNCATION, Writer, WriteReport, code_macro, write

__all__ = [
    "ATOMIC",
    "BLOCK_TAGS",
    "DECISION_HEADING",
    "READONLY",
    "TRUNCATION",
    "WRAPPER",
    "Decision",
    "Doc",
    "El",
    "Fragment",
    "Reader",
    "Text",
    "WriteReport",
    "Writer",
    "account_ids",
    "code_macro",
    "decision_items",
    "decisions",
    "edit_section",
    "escape_md",
    "headings",
    "parse",
    "plain",
    "raw",
    "read",
    "text_of",
    "write",
]
