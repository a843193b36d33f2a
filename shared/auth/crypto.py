"""Encryption at rest: AES-256-GCM under a ring of named keys, the first one current.

`VAULT_KEYS="k2:<base64 of 32 bytes>,k1:<base64 of 32 bytes>"`: new ciphertexts use `k2`; ones written
under `k1` stay readable until `reencrypt` moves them to `k2`, after which `k1` can be removed.
A ciphertext is the text `<key id>:<base64(nonce | ciphertext+tag)>`, so it fits a TEXT column in
any database. Associated data binds a ciphertext to its row (user and upstream), so a value copied
to another row fails to decrypt instead of granting someone else's access.

Generate a key: `python -c "import os, base64; print(base64.b64encode(os.urandom(32)).decode())"`.
"""

from __future__ import annotations

import base64
import binascii
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import ConfigError

KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class DecryptionFailed(Exception):
    """A stored value cannot be decrypted: its key is no longer configured, or the value was tampered with."""


class KeyRing:
    def __init__(self, keys: list[tuple[str, bytes]]):
        if not keys:
            raise ConfigError("Configuration error: VAULT_KEYS is missing (at least one key is needed)")
        self.current_id = keys[0][0]
        self._keys = {key_id: AESGCM(secret) for key_id, secret in keys}

    @classmethod
    def parse(cls, spec: str, name: str = "VAULT_KEYS") -> KeyRing:
        """Read `id:base64,id:base64` (first = current). Errors name the variable, never echo a key."""
        keys: list[tuple[str, bytes]] = []
        for index, item in enumerate(part.strip() for part in spec.split(",") if part.strip()):
            key_id, sep, encoded = item.partition(":")
            where = f"{name} entry {index + 1}"
            if not sep or not KEY_ID.match(key_id):
                raise ConfigError(f"Configuration error: {where} must look like `k1:<base64 of 32 random bytes>`")
            try:
                secret = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise ConfigError(f"Configuration error: {where} ({key_id}) is not valid base64") from None
            if len(secret) != 32:
                raise ConfigError(
                    f"Configuration error: {where} ({key_id}) must decode to 32 bytes (AES-256), got {len(secret)}"
                )
            if any(existing == key_id for existing, _ in keys):
                raise ConfigError(f"Configuration error: {name} names key {key_id} twice")
            keys.append((key_id, secret))
        return cls(keys)

    @classmethod
    def generate(cls, key_id: str = "k1") -> KeyRing:
        """A fresh random single-key ring (tests, local development)."""
        return cls([(key_id, os.urandom(32))])

    def encrypt(self, plaintext: bytes, context: str) -> str:
        nonce = os.urandom(12)
        sealed = self._keys[self.current_id].encrypt(nonce, plaintext, context.encode())
        return f"{self.current_id}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, ciphertext: str, context: str) -> bytes:
        key_id, _, encoded = ciphertext.partition(":")
        key = self._keys.get(key_id)
        if key is None:
            raise DecryptionFailed(f"the value was encrypted with key {key_id!r}, which is no longer configured")
        try:
            raw = base64.b64decode(encoded)
            return key.decrypt(raw[:12], raw[12:], context.encode())
        except (InvalidTag, binascii.Error, ValueError):
            raise DecryptionFailed("the value does not authenticate (tampered, or stored under another row)") from None

    def key_id_of(self, ciphertext: str) -> str:
        return ciphertext.partition(":")[0]

    def is_current(self, ciphertext: str) -> bool:
        return self.key_id_of(ciphertext) == self.current_id
