"""Writing: drafts (new or replies) and sending, with recipients checked against the allowed domains.

A send is a draft sent: a new message is first saved as a draft (under `<key>:new`), then the draft is sent
(under `<key>`). A retry with the same key finds the draft it made and asks the provider what became of it
(`find_sent`) before sending anything, so a send whose answer was lost is never repeated.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Annotated, Any

from pydantic import BaseModel, Field

from shared.errors import InvalidInput, PermissionDenied
from shared.idempotency import run_once
from shared.tools import Effect, Reply, tool

from .. import compose
from ..providers.base import AttachmentRef, Draft, Message, Outgoing, Provider
from ..runtime import MailRuntime
from ..untrusted import clean_text

People = Annotated[list[str], Field(description="Names or addresses")]


class Written(BaseModel):
    id: str  # the draft id (drafts) or the sent message's id
    url: str = ""
    sent: bool = False
    reused: bool = False


def _plain(value: Draft | Message) -> dict[str, Any]:
    return asdict(value)


def _message(data: dict[str, Any]) -> Message:
    return Message(**(data | {"attachments": [AttachmentRef(**a) for a in data.get("attachments", [])]}))


def _draft(data: dict[str, Any]) -> Draft:
    return Draft(data["id"], _message(data["message"]))


async def _once(
    rt: MailRuntime,
    key: str,
    request: list[Any],
    write: Callable[[], Awaitable[Any]],
    find: Callable[[], Awaitable[Any]],
) -> tuple[dict[str, Any], bool]:
    """At most one write per idempotency key; records hold plain dicts, so a shared (Redis) store can keep them."""

    async def plain_write() -> dict[str, Any]:
        return _plain(await write())

    async def plain_find() -> dict[str, Any] | None:
        found = await find()
        return _plain(found) if found is not None else None

    if not key:
        return await plain_write(), False
    result, reused = await run_once(rt.idempotency, rt.identity(), key, request, plain_write, plain_find)
    return dict(result), reused


async def _nothing() -> None:
    return None


def _check_key(key: str) -> str:
    key = key.strip()
    if len(key) > 200:
        raise InvalidInput("idempotency_key is over 200 characters: use a short unique string.")
    return key


async def check_recipients(rt: MailRuntime, p: Provider, people: list[str]) -> None:
    """Refuse, before anything is sent, a recipient outside the person's domain and the allowed ones."""
    own = (await rt.lookups.me(p))[1].rpartition("@")[2].lower()
    allowed = {own, *rt.settings.allowed_recipient_domains}
    outside = sorted({a for a in map(compose.address_of, people) if a.rpartition("@")[2] not in allowed})
    if outside:
        extra = ", ".join(rt.settings.allowed_recipient_domains) or "none"
        raise PermissionDenied(
            f"Sending to {', '.join(outside)[:300]} is refused: outside your organisation ({own}) and the allowed "
            f"domains (MAIL_ALLOWED_RECIPIENT_DOMAINS: {extra}). Nothing was sent; the draft, if any, is kept. "
            "Send to someone in an allowed domain, or ask an administrator to allow that domain."
        )


async def make_draft(rt: MailRuntime, p: Provider, mail: Outgoing, key: str, request: list[Any]) -> tuple[Draft, bool]:
    """Save the draft once per key. Each tool keeps its own record (`<key>:<tool's step>`, the step being
    request[0]), so a person reusing one key for the draft and then for sending it is not refused."""
    key = f"{key}:{request[0]}" if key else ""
    domain = (await rt.lookups.me(p))[1].rpartition("@")[2]
    mail.message_id = compose.message_id_for(rt.identity(), key, domain) if key else compose.new_message_id(domain)

    async def write() -> Draft:
        return await p.create_draft(mail)

    async def find() -> Draft | None:  # after a lost answer: the draft saved under this key's Message-ID
        return await p.find_draft(mail.message_id)

    data, reused = await _once(rt, key, request, write, find)
    return _draft(data), reused


async def send_draft(rt: MailRuntime, p: Provider, draft: Draft, key: str) -> tuple[Message, bool]:
    message = draft.message
    people = [*message.to, *message.cc, *message.bcc]
    if not people:
        raise InvalidInput("The draft has no recipients: add them with mail_create_draft (to, cc, bcc).")
    await check_recipients(rt, p, people)
    native = draft.id.split(":", 1)[1].removeprefix("draft:")

    async def write() -> Message:
        return await p.send_draft(native)

    async def find() -> Message | None:
        return await p.find_sent(draft)

    data, reused = await _once(rt, key, ["send", draft.id], write, find)
    return _message(data), reused


def _outgoing(to: list[str], cc: list[str], bcc: list[str], subject: str, body: str) -> Outgoing:
    text = compose.checked_body(body)
    return Outgoing(to, cc, bcc, compose.checked_subject(subject), compose.to_html(text), text)


def _written(d: Message, draft_id: str, sent: bool, reused: bool) -> Written:
    return Written(id=draft_id, url=d.url, sent=sent, reused=reused)


def _said(message: Message, verb: str, reused: bool) -> str:
    again = " (already done by an earlier call with this idempotency_key)" if reused else ""
    who = ", ".join(message.to) + (f"; cc {', '.join(message.cc)}" if message.cc else "")
    who += f"; bcc {', '.join(message.bcc)}" if message.bcc else ""
    return f'{verb} "{clean_text(message.subject)[0]}" to {who}{again}.'


