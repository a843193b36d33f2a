"""Echo tools: the ChatGPT search/fetch pair and one additive write."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from shared.contract import FetchOutput, SearchOutput, SearchResult
from shared.errors import InvalidInput
from shared.idempotency import run_once
from shared.tools import Effect, Reply, tool
from shared.vocabulary import keywords

from .runtime import EchoRuntime


class NoteRef(BaseModel):
    id: str
    url: str


@tool(
    name="search",
    title="Search notes",
    description="Find notes by words; ids go to fetch.",
    effect=Effect.READ,
    toolset="search",
)
async def search(rt: EchoRuntime, query: Annotated[str, Field(description="Words")]) -> SearchOutput:
    words = keywords(query)
    if not words:
        raise InvalidInput("query is empty: give words to look for.")
    notes = await rt.client.search(" ".join(words))
    return SearchOutput(
        results=[SearchResult(id=n["id"], title=n["title"], url=rt.client.note_url(n["id"])) for n in notes]
    )


@tool(
    name="fetch",
    title="Fetch note",
    description="One note (id from search) as text.",
    effect=Effect.READ,
    toolset="search",
)
async def fetch(rt: EchoRuntime, id: Annotated[str, Field(description="Note id from search")]) -> FetchOutput:
    if not id.strip().isdigit():
        raise InvalidInput(f'"{id[:40]}" is not a note id. Note ids are numbers, as search returns them.')
    note = await rt.client.note(id.strip())
    return FetchOutput(id=note["id"], title=note["title"], text=note["text"], url=rt.client.note_url(note["id"]))


@tool(
    name="echo_add_note",
    title="Add note",
    description="Add a note with a title and text.",
    effect=Effect.ADD,
    toolset="notes",
    output=NoteRef,
    target_arg="title",
)
async def add_note(
    rt: EchoRuntime,
    title: str,
    text: Annotated[str, Field(description="Plain text")] = "",
    idempotency_key: Annotated[str, Field(description="Same key, same note")] = "",
) -> Reply:
    if not title.strip():
        raise InvalidInput("title must not be empty.")

    async def write() -> dict:
        return await rt.client.add_note(title.strip(), text)

    async def find_existing() -> dict | None:
        return next((n for n in await rt.client.search(title.strip()) if n["title"] == title.strip()), None)

    if idempotency_key:
        request = {"title": title.strip(), "text": text}
        note, _ = await run_once(rt.idempotency, rt.identity(), idempotency_key, request, write, find_existing)
    else:
        note = await write()
    url = rt.client.note_url(note["id"])
    return Reply(f"Added note [{note['title']}]({url}).", NoteRef(id=note["id"], url=url), target=note["id"])
