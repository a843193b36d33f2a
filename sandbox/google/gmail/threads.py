"""``users.threads``: list/search (a thread matches when one of its messages does), get, modify, trash, untrash."""

from __future__ import annotations

from starlette.responses import Response

from .context import GmailCtx, json_response
from .mailbox import StoredMessage
from .messages import check_labels, matching, page
from .resource import check_format, thread_json


def _thread(ctx: GmailCtx) -> list[StoredMessage]:
    messages = ctx.box.thread(ctx.request.path_params["id"])
    if not messages:
        raise ctx.not_found()
    return messages


async def list_threads(ctx: GmailCtx) -> Response:
    found, key = matching(ctx)
    newest: dict[str, StoredMessage] = {}
    for message in found:  # newest first: the first message seen stands for its thread
        newest.setdefault(message.thread_id, message)

    def render(m: StoredMessage) -> dict:
        messages = ctx.box.thread(m.thread_id)
        return {
            "id": m.thread_id,
            "snippet": messages[-1].parsed.snippet,
            "historyId": str(max(x.history_id for x in messages)),
        }

    return json_response(page(ctx, list(newest.values()), key, "threads", render))


async def get_thread(ctx: GmailCtx) -> Response:
    fmt = check_format(ctx.param("format"), ctx.metadata_only)
    if fmt == "raw":
        fmt = "minimal"  # threads.get has no raw format
    return json_response(thread_json(ctx.box, _thread(ctx), fmt, ctx.params("metadataHeaders")))


async def modify_thread(ctx: GmailCtx) -> Response:
    body = await ctx.json_body("ModifyThreadRequest")
    add, remove = body.get("addLabelIds") or [], body.get("removeLabelIds") or []
    check_labels(ctx, add, remove)
    messages = _thread(ctx)
    for message in messages:
        ctx.box.relabel(message, add, remove, ctx.store.now())
    return json_response(thread_json(ctx.box, messages, "minimal", None))


async def trash_thread(ctx: GmailCtx) -> Response:
    messages = _thread(ctx)
    for message in messages:
        ctx.box.relabel(message, ["TRASH"], [], ctx.store.now())
    return json_response(thread_json(ctx.box, messages, "minimal", None))


async def untrash_thread(ctx: GmailCtx) -> Response:
    messages = _thread(ctx)
    for message in messages:
        ctx.box.relabel(message, [], ["TRASH"], ctx.store.now())
    return json_response(thread_json(ctx.box, messages, "minimal", None))
