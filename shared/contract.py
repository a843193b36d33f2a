"""The ChatGPT `search` / `fetch` contract, one shape for every connector.

`search(query)` returns `{"results": [{"id", "title", "url"}]}`; `fetch(id)` returns
`{"id", "title", "text", "url", "metadata"}`. Both are sent as structuredContent and as the same
object JSON-encoded in one text item (shared.boundary does that for any pydantic result).
ChatGPT cites only results with a non-empty `url`.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class SearchResult(BaseModel):
    id: str
    title: str
    url: str


class SearchOutput(BaseModel):
    results: list[SearchResult]


class FetchOutput(BaseModel):
    id: str
    title: str
    text: str
    url: str
    metadata: dict[str, str] = Field(default_factory=dict)  # never None: ChatGPT wants an object
