"""ADF -> Markdown that parses back to exactly the same ADF.

Every top-level block rendered to Markdown is checked to parse back to the original; if it does
not, it is retried with all styled text as ``adf:`` spans, then with a patch, and finally emitted
as an ``adf`` fence; the whole document is checked once more. Each round of attempts is checked
with one parse of the whole document (see ``one_parse``) instead of one parse per block.
"""

from __future__ import annotations

from collections.abc import Generator

from .one_parse import derive_each, predict_patched
from .patch import make_patch
from .render_blocks import fence, join_blocks, render_block
from .render_inline import Ctx
from .syntax import ADF_FENCE, COMMENT_END, PATCH_PREFIX, Node, Unrepresentable, dumps
from .to_adf import parse_markdown

Attempts = Generator[str, list[Node], None]


def adf_to_markdown(doc: dict | None) -> str:
    """Convert an ADF ``doc`` (or None) to Markdown."""
    if not doc or not doc.get("content"):
        return ""
    nodes = doc["content"]
    attempts = [_attempts(node) for node in nodes]
    parts = [next(a) for a in attempts]
    pending = set(range(len(nodes)))  # blocks whose current attempt has not been judged yet
    while pending:
        markdown = join_blocks(nodes, parts) + "\n"
        derived = derive_each(nodes, parts, markdown)
        if derived is None:
            break  # this document needs each block parsed on its own
        for i in sorted(pending):
            got = derived[i]
            next_part = _judge(attempts[i], parse_markdown(parts[i]) if got is None else got)
            if got is not None and next_part is not None:
                predicted = predict_patched(parts[i], next_part, got)
                if predicted is not None:  # a patch in front: judged without parsing again
                    parts[i], derived[i] = next_part, predicted
                    next_part = _judge(attempts[i], predicted)
            if next_part is None:
                pending.discard(i)
            else:
                parts[i], derived[i] = next_part, None
        if all(d == [node] for d, node in zip(derived, nodes, strict=True)):
            return join_blocks(nodes, parts) + "\n"  # every block, so the whole document, parses back exactly
    for i in pending:
        parts[i] = _settle_alone(attempts[i], parts[i])
    for _ in range(len(nodes)):  # blocks can interact (e.g. an unclosed fence)
        markdown = join_blocks(nodes, parts) + "\n"
        bad = _first_mismatch(nodes, parse_markdown(markdown))
        if bad is None:
            return markdown
        parts[bad] = fence(dumps(nodes[bad]), ADF_FENCE)
    return join_blocks(nodes, parts) + "\n"


def _attempts(node: Node) -> Attempts:
    """The Markdown to try for one top-level block, in order; each attempt is sent back what it parses to."""
    for safe in (False, True):
        try:
            text = render_block(node, Ctx(safe=safe))
        except Unrepresentable:
            continue
        derived = yield text
        if derived == [node]:
            return
        if len(derived) == 1:
            try:
                patch = make_patch(node, derived[0])
            except Unrepresentable:
                continue
            comment = PATCH_PREFIX + dumps(patch).replace(">", "\\u003e") + COMMENT_END
            if (yield comment + "\n" + text) == [node]:
                return
    yield fence(dumps(node), ADF_FENCE)  # always exact: the node's own JSON


def _judge(attempts: Attempts, derived: list[Node]) -> str | None:
    """The next attempt after one that parsed to ``derived``; None when that one is kept."""
    try:
        return attempts.send(derived)
    except StopIteration:
        return None


def _settle_alone(attempts: Attempts, part: str) -> str:
    """Judge a block's attempts by parsing each on its own."""
    while (following := _judge(attempts, parse_markdown(part))) is not None:
        part = following
    return part


def _first_mismatch(nodes: list[Node], derived: list[Node]) -> int | None:
    for i, node in enumerate(nodes):
        if i >= len(derived) or derived[i] != node:
            return i
    return None if len(derived) == len(nodes) else len(nodes) - 1
