"""delta (change tracking) and search(q=) on drives.

A delta cursor is ``{"g": generation, "s": since, "a": after, "u": upto, "f": full}`` in the drive's change
sequence: a page lists the items changed in (max(s, a), u] in sequence order, ``a`` moving forward page by page
(keyset paging, so changes made meanwhile never shift a page). The deltaLink carries ``s = u``. Expiring tokens
(control API) bumps the generation: older cursors answer 410 Gone with ``resyncRequired``.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import JSONResponse, Response

from ..graph import GraphError, apply_select, bad_request, decode_cursor, encode_cursor, query_options
from .access import Context, can_read, is_member
from .items import DEFAULT_PAGE, MAX_PAGE, page_link
from .links import render_item
from .model import Drive, Item

RESYNC_MESSAGE = (
    "Resync required. Replace any local items with the server's version (including deletes) if "
    "you're sure that the service was up to date with your local changes when you last sync'd. Upload any "
    "local changes that the server doesn't know about."
)


def delta(ctx: Context, drive: Drive, item: Item, prefix: str, argument: str) -> Response:
    if item.parent_id is not None:
        raise bad_request(
            "delta is only supported on the root folder of a OneDrive for Business or SharePoint "
            "drive: call root/delta."
        )
    if not is_member(ctx, drive):
        raise GraphError(403, "accessDenied", "Access denied: delta needs access to the whole drive.")
    store = ctx.store
    q = query_options(ctx.request)
    token = argument or ctx.request.query_params.get("token", "")
    with store.lock:
        current = drive.seq
        if token == "latest":
            return _page(ctx, prefix, [], {"g": store.generation, "s": current}, None, q.select)
        if token:
            cursor = decode_cursor(token)
            if cursor is None or not {"g", "s"} <= cursor.keys():
                raise bad_request(
                    "The delta token is not one this service issued; follow @odata.nextLink and "
                    "@odata.deltaLink verbatim, or start again without a token."
                )
            if cursor["g"] != store.generation:
                restart = f"{ctx.graph_base}{prefix}/delta"
                raise GraphError(410, "resyncRequired", RESYNC_MESSAGE, {"Location": restart})
        else:
            cursor = {"g": store.generation, "s": 0, "f": 1}
        upto = cursor.get("u", current)
        after = max(cursor["s"], cursor.get("a", 0))
        full = bool(cursor.get("f"))
        changed = sorted(
            (
                i
                for i in store.items.values()
                if i.drive_id == drive.id and after < i.seq <= upto and not (full and i.deleted)
            ),
            key=lambda i: i.seq,
        )
        size = min(q.top or DEFAULT_PAGE, MAX_PAGE)
        page = changed[:size]
        if len(changed) > size:
            following = {**cursor, "a": page[-1].seq, "u": upto}
            return _page(ctx, prefix, page, None, following, q.select)
        return _page(ctx, prefix, page, {"g": store.generation, "s": upto}, None, q.select)


def _page(
    ctx: Context,
    prefix: str,
    items: list[Item],
    delta_cursor: dict[str, Any] | None,
    next_cursor: dict[str, Any] | None,
    select: tuple[str, ...],
) -> Response:
    body: dict[str, Any] = {
        "@odata.context": f"{ctx.graph_base}/$metadata#Collection(driveItem)",
        "value": [apply_select(render_item(ctx, i, for_delta=True), select) for i in items],
    }
    if next_cursor is not None:
        body["@odata.nextLink"] = page_link(ctx, prefix + "/delta", token=encode_cursor(next_cursor))
    else:
        body["@odata.deltaLink"] = page_link(ctx, prefix + "/delta", token=encode_cursor(delta_cursor or {}))
    return JSONResponse(body)


def _terms(q: str) -> list[str]:
    return [t for t in re.split(r"[\s\"']+", q.lower()) if t]


def _matches(item: Item, terms: list[str]) -> bool:
    haystack = f"{item.name} {item.text}".lower()
    return all(term in haystack for term in terms)


def search(ctx: Context, drive: Drive, scope: Item | None, prefix: str, q_text: str) -> Response:
    """``root/search`` looks in one drive; drive-level ``search`` also finds items shared with the caller."""
    terms = _terms(q_text)
    if not terms:
        raise bad_request("search(q='...') needs at least one word to look for.")
    store = ctx.store
    q = query_options(ctx.request)
    with store.lock:
        if scope is not None:
            pool = store.descendants(scope)
        else:
            pool = [
                i
                for i in store.items.values()
                if not i.deleted
                and i.parent_id is not None
                and (i.drive_id == drive.id or not is_member(ctx, store.drives[i.drive_id]))
            ]
        found = [i for i in pool if can_read(ctx, i) and _matches(i, terms)]
    found.sort(key=lambda i: (not all(t in i.name.lower() for t in terms), -i.modified.timestamp(), i.name))
    size = min(q.top or DEFAULT_PAGE, MAX_PAGE)
    start = 0
    if q.skiptoken:
        cursor = decode_cursor(q.skiptoken)
        start = cursor.get("o", 0) if cursor else 0
    page = found[start : start + size]
    value = []
    for item in page:
        rendered = render_item(ctx, item)
        rendered["searchResult"] = {"onClickTelemetryUrl": f"{ctx.base}/_search/click?id={item.id}"}
        value.append(apply_select(rendered, q.select))
    body: dict[str, Any] = {"@odata.context": f"{ctx.graph_base}/$metadata#Collection(driveItem)", "value": value}
    if start + size < len(found):
        literal = q_text.replace("'", "''")
        body["@odata.nextLink"] = page_link(
            ctx, f"{prefix}/search(q='{literal}')", **{"$skiptoken": encode_cursor({"o": start + size})}
        )
    return JSONResponse(body)
