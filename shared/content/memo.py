"""Recently converted documents, so reading a file page by page converts it once, not once per page.

Keyed by a hash of the bytes (with name, type, link and limits): a hit needs the very same bytes, which the caller
has just downloaded with its own permissions, so nothing crosses from one user to another. Bounded by the total
characters kept; the oldest documents go first.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Hashable

import anyio.to_thread

from .model import Document

MAX_KEPT_CHARS = 4_000_000  # ~8-16 MB of text across all kept documents
_HASH_IN_THREAD = 1024 * 1024  # hashing more than this would hold the event loop for milliseconds

_kept: OrderedDict[Hashable, Document] = OrderedDict()
_kept_chars = 0


async def key_for(data: bytes, how: Hashable) -> Hashable:
    """`how`: everything besides the bytes that shapes the result (name, type, link, limits, converter)."""
    if len(data) > _HASH_IN_THREAD:
        digest = await anyio.to_thread.run_sync(_digest, data)  # hashlib releases the GIL on large buffers
    else:
        digest = _digest(data)
    return (digest, how)


def recall(key: Hashable) -> Document | None:
    document = _kept.get(key)
    if document is not None:
        _kept.move_to_end(key)
    return document


def remember(key: Hashable, document: Document) -> None:
    global _kept_chars
    if len(document.markdown) > MAX_KEPT_CHARS // 2 or key in _kept:
        return
    _kept[key] = document
    _kept_chars += len(document.markdown)
    while _kept_chars > MAX_KEPT_CHARS:
        _, oldest = _kept.popitem(last=False)
        _kept_chars -= len(oldest.markdown)


def forget_all() -> None:
    global _kept_chars
    _kept.clear()
    _kept_chars = 0


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=20).digest()
