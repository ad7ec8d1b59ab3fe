"""The account store: permissions, atomic writes, locking, the default marker, corrupt files."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from personalize_mcp.auth.account import StoredAccount, validate_account_name
from personalize_mcp.auth.store import AccountStore, UnreadableAccount
from personalize_mcp.runtime.errors import AccountStoreError, ConfigurationError
from tests.auth.helpers import make_account


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_saved_account_is_owner_only_and_round_trips(store: AccountStore) -> None:
    account = make_account("work")
    store.save(account)

    path = store.path("work")
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert store.load("work") == account
    data = json.loads(path.read_text())
    assert data["access_token"] == "access-token-AAAA"
    assert data["refresh_token"] == "refresh-token-RRRR"
    assert data["expires_at"].endswith("Z")
    assert data["connection"] == {
        "client_id": "client-1",
        "redirect_uri": "http://127.0.0.1:1/cb",
        "region": "na",
    }


def test_folder_is_tightened_even_with_a_permissive_umask(home: Path) -> None:
    old = os.umask(0o002)
    try:
        AccountStore(home).save(make_account())
    finally:
        os.umask(old)
    assert mode(home / "accounts") == 0o700
    assert mode(home / "accounts" / "default.json") == 0o600
    assert mode(home / "accounts" / "default.marker") == 0o600
    assert AccountStore(home).default_name() == "default"


def test_tokens_never_appear_in_repr_or_str(store: AccountStore) -> None:
    account = make_account()
    store.save(account)
    for text in (repr(account), str(account), repr(store.load("default")), repr(store.list_accounts())):
        assert "access-token-AAAA" not in text
        assert "refresh-token-RRRR" not in text


def test_client_secret_is_stored_but_not_shown(store: AccountStore) -> None:
    from personalize_mcp.auth.account import StoredConnection
    from personalize_mcp.config.settings import ConnectionOverrides

    connection = StoredConnection.from_overrides(ConnectionOverrides(region="eu", client_secret="s3cret-value"))
    account = make_account().model_copy(update={"connection": connection})
    store.save(account)
    assert "s3cret-value" not in repr(account)
    loaded = store.load("default")
    assert loaded is not None
    assert loaded.connection.to_overrides().client_secret == "s3cret-value"
    assert json.loads(store.path("default").read_text())["connection"]["client_secret"] == "s3cret-value"


def test_first_account_becomes_default_and_default_can_change(store: AccountStore) -> None:
    assert store.default_name() is None
    store.save(make_account("first"))
    store.save(make_account("second"))
    assert store.default_name() == "first"
    store.set_default("second")
    assert store.default_name() == "second"
    with pytest.raises(AccountStoreError, match="No stored account named 'nope'"):
        store.set_default("nope")
    assert store.default_name() == "second"


def test_deleting_the_default_clears_it_without_promoting_another(store: AccountStore) -> None:
    store.save(make_account("first"))
    store.save(make_account("second"))
    assert store.delete("first")
    assert not store.path("first").exists()
    assert store.default_name() is None
    assert store.names() == ["second"]
    assert not store.delete("first")
    # The next account stored becomes the default again.
    store.save(make_account("third"))
    assert store.default_name() == "third"


def test_without_a_set_default_the_account_named_default_is_the_default(store: AccountStore) -> None:
    store.save(make_account("default"))
    store.save(make_account("work"))
    store.set_default("work")
    assert store.delete("work")
    assert store.default_name() == "default"
    store.save(make_account("third"))  # does not take the place of the account named `default`
    assert store.default_name() == "default"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "does not hold a JSON object"),
        (b'{"name": "default"}', "access_token"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_corrupt_file_is_reported_with_path_and_fix_and_left_alone(
    store: AccountStore, content: bytes, reason: str
) -> None:
    store.save(make_account())
    path = store.path("default")
    path.write_bytes(content)

    with pytest.raises(AccountStoreError) as caught:
        store.load("default")
    message = str(caught.value)
    assert str(path) in message
    assert reason in message
    assert "personalize-mcp logout --account default" in message
    assert "\n" not in message
    assert path.read_bytes() == content

    listed = store.list_accounts()
    assert len(listed) == 1
    assert isinstance(listed[0], UnreadableAccount)
    # A login into the same name must not overwrite it either: `login` loads first and stops.
    assert path.read_bytes() == content


def test_invalid_field_values_are_not_quoted(store: AccountStore) -> None:
    store.save(make_account())
    path = store.path("default")
    data = json.loads(path.read_text())
    data["expires_at"] = "leaky-token-value-123"
    data["refresh_token"] = ["not", "a", "string", "secret-refresh-456"]
    path.write_text(json.dumps(data))
    with pytest.raises(AccountStoreError) as caught:
        store.load("default")
    assert "leaky-token-value-123" not in str(caught.value)
    assert "secret-refresh-456" not in str(caught.value)
    assert "expires_at" in str(caught.value)


def test_file_holding_another_name_is_corrupt(store: AccountStore) -> None:
    store.save(make_account("alpha"))
    os.replace(store.path("alpha"), store.path("beta"))
    with pytest.raises(AccountStoreError, match="holds account 'alpha', not 'beta'"):
        store.load("beta")


def test_unreadable_file_is_reported(store: AccountStore) -> None:
    store.save(make_account())
    path = store.path("default")
    path.unlink()
    path.mkdir()  # reading fails with an OS error (a chmod 000 would not stop root)
    with pytest.raises(AccountStoreError, match="is unreadable"):
        store.load("default")
    assert path.is_dir()


def test_failed_replace_leaves_the_old_file_intact(store: AccountStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.save(make_account(access_token="old-token"))
    path = store.path("default")
    before = path.read_bytes()

    def crash(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(AccountStoreError, match="previous file is unchanged"):
        store.save(make_account(access_token="new-token"))
    monkeypatch.undo()

    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")) == []


def test_failed_write_midway_leaves_the_old_file_intact(store: AccountStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.save(make_account(access_token="old-token"))
    before = store.path("default").read_bytes()

    def crash(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(AccountStoreError):
        store.save(make_account(access_token="new-token"))
    monkeypatch.undo()
    assert store.path("default").read_bytes() == before
    assert [p for p in store.folder.iterdir() if p.name.endswith(".tmp")] == []


def test_account_lock_excludes_other_holders(home: Path) -> None:
    first = AccountStore(home, lock_timeout=5)
    second = AccountStore(home, lock_timeout=0.2)
    first.save(make_account())
    with first.locked("default"), pytest.raises(AccountStoreError, match="locked by another"):
        second.save(make_account(access_token="other"))
    second.save(make_account(access_token="other"))
    loaded = first.load("default")
    assert loaded is not None
    assert loaded.access_token.get_secret_value() == "other"


def test_lock_can_be_released_from_another_thread(store: AccountStore) -> None:
    lock = store.acquire("default")
    released = threading.Thread(target=lock.release)
    released.start()
    released.join()
    started = time.monotonic()
    with store.locked("default"):
        pass
    assert time.monotonic() - started < 1


def test_readers_never_see_a_partial_file(store: AccountStore) -> None:
    """Writers replace atomically, so a reader without the lock always parses a whole account."""
    store.save(make_account(access_token="t-0"))
    stop = threading.Event()
    errors: list[BaseException] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                assert isinstance(store.load("default"), StoredAccount)
            except BaseException as error:
                errors.append(error)
                return

    thread = threading.Thread(target=reader)
    thread.start()
    for i in range(200):
        store.save(make_account(access_token=f"t-{i}" + "x" * (i * 37 % 500)))
    stop.set()
    thread.join()
    assert errors == []


@pytest.mark.parametrize("name", ["", "a/b", "../x", "a b", "x" * 65, "ü", "a.b"])
def test_bad_account_names_are_refused(store: AccountStore, name: str) -> None:
    with pytest.raises(ConfigurationError, match="is not valid"):
        store.path(name)


@given(st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True))
def test_every_valid_name_maps_to_a_file_inside_the_folder(name: str) -> None:
    store = AccountStore(Path("/nonexistent/home"))
    assert validate_account_name(name) == name
    assert store.path(name).parent == store.folder
    assert store.path(name).name == f"{name}.json"


def test_corrupt_default_marker_is_reported_not_overwritten(store: AccountStore) -> None:
    store.save(make_account("first"))
    marker = store.folder / "default.marker"
    marker.write_text("garbage")
    with pytest.raises(AccountStoreError, match="accounts --default NAME"):
        store.default_name()
    store.save(make_account("second"))
    assert marker.read_text() == "garbage"
    store.set_default("second")
    assert store.default_name() == "second"
