"""Outlook mail through Microsoft Graph v1.0, over httpx with the kit's policy.

Every request asks for immutable ids (`Prefer: IdType="ImmutableId"`), so an id stays the same when a message is
moved, archived or sent, and a retried send can check what became of its draft. Searches with words use `$search`
(which Graph cannot combine with `$filter`: unread and importance are then checked here); the others `$filter`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any
from urllib.parse import quote, unquote

import httpx

from shared.errors import InvalidInput, NotFound
from shared.graph_http import GraphClient
from shared.graph_http import graph_detail as _detail
from shared.httpx_policy import checked_json
from shared.names import person_match

from .base import AttachmentRef, Changes, CursorExpired, Draft, Folder, Message, Outgoing, Query, Thread
from .outlook_people import GraphPeople
from .outlook_slots import MAILBOX_PATH, mailbox_slot

LABEL = "Outlook"
SELECT = (
    "id,conversationId,subject,from,toRecipients,ccRecipients,bccRecipients,replyTo,receivedDateTime,bodyPreview,"
    "isRead,importance,categories,parentFolderId,webLink,hasAttachments,internetMessageId,isDraft"
)
IMMUTABLE = {"Prefer": 'IdType="ImmutableId"'}
SYNCED = ("inbox", "sentitems")  # the folders mail_get_changes follows (Graph's delta is per folder)
SYNC_DAYS = 30  # changes are followed for mail received in the last 30 days (the first round lists them)
DELTA = {"Prefer": 'IdType="ImmutableId", odata.maxpagesize=200'}


def kql(value: str, prop: str = "") -> list[str]:
    """KQL terms for what a person said, inside Graph's quoted $search value. Quotes cannot be escaped there, so
    only letters, digits and the characters of addresses are kept, one term per word (all must match)."""
    cleaned = "".join(c if c.isalnum() or c in "@.-_'" else " " for c in value)
    return [f"{prop}:{word}" if prop else word for word in cleaned.split() if word.strip(".-_'")]


def odata(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _person(entry: dict[str, Any] | None) -> str:
    email = (entry or {}).get("emailAddress") or {}
    name, address = email.get("name", ""), email.get("address", "")
    return f"{name} <{address}>" if name and name != address else address


def _recipients(people: list[str]) -> list[dict[str, Any]]:
    from email.utils import getaddresses

    return [{"emailAddress": {"address": a} | ({"name": n} if n else {})} for n, a in getaddresses(people) if a]


def _path(native: str) -> str:
    return quote(native, safe="")


def split(native: str) -> tuple[str, str]:
    """(mailbox address or "" for the person's own, Graph id) of a native id (`legal@contoso.example!<id>`)."""
    mailbox, bang, graph_id = native.rpartition("!")
    return (mailbox, graph_id) if bang else ("", native)


def root(mailbox: str) -> str:
    """Where a mailbox's resources are: the person's own, or a shared mailbox they may open."""
    return f"/users/{_path(mailbox)}" if mailbox else "/me"


def where(native: str) -> str:
    """The message's URL path for a native id."""
    mailbox, graph_id = split(native)
    return f"{root(mailbox)}/messages/{_path(graph_id)}"


class Outlook(GraphClient):
    name, label, prefix = "outlook", LABEL, "outlook"
    headers = IMMUTABLE  # every request asks for immutable ids (module docstring)

    async def _send(self, method: str, path: str, **options: Any) -> httpx.Response:
        async with mailbox_slot(self._mailbox_key(path), LABEL):
            return await super()._send(method, path, **options)

    def _mailbox_key(self, path: str) -> tuple[str, str]:
        """The mailbox a request is for: a shared one by its address, the person's own by their token's digest
        (the same person's clients share it; nothing of the token is kept)."""
        found = MAILBOX_PATH.search(path.split("?", 1)[0])
        if found:
            return self.base, unquote(found.group(1)).lower()
        return self.base, "me:" + hashlib.sha256(self._token().encode()).hexdigest()[:32]

    @cached_property
    def directory_api(self) -> GraphPeople:
        """Contacts, relevant people, the directory."""
        return GraphPeople(self._call)

    @cached_property
    def _folders(self) -> dict[str, dict[str, str]]:
        """Per mailbox: folder id -> name, filled as folders are listed."""
        return {}

    async def folder_names(self, mailbox: str = "") -> dict[str, str]:
        if mailbox not in self._folders:
            self._folders[mailbox] = {f.id: f.name for f in await self.folders(mailbox)}
        return self._folders[mailbox]

    def mailbox_of(self, native: str) -> str:
        return split(native)[0]

    def message_of(self, m: dict[str, Any], names: dict[str, str], mailbox: str = "") -> Message:
        body = m.get("body") or {}
        html = body.get("content") if str(body.get("contentType", "")).lower() == "html" else None
        folder = names.get(m.get("parentFolderId", ""), "")
        return Message(
            id=f"outlook:{mailbox + '!' if mailbox else ''}{m['id']}",
            thread=m.get("conversationId", ""),
            subject=m.get("subject") or "",
            sender=_person(m.get("from")),
            to=[_person(r) for r in m.get("toRecipients") or []],
            cc=[_person(r) for r in m.get("ccRecipients") or []],
            bcc=[_person(r) for r in m.get("bccRecipients") or []],
            date=m.get("receivedDateTime", ""),
            snippet=m.get("bodyPreview", ""),
            unread=not m.get("isRead", True),
            importance=m.get("importance", "normal"),
            labels=[*([folder] if folder else []), *(m.get("categories") or [])],
            url=m.get("webLink", ""),
            html=html,
            text=body.get("content", "") if html is None else "",
            has_attachments=bool(m.get("hasAttachments")),
            message_id=m.get("internetMessageId", ""),
            reply_to=[_person(r) for r in m.get("replyTo") or []],
            draft=bool(m.get("isDraft")),
        )

    async def _list(self, path: str, params: dict[str, Any], limit: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page = await self._call("GET", path, params=params | {"$top": min(limit, 100)})
        while True:
            found += page.get("value", [])
            link = page.get("@odata.nextLink")
            if not link or len(found) >= limit:
                return found[:limit]
            page = await self._call("GET", link)

    async def me(self) -> tuple[str, str]:
        me = await self._call("GET", "/me")
        return me.get("displayName", ""), me.get("mail") or me.get("userPrincipalName", "")

    def _search_request(self, query: Query) -> tuple[str, dict[str, Any]]:
        """The messages path and the parameters of a search: `$search` with words (dates coarse, the exact
        bounds, unread and importance checked by `_wanted`), else `$filter` ordered newest first."""
        base = root(query.mailbox)
        path = f"{base}/mailFolders/{_path(query.folder)}/messages" if query.folder else f"{base}/messages"
        terms = [t for w in query.words for t in kql(w)]
        alternatives = query.loose and len(terms) > 1  # KQL's OR binds looser than AND: nothing else goes in
        if alternatives:
            terms = [" OR ".join(terms)]
        for prop, value in (("from", query.sender), ("to", query.to), ("subject", query.subject)):
            terms += kql(value, prop)
        if terms or query.has_attachment:
            if query.since and not alternatives:  # a coarse bound (a day); _wanted applies the exact one
                terms.append(f"received>={query.since.date().isoformat()}")
            if query.has_attachment:
                terms.append("hasattachments:true")
            return path, {"$search": '"' + " ".join(terms) + '"', "$select": SELECT}
        since = query.since.strftime("%Y-%m-%dT%H:%M:%SZ") if query.since else "1900-01-01T00:00:00Z"
        clauses = [f"receivedDateTime ge {since}"]  # first: Graph wants the sort property first in the filter
        if query.until:
            clauses.append(f"receivedDateTime lt {query.until.strftime('%Y-%m-%dT%H:%M:%SZ')}")
        if query.unread is not None:
            clauses.append(f"isRead eq {'false' if query.unread else 'true'}")
        if query.importance:
            clauses.append(f"importance eq {odata(query.importance)}")
        return path, {"$filter": " and ".join(clauses), "$orderby": "receivedDateTime desc", "$select": SELECT}

    async def search(self, query: Query) -> list[Message]:
        path, params = self._search_request(query)
        names = await self.folder_names(query.mailbox)
        searching = "$search" in params  # Graph's $search cannot also filter: more are read, the rest checked here
        items = await self._list(path, params, 250 if searching else query.limit)
        messages = [m for m in (self.message_of(m, names, query.mailbox) for m in items) if _wanted(m, query)]
        messages.sort(key=lambda m: m.date, reverse=True)
        return messages[: query.limit]

    async def search_page(self, query: Query, token: str = "", skip: int = 0) -> tuple[list[Message], str, None]:
        """One page of a search: (its messages after the first `skip`, Graph's next link or "", no estimate). One
        request of `query.limit` messages, or of the next link a previous page gave (the cursor holding it is
        signed), so a call reads what it shows."""
        path, params = self._search_request(query)
        page = (
            await self._call("GET", token)
            if token
            else await self._call("GET", path, params=params | {"$top": query.limit})
        )
        names = await self.folder_names(query.mailbox)
        found = [
            m for m in (self.message_of(m, names, query.mailbox) for m in page.get("value", [])) if _wanted(m, query)
        ]
        found.sort(key=lambda m: m.date, reverse=True)
        return found[skip:], page.get("@odata.nextLink", ""), None

    async def message(self, native: str) -> Message:
        mailbox = split(native)[0]
        found = await self._call("GET", where(native), params={"$select": SELECT + ",body"})
        message = self.message_of(found, await self.folder_names(mailbox), mailbox)
        if message.has_attachments:
            listed = await self._call(
                "GET", f"{where(native)}/attachments", params={"$select": "id,name,contentType,size"}
            )
            message.attachments = [
                AttachmentRef(a["id"], a.get("name", ""), a.get("contentType", ""), a.get("size"))
                for a in listed.get("value", [])
            ]
        return message

    async def thread(self, native: str) -> Thread:
        first = await self.message(native)
        params = {"$filter": f"conversationId eq {odata(first.thread)}", "$select": SELECT + ",body"}
        mailbox = split(native)[0]
        names = await self.folder_names(mailbox)
        items = await self._list(f"{root(mailbox)}/messages", params, 200)
        messages = [self.message_of(m, names, mailbox) for m in items]
        for m in messages:
            if m.id == first.id:
                m.attachments = first.attachments
        messages.sort(key=lambda m: m.date)
        return Thread(messages[-1].id if messages else first.id, first.subject, first.url, messages or [first])

    async def attachment(self, native: str, attachment: str) -> bytes:
        answer = await self._send("GET", f"{where(native)}/attachments/{_path(attachment)}/$value")
        if answer.status_code >= 400:
            checked_json(LABEL, answer, _detail)  # raises the shared error
        return answer.content

    async def folders(self, mailbox: str = "") -> list[Folder]:
        top = await self._list(f"{root(mailbox)}/mailFolders", {}, 200)
        found: list[Folder] = []
        for f in top:
            found.append(Folder(f["id"], f.get("displayName", ""), f.get("totalItemCount"), f.get("unreadItemCount")))
            if f.get("childFolderCount"):
                for c in await self._list(f"{root(mailbox)}/mailFolders/{_path(f['id'])}/childFolders", {}, 100):
                    name = f"{f.get('displayName', '')}/{c.get('displayName', '')}"
                    found.append(Folder(c["id"], name, c.get("totalItemCount"), c.get("unreadItemCount")))
        self._folders[mailbox] = {f.id: f.name for f in found}
        return found

    async def contacts(self, said: str) -> list[str]:
        return await self.directory_api.contacts(said)

    async def directory(self, said: str) -> list[str]:
        return await self.directory_api.directory(said)

    async def people(self, said: str) -> list[str]:
        search = '"' + " ".join(kql(said, "participants")) + '"'
        items = await self._list("/me/messages", {"$search": search, "$select": "from,toRecipients,ccRecipients"}, 25)
        seen: dict[str, str] = {}
        for m in items:
            for entry in [m.get("from"), *(m.get("toRecipients") or []), *(m.get("ccRecipients") or [])]:
                email = ((entry or {}).get("emailAddress") or {}).get("address", "")
                name = ((entry or {}).get("emailAddress") or {}).get("name", "")
                if email and person_match(said, name, email) and email.lower() not in seen:
                    seen[email.lower()] = _person(entry)
        return list(seen.values())

    async def create_draft(self, mail: Outgoing) -> Draft:
        fields: dict[str, Any] = {"subject": mail.subject, "body": {"contentType": "HTML", "content": mail.html}}
        for key, people in (("toRecipients", mail.to), ("ccRecipients", mail.cc), ("bccRecipients", mail.bcc)):
            if people:
                fields[key] = _recipients(people)
        if mail.reply_to:
            action = "createReplyAll" if mail.reply_all else "createReply"
            mailbox = split(mail.reply_to)[0]  # a reply to a shared mailbox's mail is written from it
            made = await self._call("POST", f"{where(mail.reply_to)}/{action}", json={})
            # the body and any recipients said replace Outlook's defaults; the reply headers stay
            fields = {k: v for k, v in fields.items() if k != "subject"}
            made = await self._call("PATCH", f"{root(mailbox)}/messages/{_path(made['id'])}", json=fields)
        else:
            mailbox = ""
            made = await self._call("POST", "/me/messages", json=fields)
        message = self.message_of(made, await self.folder_names(mailbox), mailbox)
        return Draft(message.id, message)

    async def draft(self, native: str) -> Draft:
        message = await self.message(native)
        if not message.draft:
            raise InvalidInput(f"outlook:{native[:40]}… is not a draft: it was sent already or was received.")
        return Draft(message.id, message)

    async def find_draft(self, message_id: str) -> Draft | None:
        return None  # Graph gives a draft its own Message-ID: a lost create cannot be found by ours

    async def send_draft(self, native: str) -> Message:
        await self._call("POST", f"{where(native)}/send")
        mailbox = split(native)[0]
        try:
            found = await self._call("GET", where(native), params={"$select": SELECT})
        except NotFound:  # sent; its copy in Sent Items may not be there yet
            return Message(id=f"outlook:{native}", thread="", subject="", sender="")
        return self.message_of(found, await self.folder_names(mailbox), mailbox)

    async def find_sent(self, draft: Draft) -> Message | None:
        native = draft.id.removeprefix("outlook:")
        try:
            found = await self._call("GET", where(native), params={"$select": SELECT})
        except NotFound:
            return None
        mailbox = split(native)[0]
        return None if found.get("isDraft") else self.message_of(found, await self.folder_names(mailbox), mailbox)

    async def update(self, natives: list[str], action: str, folder: str) -> None:
        for native in natives:
            at = where(native)
            if action in ("read", "unread"):
                await self._call("PATCH", at, json={"isRead": action == "read"})
            elif action in ("flag", "unflag"):
                status = "flagged" if action == "flag" else "notFlagged"
                await self._call("PATCH", at, json={"flag": {"flagStatus": status}})
            elif action in ("archive", "move", "trash"):  # trash is a move to Deleted Items, never a delete
                destination = {"archive": "archive", "trash": "deleteditems"}.get(action, folder)
                await self._call("POST", f"{at}/move", json={"destinationId": destination})
            else:  # label / unlabel: Outlook's categories
                current = (await self._call("GET", at, params={"$select": "categories"})).get("categories") or []
                wanted = [*current, folder] if action == "label" else [c for c in current if c != folder]
                await self._call("PATCH", at, json={"categories": list(dict.fromkeys(wanted))})

    async def start_changes(self) -> str:
        since = (datetime.now(UTC) - timedelta(days=SYNC_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ")
        links: dict[str, str] = {}
        for folder in SYNCED:
            params = {"$select": SELECT, "$filter": f"receivedDateTime ge {since}"}  # the select stays in the links
            page = await self._call("GET", f"/me/mailFolders/{folder}/messages/delta", params=params, headers=DELTA)
            while "@odata.deltaLink" not in page:
                page = await self._call("GET", page["@odata.nextLink"], headers=DELTA)
            links[folder] = page["@odata.deltaLink"]
        return json.dumps(links)

    async def changes(self, cursor: str, limit: int) -> Changes:
        links: dict[str, str] = json.loads(cursor)
        names = await self.folder_names()
        messages: dict[str, Message] = {}
        removed: list[str] = []
        more = False
        for folder, link in links.items():
            while True:
                answer = await self._send("GET", link, headers=DELTA)
                if answer.status_code == 410:
                    raise CursorExpired("The saved Outlook change position has expired.")
                page = checked_json(LABEL, answer, _detail)
                for item in page.get("value", []):
                    if "@removed" in item:
                        removed.append(f"outlook:{item['id']}")
                    else:
                        messages[item["id"]] = self.message_of(item, names)
                if page.get("@odata.deltaLink"):
                    links[folder] = page["@odata.deltaLink"]
                    break
                link = links[folder] = page["@odata.nextLink"]
                if len(messages) >= limit:
                    more = True
                    break
        kept = [m for m in messages.values() if m.id not in removed]
        return Changes(kept, removed, json.dumps(links), more)

    async def recent(self, limit: int) -> list[Message]:
        params = {"$select": SELECT, "$orderby": "receivedDateTime desc"}
        names = await self.folder_names()
        return [self.message_of(m, names) for m in await self._list("/me/mailFolders/inbox/messages", params, limit)]


def _wanted(message: Message, query: Query) -> bool:
    if query.unread is not None and message.unread != query.unread:
        return False
    if query.importance and message.importance != query.importance:
        return False
    if query.until and message.date and message.date >= query.until.strftime("%Y-%m-%dT%H:%M:%SZ"):
        return False
    return not (query.since and message.date and message.date < query.since.strftime("%Y-%m-%dT%H:%M:%SZ"))
