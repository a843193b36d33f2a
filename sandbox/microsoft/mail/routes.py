"""The Outlook mail workload of the Graph emulator (an entry of ``app.GRAPH_WORKLOADS``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..graph import GraphError, Principal
from . import compose, reads, uploads
from .access import SEND, WRITE, MailPath, check, folder_of, message_of, open_mailbox, parse
from .delta import delta
from .model import Mailbox, MailStore, Message, new_id
from .reads import immutable_ids
from .render import attachment_json

RESPONSES = {"createReply": "reply", "createReplyAll": "replyAll", "createForward": "forward"}
SEND_NOW = {"reply": "reply", "replyAll": "replyAll", "forward": "forward"}


async def dispatch(request: Request, path: str) -> Response | None:
    """Answer a mail request below /v1.0; ``None`` if ``path`` is not about mail."""
    addr = parse(path)
    if addr is None:
        return None
    who, box = open_mailbox(request, addr.owner)
    store: MailStore = request.app.state.mail
    return await _handle(request, store, who, box, addr)


def _not_allowed(method: str, addr: MailPath) -> GraphError:
    target = addr.rest[0] if addr.rest else addr.collection or "mailFolder"
    return GraphError(405, "ErrorInvalidRequest", f"The {method} method is not supported on '{target}'.")


async def _handle(request: Request, store: MailStore, who: Principal, box: Mailbox, addr: MailPath) -> Response:
    method = request.method
    if addr.collection == "sendMail":
        if method != "POST":
            raise _not_allowed(method, addr)
        return await _send_mail(request, store, who, box)
    if addr.collection in ("mailFolders", "childFolders") or (addr.folders and not addr.collection):
        if method != "GET":
            raise _not_allowed(method, addr)
        if addr.collection:
            return reads.list_folders(request, box, addr)
        return reads.get_folder(request, box, addr)
    if addr.collection == "delta":
        if method != "GET":
            raise _not_allowed(method, addr)
        return delta(request, store, box, addr)
    if not addr.message:
        if method == "GET":
            return reads.list_messages(request, box, addr)
        if method == "POST":
            check(who, WRITE, "Mail.ReadWrite")
            folder = folder_of(box, addr.folders[-1]) if addr.folders else box.well_known("drafts")
            draft = compose.new_draft(box, folder.id, await compose.json_body(request))
            return _message(request, box, draft, 201)
        raise _not_allowed(method, addr)
    if method == "GET":
        return reads.get_message(request, box, addr)
    check(who, WRITE, "Mail.ReadWrite")
    message = message_of(box, addr.message, folder_of(box, addr.folders[-1]) if addr.folders else None)
    if not addr.rest:
        if method == "PATCH":
            compose.apply_fields(message, await compose.json_body(request), message.received)
            box.touch(message)
            return _message(request, box, message, 200)
        if method == "DELETE":
            box.remove(message)
            return Response(status_code=204)
        raise _not_allowed(method, addr)
    if addr.rest[0] == "attachments":
        return await _attachment_write(request, box, message, addr)
    if method != "POST" or len(addr.rest) != 1:
        raise _not_allowed(method, addr)
    return await _action(request, store, who, box, message, addr.rest[0])


def _message(request: Request, box: Mailbox, message: Message, status: int) -> Response:
    context = f"{reads.graph_base(request)}/$metadata#users('{box.address}')/messages/$entity"
    body = {"@odata.context": context, **reads.render(request, box, message)}
    return JSONResponse(body, status_code=status, headers=reads.applied(request))


async def _attachment_write(request: Request, box: Mailbox, message: Message, addr: MailPath) -> Response:
    if request.method == "POST" and addr.rest[1:] == ["createUploadSession"]:
        return uploads.create(request, request.app.state.mail, box, message, await compose.json_body(request))
    if request.method == "POST" and len(addr.rest) == 1:
        attachment = compose.attachment_from_json(await compose.json_body(request), datetime.now(UTC))
        message.attachments.append(attachment)
        box.touch(message)
        return JSONResponse(attachment_json(attachment), status_code=201)
    if request.method == "DELETE" and len(addr.rest) == 2:
        kept = [a for a in message.attachments if a.id != addr.rest[1]]
        if len(kept) == len(message.attachments):
            raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        message.attachments = kept
        box.touch(message)
        return Response(status_code=204)
    raise _not_allowed(request.method, addr)


async def _action(
    request: Request, store: MailStore, who: Principal, box: Mailbox, message: Message, action: str
) -> Response:
    if action == "send":
        check(who, SEND, "Mail.Send")
        compose.send(store, box, message)
        return Response(status_code=202)
    if action in ("move", "copy"):
        body = await compose.json_body(request)
        destination = body.get("destinationId")
        if not isinstance(destination, str) or not destination:
            raise GraphError(400, "ErrorInvalidIdMalformed", "Give destinationId: a folder id or a well-known name.")
        folder = folder_of(box, destination)
        if action == "copy":
            copy = replace(
                message,
                id=new_id("AAMkAGmsg"),
                folder_id=folder.id,
                attachments=list(message.attachments),
                categories=list(message.categories),
            )
            return _message(request, box, box.add(copy), 201)
        box.move(message, folder.id, new_id_on_move=not immutable_ids(request))
        return _message(request, box, message, 201)
    kind = RESPONSES.get(action) or SEND_NOW.get(action)
    if kind is None:
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{action}'.")
    body = await compose.json_body(request, required=False)
    if kind == "forward" and action in SEND_NOW and "toRecipients" not in body:
        raise GraphError(400, "ErrorInvalidRecipients", "forward needs toRecipients.")
    draft = compose.response_draft(box, message, kind, body)
    if action in SEND_NOW:
        check(who, SEND, "Mail.Send")
        compose.send(store, box, draft)
        return Response(status_code=202)
    return _message(request, box, draft, 201)


async def _send_mail(request: Request, store: MailStore, who: Principal, box: Mailbox) -> Response:
    check(who, SEND, "Mail.Send")
    body = await compose.json_body(request)
    message: Any = body.get("message")
    if not isinstance(message, dict):
        raise GraphError(400, "ErrorInvalidRequest", 'sendMail needs {"message": {...}, "saveToSentItems": true}.')
    save = body.get("saveToSentItems", True)
    if not isinstance(save, bool):
        raise GraphError(400, "ErrorInvalidRequest", "saveToSentItems must be true or false.")
    draft = compose.new_draft(box, box.well_known("drafts").id, message)
    try:
        compose.send(store, box, draft, save_copy=save)
    except GraphError:
        box.remove(draft)  # a failed sendMail leaves nothing behind
        raise
    return Response(status_code=202)
