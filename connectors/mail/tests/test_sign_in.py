"""Per-user sign-in to the mail server through Google and Microsoft, played the way ChatGPT does it (the storage
end-to-end test's flow, reused): one consent links both mailboxes, each person reads and sends as themselves."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator

import pytest

from connectors.mail.connector import connector
from sandbox.google.entry import sign_in_env as google_sign_in
from sandbox.google.testing import running_google
from sandbox.microsoft.entry import sign_in_env as microsoft_sign_in
from sandbox.microsoft.testing import running_tenant
from shared import cli
from shared.settings import load_settings
from shared.testing import call, fail, free_port, serve_in_thread
from tests.e2e.test_sign_in_storage import Deployment, as_person, sign_in

pytestmark = pytest.mark.anyio
SCOPES = "mail.read mail.write offline_access"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[Deployment]:
    with running_google() as google, running_tenant() as tenant, pytest.MonkeyPatch.context() as env:
        port = free_port()
        issuer = f"http://127.0.0.1:{port}"
        settings_env = {
            "MAIL_PROVIDERS": "gmail,outlook",
            "MAIL_GOOGLE_ROOT_URL": google.url,
            "MAIL_GRAPH_URL": tenant.graph_url,
            "MAIL_GRAPH_CA_FILE": tenant.ca,
            "AUTH_PUBLIC_URL": issuer,
            "AUTH_SQLITE_PATH": str(tmp_path_factory.mktemp("vault") / "connectors.db"),
            "VAULT_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
            **google_sign_in(google.url),  # the sandboxes' apps, as `connectors demo --auth` uses them
            **microsoft_sign_in(tenant.url),
            "AUTH_MICROSOFT_CA_FILE": tenant.ca,  # this tenant's own CA
        }
        for name, value in settings_env.items():
            env.setenv(name, value)
        for name in ("MAIL_GOOGLE_TOKEN", "MAIL_GRAPH_TOKEN"):
            env.delenv(name, raising=False)
        settings = load_settings(connector.settings, rate_limit_per_second=1000)
        served = cli._served(connector, settings, port)
        with serve_in_thread(served.app, port=port):
            env.undo()  # settings are read by now: no server started later inherits sign-in
            yield Deployment(f"{issuer}/mcp", issuer, google, tenant, settings_env)


async def test_one_consent_links_both_mailboxes_and_each_person_reads_only_their_own(deployment: Deployment):
    alice, bob = sign_in(deployment, "alice", SCOPES), sign_in(deployment, "bob", SCOPES)
    async with as_person(deployment, alice["access_token"]) as client:
        _, mine = await call(client, "search", query="Acme contract")
    async with as_person(deployment, bob["access_token"]) as client:
        _, his = await call(client, "search", query="entretien annuel")
    assert {r["id"].split(":")[0] for r in mine["results"]} == {"gmail", "outlook"}
    assert his["results"] and not {r["id"] for r in his["results"]} & {r["id"] for r in mine["results"]}


async def test_a_signed_in_person_sends_as_themselves_and_a_read_only_grant_cannot_send(deployment: Deployment):
    writer = sign_in(deployment, "alice", SCOPES)
    async with as_person(deployment, writer["access_token"]) as client:
        _, sent = await call(
            client, "mail_send", to=["bob@example.com"], subject="Signed in", body="Hi Bob", provider="gmail"
        )
    reader = sign_in(deployment, "bob", "mail.read offline_access")
    async with as_person(deployment, reader["access_token"]) as client:
        refused = await fail(client, "mail_send", to=["alice@example.com"], subject="No", body="No", provider="gmail")
    outbox = deployment.google.control.http.get(f"{deployment.google.url}/__sandbox/google/gmail/outbox").json()
    assert sent["sent"] and [m["from"] for m in outbox["messages"]] == ["alice@example.com"]
    assert "mail.write" in refused
