"""The built-in authorization server, driven like ChatGPT drives it: over real HTTP, end to end (see flow.py)."""

from __future__ import annotations

import logging

import httpx
import pytest

from shared.auth.errors import UpstreamLinkMissing

from .fake_idp import CLIENT_SECRET
from .flow import CHATGPT_CALLBACK, authorize, exchange_code, pkce, query, refresh, sign_in_through_the_browser

pytestmark = pytest.mark.anyio


async def test_metadata_advertises_pkce_s256_iss_cimd_dcr_and_offline_access(world_factory):
    async with world_factory() as w:
        metadata = (await w.http.get(f"{w.issuer}/.well-known/oauth-authorization-server")).json()
        assert metadata["issuer"] == w.issuer
        assert metadata["code_challenge_methods_supported"] == ["S256"]
        assert metadata["authorization_response_iss_parameter_supported"] is True
        assert metadata["client_id_metadata_document_supported"] is True
        assert metadata["scopes_supported"] == ["jira.read", "jira.write", "offline_access"]
        assert metadata["registration_endpoint"] == f"{w.issuer}/register"
        assert "none" in metadata["token_endpoint_auth_methods_supported"]
        jwks = (await w.http.get(metadata["jwks_uri"])).json()
        assert jwks["keys"] and all("d" not in key for key in jwks["keys"])


async def test_a_chatgpt_like_client_signs_in_with_cimd_and_refreshes_with_rotation(world_factory):
    async with world_factory() as w:
        verifier, challenge = pkce()
        callback = await sign_in_through_the_browser(w, w.cimd_client_id, challenge)
        assert callback["state"] == "chatgpt-state" and callback["iss"] == w.issuer
        assert w.idp.authorize_requests[0]["scope"] == "read:jira-work write:jira-work offline_access"

        tokens = (await exchange_code(w, w.cimd_client_id, callback["code"], verifier)).json()
        access = await w.sign_in.verifier.verify_token(tokens["access_token"])
        assert access is not None and access.subject == "fakeidp:acc-alice" and access.resource == w.resource
        assert access.scopes == ["jira.read", "jira.write"] and access.client_id == w.cimd_client_id
        upstream = await w.sign_in.upstream_tokens(access.subject)
        assert upstream.access_token in w.idp.access_tokens and upstream.account_id == "acc-alice"

        renewed = await refresh(w, w.cimd_client_id, tokens["refresh_token"])
        assert renewed.status_code == 200, renewed.text
        second = renewed.json()
        assert second["refresh_token"] != tokens["refresh_token"]
        assert (await w.sign_in.verifier.verify_token(second["access_token"])).subject == "fakeidp:acc-alice"


async def test_reusing_a_refresh_token_revokes_the_whole_sign_in(world_factory):
    async with world_factory() as w:
        verifier, challenge = pkce()
        callback = await sign_in_through_the_browser(w, w.cimd_client_id, challenge)
        first = (await exchange_code(w, w.cimd_client_id, callback["code"], verifier)).json()
        second = (await refresh(w, w.cimd_client_id, first["refresh_token"])).json()
        reused = await refresh(w, w.cimd_client_id, first["refresh_token"])
        assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
        after = await refresh(w, w.cimd_client_id, second["refresh_token"])  # the thief or the owner: both are out
        assert after.status_code == 400 and after.json()["error"] == "invalid_grant"


async def test_a_dynamically_registered_client_signs_in_and_disallowed_redirects_are_refused(world_factory):
    async with world_factory() as w:
        refused = await w.http.post(
            f"{w.issuer}/register",
            json={"redirect_uris": ["https://evil.example.com/cb"], "token_endpoint_auth_method": "none"},
        )
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_redirect_uri"
        registered = await w.http.post(
            f"{w.issuer}/register",
            json={
                "redirect_uris": [CHATGPT_CALLBACK],
                "token_endpoint_auth_method": "client_secret_post",
                "grant_types": ["authorization_code", "refresh_token"],
                "client_name": "ChatGPT",
                "application_type": "web",
            },
        )
        assert registered.status_code == 201, registered.text
        client = registered.json()
        verifier, challenge = pkce()
        callback = await sign_in_through_the_browser(w, client["client_id"], challenge)
        without_secret = await exchange_code(w, client["client_id"], callback["code"], verifier)
        assert without_secret.status_code == 401
        form = {
            "grant_type": "authorization_code",
            "code": callback["code"],
            "redirect_uri": CHATGPT_CALLBACK,
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
            "code_verifier": verifier,
            "resource": w.resource,
        }
        tokens = await w.http.post(f"{w.issuer}/token", data=form)
        assert tokens.status_code == 200, tokens.text
        assert (await w.sign_in.verifier.verify_token(tokens.json()["access_token"])).client_id == client["client_id"]


