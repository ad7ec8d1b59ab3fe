"""Sealing under PERSONALIZE_MCP_SECRET_KEYS: round trip, binding to the record's key, rotation, refusals."""

from __future__ import annotations

import pytest

from personalize_mcp.runtime.errors import ConfigurationError
from personalize_mcp.store.sealing import COOKIES, REQUEST_STATE, SEALING, SealError, SecretKeys, digest

OLD = "o" * 32
NEW = "n" * 40


def keys(value: str) -> SecretKeys:
    parsed = SecretKeys.from_env({"PERSONALIZE_MCP_SECRET_KEYS": value})
    assert parsed is not None
    return parsed


def test_a_sealed_value_opens_only_under_the_key_it_was_bound_to() -> None:
    sealer = keys(OLD).sealer()
    sealed = sealer.seal(b"refresh-token-value", bound_to="broker:login:a")
    assert b"refresh-token-value" not in sealed
    assert sealer.open(sealed, bound_to="broker:login:a") == b"refresh-token-value"
    with pytest.raises(SealError):
        sealer.open(sealed, bound_to="broker:login:b")  # copied under another record's key
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(SealError):
        sealer.open(tampered, bound_to="broker:login:a")
    assert sealer.seal(b"x", bound_to="k") != sealer.seal(b"x", bound_to="k")  # a fresh nonce each time


def test_rotation_first_key_seals_every_key_opens() -> None:
    sealed_old = keys(OLD).sealer().seal(b"v", bound_to="k")
    rotating = keys(f"{NEW}, {OLD}").sealer()
    assert rotating.open(sealed_old, bound_to="k") == b"v"
    sealed_new = rotating.seal(b"w", bound_to="k")
    assert keys(NEW).sealer().open(sealed_new, bound_to="k") == b"w"
    with pytest.raises(SealError, match="key no longer listed"):
        keys(NEW).sealer().open(sealed_old, bound_to="k")
    with pytest.raises(SealError):
        rotating.open(b"\x02junk", bound_to="k")


def test_each_purpose_has_its_own_key() -> None:
    ring = keys(OLD)
    derived = {purpose: ring.derived(purpose)[0] for purpose in (SEALING, REQUEST_STATE, COOKIES)}
    assert len(set(derived.values())) == 3
    assert all(len(key) == 32 for key in derived.values())
    assert OLD.encode() not in derived.values()


def test_short_or_missing_keys() -> None:
    assert SecretKeys.from_env({}) is None
    assert SecretKeys.from_env({"PERSONALIZE_MCP_SECRET_KEYS": "  "}) is None
    with pytest.raises(ConfigurationError, match="key 2 has 5 bytes"):
        keys(f"{OLD},short")


def test_digest_is_sha256_hex() -> None:
    assert digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
