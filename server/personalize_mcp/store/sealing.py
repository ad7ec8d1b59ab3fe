"""Secrets at rest: AES-256-GCM under `PERSONALIZE_MCP_SECRET_KEYS`, and hashes of what we only compare.

`PERSONALIZE_MCP_SECRET_KEYS` holds comma-separated keys of at least 32 bytes each. The first one
seals, every one opens: rotation is `new,old` until every record was rewritten (logins are on each
refresh), then `new`. Each purpose gets its own 256-bit key derived with HKDF-SHA256 (sealing stored
logins, the 2026 protocol's request state, browser cookies), so no key serves two jobs.

A sealed value is `version (1) | key id (4) | nonce (12) | ciphertext + tag`, with the record's store
key bound in as associated data: a sealed login copied under another key does not open. Our own
tokens, codes and client secrets are never stored at all, only their SHA-256 (`digest`): they are
256-bit random values, so a fast hash is as good as a slow one and keeps every lookup O(1).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from personalize_mcp.runtime.errors import ConfigurationError
from personalize_mcp.store.protocol import StoreError

ENV_SECRET_KEYS = "PERSONALIZE_MCP_SECRET_KEYS"
MIN_KEY_BYTES = 32
_VERSION = b"\x01"
_KEY_ID_BYTES = 4
_NONCE_BYTES = 12
_HEADER = len(_VERSION) + _KEY_ID_BYTES + _NONCE_BYTES

SEALING = "personalize-mcp sealed records v1"
REQUEST_STATE = "personalize-mcp request state v1"
COOKIES = "personalize-mcp browser cookies v1"


class SealError(StoreError):
    """A sealed value that none of the keys opens (another key, another record, or tampered with)."""


class SecretKeys:
    """The operator's keys, first one current; hands out per-purpose derived keys."""

    def __init__(self, secrets: Sequence[bytes]) -> None:
        if not secrets:
            raise ConfigurationError(f"{ENV_SECRET_KEYS} holds no key.")
        self._secrets = tuple(secrets)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SecretKeys | None:
        """The keys of `PERSONALIZE_MCP_SECRET_KEYS`, None when it is unset; a short key is one sentence."""
        raw = env.get(ENV_SECRET_KEYS, "").strip()
        if not raw:
            return None
        secrets: list[bytes] = []
        for index, part in enumerate(raw.split(","), start=1):
            value = part.strip().encode()
            if len(value) < MIN_KEY_BYTES:
                raise ConfigurationError(
                    f"{ENV_SECRET_KEYS}: key {index} has {len(value)} bytes, and each needs at least {MIN_KEY_BYTES} "
                    "(make one with `openssl rand -base64 32`)."
                )
            secrets.append(value)
        return cls(secrets)

    def derived(self, purpose: str) -> list[bytes]:
        """One 32-byte key per configured key for `purpose`, the sealing one first."""
        return [
            HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(secret)
            for secret in self._secrets
        ]

    def sealer(self) -> Sealer:
        return Sealer(self.derived(SEALING))


class Sealer:
    """AES-256-GCM with a key ring: `seal` with the first key, `open` with whichever sealed it."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("a sealer needs at least one key")
        self._ring = [(_key_id(key), AESGCM(key)) for key in keys]

    def seal(self, plaintext: bytes, *, bound_to: str) -> bytes:
        key_id, cipher = self._ring[0]
        nonce = os.urandom(_NONCE_BYTES)
        return _VERSION + key_id + nonce + cipher.encrypt(nonce, plaintext, bound_to.encode())

    def open(self, sealed: bytes, *, bound_to: str) -> bytes:
        if len(sealed) <= _HEADER or sealed[:1] != _VERSION:
            raise SealError("A stored record is not sealed the way this server seals; it cannot be read.")
        key_id, nonce, body = sealed[1:5], sealed[5:_HEADER], sealed[_HEADER:]
        for candidate_id, cipher in self._ring:
            if hmac.compare_digest(candidate_id, key_id):
                try:
                    return cipher.decrypt(nonce, body, bound_to.encode())
                except InvalidTag:
                    break
        raise SealError(
            f"A stored record cannot be opened with {ENV_SECRET_KEYS} (sealed with a key no longer listed, or "
            "altered); keep the old key listed after the new one while rotating."
        )


def digest(value: str) -> str:
    """What is stored of a token, code or client secret we issued: its SHA-256, hex."""
    return hashlib.sha256(value.encode()).hexdigest()


def _key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"key id" + key).digest()[:_KEY_ID_BYTES]