async def test_a_wrong_pkce_verifier_is_refused(world_factory):
    async with world_factory() as w:
        _, challenge = pkce()
        callback = await sign_in_through_the_browser(w, w.cimd_client_id, challenge)
        other_verifier, _ = pkce()
        response = await exchange_code(w, w.cimd_client_id, callback["code"], other_verifier)
        assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


async def test_a_replayed_code_is_refused_and_revokes_what_it_produced(world_factory):
    async with world_factory() as w:
        verifier, challenge = pkce()
        callback = await sign_in_through_the_browser(w, w.cimd_client_id, challenge)
        first = await exchange_code(w, w.cimd_client_id, callback["code"], verifier)
        assert first.status_code == 200
        replay = await exchange_code(w, w.cimd_client_id, callback["code"], verifier)
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
        revoked = await refresh(w, w.cimd_client_id, first.json()["refresh_token"])
        assert revoked.status_code == 400


async def test_a_redirect_uri_outside_the_clients_document_is_refused_without_redirecting(world_factory):
    async with world_factory() as w:
        _, challenge = pkce()
        response = await authorize(w, w.cimd_client_id, challenge, redirect_uri="https://chatgpt.com/connector/oauth/x")
        assert response.status_code == 400 and "location" not in response.headers


async def test_a_client_document_whose_redirects_match_no_allowed_pattern_is_refused(world_factory):
    async with world_factory("evil") as w:
        _, challenge = pkce()
        response = await authorize(w, w.cimd_client_id, challenge, redirect_uri="https://evil.example.com/cb")
        assert response.status_code == 400 and "location" not in response.headers
        assert response.headers["content-type"].startswith("text/html")  # a person reads it, in words
        assert "This app cannot be connected" in response.text and "not found" in response.text


async def test_a_resource_we_do_not_serve_is_refused_with_iss_on_the_error_redirect(world_factory):
    async with world_factory() as w:
        _, challenge = pkce()
        response = await authorize(w, w.cimd_client_id, challenge, resource="https://confluence.example.com/mcp")
        assert response.status_code == 302
        params = query(response.headers["location"])
        assert (params["error"], params["state"], params["iss"]) == ("invalid_target", "chatgpt-state", w.issuer)


async def test_declining_at_the_consent_page_returns_access_denied_to_the_client(world_factory):
    async with world_factory() as w:
        _, challenge = pkce()
        response = await authorize(w, w.cimd_client_id, challenge)
        request_id = query(response.headers["location"])["request"]
        declined = await w.http.post(f"{w.issuer}/oauth/consent", data={"request": request_id, "decision": "deny"})
        params = query(declined.headers["location"])
        assert (params["error"], params["state"], params["iss"]) == ("access_denied", "chatgpt-state", w.issuer)
        again = await w.http.get(f"{w.issuer}/oauth/consent", params={"request": request_id})
        assert again.status_code == 400 and "expired" in again.text


async def test_upstream_tokens_are_refreshed_through_the_idp_and_unlinked_when_it_refuses(world_factory):
    async with world_factory() as w:
        w.idp.access_ttl = 30  # inside the vault's 60 s margin: the next use refreshes
        verifier, challenge = pkce()
        callback = await sign_in_through_the_browser(w, w.cimd_client_id, challenge)
        tokens = (await exchange_code(w, w.cimd_client_id, callback["code"], verifier)).json()
        subject = (await w.sign_in.verifier.verify_token(tokens["access_token"])).subject
        stored = await w.sign_in.vault.get(subject, "fakeidp")
        renewed = await w.sign_in.upstream_tokens(subject)
        assert w.idp.refreshes == 1 and renewed.refresh_token != stored.refresh_token
        assert renewed.account_id == "acc-alice"
        w.idp.revoke_everything()
        with pytest.raises(UpstreamLinkMissing):
            await w.sign_in.upstream_tokens(subject)
        assert await w.sign_in.vault.get(subject, "fakeidp") is None


