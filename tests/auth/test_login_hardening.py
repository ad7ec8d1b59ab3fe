"""A login is never lost: refreshes that outlive their caller, writes that fail, locks that cannot
be taken, tokens adopted after a 401, corrupt, linked and readable account files (issue 17)."""

from __future__ import annotations

import errno
import io
import logging
import os
import stat
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import anyio
import pytest

from personalize_mcp.auth import load_credentials
from personalize_mcp.auth.credentials import LoginNotStoredError, StoredAccountCredentials
from personalize_mcp.auth.protocol import MissingCredentials
from personalize_mcp.auth.store import AccountStore
from personalize_mcp.cli import main
from personalize_mcp.config.settings import ServerSettings
from personalize_mcp.connection.stack import Connection
from personalize_mcp.contentstack.errors import Api
from personalize_mcp.runtime.errors import AccountStoreError, NotConnectedError
from tests.auth.helpers import Sandbox, login_async
from tests.auth.test_refresh import credentials_for, expire_on_disk, stored_tokens, who_am_i
from tests.helpers import call_error, call_ok
from tests.resilience.support import http_for, tool_client, wait_for

pytestmark = pytest.mark.anyio


def connection_for(home: Path) -> tuple[Connection, StoredAccountCredentials]:
    creds, settings = load_credentials(ServerSettings(home=home), {"PERSONALIZE_MCP_HOME": str(home)})
    assert isinstance(creds, StoredAccountCredentials)
    return Connection(settings=settings, credentials=creds), creds


async def a_new_process_can_still_refresh(sandbox: Sandbox, home: Path) -> None:
    """What a restart does: read the file, refresh with its refresh token, use the new token."""
    expire_on_disk(home)
    token = await credentials_for(home).access_token()
    assert await who_am_i(sandbox, token, None) == 200


# -- 1. a refresh, once sent, is received and stored whatever happens to its caller -------------


async def test_a_refresh_outlives_the_deadline_of_the_call_that_started_it(sandbox: Sandbox, home: Path) -> None:
    await login_async(sandbox, home)
    _, refresh_before = stored_tokens(home)
    expire_on_disk(home)
    connection, _ = connection_for(home)
    # The token endpoint rotates at once but takes 1.5 s to send its answer; the call may take 0.4 s.
    sandbox.state.set_slow("oauth", seconds=1.5)
    async with tool_client(connection, deadline=0.4) as client:
        message = await call_error(client, "list_projects")
        assert "did not answer within 0.4 s" in message
        await wait_for(lambda: stored_tokens(home)[1] != refresh_before, within=5)
        sandbox.state.set_slow("oauth", enabled=False)
        await call_ok(client, "list_projects")  # the renewed token, kept in memory too
    assert sandbox.token_requests("refresh_token") == 1
    await a_new_process_can_still_refresh(sandbox, home)


async def test_a_refresh_outlives_a_cancelled_call(sandbox: Sandbox, home: Path) -> None:
    await login_async(sandbox, home)
    _, refresh_before = stored_tokens(home)
    expire_on_disk(home)
    connection, _ = connection_for(home)
    sandbox.state.set_slow("oauth", seconds=1.0)
    async with tool_client(connection) as client:
        with anyio.move_on_after(0.3) as waited:  # the client gives up: notifications/cancelled
            await client.call_tool("list_stacks", {})
        assert waited.cancelled_caught
        await wait_for(lambda: stored_tokens(home)[1] != refresh_before, within=5)
        sandbox.state.set_slow("oauth", enabled=False)
        await call_ok(client, "list_stacks")
    await a_new_process_can_still_refresh(sandbox, home)


# -- 2. a renewed login that cannot be written stays in memory, and says so ---------------------


