"""Per-folder message delta: ``GET …/mailFolders/{id}/messages/delta``.

The first call (no token) lists the folder; later rounds (``$deltatoken``) list messages created or changed in it
since, and ``{"id", "@removed": {"reason": "deleted"}}`` for messages deleted or moved out. Query options of the
first call (``$select``, ``$top``/``Prefer: odata.maxpagesize``, ``$filter=receivedDateTime ge …``,
``changeType``) are kept in the tokens. A page's ``@odata.nextLink`` carries ``$skiptoken``, the last page's
``@odata.deltaLink`` a ``$deltatoken``. Tokens from before ``expire-delta-tokens`` (or a reset) answer
410 ``SyncStateNotFound`` with a ``Location`` that restarts the enumeration.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..graph import GraphError, decode_cursor, encode_cursor
from .access import MailPath, folder_of
from .model import Mailbox, MailStore, Message
from .query import parse_filter
from .reads import DEFAULT_PAGE, MAX_PAGE, graph_base, names, prefer, render

CHANGE_TYPES = ("created", "updated", "deleted")


def _options(request: Request) -> dict[str, Any]:
    q = request.query_params
    if q.get("$search"):
        raise GraphError(400, "BadRequest", "$search is not supported on message delta.")
    filter_text = q.get("$filter", "")
    if filter_text:
        _, fields = parse_filter(filter_text)
        if set(fields) != {"receiveddatetime"}:
            raise GraphError(400, "BadRequest", "Delta supports $filter on receivedDateTime (ge or gt) only.")
    size = q.get("$top") or prefer(request).get("odata.maxpagesize", "")
    change_type = q.get("changeType", "")
    if change_type and change_type not in CHANGE_TYPES:
        raise GraphError(400, "BadRequest", "changeType must be created, updated or deleted.")
    return {
        "select": list(names(request, "$select")),
        "size": min(int(size), MAX_PAGE) if size.isdigit() and int(size) > 0 else DEFAULT_PAGE,
        "filter": filter_text,
        "changeType": change_type,
    }


def _state(request: Request, store: MailStore, box: Mailbox, folder_id: str, restart: str) -> dict[str, Any]:
    q = request.query_params
    token = q.get("$skiptoken") or q.get("$deltatoken")
    if not token:
        return {**_options(request), "since": 0, "upto": box.seq, "after": [0, ""], "e": store.epoch}
    state = decode_cursor(token)
    if state is None or state.get("f") != folder_id or state.get("mb") != box.address:
        raise GraphError(400, "BadRequest", "The delta token is not valid for this folder; start again without it.")
    if state.get("e") != store.epoch:
        raise GraphError(
            410,
            "SyncStateNotFound",
            "The sync state has expired. Start a full synchronization from the Location header.",
            {"Location": restart},
        )
    if "$deltatoken" in q and "$skiptoken" not in q:
        state = {**state, "since": state["upto"], "upto": box.seq, "after": [0, ""]}
    return state


def _changes(box: Mailbox, folder_id: str, state: dict[str, Any]) -> list[tuple[int, str, Message | None]]:
    since, upto = state["since"], state["upto"]
    predicate = parse_filter(state["filter"])[0] if state["filter"] else None
    out: list[tuple[int, str, Message | None]] = []
    present = set()
    for message in box.in_folder(folder_id):
        present.add(message.id)
        if since < message.seq <= upto and (predicate is None or predicate(message)):
            created = message.version == 1 or since == 0
            kind = "created" if created else "updated"
            if state["changeType"] in ("", kind):
                out.append((message.seq, message.id, message))
    if since and state["changeType"] in ("", "deleted"):
        gone = {}
        for stone in box.tombstones:
            if stone.folder_id == folder_id and since < stone.seq <= upto and stone.message_id not in present:
                gone[stone.message_id] = stone.seq
        out.extend((seq, message_id, None) for message_id, seq in gone.items())
    return sorted(out, key=lambda change: (change[0], change[1]))


def delta(request: Request, store: MailStore, box: Mailbox, addr: MailPath) -> Response:
    if not addr.folders:
        raise GraphError(400, "BadRequest", "Message delta is per folder: use /me/mailFolders/{id}/messages/delta.")
    folder = folder_of(box, addr.folders[-1])
    link = f"{graph_base(request)}{addr.prefix}/delta"
    state = _state(request, store, box, folder.id, f"{link}?$deltatoken=")
    after = (state["after"][0], state["after"][1])
    pending = [c for c in _changes(box, folder.id, state) if (c[0], c[1]) > after]
    chunk = pending[: state["size"]]
    values: list[dict[str, Any]] = []
    for _, message_id, message in chunk:
        if message is None:
            values.append(
                {"@odata.type": "#microsoft.graph.message", "id": message_id, "@removed": {"reason": "deleted"}}
            )
        else:
            item = render(request, box, message)
            if state["select"]:
                item = {k: v for k, v in item.items() if k in state["select"] or k == "id" or k.startswith("@")}
            values.append({"@odata.type": "#microsoft.graph.message", **item})
    body: dict[str, Any] = {"@odata.context": f"{graph_base(request)}/$metadata#Collection(message)", "value": values}
    common = {"mb": box.address, "f": folder.id}
    if len(pending) > len(chunk):
        last = chunk[-1]
        token = encode_cursor({**state, **common, "after": [last[0], last[1]]})
        body["@odata.nextLink"] = f"{link}?{urlencode({'$skiptoken': token})}"
    else:
        token = encode_cursor({**state, **common, "after": [0, ""]})
        body["@odata.deltaLink"] = f"{link}?{urlencode({'$deltatoken': token})}"
    return JSONResponse(body)
