"""Mallory Quinn cannot browse the Jira project OPS nor the Confluence space HR, whichever way she signs in
(API token, PAT, static OAuth token, OAuth token issued by the sandbox's identity provider); others can."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sandbox.atlassian.app import create_app
from sandbox.atlassian.jira.catalog import CLOUD_ID
from sandbox.atlassian.oauth_grants import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from sandbox.common.server import run_in_thread

HR_SPACE, HR_HOMEPAGE = "65541", "98308"


@pytest.fixture(scope="module")
def url():
    base, stop = run_in_thread(create_app(seed=42))
    yield base
    stop()


def _issued_token(url: str, localpart: str) -> str:
    redirect = "http://127.0.0.1:8765/cb"
    with httpx.Client(base_url=url, timeout=10) as http:
        r = http.post(
            "/authorize",
            data={
                "audience": "api.atlassian.com",
                "client_id": DEMO_CLIENT_ID,
                "scope": "read:jira-work write:jira-work search:confluence",
                "redirect_uri": redirect,
                "state": "s",
                "response_type": "code",
                "email": f"{localpart}@example.com",
                "password": f"password-{localpart}",
                "decision": "allow",
            },
        )
        code = parse_qs(urlsplit(r.headers["location"]).query)["code"][0]
        tokens = http.post(
            "/oauth/token",
            json={
                "grant_type": "authorization_code",
                "client_id": DEMO_CLIENT_ID,
                "client_secret": DEMO_CLIENT_SECRET,
                "code": code,
                "redirect_uri": redirect,
            },
        ).json()
    return tokens["access_token"]


def _ways(url: str, localpart: str):
    """(name, client, Jira base, Confluence base) for each way of signing in."""
    gw_jira, gw_wiki = f"{url}/ex/jira/{CLOUD_ID}", f"{url}/ex/confluence/{CLOUD_ID}/wiki"
    yield "api token", httpx.Client(auth=(f"{localpart}@example.com", f"token-{localpart}")), url, f"{url}/wiki"
    yield "pat", httpx.Client(headers={"Authorization": f"Bearer pat-{localpart}"}), url, f"{url}/wiki"
    yield "static oauth", httpx.Client(headers={"Authorization": f"Bearer oauth-{localpart}"}), gw_jira, gw_wiki
    issued = {"Authorization": f"Bearer {_issued_token(url, localpart)}"}
    yield "issued oauth", httpx.Client(headers=issued), gw_jira, gw_wiki


def test_mallory_cannot_see_ops_nor_hr_however_she_signs_in(url):
    for way, http, jira, wiki in _ways(url, "mallory"):
        with http:
            assert http.get(f"{jira}/rest/api/3/issue/OPS-1").status_code == 404, way
            assert http.get(f"{jira}/rest/api/3/issue/SHOP-1").status_code == 200, way
            bad = http.get(f"{jira}/rest/api/3/search/jql", params={"jql": "project = OPS"})
            assert bad.status_code == 400 and "'OPS' does not exist" in bad.json()["errorMessages"][0], way
            keys = [
                i["key"]
                for i in http.post(
                    f"{jira}/rest/api/3/search/jql",
                    json={"jql": "created >= -3650d", "fields": ["key"], "maxResults": 5000},
                ).json()["issues"]
            ]
            assert keys and not [k for k in keys if k.startswith("OPS-")], way
            assert "OPS" not in [p["key"] for p in http.get(f"{jira}/rest/api/3/project").json()], way
            assert http.get(f"{jira}/rest/api/3/project/OPS").status_code == 404, way
            created = http.post(
                f"{jira}/rest/api/3/issue",
                json={"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": "sneaky"}},
            )
            assert created.status_code == 400 and "project" in created.json()["errors"], way
            assert "HR" not in [s["key"] for s in http.get(f"{wiki}/api/v2/spaces").json()["results"]], way
            assert http.get(f"{wiki}/api/v2/spaces/{HR_SPACE}").status_code == 404, way
            assert http.get(f"{wiki}/api/v2/pages/{HR_HOMEPAGE}").status_code == 404, way
            found = http.get(f"{wiki}/rest/api/search", params={"cql": "space = HR"}).json()
            assert found["totalSize"] == 0, way
            assert http.get(f"{wiki}/rest/api/search", params={"cql": "space = ENG"}).json()["totalSize"] > 0, way


def test_others_still_see_ops_and_hr(url):
    for way, http, jira, wiki in _ways(url, "alice"):
        with http:
            assert http.get(f"{jira}/rest/api/3/issue/OPS-1").status_code == 200, way
            assert http.get(f"{wiki}/api/v2/pages/{HR_HOMEPAGE}").status_code == 200, way
            assert "HR" in [s["key"] for s in http.get(f"{wiki}/api/v2/spaces").json()["results"]], way
