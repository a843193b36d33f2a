"""Mail paths below ``/v1.0``, whose mailbox they name, who may open it, and the per-mailbox concurrency limit.

``/me/...`` or ``/users/{id | address}/...``, then ``mailFolders[/{id}(/childFolders/{id})*]``,
``[mailFolders/{id}/]messages[/{id}[/attachments[/{id}][/$value] | /$value | /{action}]]``,
``mailFolders/{id}/messages/delta`` or ``sendMail``. Actions and functions may be spelled as in the spec
(``microsoft.graph.move``, ``microsoft.graph.delta()``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request

from ..graph import GraphError, Principal, principal
from .model import Folder, Mailbox, MailStore, Message

READ = {"Mail.Read", "Mail.ReadWrite", "Mail.Read.Shared", "Mail.ReadWrite.Shared", "Mail.ReadBasic"}
WRITE = {"Mail.ReadWrite", "Mail.ReadWrite.Shared"}
SEND = {"Mail.Send", "Mail.Send.Shared"}
_TOP = ("mailFolders", "messages", "sendMail", "microsoft.graph.sendMail")


@dataclass
class MailPath:
    owner: str | None  # None: /me
    folders: list[str] = field(default_factory=list)  # mailFolders/{a}/childFolders/{b} -> [a, b]
    collection: str = ""  # "mailFolders", "childFolders", "messages", "delta", "sendMail"
    message: str = ""
    rest: list[str] = field(default_factory=list)  # after messages/{id}: ["attachments", "{id}", "$value"], ["move"]
    prefix: str = ""  # the path up to the collection, for nextLink/deltaLink


def _name(segment: str) -> str:
    """``microsoft.graph.delta()`` -> ``delta``."""
    return segment.removeprefix("microsoft.graph.").removesuffix("()")


def parse(path: str) -> MailPath | None:
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["me"]:
        owner, rest = None, parts[1:]
    elif parts[:1] == ["users"] and len(parts) > 1:
        owner, rest = parts[1], parts[2:]
    else:
        return None
    if not rest or rest[0] not in _TOP:
        return None
    addr = MailPath(owner)
    if _name(rest[0]) == "sendMail":
        addr.collection = "sendMail"
        return addr if len(rest) == 1 else None
    if rest[0] == "mailFolders":
        addr.collection = "mailFolders"
        rest = rest[1:]
        while rest:
            addr.folders.append(rest[0])
            rest = rest[1:]
            if not rest:
                addr.collection = ""
                break
            if rest[0] != "childFolders" and rest[0] != "messages":
                raise GraphError(400, "BadRequest", f"Resource not found for the segment '{rest[0]}'.")
            addr.collection = rest[0]
            rest = rest[1:]
            if addr.collection == "messages":
                break
    else:
        addr.collection, rest = "messages", rest[1:]
    consumed = len(parts) - len(rest)
    addr.prefix = "/" + "/".join(parts[:consumed])
    if addr.collection == "messages" and rest:
        if _name(rest[0]) == "delta":
            addr.collection = "delta"
            rest = rest[1:]
        else:
            addr.message, rest = rest[0], rest[1:]
    addr.rest = [_name(r) if i == 0 or rest[0] == "attachments" else r for i, r in enumerate(rest)]
    return addr


def check(who: Principal, wanted: set[str], what: str) -> None:
    if not (who.scopes | who.roles) & wanted:
        raise GraphError(
            403,
            "ErrorAccessDenied",
            f"Access is denied. The token lacks the {what} permission ({' or '.join(sorted(wanted))}).",
        )


def open_mailbox(request: Request, owner: str | None) -> tuple[Principal, Mailbox]:
    """The mailbox a path names, if the caller may open it (its owner, a member of a shared one, or an app)."""
    who = principal(request)
    store: MailStore = request.app.state.mail
    if owner is None:
        if who.user is None:
            raise GraphError(400, "BadRequest", "/me request is only valid with delegated authentication flow.")
        owner = who.user.mail
    box = store.lookup(owner)
    if box is None:
        raise GraphError(404, "ErrorInvalidUser", f"The requested user '{owner}' is invalid.")
    if who.user is not None and who.user.id != box.owner_id and who.user.id not in box.member_ids:
        raise GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
    check(who, READ | WRITE, "Mail.Read")
    return who, box


def folder_of(box: Mailbox, key: str) -> Folder:
    folder = box.folder(key)
    if folder is None:
        raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
    return folder


def message_of(box: Mailbox, key: str, folder: Folder | None = None) -> Message:
    message = box.messages.get(key)
    if message is None or (folder is not None and message.folder_id != folder.id):
        raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
    return message
