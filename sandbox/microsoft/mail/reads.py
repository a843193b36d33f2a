"""Reading mail: folders, message lists (``$filter``, ``$search``, ``$orderby``, ``$select``, ``$top``/``$skip``
paging with absolute ``@odata.nextLink``), one message, its attachments and MIME."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..graph import GraphError
from .access import MailPath, folder_of, message_of
from .model import Folder, Mailbox, Message
from .query import check_orderby, parse_filter, parse_orderby, parse_search, sort
from .render import attachment_json, folder_json, message_json, mime, select_message

DEFAULT_PAGE, MAX_PAGE = 10, 1000


def prefer(request: Request) -> dict[str, str]:
    """``Prefer: outlook.body-content-type="text", odata.maxpagesize=50`` -> {name: value} (lower-case names)."""
    out: dict[str, str] = {}
    for header in request.headers.getlist("prefer"):
        for part in header.split(","):
            name, _, value = part.strip().partition("=")
            out[name.strip().lower()] = value.strip().strip('"')
    return out


def immutable_ids(request: Request) -> bool:
    return prefer(request).get("idtype", "").lower() == "immutableid"


def body_type(request: Request) -> str | None:
    wanted = prefer(request).get("outlook.body-content-type", "").lower()
    return wanted if wanted in ("text", "html") else None


def applied(request: Request) -> dict[str, str]:
    wanted = body_type(request)
    return {"Preference-Applied": f'outlook.body-content-type="{wanted}"'} if wanted else {}


def names(request: Request, key: str) -> tuple[str, ...]:
    raw = request.query_params.get(key) or request.query_params.get(key.lstrip("$")) or ""
    return tuple(p.strip() for p in raw.split(",") if p.strip())


def whole(request: Request, key: str, default: int, maximum: int, minimum: int = 0) -> int:
    raw = request.query_params.get(key)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise GraphError(400, "BadRequest", f"Invalid value '{raw}' for {key}: give a whole number >= {minimum}.")
    return min(int(raw), maximum)


def graph_base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/v1.0"


def render(request: Request, box: Mailbox, message: Message) -> dict[str, Any]:
    item = message_json(box, message, graph_base(request), body_type(request))
    if "attachments" in names(request, "$expand"):
        item["attachments"] = [attachment_json(a) for a in message.attachments]
    return select_message(item, message, names(request, "$select"))


def page(request: Request, addr: MailPath, items: list[Any], context: str) -> dict[str, Any]:
    """One page of ``items`` with an absolute nextLink carrying the same options and the next ``$skip``."""
    size = whole(request, "$top", DEFAULT_PAGE, MAX_PAGE, minimum=1)
    maxpagesize = prefer(request).get("odata.maxpagesize", "")
    if maxpagesize.isdigit() and int(maxpagesize) > 0 and "$top" not in request.query_params:
        size = min(int(maxpagesize), MAX_PAGE)
    skip = whole(request, "$skip", 0, 10**9)
    body: dict[str, Any] = {"@odata.context": f"{graph_base(request)}/$metadata#{context}"}
    if request.query_params.get("$count", "").lower() == "true":
        body["@odata.count"] = len(items)
    body["value"] = items[skip : skip + size]
    if skip + size < len(items):
        params = {k: v for k, v in request.query_params.items() if k != "$skip"}
        params["$skip"] = str(skip + size)
        body["@odata.nextLink"] = f"{graph_base(request)}{addr.prefix}?{urlencode(params)}"
    return body


def list_folders(request: Request, box: Mailbox, addr: MailPath) -> Response:
    parent = folder_of(box, addr.folders[-1]).id if addr.folders else box.root_id
    folders = [folder_json(box, f) for f in box.children(parent)]
    select = names(request, "$select")
    if select:
        folders = [{k: v for k, v in f.items() if k in select or k == "id"} for f in folders]
    return JSONResponse(page(request, addr, folders, f"users('{box.address}')/mailFolders"))


def get_folder(request: Request, box: Mailbox, addr: MailPath) -> Response:
    return JSONResponse(folder_json(box, folder_of(box, addr.folders[-1])))


def matching(request: Request, box: Mailbox, folder: Folder | None) -> list[Message]:
    """The messages a list request names, filtered, searched and sorted as asked."""
    q = request.query_params
    search, filter_text, orderby_text = q.get("$search"), q.get("$filter"), q.get("$orderby")
    if search is not None and (filter_text or orderby_text):
        raise GraphError(
            400,
            "BadRequest",
            "$search cannot be combined with $filter or $orderby on messages: search, then filter the results.",
        )
    messages = box.in_folder(folder.id) if folder else list(box.messages.values())
    orderby = parse_orderby(orderby_text) if orderby_text else []
    if filter_text:
        predicate, fields = parse_filter(filter_text)
        check_orderby(orderby, fields)
        messages = [m for m in messages if predicate(m)]
    if search is not None:
        predicate = parse_search(search)
        messages = [m for m in messages if predicate(m)]
    return sort(messages, orderby)


def list_messages(request: Request, box: Mailbox, addr: MailPath) -> Response:
    folder = folder_of(box, addr.folders[-1]) if addr.folders else None
    items = [render(request, box, m) for m in matching(request, box, folder)]
    return JSONResponse(page(request, addr, items, f"users('{box.address}')/messages"), headers=applied(request))


def get_message(request: Request, box: Mailbox, addr: MailPath) -> Response:
    folder = folder_of(box, addr.folders[-1]) if addr.folders else None
    message = message_of(box, addr.message, folder)
    if addr.rest == ["$value"]:
        return Response(mime(message), media_type="application/octet-stream")  # as the spec declares
    if addr.rest and addr.rest[0] == "attachments":
        return attachments(request, message, addr.rest[1:])
    if addr.rest:
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{addr.rest[0]}'.")
    context = f"{graph_base(request)}/$metadata#users('{box.address}')/messages/$entity"
    return JSONResponse({"@odata.context": context, **render(request, box, message)}, headers=applied(request))


def attachments(request: Request, message: Message, rest: list[str]) -> Response:
    if not rest:
        items = [attachment_json(a) for a in message.attachments]
        select = names(request, "$select")
        if select:
            items = [{k: v for k, v in a.items() if k in select or k in ("id", "@odata.type")} for a in items]
        return JSONResponse({"value": items})
    found = next((a for a in message.attachments if a.id == rest[0]), None)
    if found is None:
        raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
    if rest[1:] == ["$value"]:
        safe = re.sub(r'["\\\r\n]', "_", found.name)
        return Response(
            found.data, media_type=found.content_type, headers={"Content-Disposition": f'attachment; filename="{safe}"'}
        )
    if rest[1:]:
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{rest[1]}'.")
    return JSONResponse(attachment_json(found))
