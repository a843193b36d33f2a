"""``users.drafts``: create, list, get, update, send, delete. A draft is a message labelled DRAFT.

Sending a draft removes the draft and its message and sends its content (draft-then-send lets a client retry a
send safely: a second ``drafts.send`` of the same id is a 404, not a second message).
"""

from __future__ import annotations

from starlette.responses import Response

from ..errors import GoogleError
from .context import GmailCtx, json_response
from .mailbox import StoredMessage
from .messages import labels_json, matching, page
from .resource import check_format, draft_json, id_only
from .uploads import message_input


def _draft(ctx: GmailCtx, draft_id: str) -> StoredMessage:
    message_id = ctx.box.drafts.get(draft_id)
    if message_id is None or message_id not in ctx.box.messages:
        raise ctx.not_found()
    return ctx.box.messages[message_id]


def _file_draft(ctx: GmailCtx, raw: bytes, thread_id: str | None) -> StoredMessage:
    return ctx.store.file(ctx.user, raw, ["DRAFT"], thread_id=thread_id)


async def create_draft(ctx: GmailCtx) -> Response:
    meta, raw = await message_input(ctx, "Draft")
    if raw is None:
        raise GoogleError(400, "Invalid draft: a message with 'raw' (or an upload) is required", "invalidArgument")
    message = _file_draft(ctx, raw, (meta.get("message") or {}).get("threadId"))
    draft_id = f"r{ctx.box.rng.getrandbits(62)}"
    ctx.box.drafts[draft_id] = message.id
    return json_response(draft_json(draft_id, message, None))


async def list_drafts(ctx: GmailCtx) -> Response:
    found, key = matching(ctx)
    by_message = {message_id: draft_id for draft_id, message_id in ctx.box.drafts.items()}
    drafts = [(by_message[m.id], m) for m in found if m.id in by_message]
    return json_response(page(ctx, drafts, key, "drafts", lambda d: {"id": d[0], "message": id_only(d[1])}))


async def get_draft(ctx: GmailCtx) -> Response:
    fmt = check_format(ctx.param("format"), ctx.metadata_only)
    draft_id = ctx.request.path_params["id"]
    return json_response(draft_json(draft_id, _draft(ctx, draft_id), fmt))


async def update_draft(ctx: GmailCtx) -> Response:
    draft_id = ctx.request.path_params["id"]
    old = _draft(ctx, draft_id)
    meta, raw = await message_input(ctx, "Draft")
    if raw is None:
        raise GoogleError(400, "Invalid draft: a message with 'raw' (or an upload) is required", "invalidArgument")
    thread_id = (meta.get("message") or {}).get("threadId") or old.thread_id
    ctx.box.delete(old.id, ctx.store.now())
    message = _file_draft(ctx, raw, thread_id)
    ctx.box.drafts[draft_id] = message.id
    return json_response(draft_json(draft_id, message, None))


async def send_draft(ctx: GmailCtx) -> Response:
    meta, raw = await message_input(ctx, "Draft")
    draft_id = meta.get("id")
    if not draft_id:
        raise GoogleError(400, "Invalid draft: the draft 'id' is required", "invalidArgument", location="id")
    old = _draft(ctx, draft_id)
    sent = ctx.store.send(ctx.user, raw if raw is not None else old.raw, old.thread_id)  # may refuse: draft kept
    ctx.box.delete(old.id, ctx.store.now())
    del ctx.box.drafts[draft_id]
    return json_response(labels_json(sent))


async def delete_draft(ctx: GmailCtx) -> Response:
    draft_id = ctx.request.path_params["id"]
    message = _draft(ctx, draft_id)
    ctx.box.delete(message.id, ctx.store.now())
    del ctx.box.drafts[draft_id]
    return json_response(None)
