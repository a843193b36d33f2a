"""Graph's drive addressing, parsed: which drive, which item (by id or ``root:/path:``), which action.

``/me/drive/root:/Contracts/x.pdf:/content`` -> Address(drive=("me",), base="root", path="/Contracts/x.pdf",
action="content"). Function calls accept Graph's short and ``microsoft.graph.``-prefixed spellings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..graph import GraphError

_DRIVE = re.compile(r"^/(?:(me)/drive|users/([^/]+)/drive|drives/([^/:]+)|sites/([^/:]+)/drive)(?=/|$|:)")
_ITEM = re.compile(r"^/(?:(root)|items/([^/:]+))(?=/|$|:)")
_FUNCTION = re.compile(r"^(?:microsoft\.graph\.)?(\w+)(?:\((.*)\))?$")
ACTIONS = {
    "children",
    "content",
    "delta",
    "search",
    "createUploadSession",
    "invite",
    "createLink",
    "permissions",
    "sharedWithMe",
    "recent",
}


@dataclass(frozen=True)
class Address:
    drive_kind: str  # "me", "user", "drive", "site"
    drive_key: str  # user id or UPN, drive id, site id ("" for me)
    base: str = ""  # "root", an item id, or "" (the drive itself)
    path: str = ""  # "/a/b" below base ("" if none)
    action: str = ""  # one of ACTIONS or ""
    argument: str = ""  # e.g. the q of search(q='...'), the token of delta(token='...')
    sub_id: str = ""  # permissions/{id}
    prefix: str = ""  # the request path up to the item (to build next and delta links the client can follow)


def _literal(arguments: str, name: str) -> str:
    """Value of ``name='...'`` in OData function arguments (quotes doubled inside)."""
    match = re.match(rf"^\s*{name}\s*=\s*'((?:[^']|'')*)'\s*$", arguments)
    if match is None:
        raise GraphError(400, "BadRequest", f"Expected {name}='...' in the function call, got ({arguments}).")
    return match.group(1).replace("''", "'")


def _action(rest: str) -> tuple[str, str, str]:
    parts = [p for p in rest.split("/") if p]
    if not parts:
        return "", "", ""
    match = _FUNCTION.match(parts[0])
    if match is None or match.group(1) not in ACTIONS:
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{parts[0]}'.")
    name, arguments = match.group(1), match.group(2)
    argument = ""
    if name == "search":
        argument = _literal(arguments or "", "q")
    elif name == "delta" and arguments:
        argument = _literal(arguments, "token")
    sub_id = ""
    if len(parts) > 1:
        if name != "permissions" or len(parts) > 2:
            raise GraphError(400, "BadRequest", f"Resource not found for the segment '{parts[1]}'.")
        sub_id = parts[1]
    return name, argument, sub_id


def parse(path: str) -> Address | None:
    """Address of a drive path below ``/v1.0`` (``None`` if the path is not about a drive)."""
    match = _DRIVE.match(path)
    if match is None or path.startswith("/me/drives") or re.match(r"^/(users|sites)/[^/]+/drives", path):
        return None
    me, user, drive, site = match.groups()
    kind, key = ("me", "") if me else ("user", user) if user else ("drive", drive) if drive else ("site", site)
    rest = path[match.end() :]
    base = ""
    item = _ITEM.match(rest)
    if item is not None:
        base = item.group(2) or "root"
        rest = rest[item.end() :]
    prefix = path[: len(path) - len(rest)]
    item_path = ""
    if rest.startswith(":"):
        if not base:
            raise GraphError(
                400, "BadRequest", "Path addressing needs an item first: root:/folder/file or items/{id}:/name."
            )
        body, colon, after = rest[1:].partition(":")
        item_path, rest = body, after if colon else ""
        if not item_path.startswith("/"):
            raise GraphError(400, "BadRequest", "A path after ':' must start with '/', as in root:/folder/file.")
        prefix = path[: len(path) - len(rest)] if colon else path + ":"
        item_path = item_path.rstrip("/")
    action, argument, sub_id = _action(rest)
    if action and not base and action not in ("search", "sharedWithMe", "recent"):
        raise GraphError(
            400, "BadRequest", f"'{action}' applies to an item: use root/{action} or items/{{id}}/{action}."
        )
    return Address(kind, key, base, item_path, action, argument, sub_id, prefix)
