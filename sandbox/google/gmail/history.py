"""``users.history.list``: the changes after ``startHistoryId``, oldest first (upstreams.md §6.1).

A start id older than the retention window (or 0) is 404 ``notFound``: the client must do a full sync. A start id
beyond the current one answers no records. Each response carries the mailbox's current ``historyId``.
"""

from __future__ import annotations

from starlette.responses import Response

from ..errors import invalid_value, required
from .context import GmailCtx, json_response
from .mailbox import Change
from .messages import MAX_RESULTS
from .resource import page_token, read_page_token

TYPES = ("messageAdded", "messageDeleted", "labelAdded", "labelRemoved")
_FIELD = {
    "messageAdded": "messagesAdded",
    "messageDeleted": "messagesDeleted",
    "labelAdded": "labelsAdded",
    "labelRemoved": "labelsRemoved",
}


def _record(change: Change) -> dict:
    ref = {"id": change.message_id, "threadId": change.thread_id}
    item: dict = {"message": {**ref, "labelIds": change.labels_after}}
    if change.kind in ("labelAdded", "labelRemoved"):
        item["labelIds"] = change.labels
    return {"id": str(change.id), "messages": [ref], _FIELD[change.kind]: [item]}


def _wanted(change: Change, types: list[str], label_id: str | None) -> bool:
    if types and change.kind not in types:
        return False
    return label_id is None or label_id in change.labels or label_id in change.labels_after


async def list_history(ctx: GmailCtx) -> Response:
    raw_start = ctx.param("startHistoryId")
    if not raw_start:
        raise required("startHistoryId")
    try:
        start = int(raw_start)
    except ValueError:
        raise invalid_value(
            "startHistoryId", f"Invalid value '{raw_start}'. Values must be unsigned integers."
        ) from None
    types = ctx.params("historyTypes")
    for kind in types:
        if kind not in TYPES:
            raise invalid_value("historyTypes", f"Invalid value '{kind}'. Values must be one of: {', '.join(TYPES)}")
    box = ctx.box
    if start <= 0 or start < box.history_floor:
        raise ctx.not_found()
    label_id = ctx.param("labelId")
    changes = [c for c in box.history if c.id > start and _wanted(c, types, label_id)]
    size = ctx.integer("maxResults", 100, 1, MAX_RESULTS)
    key = f"{start}:{','.join(types)}:{label_id or ''}"
    offset = read_page_token(ctx.param("pageToken"), key)
    chunk = changes[offset : offset + size]
    out: dict = {"historyId": str(box.history_id)}
    if chunk:
        out["history"] = [_record(c) for c in chunk]
    if offset + size < len(changes):
        out["nextPageToken"] = page_token(offset + size, key)
    return json_response(out)