async def test_the_consent_page_is_plain_accessible_html_that_cannot_be_framed(world_factory):
    async with world_factory() as w:
        _, challenge = pkce()
        response = await authorize(w, w.cimd_client_id, challenge)
        page = await w.http.get(response.headers["location"])
        assert '<html lang="en">' in page.text and 'name="viewport"' in page.text
        assert "<script" not in page.text and "http" not in page.text.split("<form")[0].split("</style>")[1]
        assert (
            page.headers["x-frame-options"] == "DENY"
            and "frame-ancestors 'none'" in page.headers["content-security-policy"]
        )
        assert "read what your account can see in Jira" in page.text and "make changes as you in Jira" in page.text


async def test_revoking_a_refresh_token_at_the_revocation_endpoint_ends_the_sign_in(world_factory):
    async with world_factory() as w:
        verifier, challenge = pkce()
        callback = await sign_in_through_the_browser(w, w.cimd_client_id, challenge)
        tokens = (await exchange_code(w, w.cimd_client_id, callback["code"], verifier)).json()
        # The SDK's /revoke requires the client_secret field to be present, even empty for a public client.
        form = {"token": tokens["refresh_token"], "client_id": w.cimd_client_id, "client_secret": ""}
        revoked = await w.http.post(f"{w.issuer}/revoke", data=form)
        assert revoked.status_code == 200
        assert (await refresh(w, w.cimd_client_id, tokens["refresh_token"])).status_code == 400
        # That was the person's only sign-in: disconnecting also removed their upstream link.
        assert await w.sign_in.vault.get("fakeidp:acc-alice", "fakeidp") is None


async def test_revoking_one_of_two_sign_ins_keeps_the_upstream_link_for_the_other(world_factory):
    async with world_factory() as w:
        signed_in = []
        for _ in range(2):
            verifier, challenge = pkce()
            callback = await sign_in_through_the_browser(w, w.cimd_client_id, challenge)
            signed_in.append((await exchange_code(w, w.cimd_client_id, callback["code"], verifier)).json())
        form = {"token": signed_in[0]["access_token"], "client_id": w.cimd_client_id, "client_secret": ""}
        assert (await w.http.post(f"{w.issuer}/revoke", data=form)).status_code == 200
        assert (await refresh(w, w.cimd_client_id, signed_in[0]["refresh_token"])).status_code == 400
        assert (await refresh(w, w.cimd_client_id, signed_in[1]["refresh_token"])).status_code == 200
        assert await w.sign_in.vault.get("fakeidp:acc-alice", "fakeidp") is not None


async def test_an_administrator_revoking_a_person_removes_their_grants_and_upstream_link(world_factory):
    async with world_factory() as w:
        verifier, challenge = pkce()
        callback = await sign_in_through_the_browser(w, w.cimd_client_id, challenge)
        tokens = (await exchange_code(w, w.cimd_client_id, callback["code"], verifier)).json()
        await w.sign_in.provider.revoke_person("fakeidp:acc-alice")
        assert (await refresh(w, w.cimd_client_id, tokens["refresh_token"])).status_code == 400
        with pytest.raises(UpstreamLinkMissing):
            await w.sign_in.upstream_tokens("fakeidp:acc-alice")


async def test_a_login_cancelled_at_the_upstream_returns_access_denied_with_iss(world_factory):
    async with world_factory() as w:
        _, challenge = pkce()
        response = await authorize(w, w.cimd_client_id, challenge)
        request_id = query(response.headers["location"])["request"]
        back = await w.http.get(f"{w.issuer}/oauth/callback", params={"state": request_id, "error": "access_denied"})
        params = query(back.headers["location"])
        assert (params["error"], params["state"], params["iss"]) == ("access_denied", "chatgpt-state", w.issuer)