async def test_a_renewed_login_that_cannot_be_written_is_kept_and_stored_later(
    sandbox: Sandbox, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await login_async(sandbox, home)
    expire_on_disk(home)
    path = home / "accounts" / "default.json"
    before = path.read_bytes()
    real_replace = os.replace

    def disk_full(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst) == path:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", disk_full)
    creds = credentials_for(home)
    for _ in range(2):  # every call says so while the disk stays full; no second refresh is sent
        with pytest.raises(LoginNotStoredError) as caught:
            await creds.access_token()
        message = str(caught.value)
        assert "will be lost" in message
        assert "No space left on device" in message
        assert "`personalize-mcp login --account default`" in message
        assert "unchanged" not in message
        assert "\n" not in message
        assert path.read_bytes() == before
    assert sandbox.token_requests("refresh_token") == 1

    monkeypatch.setattr(os, "replace", real_replace)  # space is made
    token = await creds.access_token()
    assert sandbox.token_requests("refresh_token") == 1  # the tokens kept in memory, now stored
    assert stored_tokens(home)[0] == token
    assert await who_am_i(sandbox, token, None) == 200
    await a_new_process_can_still_refresh(sandbox, home)


async def test_tokens_kept_in_memory_give_way_to_a_newer_login(
    sandbox: Sandbox, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await login_async(sandbox, home)
    expire_on_disk(home)
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: (_ for _ in ()).throw(OSError(errno.EROFS, "Read-only")))
    creds = credentials_for(home)
    with pytest.raises(LoginNotStoredError):
        await creds.access_token()
    monkeypatch.setattr(os, "replace", real_replace)
    await login_async(sandbox, home)  # the user logs in again meanwhile
    newest = stored_tokens(home)
    assert await creds.access_token() == newest[0]  # the stored login wins, nothing is overwritten
    assert stored_tokens(home) == newest


# -- 4. an OS error while locking is its own sentence, with the traceback in the log ------------


async def test_an_os_error_while_locking_is_one_sentence_and_logged(
    sandbox: Sandbox, home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await login_async(sandbox, home)
    expire_on_disk(home)
    lock = home / "accounts" / "default.lock"
    lock.unlink(missing_ok=True)
    lock.symlink_to(home / "missing" / "default.lock")  # the lock may not be opened through a link
    connection, _ = connection_for(home)
    caplog.set_level(logging.ERROR)
    async with tool_client(connection) as client:
        message = await call_error(client, "list_projects")
    assert message.startswith("Cannot lock the stored account 'default'")
    assert str(lock) in message
    assert "failed unexpectedly" not in message
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert errors, caplog.text
    assert isinstance(errors[0].exc_info[1], OSError)  # type: ignore[index]


# -- 5. a token adopted after a 401 that upstream rejects too is refreshed for real -------------


async def test_an_adopted_token_that_is_rejected_too_is_refreshed_for_real(sandbox: Sandbox, home: Path) -> None:
    await login_async(sandbox, home)
    connection, ours = connection_for(home)
    theirs = credentials_for(home)  # another process sharing the account
    held = await ours.access_token()
    sandbox.state.expire_access_tokens()
    await theirs.refresh(held)  # stores a token that looks fresh...
    sandbox.state.expire_access_tokens()  # ...and upstream stops accepting it too
    http = http_for(connection)
    try:
        projects = await http.get_json(Api.PERSONALIZE, "/projects")
    finally:
        await http.aclose()
    assert isinstance(projects, list)
    assert sandbox.token_requests("refresh_token") == 2


# -- 7. corrupt, linked and readable account files ----------------------------------------------


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


async def test_a_deeply_nested_account_file_is_one_sentence_and_serve_starts(
    sandbox: Sandbox, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await login_async(sandbox, home)
    path = home / "accounts" / "default.json"
    path.write_text("[" * 200_000)
    creds, _ = load_credentials(ServerSettings(home=home), {})
    assert isinstance(creds, MissingCredentials)
    with pytest.raises(NotConnectedError) as caught:
        await creds.access_token()
    assert str(path) in str(caught.value)
    assert "nested too deeply" in str(caught.value)

    monkeypatch.setenv("PERSONALIZE_MCP_HOME", str(home))
    code, out, err = run_cli("accounts")
    assert code == 1
    assert "unreadable file" in out
    assert str(path) in err
    assert "Traceback" not in err


async def test_a_deeply_nested_default_marker_is_one_sentence(
    sandbox: Sandbox, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await login_async(sandbox, home, account="work")
    marker = home / "accounts" / "default.marker"
    marker.write_text('{"default_account": ' * 100_000)
    creds, _ = load_credentials(ServerSettings(home=home), {})
    with pytest.raises(NotConnectedError, match=r"default-account marker .* nested too deeply"):
        await creds.access_token()
    monkeypatch.setenv("PERSONALIZE_MCP_HOME", str(home))
    code, out, err = run_cli("accounts")
    assert code == 0
    assert "work" in out
    assert str(marker) in err


async def test_a_linked_account_file_is_written_through(sandbox: Sandbox, home: Path, tmp_path: Path) -> None:
    """Two homes share one account file through a link: a refresh in one replaces the target, so
    the other sees it (and both take the same lock, beside the target)."""
    shared_home = tmp_path / "shared"
    await login_async(sandbox, shared_home)
    target = shared_home / "accounts" / "default.json"
    (home / "accounts").mkdir(parents=True)
    link = home / "accounts" / "default.json"
    link.symlink_to(target)
    _, refresh_before = stored_tokens(shared_home)

    expire_on_disk(home)  # through the link as well
    assert link.is_symlink()
    token = await credentials_for(home).access_token()
    assert link.is_symlink()
    assert stored_tokens(shared_home)[0] == token
    assert stored_tokens(shared_home)[1] != refresh_before
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert await credentials_for(shared_home).access_token() == token  # adopted, not refreshed again
    assert sandbox.token_requests("refresh_token") == 1
    assert AccountStore(home).lock("default").lock_file == str(shared_home / "accounts" / "default.lock")


async def test_a_readable_account_folder_and_file_are_tightened_with_a_warning(
    sandbox: Sandbox, home: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await login_async(sandbox, home)
    folder, path = home / "accounts", home / "accounts" / "default.json"
    folder.chmod(0o755)
    path.chmod(0o644)
    caplog.set_level(logging.WARNING)
    load_credentials(ServerSettings(home=home), {})  # what `serve` does first
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(str(folder) in w and "755" in w for w in warnings), warnings
    assert any(str(path) in w and "644" in w for w in warnings), warnings

    path.chmod(0o640)
    monkeypatch.setenv("PERSONALIZE_MCP_HOME", str(home))
    code, _, err = run_cli("accounts")
    assert code == 0
    assert f"{path} could be read by other users (mode 640)" in err
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_failed_write_of_a_plain_save_still_says_the_old_file_is_unchanged(
    store: AccountStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a refresh changes the meaning of a failed write; a save (login) keeps its sentence."""
    from tests.auth.helpers import make_account

    store.save(make_account())
    monkeypatch.setattr(os, "replace", lambda src, dst: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space")))
    with pytest.raises(AccountStoreError, match="previous file is unchanged"):
        store.save(make_account(access_token="other"))
