"""``users.messages``: list/search, get, send, modify, trash, untrash, batchModify, and ``attachments.get``."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from ..errors import GoogleError, invalid_value, required
from . import mime
from .context import GmailCtx, json_response
from .mailbox import StoredMessage
from .resource import check_format, id_only, message_json, page_token, read_page_token
from .search import compile_query, names_spam_or_trash
from .uploads import message_input

MAX_RESULTS = 500


def matching(ctx: GmailCtx) -> tuple[list[StoredMessage], str]:
    """The caller's messages for ``q``, ``labelIds`` and ``includeSpamTrash``, newest first; and a key for tokens."""
    q = ctx.param("q") or ""
    label_ids = ctx.params("labelIds")
    include_spam_trash = ctx.flag("includeSpamTrash")
    if q and ctx.metadata_only:
        raise GoogleError(403, "Metadata scope does not support 'q' parameter", "forbidden")
    predicate = compile_query(q, ctx.box, ctx.store.now())
    looks_in_bins = include_spam_trash or names_spam_or_trash(q) or bool({"SPAM", "TRASH"} & set(label_ids))
    found = [
        m
        for m in ctx.box.in_date_order()
        if (looks_in_bins or not {"SPAM", "TRASH"} & set(m.labels))
        and all(label in m.labels for label in label_ids)
        and predicate(m)
    ]
    key = hashlib.sha256(repr((q, sorted(label_ids), include_spam_trash)).encode()).hexdigest()[:12]
    return found, key


def page(ctx: GmailCtx, items: list, key: str, name: str, render: Callable[[Any], dict]) -> dict:
    size = ctx.integer("maxResults", 100, 1, MAX_RESULTS)
    offset = read_page_token(ctx.param("pageToken"), key)
    chunk = items[offset : offset + size]
    out: dict = {}
    if chunk:
        out[name] = [render(item) for item in chunk]
    if offset + size < len(items):
        out["nextPageToken"] = page_token(offset + size, key)
    out["resultSizeEstimate"] = len(items)
    return out


def find(ctx: GmailCtx, message_id: str) -> StoredMessage:
    """The message, 404 when unknown; an id that cannot be one (Gmail's are hex) is 400, as at Gmail."""
    if not re.fullmatch(r"[0-9a-fA-F]{1,32}", message_id):
        raise GoogleError(400, "Invalid id value", "invalidArgument", location="id")
    message = ctx.box.messages.get(message_id)
    if message is None:
        raise ctx.not_found()
    return message


def labels_json(m: StoredMessage) -> dict:
    return {**id_only(m), "labelIds": list(m.labels)}


def check_labels(ctx: GmailCtx, add: list[str], remove: list[str]) -> None:
    known = set(ctx.box.label_ids())
    for label in [*add, *remove]:
        if label not in known:
            raise GoogleError(400, f"Invalid label: {label}", "invalidArgument")
    for label in add:
        if label in ("DRAFT", "SENT"):
            raise GoogleError(400, f"Invalid label: {label}", "invalidArgument")


async def list_messages(ctx: GmailCtx) -> Response:
    found, key = matching(ctx)
    return json_response(page(ctx, found, key, "messages", id_only))


async def get_message(ctx: GmailCtx) -> Response:
    fmt = check_format(ctx.param("format"), ctx.metadata_only)
    message = find(ctx, ctx.request.path_params["id"])
    return json_response(message_json(message, fmt, ctx.params("metadataHeaders")))


async def send_message(ctx: GmailCtx) -> Response:
    meta, raw = await message_input(ctx, "Message")
    if raw is None:
        raise GoogleError(
            400,
            "'raw' RFC822 payload message string or uploading message via /upload/* URL required",
            "invalidArgument",
        )
    sent = ctx.store.send(ctx.user, raw, meta.get("threadId"))
    return json_response(labels_json(sent))


async def modify_message(ctx: GmailCtx) -> Response:
    body = await ctx.json_body("ModifyMessageRequest")
    add, remove = body.get("addLabelIds") or [], body.get("removeLabelIds") or []
    check_labels(ctx, add, remove)
    message = find(ctx, ctx.request.path_params["id"])
    ctx.box.relabel(message, add, remove, ctx.store.now())
    return json_response(labels_json(message))


async def trash_message(ctx: GmailCtx) -> Response:
    message = find(ctx, ctx.request.path_params["id"])
    ctx.box.relabel(message, ["TRASH"], [], ctx.store.now())
    return json_response(labels_json(message))


async def untrash_message(ctx: GmailCtx) -> Response:
    message = find(ctx, ctx.request.path_params["id"])
    ctx.box.relabel(message, [], ["TRASH"], ctx.store.now())
    return json_response(labels_json(message))


async def batch_modify(ctx: GmailCtx) -> Response:
    body = await ctx.json_body("BatchModifyMessagesRequest")
    ids = body.get("ids") or []
    if not ids:
        raise required("ids")
    if len(ids) > 1000:
        raise invalid_value("ids", "Too many ids: at most 1000 per call.")
    add, remove = body.get("addLabelIds") or [], body.get("removeLabelIds") or []
    check_labels(ctx, add, remove)
    for message_id in ids:
        message = ctx.box.messages.get(message_id)
        if message is not None:
            ctx.box.relabel(message, add, remove, ctx.store.now())
    return json_response(None)


async def get_attachment(ctx: GmailCtx) -> Response:
    message = find(ctx, ctx.request.path_params["messageId"])
    decoded = mime.parse_attachment_id(ctx.request.path_params["id"])
    if decoded is None or decoded[0] != message.id:
        raise GoogleError(400, "Invalid attachment token", "invalidArgument", location="id")
    for attachment in message.parsed.attachments:
        if attachment.part_id == decoded[1]:
            return json_response({"size": len(attachment.data), "data": mime.b64url(attachment.data)})
    raise ctx.not_found()


async def delete_message(ctx: GmailCtx) -> Response:
    """Permanent deletion (``https://mail.google.com/`` only): a ``messageDeleted`` history record."""
    message = find(ctx, ctx.request.path_params["id"])
    ctx.box.delete(message.id, ctx.store.now())
    return json_response(None)


async def batch_delete(ctx: GmailCtx) -> Response:
    body = await ctx.json_body("BatchDeleteMessagesRequest")
    ids = body.get("ids") or []
    if not ids:
        raise required("ids")
    if len(ids) > 1000:
        raise invalid_value("ids", "Too many ids: at most 1000 per call.")
    for message_id in ids:
        if message_id in ctx.box.messages:
            ctx.box.delete(message_id, ctx.store.now())
    return json_response(None)
