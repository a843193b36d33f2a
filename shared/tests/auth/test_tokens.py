"""Access tokens: what our verifier accepts, and every token it must refuse."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from shared.auth.crypto import KeyRing
from shared.auth.db import Database
from shared.auth.keys import SigningKeys
from shared.auth.tokens import JwtTokenVerifier, TokenIssuer, external_idp_verifier
from shared.testing import serve_in_thread

pytestmark = pytest.mark.anyio
ISSUER = "https://connectors.example.com"
JIRA = "https://jira.connectors.example.com/mcp"
CONFLUENCE = "https://confluence.connectors.example.com/mcp"
NOW = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def keys(database: Database) -> SigningKeys:
    signing = SigningKeys(database, KeyRing.generate(), clock=Clock())
    await signing.start()
    return signing


def issue(keys: SigningKeys, clock=lambda: NOW, resource: str = JIRA) -> str:
    token, _ = TokenIssuer(keys, ISSUER, clock=clock).issue(
        subject="alice", client_id="https://chatgpt.com/oauth/client.json", scopes=["jira.read"], resource=resource
    )
    return token


def verifier(keys, resource: str = JIRA, clock=lambda: NOW) -> JwtTokenVerifier:
    return JwtTokenVerifier(keys, issuer=ISSUER, resource=resource, clock=clock)


def forge(key, header: dict, claims: dict) -> str:
    return jwt.encode(header, claims, key, algorithms=[header["alg"]])


def claims(**changes) -> dict:
    base = {"iss": ISSUER, "sub": "alice", "aud": JIRA, "exp": int(NOW) + 600, "iat": int(NOW), "scope": "jira.read"}
    return {key: value for key, value in {**base, **changes}.items() if value is not None}


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


async def test_an_issued_token_verifies_with_subject_scopes_and_resource(keys: SigningKeys):
    access = await verifier(keys).verify_token(issue(keys))
    assert access is not None
    assert (access.subject, access.scopes, access.resource) == ("alice", ["jira.read"], JIRA)
    assert access.client_id == "https://chatgpt.com/oauth/client.json"
    assert access.claims is not None
    assert access.expires_at == int(NOW) + 3600 and access.claims["iss"] == ISSUER and access.claims["jti"]


async def test_the_jira_servers_token_is_refused_by_the_confluence_server(keys: SigningKeys):
    assert await verifier(keys, resource=CONFLUENCE).verify_token(issue(keys, resource=JIRA)) is None


async def test_a_token_with_another_audience_is_refused(keys: SigningKeys):
    token = forge(keys.current, {"alg": "ES256", "kid": keys.current.kid, "typ": "at+jwt"}, claims(aud="https://x/mcp"))
    assert await verifier(keys).verify_token(token) is None


async def test_an_expired_token_is_refused_and_a_not_yet_valid_one_too(keys: SigningKeys):
    clock = Clock()
    token = issue(keys, clock)
    clock.now = NOW + 3600 + 31  # past exp plus the 30 s leeway
    assert await verifier(keys, clock=clock).verify_token(token) is None
    header = {"alg": "ES256", "kid": keys.current.kid, "typ": "at+jwt"}
    early = forge(keys.current, header, claims(nbf=int(NOW) + 600))
    assert await verifier(keys).verify_token(early) is None
    no_exp = {key: value for key, value in claims().items() if key != "exp"}
    assert await verifier(keys).verify_token(forge(keys.current, header, no_exp)) is None


async def test_a_token_with_a_bad_signature_is_refused(keys: SigningKeys):
    head, _, signature = issue(keys).split(".")
    tampered = f"{head}.{b64(claims(sub='mallory'))}.{signature}"
    assert await verifier(keys).verify_token(tampered) is None


async def test_a_token_from_another_issuer_is_refused(keys: SigningKeys):
    header = {"alg": "ES256", "kid": keys.current.kid, "typ": "at+jwt"}
    token = forge(keys.current, header, claims(iss="https://evil.example.com"))
    assert await verifier(keys).verify_token(token) is None


async def test_an_unsigned_token_with_algorithm_none_is_refused(keys: SigningKeys):
    token = f"{b64({'alg': 'none', 'typ': 'at+jwt', 'kid': keys.current.kid})}.{b64(claims())}."
    assert await verifier(keys).verify_token(token) is None
    assert await verifier(keys).verify_token("not a jwt") is None


@pytest.mark.parametrize(
    "token",
    [
        "a.b.c",
        "..",
        "e30.e30.e30",  # {} header
        f"{b64({'alg': 'ES256', 'kid': 123, 'typ': 'at+jwt'})}.e30.sig",
        f"{b64({'alg': 'ES256', 'typ': 'at+jwt'})}.bm90IGpzb24.sig",  # no kid, payload not JSON
        "W10.W10.W10",  # [] header
        "\u00ff\u00fe.x.y",
    ],
)
async def test_malformed_tokens_are_refused_without_an_exception(keys: SigningKeys, token: str):
    assert await verifier(keys).verify_token(token) is None


async def test_claims_of_the_wrong_type_are_refused(keys: SigningKeys):
    header = {"alg": "ES256", "kid": keys.current.kid, "typ": "at+jwt"}
    for bad in (claims(exp="tomorrow"), claims(aud=42), claims(sub=7), claims(iss=None)):
        assert await verifier(keys).verify_token(forge(keys.current, header, bad)) is None


async def test_a_token_signed_with_an_unknown_key_is_refused(keys: SigningKeys):
    stranger = ECKey.generate_key("P-256", auto_kid=True)
    assert await verifier(keys).verify_token(forge(stranger, {"alg": "ES256", "kid": stranger.kid}, claims())) is None
    kid = keys.current.kid
    assert kid is not None
    same_kid = ECKey.generate_key("P-256", parameters={"kid": kid})
    assert (
        await verifier(keys).verify_token(forge(same_kid, {"alg": "ES256", "kid": keys.current.kid}, claims())) is None
    )


async def test_a_token_hmac_signed_with_our_public_key_is_refused(keys: SigningKeys):
    public = json.dumps(keys.jwks()["keys"][0]).encode()
    token = forge(OctKey.import_key(public), {"alg": "HS256", "kid": keys.current.kid, "typ": "at+jwt"}, claims())
    assert await verifier(keys).verify_token(token) is None


async def test_an_id_token_is_not_accepted_as_an_access_token(keys: SigningKeys):
    token = forge(keys.current, {"alg": "ES256", "kid": keys.current.kid, "typ": "JWT"}, claims())
    assert await verifier(keys).verify_token(token) is None


async def test_the_jwks_shows_public_keys_only_and_private_keys_are_encrypted_at_rest(
    keys: SigningKeys, database: Database
):
    published = keys.jwks()["keys"]
    assert len(published) == 1 and "d" not in published[0] and published[0]["kid"] == keys.current.kid
    private_d = keys.current.as_dict(private=True)["d"]
    stored = await database.run(lambda tx: tx.rows("SELECT ciphertext FROM auth_signing_keys"))
    assert private_d not in stored[0][0]


async def test_replicas_share_signing_keys_and_see_a_rotation_on_the_first_unknown_kid(database: Database):
    ring = KeyRing.generate()
    clock = Clock()
    replica_a, replica_b = SigningKeys(database, ring, clock=clock), SigningKeys(database, ring, clock=clock)
    await replica_a.start()
    await replica_b.start()
    assert replica_a.current.kid == replica_b.current.kid
    old_token = issue(replica_a)
    await replica_a.rotate()
    new_token = issue(replica_a)
    clock.now += 31  # replica_b reloads at most every 30 s
    assert await verifier(replica_b).verify_token(new_token) is not None
    assert await verifier(replica_b).verify_token(old_token) is not None  # the old key still verifies
    old_kid = json.loads(base64.urlsafe_b64decode(old_token.split(".")[0] + "=="))["kid"]
    await replica_a.retire(old_kid)
    assert await verifier(replica_a).verify_token(old_token) is None  # a retired key is no longer trusted
    assert await verifier(replica_a).verify_token(new_token) is not None


@pytest.fixture
def enterprise_idp():
    """An enterprise IdP publishing an RSA JWKS over real HTTP."""
    key = RSAKey.generate_key(2048, parameters={"alg": "RS256"}, auto_kid=True)
    app = Starlette(routes=[Route("/jwks", lambda request: JSONResponse({"keys": [key.as_dict(private=False)]}))])
    with serve_in_thread(app) as base_url:
        yield key, base_url


async def test_an_enterprise_idp_token_is_accepted_only_for_its_issuer_audience_and_keys(enterprise_idp):
    key, base_url = enterprise_idp
    issuer = "https://login.example-corp.com"
    async with httpx.AsyncClient() as http:
        check = external_idp_verifier(
            issuer=issuer, jwks_url=f"{base_url}/jwks", audience=JIRA, http=http, clock=lambda: NOW
        )
        header = {"alg": "RS256", "kid": key.kid}
        good = {**claims(iss=issuer, scope=None), "scp": ["jira.read", "jira.write"], "azp": "chatgpt"}
        access = await check.verify_token(forge(key, header, good))
        assert access is not None and access.subject == "alice" and access.scopes == ["jira.read", "jira.write"]
        assert access.client_id == "chatgpt" and access.resource == JIRA
        assert await check.verify_token(forge(key, header, {**good, "aud": CONFLUENCE})) is None
        assert await check.verify_token(forge(key, header, {**good, "iss": ISSUER})) is None
        other = RSAKey.generate_key(2048, parameters={"alg": "RS256"}, auto_kid=True)
        assert await check.verify_token(forge(other, {"alg": "RS256", "kid": other.kid}, good)) is None
        assert await check.verify_token(f"{b64({'alg': 'none'})}.{b64(good)}.") is None
