"""Jira REST access through atlassian-python-api, one method per upstream operation we use.

Calls are synchronous in the library, so each runs on a worker thread (bounded) and never
blocks the event loop. The library's own retries are off: the session it uses carries the
shared rate limiter, retry policy and circuit breaker (shared.http). HTTP failures become
shared errors here, once.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import requests
from atlassian.jira import JiraCloud

from shared.circuit import CircuitBreaker
from shared.credentials import Credential
from shared.http import RetryPolicy, checked_json, in_worker, resilient_session
from shared.ratelimit import EndpointBuckets, TokenBucket

from .settings import JiraSettings

UPSTREAM = "Jira"


def _detail(response: requests.Response) -> str:
    """Jira's own error text (errorMessages + field errors); never headers or credentials."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    messages = list(body.get("errorMessages") or [])
    errors = body.get("errors") or {}
    if isinstance(errors, dict):
        messages += [f"{field}: {text}" for field, text in errors.items()]
    return " ".join(str(m) for m in messages)[:500]


class JiraClient:
    def __init__(
        self,
        settings: JiraSettings,
        credential: Credential,
        bucket: TokenBucket | EndpointBuckets,
        breaker: CircuitBreaker,
    ):
        self.settings, self.credential, self.bucket, self.breaker = settings, credential, bucket, breaker
        self.site = settings.site  # where people browse issues
        self.api_base = credential.base_url or settings.site  # where requests go (the OAuth gateway, per user)
        self.cloud = settings.cloud
        self.api_root = "rest/api/3" if self.cloud else "rest/api/2"

    @cached_property
    def _api(self) -> JiraCloud:
        """Built on first use, so a runtime can be made without reaching Jira."""
        settings, credential = self.settings, self.credential
        policy = RetryPolicy(timeout=settings.http_timeout_seconds)
        secret = credential.secret.get_secret_value()
        auth: dict[str, Any] = (
            {"username": credential.username, "password": secret} if credential.scheme == "basic" else {"token": secret}
        )
        return JiraCloud(
            self.api_base,
            api_version=3 if self.cloud else 2,
            session=resilient_session(UPSTREAM, self.bucket, self.breaker, policy),
            timeout=settings.http_timeout_seconds,
            retry_with_header=False,
            backoff_and_retry=False,
            **auth,
        )

    def browse_url(self, key: str) -> str:
        return f"{self.site}/browse/{key}"

    # -- transport -----------------------------------------------------------------------------
    def _call(self, method: str, path: str, params: dict | None = None, body: Any = None) -> Any:
        def send() -> requests.Response:
            return self._api.request(method, path, params=params, json=body, advanced_mode=True)

        return checked_json(UPSTREAM, send, _detail)

    async def call(self, method: str, path: str, params: dict | None = None, body: Any = None) -> Any:
        return await in_worker(self._call, method, path, params, body)

    def _p(self, resource: str) -> str:
        return f"{self.api_root}/{resource}"

    # -- platform ------------------------------------------------------------------------------
    async def myself(self) -> dict:
        return await self.call("GET", self._p("myself"))

    async def search(
        self,
        jql: str,
        fields: list[str],
        limit: int,
        token: str | None = None,
        expand: str | None = None,
        properties: list[str] | None = None,
    ) -> dict:
        body: dict[str, Any] = {"jql": jql, "fields": fields, "maxResults": limit}
        if token:
            body["nextPageToken"] = token
        if expand:
            body["expand"] = expand
        if properties:
            body["properties"] = properties
        return await self.call("POST", "rest/api/3/search/jql", body=body)

    async def issue(self, key: str, fields: str = "*all", expand: str = "names") -> dict:
        return await self.call("GET", self._p(f"issue/{key}"), params={"fields": fields, "expand": expand})

    async def create_issue(self, fields: dict, properties: list[dict] | None = None) -> dict:
        body: dict[str, Any] = {"fields": fields}
        if properties:
            body["properties"] = properties
        return await self.call("POST", self._p("issue"), body=body)

    async def update_issue(self, key: str, fields: dict, update: dict | None = None) -> dict | None:
        body: dict[str, Any] = {"fields": fields}
        if update:
            body["update"] = update
        return await self.call("PUT", self._p(f"issue/{key}"), params={"returnIssue": "true"}, body=body)

    async def createmeta(self, project: str) -> list[dict]:
        data = await self.call("GET", self._p(f"issue/createmeta/{project}/issuetypes"), params={"maxResults": 100})
        return data.get("issueTypes") or data.get("values") or []

    async def createmeta_fields(self, project: str, type_id: str) -> list[dict]:
        data = await self.call(
            "GET", self._p(f"issue/createmeta/{project}/issuetypes/{type_id}"), params={"maxResults": 200}
        )
        return data.get("fields") or data.get("values") or []

    async def editmeta(self, key: str) -> dict:
        return (await self.call("GET", self._p(f"issue/{key}/editmeta"))).get("fields", {})

    async def fields(self) -> list[dict]:
        return await self.call("GET", self._p("field"))

    async def transitions(self, key: str) -> list[dict]:
        return (await self.call("GET", self._p(f"issue/{key}/transitions"))).get("transitions", [])

    async def transition(self, key: str, transition_id: str, fields: dict | None, comment: dict | None) -> None:
        body: dict[str, Any] = {"transition": {"id": transition_id}}
        if fields:
            body["fields"] = fields
        if comment:
            body["update"] = {"comment": [{"add": {"body": comment}}]}
        await self.call("POST", self._p(f"issue/{key}/transitions"), body=body)

    async def add_comment(self, key: str, body: Any) -> dict:
        return await self.call("POST", self._p(f"issue/{key}/comment"), body={"body": body})

    async def comments(self, key: str, limit: int) -> dict:
        return await self.call(
            "GET", self._p(f"issue/{key}/comment"), params={"maxResults": limit, "orderBy": "-created"}
        )

    async def changelog(self, key: str, limit: int) -> dict:
        return await self.call("GET", self._p(f"issue/{key}/changelog"), params={"maxResults": limit})

    async def bulk_changelogs(self, keys: list[str], token: str | None = None) -> dict:
        body: dict[str, Any] = {"issueIdsOrKeys": keys, "maxResults": 1000}
        if token:
            body["nextPageToken"] = token
        return await self.call("POST", self._p("changelog/bulkfetch"), body=body)

    async def link_types(self) -> list[dict]:
        return (await self.call("GET", self._p("issueLinkType"))).get("issueLinkTypes", [])

    async def link(self, type_name: str, inward: str, outward: str) -> None:
        body = {"type": {"name": type_name}, "inwardIssue": {"key": inward}, "outwardIssue": {"key": outward}}
        await self.call("POST", self._p("issueLink"), body=body)

    async def projects(self, query: str | None, start: int, limit: int) -> dict:
        params: dict[str, Any] = {"startAt": start, "maxResults": limit, "expand": "lead", "orderBy": "key"}
        if query:
            params["query"] = query
        return await self.call("GET", self._p("project/search"), params=params)

    async def users(self, query: str, project: str | None = None) -> list[dict]:
        if project:
            params = {"project": project, "query": query, "maxResults": 50}
            return await self.call("GET", self._p("user/assignable/search"), params=params)
        return await self.call("GET", self._p("user/search"), params={"query": query, "maxResults": 50})

    async def priorities(self) -> list[dict]:
        return await self.call("GET", self._p("priority"))

    async def statuses(self) -> list[dict]:
        return await self.call("GET", self._p("status"))

    async def issue_property(self, key: str, prop: str) -> dict | None:
        return await self.call("GET", self._p(f"issue/{key}/properties/{prop}"))

    # -- agile ---------------------------------------------------------------------------------
    async def boards(self, project: str) -> list[dict]:
        data = await self.call("GET", "rest/agile/1.0/board", params={"projectKeyOrId": project, "maxResults": 50})
        return data.get("values", [])

    async def sprints(self, board_id: int, states: str) -> list[dict]:
        values, start = [], 0
        while True:
            data = await self.call(
                "GET",
                f"rest/agile/1.0/board/{board_id}/sprint",
                params={"state": states, "startAt": start, "maxResults": 50},
            )
            values += data.get("values", [])
            if data.get("isLast", True) or not data.get("values"):
                return values
            start += len(data["values"])

    async def move_to_sprint(self, sprint_id: int, keys: list[str]) -> None:
        await self.call("POST", f"rest/agile/1.0/sprint/{sprint_id}/issue", body={"issues": keys})

    async def move_to_backlog(self, keys: list[str]) -> None:
        await self.call("POST", "rest/agile/1.0/backlog/issue", body={"issues": keys})
