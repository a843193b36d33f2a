"""Checks every top-level block's Markdown with ONE parse of the whole document.

The reader promises ``adf -> md -> adf`` is exact, so each block's Markdown must parse back to its
node. Parsing each block on its own and then the whole document again cost most of a read
(issue 10). Here the document is parsed once and its top-level tokens are cut back into blocks by
their line ranges (``token.map``). That gives exactly what parsing a block alone would give when
CommonMark carries nothing from one block into the next, which is checked rather than assumed:

* no carriage return (the parser breaks lines there too);
* no link reference definitions (the only state inline parsing shares across blocks);
* every top-level token starts inside one block (or is a ``<!-- -->`` separator between two) and
  ends before the next block starts (an unclosed fence or a list running on would not);
* no block ends with an HTML comment, which could carry a patch over to the next block.

A patch comment put in front of a block's Markdown is not parsed again either: its line is an HTML
block of its own, after which the block parses as before (``predict_patched`` says when that holds).

When a check fails the caller falls back to parsing blocks one by one, as before, so the
Markdown produced is the same either way; only the time differs.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import pairwise

from markdown_it.token import Token

from .patch import apply_patch
from .syntax import COMMENT_END, PARSER, PATCH_PREFIX, SEPARATOR, Node, load_json
from .to_adf import parse_blocks


def derive_each(nodes: list[Node], parts: list[str], markdown: str) -> list[list[Node] | None] | None:
    """What each of ``parts`` parses back to, read in ``markdown`` (the parts joined) as if parsed alone.

    None if the document breaks the conditions above; one None for a block ending with an HTML comment.
    """
    if "\r" in markdown:
        return None  # the parser would count it as a line break, and the line ranges below would not
    env: dict = {}
    tokens = PARSER.parse(markdown, env)
    if env.get("references"):
        return None
    spans = _block_lines(nodes, parts)
    starts = [start for start, _ in spans]
    slices: list[list[Token]] = [[] for _ in nodes]
    last_type = [""] * len(nodes)
    for first, stop in _top_level_groups(tokens):
        head = tokens[first]
        if head.map is None:
            return None
        begin, end = head.map
        i = bisect_right(starts, begin) - 1
        if i < 0 or begin >= spans[i][1]:  # on a line between blocks: only a separator may be there
            if head.type == "html_block" and head.content.strip() == SEPARATOR:
                continue
            return None
        if end > spans[i][1] + 1:  # runs into what follows the blank line after its block
            return None
        slices[i].extend(tokens[first:stop])
        last_type[i] = head.type
    return [None if last_type[i] == "html_block" else parse_blocks(slices[i], 0, None)[0] for i in range(len(nodes))]


def predict_patched(text: str, patched: str, derived: list[Node]) -> list[Node] | None:
    """What ``patched`` (a patch comment line, then ``text``) parses to, given that ``text`` parses to ``derived``.

    The comment line opens and closes an HTML block (``>`` is escaped in its JSON), and the parser
    then starts afresh at ``text``, unless the table rule could take the comment line as a header
    row because ``text`` starts with a delimiter-like row: then None (parse instead).
    """
    comment, _, rest = patched.partition("\n")
    if rest != text or not (comment.startswith(PATCH_PREFIX) and comment.endswith(COMMENT_END)) or "\r" in comment:
        return None
    if _DELIMITER_LIKE.fullmatch(text.split("\n", 1)[0]) or not derived:
        return None
    patch = load_json(comment[len(PATCH_PREFIX) : -len(COMMENT_END)])
    if not isinstance(patch, dict):
        return None
    return [apply_patch(derived[0], patch), *derived[1:]]


_DELIMITER_LIKE = re.compile(r"[|\-: \t]*")


def _block_lines(nodes: list[Node], parts: list[str]) -> list[tuple[int, int]]:
    """(first line, line after the last) of each part, laid out as ``join_blocks`` lays them out."""
    spans = []
    line = 0
    for i, part in enumerate(parts):
        if i:
            line += 1  # the blank line
            same = nodes[i]["type"] == nodes[i - 1]["type"]
            if same and nodes[i]["type"] in ("bulletList", "orderedList", "blockquote"):
                line += 2  # the separator and another blank line
        end = line + part.count("\n") + 1
        spans.append((line, end))
        line = end
    return spans


def _top_level_groups(tokens: list[Token]) -> list[tuple[int, int]]:
    """(first, stop) token indices of each top-level block."""
    heads = [i for i, tok in enumerate(tokens) if tok.level == 0 and tok.nesting >= 0]
    return list(pairwise([*heads, len(tokens)]))
