"""``users.labels`` (list, get, create, delete) and ``users.getProfile``."""

from __future__ import annotations

from starlette.responses import Response

from ..errors import GoogleError, required
from .context import GmailCtx, json_response
from .mailbox import SYSTEM_LABELS
from .resource import label_json


async def list_labels(ctx: GmailCtx) -> Response:
    return json_response({"labels": [label_json(ctx.box, i, counts=False) for i in ctx.box.label_ids()]})


async def get_label(ctx: GmailCtx) -> Response:
    label_id = ctx.request.path_params["id"]
    if label_id not in ctx.box.label_ids():
        raise ctx.not_found()
    return json_response(label_json(ctx.box, label_id, counts=True))


async def create_label(ctx: GmailCtx) -> Response:
    body = await ctx.json_body("Label")
    name = (body.get("name") or "").strip()
    if not name:
        raise required("label.name")
    if name.upper() in SYSTEM_LABELS:
        raise GoogleError(400, "Invalid label name", "invalidArgument")
    if any(label.name.lower() == name.lower() for label in ctx.box.user_labels.values()):
        raise GoogleError(409, "Label name exists or conflicts", "duplicate")
    extra = {
        "message_list_visibility": body.get("messageListVisibility") or "show",
        "label_list_visibility": body.get("labelListVisibility") or "labelShow",
        "color": body.get("color"),
    }
    label = ctx.box.new_label(name, **extra)
    return json_response(label_json(ctx.box, label.id, counts=False))


async def delete_label(ctx: GmailCtx) -> Response:
    label_id = ctx.request.path_params["id"]
    if label_id in SYSTEM_LABELS:
        raise GoogleError(400, "Invalid delete request", "invalidArgument")
    if label_id not in ctx.box.user_labels:
        raise ctx.not_found()
    for message in list(ctx.box.messages.values()):
        ctx.box.relabel(message, [], [label_id], ctx.store.now())
    del ctx.box.user_labels[label_id]
    return json_response(None)


async def get_profile(ctx: GmailCtx) -> Response:
    box = ctx.box
    return json_response(
        {
            "emailAddress": box.owner,
            "messagesTotal": len(box.messages),
            "threadsTotal": len({m.thread_id for m in box.messages.values()}),
            "historyId": str(box.history_id),
        }
    )
