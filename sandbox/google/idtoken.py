"""OpenID Connect ID tokens signed RS256 like Google's, with the public key at Google's two cert URLs.

``/oauth2/v3/certs`` serves a JWKS; ``/oauth2/v1/certs`` serves ``{kid: PEM certificate}``, the format
google-auth's ``id_token.verify_oauth2_token(..., certs_url=...)`` reads without extra packages. The key is made
once per process.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from joserfc import jwt
from joserfc.jwk import RSAKey

from . import users as U

ISSUER = "https://accounts.google.com"
KEY_ID = "sandbox-google-1"
LIFETIME_S = 3600


@lru_cache(maxsize=1)
def _signing() -> tuple[RSAKey, str]:
    """The private key (as a JWK) and a self-signed PEM certificate for it."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sandbox.googleusercontent.com")])
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=3650))
        .sign(private, hashes.SHA256())
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key = RSAKey.import_key(pem, parameters={"kid": KEY_ID, "use": "sig", "alg": "RS256"})
    return key, cert.public_bytes(serialization.Encoding.PEM).decode()


def jwks() -> dict:
    return {"keys": [_signing()[0].as_dict(private=False)]}


def pem_certs() -> dict[str, str]:
    return {KEY_ID: _signing()[1]}


def id_token(user: U.User, client_id: str, now: float, nonce: str | None = None) -> str:
    claims = {
        "iss": ISSUER,
        "azp": client_id,
        "aud": client_id,
        "sub": user.subject,
        "email": user.email,
        "email_verified": True,
        "hd": U.DOMAIN,
        "name": user.display_name,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "iat": int(now),
        "exp": int(now) + LIFETIME_S,
    }
    if nonce:
        claims["nonce"] = nonce
    return jwt.encode({"alg": "RS256", "kid": KEY_ID, "typ": "JWT"}, claims, _signing()[0])
