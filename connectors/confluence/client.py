"""Confluence REST access through atlassian-python-api, one method per upstream operation we use.

Content goes through the v2 API (`/wiki/api/v2/...`), search through v1 CQL (`/wiki/rest/api/search`),
and the few operations v2 lacks (labels add/remove, the current user) through v1. The library's
own helpers build wrong paths for Cloud search (`cql()` -> `/wiki/content/search`, v2 `search()` ->
`/wiki/api/v2/search`, see docs/upstreams.md §11.1), so every call goes through its generic
`request()` on a `.../wiki` base, which also returns the raw response for one place to map errors.

Calls are synchronous in the library, so each runs on a worker thread (bounded) and never blocks
the event loop. The library's own retries are off: the session it uses carries the shared rate
limiter, retry policy and circuit breaker (shared.http). HTTP failures become shared errors here.
"""

from __future__ import annotations

import warnings
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from atlassian import Confluence

from shared.circuit import CircuitBreaker
from shared.credentials import Credential
from shared.errors import Conflict
from shared.http import RetryPolicy, checked_json, in_worker, resilient_session
from shared.ratelimit import EndpointBuckets, TokenBucket

from .settings import ConfluenceSettings

UPSTREAM = "Confluence"
V2 = "api/v2"
V1 = "rest/api"


