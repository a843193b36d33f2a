"""Gmail v1 through google-api-python-client, built from the discovery document the library ships.

Only `rootUrl`/`mtlsRootUrl` are set from the settings (metadata calls, uploads and batches all reach the same
host); requests go through `shared.google_http.PolicyHttp` (the kit's outbound policy). Lists ask for ids only, so
the messages are then read in batches (metadata only: the bodies come with `mail_get_thread`). Resources and
search syntax live in `gmail_format.py`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from googleapiclient.discovery import build_from_document
from googleapiclient.errors import HttpError

from shared.circuit import CircuitBreaker
from shared.errors import ConnectorError, InvalidInput, NotFound, RateLimited, UpstreamUnavailable
from shared.google_http import PolicyHttp, execute, google_error
from shared.http import RetryPolicy, in_worker
from shared.names import person_match
from shared.ratelimit import EndpointBuckets

from .. import compose
from .base import Changes, CursorExpired, Draft, Folder, Message, Outgoing, Query, Thread
from .gmail_format import (
    HEADERS,
    HIDDEN,
    SYSTEM,
    decode,
    gmail_document,
    message_of,
    quoted,
    search_query,
    thread_url,
)
from .gmail_people import GooglePeople

LABEL = "Gmail"
AT_ONCE = 8  # messages read in parallel when a batch could not answer them
BATCH = 50  # messages per batch request (Gmail advises at most 50)


async def gather(fn: Callable[[str], Awaitable[None]], items: list[str], at_once: int) -> None:
    """`fn(item)` for every item, `at_once` at a time; a failure comes out as itself, not as an exception group."""
    limiter = anyio.CapacityLimiter(at_once)

    async def run(item: str) -> None:
        async with limiter:
            await fn(item)

    try:
        async with anyio.create_task_group() as group:
            for item in items:
                group.start_soon(run, item)
    except BaseExceptionGroup as failed:
        raise _first(failed) from None


def _first(group: BaseExceptionGroup) -> BaseException:  # type: ignore[type-arg]
    """The first connector error in a (nested) exception group, else the first exception."""
    for exc in group.exceptions:
        inner = _first(exc) if isinstance(exc, BaseExceptionGroup) else exc
        if isinstance(inner, ConnectorError):
            return inner
    return group.exceptions[0]


class Gmail:
    name, label, prefix = "gmail", LABEL, "gmail"

    def __init__(
        self, root_url: str, token: Callable[[], str], buckets: EndpointBuckets, breaker: CircuitBreaker, timeout: float
    ):
        self.http = PolicyHttp(LABEL, buckets, breaker, RetryPolicy(timeout=timeout), token)
        self.gmail = build_from_document(gmail_document(root_url), http=self.http)
        self.directory_api = GooglePeople(root_url, self.http)  # contacts and the domain directory
        self._labels: dict[str, str] | None = None

    async def aclose(self) -> None:
        self.http.close()

    async def _run(self, request: Any) -> dict[str, Any]:
        found = await execute(LABEL, request)
        if isinstance(found, dict):
            return found
        if not found:  # 204: batchModify
            return {}
        # googleapiclient hands back a body it could not parse as JSON as a string
        raise UpstreamUnavailable(f"{LABEL} returned an unreadable response. Try again shortly.")

    @property
    def users(self) -> Any:
        return self.gmail.users()

    async def label_names(self) -> dict[str, str]:
        if self._labels is None:
            found = await self._run(self.users.labels().list(userId="me"))
            self._labels = {x["id"]: SYSTEM.get(x["id"], x.get("name", x["id"])) for x in found.get("labels", [])}
        return self._labels

    async def _message(self, m: dict[str, Any]) -> Message:
        return message_of(m, await self.label_names())

    async def _get(self, native: str, fmt: str = "metadata") -> dict[str, Any]:
        options: dict[str, Any] = {"userId": "me", "id": native, "format": fmt}
        if fmt == "metadata":
            options["metadataHeaders"] = HEADERS
        found: dict[str, Any] = await self._run(self.users.messages().get(**options))
        return found

    async def _many(self, natives: list[str]) -> list[Message]:
        """Messages by id (metadata only), in the order given: through batches of 50 (one HTTP request each, as
        Gmail advises), then one by one for the parts a batch could not answer (quota, 5xx), so those meet the
        policy's waits and retries. Messages gone since they were listed are left out."""
        found: dict[str, dict[str, Any]] = {}
        again: list[str] = []
        refused_parts = False
        for start in range(0, len(natives), BATCH):
            chunk = natives[start : start + BATCH]
            try:
                answered, refused = await in_worker(self._batch, chunk)
            except (UpstreamUnavailable, RateLimited):  # the batch itself failed: its messages one by one
                answered, refused = {}, chunk
            else:
                refused_parts = refused_parts or bool(refused)
            found |= answered
            again += refused

        async def one(native: str) -> None:
            try:
                found[native] = await self._get(native)
            except NotFound:  # gone between the list and the read
                pass

        # parts refused for quota are read two at a time, so the waits pace them instead of racing for units
        await gather(one, again, 2 if refused_parts else AT_ONCE)
        return [await self._message(found[n]) for n in natives if n in found]

    def _batch(self, natives: list[str]) -> tuple[dict[str, dict[str, Any]], list[str]]:
        """One batch request (on a worker thread): (answers by id, ids to read again); 404 parts are dropped."""
        answered: dict[str, dict[str, Any]] = {}
        refused: list[str] = []

        def collect(native: str, response: Any, exc: Exception | None) -> None:
            if exc is None and isinstance(response, dict):
                answered[native] = response
            elif not (isinstance(exc, HttpError) and exc.resp.status == 404):
                refused.append(native)

        batch = self.gmail.new_batch_http_request(callback=collect)
        for native in natives:
            request = self.users.messages().get(userId="me", id=native, format="metadata", metadataHeaders=HEADERS)
            batch.add(request, request_id=native)
        try:
            batch.execute()
        except HttpError as exc:
            if exc.resp.status < 400:  # an unreadable multipart answer: read the messages one by one instead
                return {}, natives
            raise google_error(LABEL, exc) from None
        except (ValueError, KeyError):
            return {}, natives
        return answered, refused

    async def me(self) -> tuple[str, str]:
        profile = await self._run(self.users.getProfile(userId="me"))
        email = str(profile.get("emailAddress", ""))
        return email.split("@")[0], email

    async def _ids(self, q: str, limit: int, labels: list[str] | None = None) -> list[str]:
        ids: list[str] = []
        page = ""
        while len(ids) < limit:
            options: dict[str, Any] = {"userId": "me", "q": q, "maxResults": min(limit - len(ids), 500)}
            if labels:
                options["labelIds"] = labels
            if page:
                options["pageToken"] = page
            found = await self._run(self.users.messages().list(**options))
            ids += [m["id"] for m in found.get("messages", [])]
            page = found.get("nextPageToken", "")
            if not page:
                break
        return ids[:limit]

    def mailbox_of(self, native: str) -> str:
        return ""

    def _search_text(self, query: Query) -> tuple[str, list[str] | None]:
        """Gmail's `q` and the label ids a query asks for."""
        if query.mailbox:
            raise InvalidInput("Gmail: only your own mailbox can be searched here (mailbox is for Outlook).")
        if query.folder in ("SPAM", "TRASH"):
            return f"in:{query.folder.lower()} {search_query(query)}".strip(), None
        return search_query(query).strip(), [query.folder] if query.folder else None

    async def search(self, query: Query) -> list[Message]:
        query_text, labels = self._search_text(query)
        return await self._many(await self._ids(query_text, query.limit, labels))

    async def search_page(self, query: Query, token: str = "", skip: int = 0) -> tuple[list[Message], str, int]:
        """One page of a search: (its messages, the next page's token or "", Gmail's estimate of the total). One
        `messages.list` of `query.limit` ids from `token`, and only those after the first `skip` are read, so a call
        costs what it shows (Gmail's quota: 5 units per message read)."""
        query_text, labels = self._search_text(query)
        options: dict[str, Any] = {"userId": "me", "q": query_text, "maxResults": query.limit}
        if labels:
            options["labelIds"] = labels
        if token:
            options["pageToken"] = token
        found = await self._run(self.users.messages().list(**options))
        ids = [m["id"] for m in found.get("messages", [])]
        messages = await self._many(ids[skip:])
        return messages, found.get("nextPageToken", ""), int(found.get("resultSizeEstimate") or 0)

    async def message(self, native: str) -> Message:
        return await self._message(await self._get(native, "full"))

    async def thread(self, native: str) -> Thread:
        try:
            found = await self._run(self.users.threads().get(userId="me", id=native, format="full"))
        except NotFound:  # a message id that is not its thread's first: find its thread
            thread_id = (await self._get(native, "minimal"))["threadId"]
            found = await self._run(self.users.threads().get(userId="me", id=thread_id, format="full"))
        messages = [await self._message(m) for m in found.get("messages", [])]
        messages.sort(key=lambda m: m.date)
        return Thread(messages[-1].id, messages[0].subject, thread_url(found["id"]), messages)

    async def attachment(self, native: str, attachment: str) -> bytes:
        found = await self._run(self.users.messages().attachments().get(userId="me", messageId=native, id=attachment))
        return decode(found.get("data", ""))

    async def folders(self, mailbox: str = "") -> list[Folder]:
        names = await self.label_names()
        wanted = [x for x in names if x not in HIDDEN and x not in ("UNREAD", "IMPORTANT", "STARRED")]
        found: dict[str, Folder] = {}

        async def one(label: str) -> None:
            got = await self._run(self.users.labels().get(userId="me", id=label))
            found[label] = Folder(
                label, names[label], got.get("messagesTotal"), got.get("messagesUnread"), got.get("type") == "system"
            )

        await gather(one, wanted, AT_ONCE)
        return sorted(found.values(), key=lambda f: (not f.system, f.name.lower()))

    async def contacts(self, said: str) -> list[str]:
        return await self.directory_api.contacts(said)

    async def directory(self, said: str) -> list[str]:
        return await self.directory_api.directory(said)

    async def people(self, said: str) -> list[str]:
        ids = await self._ids(f"from:{quoted(said)} OR to:{quoted(said)} OR cc:{quoted(said)}", 25)
        seen: dict[str, str] = {}
        for m in await self._many(ids):
            for person in [m.sender, *m.to, *m.cc]:
                name, _, email = person.rpartition(" <")
                email = email.rstrip(">") if name else person
                if person_match(said, name, email) and email.lower() not in seen:
                    seen[email.lower()] = person
        return list(seen.values())

    async def create_draft(self, mail: Outgoing) -> Draft:
        in_reply_to, references, thread = "", [], None
        if mail.reply_to:
            original = await self._message(await self._get(mail.reply_to))
            in_reply_to, references, thread = original.message_id, original.references, original.thread
            mail.subject = mail.subject or compose.reply_subject(original.subject)
            if not mail.to:  # as a mail client answers: the Reply-To or the sender; reply-all adds the others
                mine = (await self.me())[1].lower()
                everyone = [*(original.reply_to or [original.sender])]
                if mail.reply_all:
                    everyone += original.to
                    mail.cc = mail.cc or [p for p in original.cc if compose.address_of(p) != mine]
                mail.to = list({compose.address_of(p): p for p in everyone if compose.address_of(p) != mine}.values())
                if not mail.to:  # answering one's own message: to its recipients
                    mail.to = original.to
        raw = compose.rfc822(
            to=mail.to,
            cc=mail.cc,
            bcc=mail.bcc,
            subject=mail.subject,
            text=mail.text,
            html=mail.html,
            message_id=mail.message_id,
            in_reply_to=in_reply_to,
            references=references,
        )
        body: dict[str, Any] = {"message": {"raw": raw} | ({"threadId": thread} if thread else {})}
        made = await self._run(self.users.drafts().create(userId="me", body=body))
        return await self.draft(made["id"])

    async def draft(self, native: str) -> Draft:
        found = await self._run(self.users.drafts().get(userId="me", id=native, format="full"))
        return Draft(f"gmail:draft:{native}", await self._message(found["message"]))

    async def find_draft(self, message_id: str) -> Draft | None:
        q = f"rfc822msgid:{message_id.strip('<>')}"
        found = await self._run(self.users.drafts().list(userId="me", q=q, maxResults=1))
        drafts = found.get("drafts") or []
        return await self.draft(drafts[0]["id"]) if drafts else None

    async def send_draft(self, native: str) -> Message:
        sent = await self._run(self.users.drafts().send(userId="me", body={"id": native}))
        try:
            return await self._message(await self._get(sent["id"]))
        except NotFound:  # sent; not readable yet
            thread = str(sent.get("threadId", ""))
            return Message(id=f"gmail:{sent['id']}", thread=thread, subject="", sender="", url=thread_url(thread))

    async def find_sent(self, draft: Draft) -> Message | None:
        try:
            await self._run(self.users.drafts().get(userId="me", id=draft.id.rsplit(":", 1)[1], format="minimal"))
            return None  # still a draft: it was not sent
        except NotFound:
            pass
        if not draft.message.message_id:
            return None
        ids = await self._ids(f"rfc822msgid:{draft.message.message_id.strip('<>')} in:sent", 1)
        found = await self._many(ids)
        return found[0] if found else None

    async def update(self, natives: list[str], action: str, folder: str) -> None:
        if action == "trash":
            for native in natives:  # Gmail has no batch trash; never a permanent delete
                await self._run(self.users.messages().trash(userId="me", id=native))
            return
        add, remove = {
            "read": ([], ["UNREAD"]),
            "unread": (["UNREAD"], []),
            "archive": ([], ["INBOX"]),
            "move": ([folder], ["INBOX"]),
            "label": ([folder], []),
            "unlabel": ([], [folder]),
            "flag": (["STARRED"], []),
            "unflag": ([], ["STARRED"]),
        }[action]
        body = {"ids": natives, "addLabelIds": add, "removeLabelIds": remove}
        await self._run(self.users.messages().batchModify(userId="me", body=body))

    async def start_changes(self) -> str:
        return str((await self._run(self.users.getProfile(userId="me")))["historyId"])

    async def changes(self, cursor: str, limit: int) -> Changes:
        touched: dict[str, None] = {}
        removed: dict[str, None] = {}
        page, latest = "", cursor
        while True:
            options: dict[str, Any] = {"userId": "me", "startHistoryId": cursor, "maxResults": 500}
            if page:
                options["pageToken"] = page
            try:
                found = await self._run(self.users.history().list(**options))
            except NotFound:  # past Gmail's retention: the only way on is a full sync
                raise CursorExpired("The saved Gmail history position has expired.") from None
            latest = str(found.get("historyId", latest))
            for record in found.get("history", []):
                for kind in ("messagesAdded", "labelsAdded", "labelsRemoved"):
                    for item in record.get(kind, []):
                        touched[item["message"]["id"]] = None
                for item in record.get("messagesDeleted", []):
                    removed[item["message"]["id"]] = None
            page = found.get("nextPageToken", "")
            if not page:
                break
        for native in removed:
            touched.pop(native, None)
        ids = list(touched)[-limit:]
        messages = await self._many(ids)
        gone = {n for n in ids if f"gmail:{n}" not in {m.id for m in messages}}  # deleted since: removed too
        removed_ids = [f"gmail:{n}" for n in [*removed, *gone]]
        return Changes(messages, removed_ids, latest, more=len(touched) > limit)

    async def recent(self, limit: int) -> list[Message]:
        return await self._many(await self._ids("", limit, ["INBOX"]))