async def _resolved(
    rt: MailRuntime, p: Provider, to: list[str], cc: list[str], bcc: list[str]
) -> tuple[list[str], list[str], list[str]]:
    if len(to) + len(cc) + len(bcc) > 100:
        raise InvalidInput("At most 100 recipients in one message.")
    lookups = rt.lookups
    return await lookups.recipients(p, to), await lookups.recipients(p, cc), await lookups.recipients(p, bcc)


@tool(
    name="mail_create_draft",
    title="Create draft",
    description="Save a draft: to/cc/bcc, subject, markdown body (sent as HTML and text); reply_to a message id "
    "to answer in its thread.",
    effect=Effect.ADD,
    toolset="compose",
    output=Written,
    target_arg="subject",
)
async def create_draft(
    rt: MailRuntime,
    body: Annotated[str, Field(description="Markdown")],
    to: People = [],
    cc: list[str] = [],
    bcc: list[str] = [],
    subject: str = "",
    reply_to: Annotated[str, Field(description="Message id to answer")] = "",
    reply_all: bool = False,
    provider: Annotated[str, Field(description="gmail or outlook")] = "",
    idempotency_key: Annotated[str, Field(description="Same key, same draft")] = "",
) -> Reply:
    key = _check_key(idempotency_key)
    p, native = rt.client.owner_of(reply_to) if reply_to.strip() else (rt.client.one(provider), "")
    if not native and not to:
        raise InvalidInput("Say who the message is for (to), or give reply_to to answer a message.")
    if not native and not subject.strip():
        raise InvalidInput("A new message needs a subject.")
    mail = _outgoing(*(await _resolved(rt, p, to, cc, bcc)), subject, body)
    mail.reply_to, mail.reply_all = native, reply_all
    draft, reused = await make_draft(rt, p, mail, key, ["draft", p.name, native, to, cc, bcc, subject, body])
    text = _said(draft.message, "Draft saved:", reused) + f" Draft id: `{draft.id}`. Send it with mail_send."
    return Reply(text, _written(draft.message, draft.id, False, reused), target=draft.id)


@tool(
    name="mail_reply",
    title="Reply",
    description="Reply or reply-all in a message's thread (markdown body); a draft unless send is true.",
    effect=Effect.SEND,
    toolset="compose",
    output=Written,
    target_arg="message_id",
)
async def reply(
    rt: MailRuntime,
    message_id: str,
    body: str,
    reply_all: bool = False,
    send: bool = False,
    idempotency_key: Annotated[str, Field(description="Same key, one reply")] = "",
) -> Reply:
    key = _check_key(idempotency_key)
    p, native = rt.client.owner_of(message_id)
    mail = _outgoing([], [], [], "", body)
    mail.reply_to, mail.reply_all = native, reply_all
    draft, reused = await make_draft(rt, p, mail, key, ["reply", p.name, native, reply_all, body])
    if not send:
        text = _said(draft.message, "Reply saved as a draft:", reused)
        text += f" Draft id: `{draft.id}`. Send it with mail_send when the person confirms."
        return Reply(text, _written(draft.message, draft.id, False, reused), target=draft.id)
    sent, reused = await send_draft(rt, p, draft, key)
    return Reply(_said(draft.message, "Sent", reused), _written(draft.message, sent.id, True, reused), target=sent.id)


@tool(
    name="mail_send",
    title="Send mail",
    description="Send a draft (draft_id) or a new message (to, subject, body), after the person confirms. "
    "Recipients outside allowed domains are refused.",
    effect=Effect.SEND,
    toolset="compose",
    output=Written,
    target_arg="draft_id",
)
async def send(
    rt: MailRuntime,
    draft_id: str = "",
    to: People = [],
    cc: list[str] = [],
    bcc: list[str] = [],
    subject: str = "",
    body: Annotated[str, Field(description="Markdown")] = "",
    provider: Annotated[str, Field(description="gmail or outlook")] = "",
    idempotency_key: Annotated[str, Field(description="Same key: sent at most once")] = "",
) -> Reply:
    key = _check_key(idempotency_key)
    if draft_id.strip():
        if to or cc or bcc or subject.strip() or body.strip():
            raise InvalidInput("Give either draft_id (to send a draft as it is) or to/subject/body, not both.")
        p, native = rt.client.owner_of(draft_id, "draft")
        if p.name == "gmail" and not native.startswith("draft:"):
            raise InvalidInput("A Gmail draft id looks like gmail:draft:<id>, as mail_create_draft returned it.")

        async def read() -> Draft:
            return await p.draft(native.removeprefix("draft:"))

        # kept with the key: a retry after a lost answer knows the draft even though sending it removed it
        draft = _draft((await _once(rt, f"{key}:read" if key else "", ["read", draft_id], read, _nothing))[0])
    else:
        if not to or not subject.strip():
            raise InvalidInput("Give draft_id, or to, subject and body for a new message.")
        p = rt.client.one(provider)
        people = await _resolved(rt, p, to, cc, bcc)
        await check_recipients(rt, p, [*people[0], *people[1], *people[2]])  # before the draft is even saved
        mail = _outgoing(*people, subject, body)
        draft, _ = await make_draft(rt, p, mail, key, ["new", p.name, to, cc, bcc, subject, body])
    sent, reused = await send_draft(rt, p, draft, key)
    text = _said(draft.message, "Sent", reused) + (f" [Open]({sent.url})" if sent.url else "")
    return Reply(text, _written(draft.message, sent.id, True, reused), target=sent.id)
