"""SharePoint sites and drive lists: ``/sites?search=``, ``/sites/{id}``, ``/sites/{host}:/{path}``,
``/sites/{id}/drives``, ``/me/drives``, ``/users/{id}/drives``."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..graph import GraphError, apply_select, query_options
from ..users import by_email, by_id
from .access import Context, context, is_member
from .render import drive_json, site_json
from .seed import SITES, Site, personal_drive_id

_BY_PATH = re.compile(r"^/sites/([^/:]+):(/[^:]*)(?::(.*))?$")


def _site_visible(ctx: Context, site: Site) -> bool:
    return ctx.who.user is None or any(m.id == ctx.who.user.id for m in site.members)


def _find_site(ctx: Context, key: str) -> Site:
    site = next((s for s in SITES if s.id == key or (key == "root" and s.name == "root")), None)
    if site is None and key.count(",") == 0:  # a bare site collection id
        site = next((s for s in SITES if s.id.split(",")[1] == key), None)
    if site is None or not _site_visible(ctx, site):
        raise GraphError(404, "itemNotFound", "Requested site could not be found")
    return site


def _drives(ctx: Context, site: Site) -> Response:
    drives = [ctx.store.drives[d] for d in site.drive_ids]
    q = query_options(ctx.request)
    value = [apply_select(drive_json(ctx.store, d), q.select) for d in drives if is_member(ctx, d)]
    return JSONResponse({"@odata.context": f"{ctx.graph_base}/$metadata#drives", "value": value})


def _site(ctx: Context, site: Site) -> Response:
    body = {"@odata.context": f"{ctx.graph_base}/$metadata#sites/$entity", **site_json(site)}
    return JSONResponse(apply_select(body, query_options(ctx.request).select))


def dispatch(request: Request, path: str) -> Response | None:
    """Handle the site and drive-list paths; ``None`` when ``path`` is none of them."""
    if request.method != "GET":
        return None
    if path == "/sites":
        ctx = context(request)
        term = request.query_params.get("search", "").strip().lower()
        if not term:
            raise GraphError(400, "invalidRequest", "List sites with ?search=<words> (or search=* for all).")
        found = [
            s
            for s in SITES
            if _site_visible(ctx, s) and (term == "*" or term in f"{s.name} {s.display_name} {s.description}".lower())
        ]
        return JSONResponse(
            {"@odata.context": f"{ctx.graph_base}/$metadata#sites", "value": [site_json(s) for s in found]}
        )
    by_path = _BY_PATH.match(path)
    if by_path is not None:
        ctx = context(request)
        host, relative, rest = by_path.groups()
        site = next((s for s in SITES if s.web_url.lower() == f"https://{host}{relative}".lower().rstrip("/")), None)
        if site is None or not _site_visible(ctx, site):
            raise GraphError(404, "itemNotFound", f"Requested site could not be found: https://{host}{relative}")
        return _drives(ctx, site) if (rest or "").strip("/") == "drives" else _site(ctx, site)
    match = re.match(r"^/sites/([^/]+)(/drives)?$", path)
    if match is not None:
        ctx = context(request)
        site = _find_site(ctx, match.group(1))
        return _drives(ctx, site) if match.group(2) else _site(ctx, site)
    match = re.match(r"^/(?:me|users/([^/]+))/drives$", path)
    if match is not None:
        ctx = context(request)
        if match.group(1) is None and ctx.who.user is None:
            raise GraphError(400, "BadRequest", "/me request is only valid with delegated authentication flow.")
        user = (by_id(match.group(1)) or by_email(match.group(1))) if match.group(1) else ctx.who.user
        if user is None or user.external:
            raise GraphError(404, "itemNotFound", "The user could not be found in this tenant.")
        drive = ctx.store.drives[personal_drive_id(user)]
        value = [drive_json(ctx.store, drive)] if is_member(ctx, drive) else []
        return JSONResponse({"@odata.context": f"{ctx.graph_base}/$metadata#drives", "value": value})
    return None