def _detail(response: requests.Response) -> str:
    """Confluence's own error text (v2 `errors[]`, v1 `message`); never headers or credentials."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    messages = []
    for error in body.get("errors") or []:
        if isinstance(error, dict):
            messages.append(str(error.get("detail") or error.get("title") or error.get("code") or ""))
        else:
            messages.append(str(error))
    if body.get("message"):
        messages.append(str(body["message"]))
    return " ".join(m for m in messages if m)[:500]


def next_cursor(page: dict) -> str | None:
    """The `cursor` of a v2 or v1 `_links.next` (relative, with or without /wiki)."""
    link = (page.get("_links") or {}).get("next")
    if not link:
        return None
    values = parse_qs(urlsplit(link).query).get("cursor")
    return values[0] if values else None


class ConfluenceClient:
    def __init__(
        self,
        settings: ConfluenceSettings,
        credential: Credential,
        bucket: TokenBucket | EndpointBuckets,
        breaker: CircuitBreaker,
    ):
        self.settings, self.credential, self.bucket, self.breaker = settings, credential, bucket, breaker
        self.site, self.wiki = settings.site, settings.wiki  # where people read pages
        self.api_wiki = f"{credential.base_url.rstrip('/')}/wiki" if credential.base_url else self.wiki

    @cached_property
    def _api(self) -> Confluence:
        """Built on first use, so a runtime can be made without reaching Confluence."""
        settings, credential = self.settings, self.credential
        policy = RetryPolicy(timeout=settings.http_timeout_seconds)
        secret = credential.secret.get_secret_value()
        auth: dict[str, Any] = (
            {"username": credential.username, "password": secret} if credential.scheme == "basic" else {"token": secret}
        )
        with warnings.catch_warnings():  # the v2 class warns about v1 helpers we do not use
            warnings.simplefilter("ignore")
            return Confluence(
                self.api_wiki,
                api_version=2,
                cloud=True,
                session=resilient_session(UPSTREAM, self.bucket, self.breaker, policy),
                timeout=settings.http_timeout_seconds,
                retry_with_header=False,
                backoff_and_retry=False,
                **auth,
            )

    def web_url(self, webui: str | None, fallback: str = "") -> str:
        """An absolute, user-openable link from a `_links.webui` (relative to /wiki)."""
        if webui:
            return webui if webui.startswith("http") else f"{self.wiki}{webui}"
        return f"{self.wiki}{fallback}"

    def page_url(self, page: dict, space_key: str = "") -> str:
        webui = (page.get("_links") or {}).get("webui")
        kind = (
            "blog"
            if page.get("type") == "blogpost" or "blogpost" in str(page.get("_links", {}).get("self", ""))
            else "pages"
        )
        return self.web_url(
            webui,
            f"/spaces/{space_key}/{kind}/{page.get('id')}"
            if space_key
            else f"/pages/viewpage.action?pageId={page.get('id')}",
        )

    # -- transport -----------------------------------------------------------------------------
    def _call(self, method: str, path: str, params: dict | None = None, body: Any = None) -> Any:
        def send() -> requests.Response:
            return self._api.request(method, path, params=params, json=body, advanced_mode=True)

        return checked_json(UPSTREAM, send, _detail)

    async def call(self, method: str, path: str, params: dict | None = None, body: Any = None) -> Any:
        return await in_worker(self._call, method, path, params, body)

    # -- people --------------------------------------------------------------------------------
    async def current_user(self) -> dict:
        return await self.call("GET", f"{V1}/user/current")

    async def users(self, account_ids: list[str]) -> list[dict]:
        data = await self.call("POST", f"{V2}/users-bulk", body={"accountIds": account_ids})
        return data.get("results", [])

    async def find_users(self, query: str, limit: int = 25) -> list[dict]:
        from .cql import quote

        data = await self.call(
            "GET", f"{V1}/search/user", params={"cql": f"user.fullname ~ {quote(query)}", "limit": limit}
        )
        return [r.get("user", r) for r in data.get("results", [])]

    # -- spaces --------------------------------------------------------------------------------
    async def spaces(self, cursor: str | None = None, limit: int = 250, keys: list[str] | None = None) -> dict:
        params: dict[str, Any] = {"limit": limit, "description-format": "plain", "status": "current"}
        if cursor:
            params["cursor"] = cursor
        if keys:
            params["keys"] = ",".join(keys)
        return await self.call("GET", f"{V2}/spaces", params=params)

    # -- pages ---------------------------------------------------------------------------------
    async def page(self, page_id: str, body: bool = True, kind: str = "pages") -> dict:
        params = {"body-format": "storage"} if body else {}
        return await self.call("GET", f"{V2}/{kind}/{page_id}", params=params)

    async def pages_by_title(self, space_id: str, title: str) -> list[dict]:
        params = {"space-id": space_id, "title": title, "status": "current", "limit": 25}
        return (await self.call("GET", f"{V2}/pages", params=params)).get("results", [])

    async def create_page(self, space_id: str, title: str, storage: str, parent_id: str | None) -> dict:
        body: dict[str, Any] = {
            "spaceId": space_id,
            "status": "current",
            "title": title,
            "body": {"representation": "storage", "value": storage},
        }
        if parent_id:
            body["parentId"] = parent_id
        return await self.call("POST", f"{V2}/pages", body=body)

    async def update_page(self, page: dict, title: str, storage: str, message: str) -> dict:
        """PUT a new version (current + 1). A 409 says who won and what to do."""
        number = int(page["version"]["number"])
        body = {
            "id": str(page["id"]),
            "status": page.get("status") or "current",
            "title": title,
            "body": {"representation": "storage", "value": storage},
            "version": {"number": number + 1, "message": message},
        }
        try:
            return await self.call("PUT", f"{V2}/pages/{page['id']}", body=body)
        except Conflict:
            current = await self.page(str(page["id"]))
            stored = ((current.get("body") or {}).get("storage") or {}).get("value")
            if int(current["version"]["number"]) == number + 1 and stored == storage and current.get("title") == title:
                return current  # our own write, applied before a lost answer and replayed: not a conflict
            raise version_conflict(str(page["id"]), int(current["version"]["number"]), number) from None

    async def children(self, page_id: str, limit: int = 50) -> dict:
        return await self.call("GET", f"{V2}/pages/{page_id}/direct-children", params={"limit": limit})

    async def footer_comments(
        self, page_id: str, limit: int = 25, kind: str = "pages", sort: str = "created-date"
    ) -> dict:
        params = {"body-format": "storage", "limit": limit, "sort": sort}
        return await self.call("GET", f"{V2}/{kind}/{page_id}/footer-comments", params=params)

    async def comment_replies(self, comment_id: str, limit: int = 25, sort: str = "created-date") -> dict:
        params = {"body-format": "storage", "limit": limit, "sort": sort}
        return await self.call("GET", f"{V2}/footer-comments/{comment_id}/children", params=params)

    async def comment(self, comment_id: str) -> dict:
        return await self.call("GET", f"{V2}/footer-comments/{comment_id}", params={"body-format": "storage"})

    async def add_comment(self, storage: str, page_id: str | None = None, parent_comment_id: str | None = None) -> dict:
        body: dict[str, Any] = {"body": {"representation": "storage", "value": storage}}
        if parent_comment_id:
            body["parentCommentId"] = parent_comment_id
        else:
            body["pageId"] = page_id
        return await self.call("POST", f"{V2}/footer-comments", body=body)

    async def labels(self, page_id: str, kind: str = "pages") -> list[dict]:
        return (await self.call("GET", f"{V2}/{kind}/{page_id}/labels", params={"limit": 100})).get("results", [])

    async def add_labels(self, page_id: str, names: list[str]) -> None:
        await self.call("POST", f"{V1}/content/{page_id}/label", body=[{"prefix": "global", "name": n} for n in names])

    async def remove_label(self, page_id: str, name: str) -> None:
        await self.call("DELETE", f"{V1}/content/{page_id}/label/{name}")

    async def attachments(self, page_id: str, limit: int = 50, kind: str = "pages") -> dict:
        return await self.call("GET", f"{V2}/{kind}/{page_id}/attachments", params={"limit": limit})

    async def versions(
        self, page_id: str, limit: int = 10, kind: str = "pages", body: bool = False, cursor: str | None = None
    ) -> dict:
        """Newest first; with `body`, each version's storage body (what the page said then)."""
        params: dict[str, Any] = {"limit": limit, "sort": "-modified-date"}
        if body:
            params["body-format"] = "storage"
        if cursor:
            params["cursor"] = cursor
        return await self.call("GET", f"{V2}/{kind}/{page_id}/versions", params=params)

    # -- search (v1 CQL) -----------------------------------------------------------------------
    async def search(self, cql: str, limit: int = 25, cursor: str | None = None, expand: str | None = None) -> dict:
        params: dict[str, Any] = {"cql": cql, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        if expand:
            params["expand"] = expand
        return await self.call("GET", f"{V1}/search", params=params)


def version_conflict(page_id: str, current: int, read: int) -> Conflict:
    return Conflict(
        f"Page {page_id} changed since you read it: you sent version {read}, Confluence is at version {current}. "
        f"Nothing was written. Re-read the page (version {current} is current) and apply your change again."
    )
