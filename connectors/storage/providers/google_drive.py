"""Google Drive v3 through google-api-python-client, built from the discovery document the library ships.

Only `rootUrl`/`mtlsRootUrl` are set from the settings (so metadata, uploads and downloads all reach the same
host: upstreams.md §11.2); requests go through `shared.google_http.PolicyHttp` (the kit's outbound policy).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from googleapiclient.discovery import build_from_document
from googleapiclient.discovery_cache import get_static_doc
from googleapiclient.http import MediaIoBaseUpload

from shared import content
from shared.circuit import CircuitBreaker
from shared.errors import Conflict, InvalidInput, NotFound, UncertainWrite, UpstreamUnavailable
from shared.google_http import PolicyHttp, execute
from shared.http import RetryPolicy
from shared.ratelimit import EndpointBuckets

from .base import KINDS, Changes, CursorExpired, Download, Entry, Query, Sharing

FOLDER = "application/vnd.google-apps.folder"
FIELDS = "id,name,mimeType,webViewLink,modifiedTime,size,owners(displayName,emailAddress),parents,shared,trashed"
CONVERT = {"doc": "application/vnd.google-apps.document", "sheet": "application/vnd.google-apps.spreadsheet"}
ALL_DRIVES = {"supportsAllDrives": True}
MAX_MULTIPART = 5 * 1024 * 1024  # Drive's multipart upload limit; larger files go resumable
RESUMABLE_CHUNK = 4 * 1024 * 1024  # a multiple of 256 KiB, as Drive requires
LABEL = "Google Drive"


class BytesUpload(MediaIoBaseUpload):
    """Resumable ranges handed to the transport as bytes, not as a slice of a stream: the policy can then send a
    cut range again (a stream would already be read to its end)."""

    def has_stream(self) -> bool:
        return False


def quoted(text: str) -> str:
    """A string literal for Drive's `q`: backslashes and quotes escaped, so user text never changes the query."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def drive_document(root_url: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(get_static_doc("drive", "v3") or "{}")
    doc["rootUrl"] = doc["mtlsRootUrl"] = root_url.rstrip("/") + "/"
    return doc


