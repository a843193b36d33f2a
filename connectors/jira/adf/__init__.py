"""Lossless Markdown <-> Atlassian Document Format (ADF) conversion.

Markdown is CommonMark + GFM tables + ``~~strike~~``, parsed with
markdown-it-py's token stream. Conventions for what plain Markdown can't say:

* Mention: ``[@Display Name](mention:<accountId>)`` -- an ordinary link whose
  href scheme is ``mention:``.
* Unknown/unsupported *block* node (panel, expand, mediaSingle, taskList, ...):
  a fenced block with info string ``adf`` holding the node's compact JSON on
  one line::

      ```adf
      {"type":"panel","attrs":{"panelType":"info"},"content":[...]}
      ```

* Unknown *inline* node (status, date, emoji, inlineCard, ...) and text carrying
  a mark Markdown can't express (underline, textColor, subsup, ...): an inline
  code span whose content is ``adf:`` + the node's compact JSON, e.g.
  ``adf:{"type":"status","attrs":{...}}``; adjacent ones share one span holding
  a JSON list (``adf:[{...},{...}]``). ``|`` in that JSON is written
  ``\\u007c`` so the span is safe inside table cells.
* Extra attributes Markdown has no syntax for (``localId``, table ``layout``,
  cell ``attrs: {}``, mention ``accessLevel``, a header-less table...) are kept
  in an HTML comment right before the top-level block::

      <!-- adf-patch:{"attrs":{"layout":"default"},"content":[...]} -->

  The patch mirrors the node: keys to set, ``"-"`` lists keys to drop, and
  ``content`` is a list of per-child patches (``null`` = unchanged).
* ``<!-- -->`` separates two adjacent lists/blockquotes of the same kind.
* Ordered lists: ``N.`` means ``attrs.order = N``; ``1)`` means no ``attrs``.
* Soft line breaks are ``"\\n"`` inside ADF text; hard breaks are ``\\`` + newline.

Every top-level block rendered to Markdown is checked to parse back to the
original; if it does not, it is retried with all styled text as ``adf:`` spans,
then with a patch, and finally emitted as an ``adf`` fence; the whole document
is checked once more. So ``adf -> md -> adf`` is exact by construction, at the
cost of readability in rare edge cases.

Modules: ``syntax`` (the markers above, the parser), ``to_adf`` (Markdown -> ADF),
``to_markdown`` (ADF -> Markdown, with ``render_blocks``/``render_inline`` and the
``one_parse`` check), ``patch``, ``to_text`` (ADF -> plain text), ``control_chars``
(what Jira refuses in text), ``bench`` (``python -m connectors.jira.adf.bench``).
"""

from .to_adf import markdown_to_adf
from .to_markdown import adf_to_markdown
from .to_text import adf_to_text

__all__ = ["adf_to_markdown", "adf_to_text", "markdown_to_adf"]