async def test_a_callback_with_an_unknown_or_used_state_shows_an_error_page(world_factory):
    async with world_factory() as w:
        page = await w.http.get(f"{w.issuer}/oauth/callback", params={"state": "forged", "code": "x"})
        assert page.status_code == 400 and "expired" in page.text and "location" not in page.headers


async def test_no_token_code_or_secret_appears_in_any_log_line(world_factory, caplog):
    caplog.set_level(logging.DEBUG)
    async with world_factory() as w:
        verifier, challenge = pkce()
        callback = await sign_in_through_the_browser(w, w.cimd_client_id, challenge)
        first = (await exchange_code(w, w.cimd_client_id, callback["code"], verifier)).json()
        second = (await refresh(w, w.cimd_client_id, first["refresh_token"])).json()
        await refresh(w, w.cimd_client_id, first["refresh_token"])  # reuse: logged as a warning
        await w.sign_in.verifier.verify_token(first["access_token"] + "x")  # refusal: logged at debug
        upstream = await w.sign_in.vault.get("fakeidp:acc-alice", "fakeidp")
    secrets_seen = [
        callback["code"],
        first["access_token"],
        first["refresh_token"],
        second["access_token"],
        second["refresh_token"],
        upstream.access_token,
        upstream.refresh_token,
        CLIENT_SECRET,
        verifier,
    ]
    # Server-side lines: ours, and whatever runs in the servers' threads. The test's own "browser" is not ours
    # (httpcore's debug trace logs the response headers it receives, our redirect with the code included).
    server_side = [r for r in caplog.records if r.name.startswith("shared") or r.threadName.startswith("asgi-")]
    logged = "\n".join(f"{record.threadName} {record.name} {record.getMessage()}" for record in server_side)
    assert "refresh token was used twice" in logged
    assert [secret for secret in secrets_seen if secret in logged] == []


async def test_pkce_plain_is_refused_and_the_error_redirect_carries_iss(world_factory):
    async with world_factory() as w:
        verifier, _ = pkce()
        response = await authorize(w, w.cimd_client_id, verifier, code_challenge_method="plain")
        params = query(response.headers["location"])
        assert (params["error"], params["state"], params["iss"]) == ("invalid_request", "chatgpt-state", w.issuer)
        missing = await w.http.get(
            f"{w.issuer}/authorize",
            params={"response_type": "code", "client_id": w.cimd_client_id, "redirect_uri": CHATGPT_CALLBACK},
        )
        assert query(missing.headers["location"])["error"] == "invalid_request"  # no code_challenge at all


async def test_a_consent_link_forwarded_to_another_browser_is_refused_and_the_owner_can_still_finish(world_factory):
    async with world_factory() as w, httpx.AsyncClient(follow_redirects=False) as victim:
        verifier, challenge = pkce()
        started = await authorize(w, w.cimd_client_id, challenge)  # in the attacker's browser
        consent_url = started.headers["location"]
        request_id = query(consent_url)["request"]
        assert (await victim.get(consent_url)).status_code == 403
        forwarded = await victim.post(f"{w.issuer}/oauth/consent", data={"request": request_id, "decision": "allow"})
        assert forwarded.status_code == 403 and "started elsewhere" in forwarded.text

        decided = await w.http.post(f"{w.issuer}/oauth/consent", data={"request": request_id, "decision": "allow"})
        at_idp = await w.http.get(decided.headers["location"])
        callback_url = at_idp.headers["location"]
        assert (await victim.get(callback_url)).status_code == 403  # the upstream's redirect, replayed elsewhere
        back = await w.http.get(callback_url)
        code = query(back.headers["location"])["code"]
        assert (await exchange_code(w, w.cimd_client_id, code, verifier)).status_code == 200


async def test_without_consent_the_browser_goes_straight_to_the_upstream_login(world_factory):
    async with world_factory(require_consent=False) as w:
        _, challenge = pkce()
        started = await authorize(w, w.cimd_client_id, challenge)
        onward = await w.http.get(started.headers["location"])
        assert onward.status_code == 303
        assert onward.headers["location"].startswith(w.sign_in.settings.upstream_authorize_url)
