"""OneDrive and SharePoint document libraries through Microsoft Graph v1.0, over httpx with the kit's policy.

Ids are `onedrive:<driveId>!<itemId>` (business drive ids start with `b!`, item ids hold no `!`). Downloads follow
Graph's 302 to the pre-authenticated URL without the `Authorization` header (upstreams.md §11.4); next and delta
links are followed verbatim.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import anyio
import anyio.to_thread

from shared.errors import Conflict, InvalidInput, UncertainWrite
from shared.graph_http import GraphClient
from shared.graph_http import graph_detail as _detail
from shared.httpx_policy import REPLAYABLE, checked_json

from .base import Changes, CursorExpired, Download, Entry, Query, Sharing
from .office_files import office_file
from .onedrive_upload import already_written, upload_in_session

LABEL = "OneDrive"
MAX_SIMPLE_UPLOAD = 4 * 1024 * 1024


def split_id(native: str) -> tuple[str, str]:
    drive, _, item = native.rpartition("!")
    if not drive or not item:
        raise InvalidInput(f'"{native[:60]}" is not a OneDrive id. Use an id as search or list returned it.')
    return drive, item


def quoted(text: str) -> str:
    """A Graph function string argument: quotes doubled, then URL-encoded."""
    return quote("'" + text.replace("'", "''") + "'", safe="")


class OneDrive(GraphClient):
    name, label, prefix = "onedrive", LABEL, "onedrive"
    _libraries: dict[str, str] | None = None  # SharePoint library drive id -> its site's name, once asked

    def entry(self, item: dict[str, Any]) -> Entry:
        remote = item.get("remoteItem") or {}
        source = remote or item
        parent = source.get("parentReference") or item.get("parentReference") or {}
        drive = parent.get("driveId", "")
        mime = (source.get("file") or {}).get("mimeType", "") or ("folder" if "folder" in source else "")
        owner = ((source.get("shared") or {}).get("owner") or {}).get("user") or (source.get("createdBy") or {}).get(
            "user", {}
        )
        where = parent.get("path", "").partition("root:")[2]
        return Entry(
            id=f"onedrive:{drive}!{source.get('id', item.get('id'))}",
            name=source.get("name") or item.get("name", ""),
            mime="application/vnd.folder" if mime == "folder" else mime,
            url=source.get("webUrl") or item.get("webUrl", ""),
            modified=source.get("lastModifiedDateTime") or item.get("lastModifiedDateTime", ""),
            size=source.get("size"),
            owners=[f"{owner.get('displayName', '')} <{owner.get('email', '')}>"] if owner else [],
            parent=f"onedrive:{drive}!{parent['id']}" if parent.get("id") else None,
            path=f"{where}/{source.get('name', '')}" if "path" in parent else "",
            shared=bool(source.get("shared") or remote),
            removed="deleted" in item,
            download=str(source.get("@microsoft.graph.downloadUrl") or ""),
        )

    async def me(self) -> tuple[str, str]:
        me = await self._call("GET", "/me")
        return me.get("displayName", ""), me.get("mail") or me.get("userPrincipalName", "")

    def _where(self, folder: str, drive: str) -> str:
        if folder:
            d, i = split_id(folder)
            return f"/drives/{d}/items/{i}"
        return f"/drives/{drive}" if drive else "/me/drive"

    async def _search(self, where: str, text: str) -> list[dict[str, Any]]:
        return list((await self._call("GET", f"{where}/search(q={quoted(text)})"))["value"])

    async def _each(self, searches: list[tuple[str, str]]) -> list[list[dict[str, Any]] | Exception]:
        """Several (where, text) searches in flight together; each answer or failure in the searches' order."""
        found: list[list[dict[str, Any]] | Exception] = [[] for _ in searches]

        async def one(index: int, where: str, text: str) -> None:
            try:
                found[index] = await self._search(where, text)
            except Exception as exc:  # noqa: BLE001 - handed back as it came, not wrapped in a task group's
                found[index] = exc

        async with anyio.create_task_group() as group:
            for index, (where, text) in enumerate(searches):
                group.start_soon(one, index, where, text)
        return found

    async def _each_word(self, where: str, words: list[str]) -> list[list[dict[str, Any]]]:
        """One search per word, all at once (the latency of one); the first failure raised."""
        found = await self._each([(where, word) for word in words])
        failures = [f for f in found if isinstance(f, Exception)]
        if failures:
            raise failures[0]
        return [f for f in found if not isinstance(f, Exception)]

    async def search(self, query: Query) -> list[Entry]:
        where = self._where(query.folder, query.drive)
        if query.shared_with_me:  # Graph cannot search this list: its names are matched here
            shared = (await self._call("GET", "/me/drive/sharedWithMe()"))["value"]
            items = [i for i in shared if all(w in i.get("name", "").lower() for w in query.words)]
        elif not query.words:  # filters alone: a folder's or a library's files, else my recent ones
            listed = f"{where}/children" if query.folder else f"{where}/root/children" if query.drive else ""
            items = (await self._call("GET", listed or "/me/drive/recent()"))["value"]
        else:
            items = await self._search(where, " ".join(query.words))
            if (
                query.loose and len(query.words) > 1 and len(items) < query.limit
            ):  # Graph wants every word: widen, rank by words met
                seen = {i["id"] for i in items}
                for found in await self._each_word(where, query.words):  # at once: latency of one, not of each
                    items += [i for i in found if i["id"] not in seen]
                    seen = {i["id"] for i in items}
        entries = [self.entry(i) for i in items]
        if query.words:
            entries.sort(key=lambda e: -_score(e, query.words))
        return [e for e in entries if _wanted(e, query)][: query.limit]

    async def children(self, folder: str, limit: int, page: str = "") -> tuple[list[Entry], str]:
        path = page or (
            f"{self._where(folder, '')}/children?$top={limit}" if folder else f"/me/drive/root/children?$top={limit}"
        )
        found = await self._call("GET", path)
        return [self.entry(i) for i in found["value"]], found.get("@odata.nextLink", "")

    async def get(self, native: str) -> Entry:
        d, i = split_id(native)
        return self.entry(await self._call("GET", f"/drives/{d}/items/{i}"))

    async def path(self, entry: Entry) -> str:
        """The path in its drive; an item of a SharePoint library starts with the site's name (/Legal/Templates)."""
        where = entry.path or f"/{entry.name}"
        if self._libraries is None:  # asked once per person's client: sites and libraries are rarely renamed
            named = list((await self.drives()).items())
            self._libraries = {}
            for name, drive in named[1:]:  # the first is the person's own OneDrive
                self._libraries.setdefault(drive, name)
        site = self._libraries.get(entry.id.removeprefix("onedrive:").rpartition("!")[0])
        return f"/{site}{where}" if site else where

    async def sharing(self, native: str) -> Sharing:
        d, i = split_id(native)
        people, link = [], ""
        for p in (await self._call("GET", f"/drives/{d}/items/{i}/permissions"))["value"]:
            role = ",".join(p.get("roles", []))
            if p.get("link"):
                link = f"{p['link'].get('scope', '')} link ({p['link'].get('type', '')})"
                continue
            users = [g.get("user", {}) for g in p.get("grantedToIdentitiesV2") or []]
            users += [p["grantedToV2"]["user"]] if (p.get("grantedToV2") or {}).get("user") else []
            users += [{"email": p["invitation"]["email"]}] if p.get("invitation") else []
            for user in users:
                who = f"{user.get('displayName') or user.get('email')} <{user.get('email', '')}>"
                inherited = " (inherited)" if p.get("inheritedFrom") else ""
                people.append(f"{who}: {role}{inherited}")
        return Sharing(list(dict.fromkeys(people)), link)

    async def content(self, entry: Entry) -> tuple[Download, str, str]:
        d, i = split_id(entry.id.removeprefix("onedrive:"))

        async def download() -> bytes:
            # The item just read carries its pre-authenticated URL: one request instead of /content's two. Should
            # it have expired already, /content hands out a fresh one.
            answer = await self.http.get(entry.download) if entry.download else None
            if answer is None or answer.status_code in (401, 403):
                headers = {"Authorization": f"Bearer {self._token()}"}
                answer = await self.http.get(f"{self.base}/drives/{d}/items/{i}/content", headers=headers)
            if answer.status_code in (301, 302, 303, 307):
                answer = await self.http.get(answer.headers["Location"])  # pre-authenticated: never our token
            if answer.status_code >= 400:
                checked_json(LABEL, answer, _detail)  # raises the shared error
            return answer.content

        return download, entry.mime, entry.name

    async def upload(self, name: str, folder: str, data: bytes, mime: str, convert: str) -> Entry:
        if convert:  # OneDrive has no converter: the Word or Excel file is made here, off the event loop
            data, mime = await anyio.to_thread.run_sync(office_file, data.decode("utf-8"), convert)
        where = f"{self._where(folder, '')}:/{quote(name)}:" if folder else f"/me/drive/root:/{quote(name)}:"
        if len(data) > MAX_SIMPLE_UPLOAD:  # Graph's simple upload stops at 4 MB: a session, in ranges
            return self.entry(await upload_in_session(self.http, self._call, _detail, where, name, data))
        params = {"@microsoft.graph.conflictBehavior": "fail"}
        try:  # creating: a replay could only answer "already exists", so a lost answer is looked up, not replayed
            made = await self._call(
                "PUT",
                f"{where}/content",
                content=data,
                params=params,
                headers={"Content-Type": mime},
                extensions={REPLAYABLE: False},
            )
        except Conflict:
            raise InvalidInput(f'A file named "{name}" already exists in that folder: choose another name.') from None
        except UncertainWrite:
            found = await already_written(self.http, self._call, where, data)
            if found is None:
                raise
            made = found
        return self.entry(made)

    async def create_folder(self, name: str, parent: str) -> Entry:
        where = self._where(parent, "") if parent else "/me/drive/root"
        body = {"name": name, "folder": {}, "@microsoft.graph.conflictBehavior": "fail"}
        try:
            return self.entry(await self._call("POST", f"{where}/children", json=body))
        except Conflict:
            raise InvalidInput(
                f'A folder named "{name}" already exists there: use it, or choose another name.'
            ) from None

    async def move(self, native: str, parent: str, name: str) -> Entry:
        d, i = split_id(native)
        body: dict[str, Any] = {"name": name} if name else {}
        if parent:
            body["parentReference"] = {"id": split_id(parent)[1]}
        return self.entry(await self._call("PATCH", f"/drives/{d}/items/{i}", json=body))

    async def share(self, native: str, email: str, role: str) -> None:
        d, i = split_id(native)
        body = {"recipients": [{"email": email}], "roles": [role], "requireSignIn": True, "sendInvitation": False}
        await self._call("POST", f"/drives/{d}/items/{i}/invite", json=body)

    async def folders_named(self, name: str) -> list[Entry]:
        """Folders of that name in my OneDrive and in the SharePoint libraries I reach ("the team's folder"). A
        library that cannot be searched is passed over; my own drive failing is an error."""
        libraries = list(dict.fromkeys((await self.drives()).values()))[1:]  # the first is my own drive
        found = await self._each([("/me/drive", name)] + [(f"/drives/{d}", name) for d in libraries])
        if isinstance(found[0], Exception):
            raise found[0]
        items = [i for f in found if not isinstance(f, Exception) for i in f]
        return [self.entry(i) for i in items if "folder" in i and name.lower() in i.get("name", "").lower()]

    async def drives(self) -> dict[str, str]:
        mine = await self._call("GET", "/me/drive")
        found = {mine.get("name", "OneDrive"): mine["id"]}
        for site in (await self._call("GET", "/sites?search=*"))["value"]:
            for drive in (await self._call("GET", f"/sites/{site['id']}/drives"))["value"]:
                found[f"{site.get('displayName', site.get('name', ''))}"] = drive["id"]
                found[f"{site.get('displayName', '')}/{drive.get('name', '')}"] = drive["id"]
        return found

    async def start_changes(self) -> str:
        at = _now()
        return f"{at}|{(await self._call('GET', '/me/drive/root/delta?token=latest'))['@odata.deltaLink']}"

    async def changes(self, cursor: str, limit: int) -> Changes:
        """Changes since `cursor` ("<time of the last call>|<delta or next link>")."""
        latest: dict[str, Entry] = {}
        since, _, link = cursor.partition("|")
        at = _now()
        while True:
            answer = await self.http.get(link, headers={"Authorization": f"Bearer {self._token()}"})
            if answer.status_code == 410:
                raise CursorExpired("The saved OneDrive change position has expired.")
            page = checked_json(LABEL, answer, _detail)
            for item in page.get("value", []):
                if "root" not in item:  # the drive's root changes with everything in it
                    latest[item["id"]] = self.entry(item)
            if page.get("@odata.deltaLink"):
                return Changes(_without_bystanders(list(latest.values()), since), f"{at}|{page['@odata.deltaLink']}")
            link = page["@odata.nextLink"]
            if len(latest) >= limit:
                return Changes(_without_bystanders(list(latest.values()), since), f"{since}|{link}")

    async def recent(self, limit: int) -> list[Entry]:
        return [self.entry(i) for i in (await self._call("GET", "/me/drive/recent()"))["value"]][:limit]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _without_bystanders(entries: list[Entry], since: str) -> list[Entry]:
    """Graph reports a folder again whenever something moves in or out of it; a folder that itself changed
    (created, renamed, moved) has a newer modification time than the last call. Keep only those."""
    return [e for e in entries if not (e.folder and not e.removed and since and e.modified < since)]


def _score(entry: Entry, words: list[str]) -> int:
    """Words met in the name count most: Graph has matched the rest in the text."""
    name = entry.name.lower()
    return sum(1 for w in words if w in name)


def _wanted(entry: Entry, query: Query) -> bool:
    if query.kind and entry.kind != query.kind:
        return False
    if query.owner_email and not any(query.owner_email.lower() in o.lower() for o in entry.owners):
        return False
    stamp = entry.modified.replace("Z", "+00:00")
    if query.since and stamp and stamp < query.since.isoformat():
        return False
    if query.until and stamp and stamp >= query.until.isoformat():
        return False
    return True
