"""Finding mail: the ChatGPT search/fetch pair and the filtered search."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from shared.contract import FetchOutput, SearchOutput, SearchResult
from shared.dates import parse_range
from shared.errors import InvalidInput
from shared.shaping import decode_cursor, encode_cursor
from shared.tools import Effect, Reply, tool
from shared.vocabulary import keywords, split_period

from ..providers.base import Message, Query
from ..runtime import MailRuntime
from ..untrusted import clean_text
from ..views import messages_table, name_of, provider_label, thread_markdown


class MessageRef(BaseModel):
    id: str
    subject: str
    url: str


class MessageList(BaseModel):
    messages: list[MessageRef]
    left_out: int = 0
    next_cursor: str | None = None


PAGE = 50  # messages read per call: a call costs what it shows (Gmail: 5 quota units per message read)
CURSOR = "mail.search"
Positions = dict[str, list[Any]]  # provider name -> [page token, how many of that page were shown already]


def refs(messages: list[Message]) -> list[MessageRef]:
    return [MessageRef(id=m.id, subject=clean_text(m.subject)[0], url=m.url) for m in messages]


async def run_search(rt: MailRuntime, query: Query, provider: str = "", folder: str = "") -> list[Message]:
    found: list[Message] = []
    for p in rt.client.chosen(provider or ("outlook" if query.mailbox else "")):
        q = Query(**vars(query))
        if folder.strip():
            q.folder = await rt.lookups.folder(p, folder, q.mailbox)
        found += await p.search(q)
    found.sort(key=lambda m: m.date, reverse=True)
    return found


async def search_page(
    rt: MailRuntime, query: Query, provider: str, folder: str, positions: Positions | None
) -> tuple[list[Message], dict[str, tuple[list[Message], list[Any], str]], int | None]:
    """One page of mail_search_messages: (messages newest first, per paging provider (its messages, the position
    they were read from, its next page's token), the estimated total). A provider that cannot page (no
    `search_page`) answers on the first page only; `positions` names the providers with more to read."""
    found: list[Message] = []
    pages: dict[str, tuple[list[Message], list[Any], str]] = {}
    total: int | None = None
    for p in rt.client.chosen(provider or ("outlook" if query.mailbox else "")):
        if positions is not None and p.name not in positions:
            continue
        q = Query(**vars(query))
        if folder.strip():
            q.folder = await rt.lookups.folder(p, folder, q.mailbox)
        read_page = getattr(p, "search_page", None)
        if read_page is None:
            found += await p.search(q)
            continue
        at = (positions or {}).get(p.name) or ["", 0]
        q.limit = min(q.limit, PAGE)
        messages, next_token, estimate = await read_page(q, str(at[0]), int(at[1]))
        pages[p.name] = (messages, at, next_token)
        found += messages
        if estimate is not None:
            total = (total or 0) + estimate
    found.sort(key=lambda m: m.date, reverse=True)
    return found, pages, total


def next_positions(pages: dict[str, tuple[list[Message], list[Any], str]], shown: list[Message]) -> Positions:
    """Where each paging provider goes on: the rest of its page when not all of it was shown, else its next page."""
    positions: Positions = {}
    for name, (messages, (token, skip), next_token) in pages.items():
        seen = sum(1 for m in shown if m.id.split(":", 1)[0] == name)
        if seen < len(messages):
            positions[name] = [token, int(skip) + seen]
        elif next_token:
            positions[name] = [next_token, 0]
    return positions


def _search_key(arguments: dict[str, Any]) -> str:
    """A digest of a search's arguments: a cursor continues the search it came from, never another one."""
    return hashlib.sha256(json.dumps(arguments, sort_keys=True, default=str).encode()).hexdigest()[:24]


@tool(
    name="search",
    title="Search mail",
    description='Find mail threads by words (a period such as "this week" may be in the query); ids go to fetch.',
    effect=Effect.READ,
    toolset="search",
)
async def search(rt: MailRuntime, query: Annotated[str, Field(description="Words to look for")]) -> SearchOutput:
    rest, period = split_period(query)
    words = keywords(rest)
    if not words and not period:
        raise InvalidInput("query is empty: give words to look for, such as a sender, a subject or a phrase.")
    q = Query(words, limit=20)
    if period:
        q.since, q.until = parse_range(period, rt.settings.timezone)
    messages = await run_search(rt, q)
    if not messages and len(words) > 1:  # people say more words than mails hold: any of them, newest first
        q.loose = True
        messages = await run_search(rt, q)
    seen: set[tuple[str, str]] = set()
    results = []
    for m in messages:  # one result per thread: its newest matching message
        key = (provider_label(m.id), m.thread)
        if key in seen:
            continue
        seen.add(key)
        title = f"{clean_text(m.subject)[0] or '(no subject)'} — {clean_text(name_of(m.sender))[0]}"
        results.append(SearchResult(id=m.id, title=title, url=m.url))
    return SearchOutput(results=results)


@tool(
    name="fetch",
    title="Fetch thread",
    description="A mail thread (any of its message ids, from search) as text, oldest first, with its link.",
    effect=Effect.READ,
    toolset="search",
)
async def fetch(rt: MailRuntime, id: Annotated[str, Field(description="Message id from search")]) -> FetchOutput:
    provider, native = rt.client.owner_of(id)
    thread = await provider.thread(native)
    own = (await rt.lookups.me(provider))[1].rpartition("@")[2]
    text, warnings = thread_markdown(thread, rt.settings.timezone, own)
    newest = thread.messages[-1]
    metadata = {
        "provider": provider.label,
        "messages": str(len(thread.messages)),
        "last_from": clean_text(newest.sender)[0],
        "last_date": newest.date,
        "untrusted_content": "true",
    }
    if warnings:
        metadata["warnings"] = "; ".join(warnings)[:500]
    return FetchOutput(
        id=f"{provider.prefix}:{native}",  # the id asked for, as the search/fetch contract expects
        title=clean_text(thread.subject)[0] or "(no subject)",
        text=text,
        url=thread.url,
        metadata=metadata,
    )


@tool(
    name="mail_search_messages",
    title="Filter mail",
    description='Messages by words and filters: sender, to, subject, period ("this week"), attachment, '
    "folder/label, unread, importance; a shared mailbox.",
    effect=Effect.READ,
    toolset="mail",
    output=MessageList,
)
async def search_messages(
    rt: MailRuntime,
    words: str = "",
    sender: Annotated[str, Field(description="Name, address or domain")] = "",
    to: str = "",
    subject: str = "",
    period: Annotated[str, Field(description='e.g. "this week"')] = "",
    has_attachment: bool = False,
    folder: Annotated[str, Field(description="Folder or label")] = "",
    unread: bool | None = None,
    importance: Literal["", "high", "normal", "low"] = "",
    provider: str = "",
    mailbox: Annotated[str, Field(max_length=200)] = "",
    limit: Annotated[int, Field(ge=1, le=200)] = 25,
    cursor: str = "",
) -> Reply:
    arguments = dict(locals())
    del arguments["rt"], arguments["cursor"], arguments["limit"]
    positions: Positions | None = None
    if cursor:  # a forged cursor, or one of another search, is named before anything is read
        state = decode_cursor(CURSOR, cursor)
        if state.get("s") != _search_key(arguments) or not isinstance(state.get("p"), dict):
            raise InvalidInput(
                "cursor belongs to another search: pass the same other arguments as the call that gave it, or "
                "start again without a cursor."
            )
        positions = state["p"]
    rest, said_period = split_period(words)
    period = period or said_period
    query = Query(
        keywords(rest),
        sender=sender,
        to=to,
        subject=subject,
        has_attachment=has_attachment,
        unread=unread,
        importance=importance,
        limit=limit,
        mailbox=mailbox.strip().lower(),
    )
    if query.mailbox and "@" not in query.mailbox:
        raise InvalidInput("mailbox is a shared mailbox's e-mail address, e.g. legal@your-company.com.")
    for name, value in (("sender", sender), ("to", to), ("subject", subject), ("folder", folder)):
        if len(value) > 200:
            raise InvalidInput(f"{name} is over 200 characters: say a name, an address or a few words.")
    if period:
        query.since, query.until = parse_range(period, rt.settings.timezone)
    if not (
        query.words
        or sender.strip()
        or to.strip()
        or subject.strip()
        or period
        or has_attachment
        or folder.strip()
        or unread is not None
        or importance
        or query.mailbox
    ):
        raise InvalidInput("Say what to look for: words, or at least one filter (sender, period, folder, unread...).")
    found, pages, total = await search_page(rt, query, provider, folder, positions)
    messages = found[: min(limit, PAGE) if pages else limit]
    text, left_out = messages_table(messages, rt.settings.timezone)
    shown = messages[: len(messages) - left_out]
    more = next_positions(pages, shown)
    next_cursor = encode_cursor(CURSOR, {"s": _search_key(arguments), "p": more}) if more else None
    if not messages:
        text = "No message matches. Try fewer words, another spelling of the sender, or a wider period."
    if total is not None and messages:
        text += f"\n\nAbout {total} match in all (the provider's estimate)."
    if next_cursor:
        text += f"\n\nMore match: call again with the same arguments and cursor={next_cursor}"
    elif left_out:
        text += f"\n\n{left_out} more not shown: narrow the search."
    text += "\n\nRead a thread with mail_get_thread (or fetch) and a message id."
    left = 0 if next_cursor else left_out
    data = MessageList(messages=refs(shown), left_out=left, next_cursor=next_cursor)
    return Reply(text, data)