class GoogleDrive:
    name, label, prefix = "google-drive", LABEL, "gdrive"

    def __init__(
        self, root_url: str, token: Callable[[], str], buckets: EndpointBuckets, breaker: CircuitBreaker, timeout: float
    ):
        http = PolicyHttp(LABEL, buckets, breaker, RetryPolicy(timeout=timeout), token)
        self.drive = build_from_document(drive_document(root_url), http=http)

    async def _run(self, request: Any) -> Any:
        return await execute(LABEL, request)  # an unreadable body is a clear UpstreamUnavailable there

    def entry(self, f: dict[str, Any]) -> Entry:
        native = f.get("mimeType", "")
        owners = [f"{o.get('displayName', '')} <{o.get('emailAddress', '')}>" for o in f.get("owners", [])]
        parents = f.get("parents") or []
        return Entry(
            id=f"gdrive:{f['id']}",
            name=f.get("name", ""),
            mime=native,
            url=f.get("webViewLink") or f"https://drive.google.com/open?id={f['id']}",
            modified=f.get("modifiedTime", ""),
            size=int(f["size"]) if f.get("size") else None,
            owners=owners,
            parent=f"gdrive:{parents[0]}" if parents else None,
            shared=bool(f.get("shared")),
            removed=bool(f.get("trashed")),
            native_mime=native if native.startswith("application/vnd.google-apps.") else "",
        )

    async def me(self) -> tuple[str, str]:
        user = (await self._run(self.drive.about().get(fields="user(displayName,emailAddress)")))["user"]
        return user.get("displayName", ""), user.get("emailAddress", "")

    async def _list(self, q: str, limit: int, page: str = "", drive: str = "", order: str = "") -> tuple[list, str]:
        options: dict[str, Any] = {"q": q, "pageSize": min(limit, 100), "fields": f"nextPageToken,files({FIELDS})"}
        options |= {"includeItemsFromAllDrives": True, **ALL_DRIVES}
        options |= {"corpora": "drive", "driveId": drive} if drive else {"corpora": "allDrives"}
        if page:
            options["pageToken"] = page
        if order:
            options["orderBy"] = order
        found = await self._run(self.drive.files().list(**options))
        return [self.entry(f) for f in found.get("files", [])], found.get("nextPageToken", "")

    async def search(self, query: Query) -> list[Entry]:
        entries = await self._search(query, every_word=True)
        if (
            not entries and query.loose and len(query.words) > 1
        ):  # people say more words than files hold: any word, best first
            entries = await self._search(query, every_word=False)
            entries.sort(key=lambda e: -sum(w in e.name.lower() for w in query.words))
        return entries

    async def _search(self, query: Query, every_word: bool) -> list[Entry]:
        clauses = ["trashed = false"]
        words = [f"(name contains {quoted(w)} or fullText contains {quoted(w)})" for w in query.words]
        if words:
            clauses += words if every_word else ["(" + " or ".join(words) + ")"]
        if query.kind:
            mimes = KINDS[query.kind][0]
            clauses.append("(" + " or ".join(f"mimeType = {quoted(m)}" for m in mimes) + ")")
        if query.folder:
            clauses.append(f"{quoted(query.folder)} in parents")
        if query.owner_email:
            clauses.append(f"{quoted(query.owner_email)} in owners")
        if query.since:
            clauses.append(f"modifiedTime >= {quoted(query.since.strftime('%Y-%m-%dT%H:%M:%S'))}")
        if query.until and query.until < datetime.now(UTC) - timedelta(minutes=1):  # "until now" needs no bound
            clauses.append(f"modifiedTime < {quoted(query.until.strftime('%Y-%m-%dT%H:%M:%S'))}")
        if query.shared_with_me:
            clauses.append("sharedWithMe")
        order = "" if query.words else "modifiedTime desc"
        entries, _ = await self._list(" and ".join(clauses), query.limit, drive=query.drive, order=order)
        return entries

    async def children(self, folder: str, limit: int, page: str = "") -> tuple[list[Entry], str]:
        q = f"{quoted(folder or 'root')} in parents and trashed = false"
        return await self._list(q, limit, page, order="folder,name")

    async def get(self, native: str) -> Entry:
        return self.entry(await self._run(self.drive.files().get(fileId=native, fields=FIELDS, **ALL_DRIVES)))

    async def path(self, entry: Entry) -> str:
        names, parent = [entry.name], (entry.parent or "").removeprefix("gdrive:")
        for _ in range(12):  # deep enough for real trees; never an endless walk
            if not parent:
                break
            try:
                up = await self._run(self.drive.files().get(fileId=parent, fields="id,name,parents", **ALL_DRIVES))
            except NotFound:  # a shared drive's root is a drive, not a file
                names.append(next((n for n, i in (await self.drives()).items() if i == parent), "Shared drive"))
                break
            parents = up.get("parents") or []
            if not parents:  # the root of My Drive or of a shared drive
                names.append("My Drive" if up.get("name") == "My Drive" else up.get("name", ""))
                break
            names.append(up.get("name", ""))
            parent = parents[0]
        return "/" + "/".join(reversed(names))

    async def sharing(self, native: str) -> Sharing:
        fields = "permissions(id,type,role,emailAddress,domain,displayName)"
        found = await self._run(self.drive.permissions().list(fileId=native, fields=fields, **ALL_DRIVES))
        people, link = [], ""
        for p in found.get("permissions", []):
            if p.get("type") == "anyone":
                link = f"anyone with the link ({p.get('role')})"
            elif p.get("type") == "domain":
                people.append(f"everyone at {p.get('domain')}: {p.get('role')}")
            else:
                people.append(
                    f"{p.get('displayName') or p.get('emailAddress')} <{p.get('emailAddress')}>: {p.get('role')}"
                )
        return Sharing(people, link)

    async def content(self, entry: Entry) -> tuple[Download, str, str]:
        native = entry.id.removeprefix("gdrive:")
        if entry.native_mime:
            target = content.export_mime(entry.native_mime)
            if target is None:
                return _nothing, entry.native_mime, entry.name  # drawings, forms: described, never downloaded

            async def export() -> bytes:
                return bytes(await self._run(self.drive.files().export(fileId=native, mimeType=target)))

            return export, target, entry.name

        async def media() -> bytes:
            return bytes(await self._run(self.drive.files().get_media(fileId=native, **ALL_DRIVES)))

        return media, entry.mime, entry.name

    async def upload(self, name: str, folder: str, data: bytes, mime: str, convert: str) -> Entry:
        body: dict[str, Any] = {"name": name}
        if folder:
            body["parents"] = [folder]
        if convert:
            body["mimeType"] = CONVERT[convert]
        # Over 5 MB Drive wants a resumable upload: the session keeps what it received, so a cut range is
        # sent again (the policy replays the PUT) and a completed session answers with the file, not a copy.
        resumable = len(data) > MAX_MULTIPART
        media = BytesUpload(io.BytesIO(data), mimetype=mime, resumable=resumable, chunksize=RESUMABLE_CHUNK)
        return await self._create_once(body, media)

    async def create_folder(self, name: str, parent: str) -> Entry:
        body: dict[str, Any] = {"name": name, "mimeType": FOLDER}
        if parent:
            body["parents"] = [parent]
        return await self._create_once(body, None)

    async def _create_once(self, body: dict[str, Any], media: MediaIoBaseUpload | None) -> Entry:
        """A create that a cut connection never doubles: the file's id is chosen first (files.generateIds), so
        when the answer is lost the id says whether the file exists, and a second send could only be refused."""
        ids = await self._run(self.drive.files().generateIds(count=1, space="drive", fields="ids"))
        body = body | {"id": ids["ids"][0]}
        try:
            return await self._create(body, media)
        except (UncertainWrite, UpstreamUnavailable):  # no readable answer: the chosen id tells what happened
            try:
                return await self.get(body["id"])  # it was written: only the answer got lost
            except NotFound:
                pass  # it never arrived (or a resumable session stopped half way): send it again
        return await self._create(body, media)

    async def _create(self, body: dict[str, Any], media: MediaIoBaseUpload | None) -> Entry:
        made = self.drive.files().create(body=body, media_body=media, fields=FIELDS, **ALL_DRIVES)
        try:
            return self.entry(await self._run(made))
        except Conflict:  # 409 on our chosen id: the earlier send went through after all
            return await self.get(body["id"])

    async def move(self, native: str, parent: str, name: str) -> Entry:
        options: dict[str, Any] = {"fileId": native, "fields": FIELDS, "body": {"name": name} if name else {}}
        if parent:
            current = await self._run(self.drive.files().get(fileId=native, fields="parents", **ALL_DRIVES))
            options |= {"addParents": parent, "removeParents": ",".join(current.get("parents") or [])}
        return self.entry(await self._run(self.drive.files().update(**options, **ALL_DRIVES)))

    async def share(self, native: str, email: str, role: str) -> None:
        body = {"type": "user", "role": "writer" if role == "write" else "reader", "emailAddress": email}
        await self._run(self.drive.permissions().create(fileId=native, body=body, fields="id", **ALL_DRIVES))

    async def folders_named(self, name: str) -> list[Entry]:
        q = f"mimeType = {quoted(FOLDER)} and name contains {quoted(name)} and trashed = false"
        entries, _ = await self._list(q, 20)
        return entries

    async def drives(self) -> dict[str, str]:
        found = await self._run(self.drive.drives().list(fields="drives(id,name)", pageSize=100))
        return {d["name"]: d["id"] for d in found.get("drives", [])}

    async def start_changes(self) -> str:
        return str((await self._run(self.drive.changes().getStartPageToken(**ALL_DRIVES)))["startPageToken"])

    async def changes(self, cursor: str, limit: int) -> Changes:
        fields = f"nextPageToken,newStartPageToken,changes(fileId,removed,file({FIELDS}))"
        latest: dict[str, Entry] = {}
        token = cursor
        while True:
            request = self.drive.changes().list(
                pageToken=token, pageSize=min(limit, 100), fields=fields, includeItemsFromAllDrives=True, **ALL_DRIVES
            )
            try:
                page = await self._run(request)
            except InvalidInput:  # Drive's 400 on pageToken: a position it no longer knows
                raise CursorExpired("The saved Google Drive change position has expired.") from None
            for change in page.get("changes", []):
                if change.get("removed") or "file" not in change:
                    gone = Entry(id=f"gdrive:{change['fileId']}", name="", mime="", url="", removed=True)
                    latest[change["fileId"]] = gone
                else:
                    latest[change["fileId"]] = self.entry(change["file"])
            if page.get("newStartPageToken"):
                return Changes(list(latest.values()), page["newStartPageToken"])
            token = page["nextPageToken"]
            if len(latest) >= limit:  # the rest waits for the next call
                return Changes(list(latest.values()), token)

    async def recent(self, limit: int) -> list[Entry]:
        entries, _ = await self._list("trashed = false", limit, order="modifiedTime desc")
        return entries


async def _nothing() -> bytes:
    raise InvalidInput("This Google file type has no text to read.")
