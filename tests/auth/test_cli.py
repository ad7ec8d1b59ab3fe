"""`personalize-mcp login / accounts / logout` as real subprocesses against the sandbox on loopback.

The test plays the browser: it reads the authorize URL the child prints, opens the sandbox's
consent step with it, and follows the redirect to the child's listener.
"""

from __future__ import annotations

import json
import socket
import stat
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from personalize_mcp.auth.store import AccountStore
from personalize_mcp.sandbox.data import MAIN_ORG_UID, MAIN_USER_EMAIL, SECOND_ORG_UID
from tests.auth.helpers import PYTHON, Sandbox, consent, make_account, subprocess_env

CHILD = Path(__file__).with_name("refresh_child.py")


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str


def cli(home: Path, *args: str, env: dict[str, str] | None = None) -> Finished:
    """A non-interactive command with nothing in its environment but the home folder."""
    done = subprocess.run(
        [PYTHON, "-m", "personalize_mcp", *args],
        env=subprocess_env(env if env is not None else {"PERSONALIZE_MCP_HOME": str(home)}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return Finished(done.returncode, done.stdout, done.stderr)


def login(
    sandbox: Sandbox,
    home: Path,
    *args: str,
    browser: bool = True,
    env: dict[str, str] | None = None,
    **consent_options: object,
) -> Finished:
    """`login --no-browser ARGS`; when `browser`, complete consent with the URL it prints."""
    child = subprocess.Popen(
        [PYTHON, "-m", "personalize_mcp", "login", "--no-browser", *args],
        env=subprocess_env(env if env is not None else sandbox.env(home)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stderr is not None
    stderr_chunks: list[str] = []
    drain = threading.Thread(target=lambda: stderr_chunks.append(child.stderr.read()))  # type: ignore[union-attr]
    drain.start()
    out_lines: list[str] = []
    try:
        for line in child.stdout:
            out_lines.append(line)
            if line.startswith(("http://", "https://")):
                if browser:
                    consent(line.strip(), **consent_options)  # type: ignore[arg-type]
                break
        out_lines.append(child.stdout.read())
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
        drain.join(timeout=10)
    return Finished(child.returncode, "".join(out_lines), "".join(stderr_chunks))


def stored_tokens(home: Path) -> list[str]:
    tokens = []
    for path in (home / "accounts").glob("*.json"):
        data = json.loads(path.read_text())
        tokens += [data["access_token"], data["refresh_token"]]
    return tokens


def snapshot(home: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((home / "accounts").iterdir()) if not p.name.endswith(".lock")}


def assert_no_tokens(home: Path, *texts: str) -> None:
    tokens = stored_tokens(home)
    assert tokens
    for token in tokens:
        for text in texts:
            assert token not in text


def test_login_accounts_default_logout(sandbox: Sandbox, home: Path) -> None:
    first = login(sandbox, home)
    assert first.returncode == 0, first.stderr
    url_lines = [line for line in first.stdout.splitlines() if line.startswith("http")]
    assert len(url_lines) == 1
    assert url_lines[0].startswith(f"{sandbox.urls.app}/#!/apps/")
    assert f"Logged in as Dana Whitfield <{MAIN_USER_EMAIL}> to organisation Northwind Retail ({MAIN_ORG_UID})" in (
        first.stdout
    )
    path = home / "accounts" / "default.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700

    second = login(sandbox, home, "--account", "contoso", organization_uid=SECOND_ORG_UID)
    assert second.returncode == 0, second.stderr
    assert "Contoso Europe" in second.stdout
    assert_no_tokens(home, first.stdout, first.stderr, second.stdout, second.stderr)

    listed = cli(home, "accounts")
    assert listed.returncode == 0, listed.stderr
    assert_no_tokens(home, listed.stdout, listed.stderr)
    rows = {line.split()[1] if line.startswith("*") else line.split()[0]: line for line in listed.stdout.splitlines()}
    assert rows["default"].startswith("*")
    assert f"Northwind Retail ({MAIN_ORG_UID})" in rows["default"]
    assert MAIN_USER_EMAIL in rows["default"]
    assert "valid until" in rows["default"]
    assert not rows["contoso"].startswith("*")
    assert f"Contoso Europe ({SECOND_ORG_UID})" in rows["contoso"]

    changed = cli(home, "accounts", "--default", "contoso")
    assert changed.returncode == 0
    assert "The default account is now 'contoso'." in changed.stdout
    assert any(line.startswith("*") and "contoso" in line for line in cli(home, "accounts").stdout.splitlines())

    unknown = cli(home, "accounts", "--default", "nope")
    assert unknown.returncode == 2
    assert "No stored account named 'nope'" in unknown.stderr

    gone = cli(home, "logout", "--account", "contoso")
    assert gone.returncode == 0
    # The account named `default` is the default again once the one set is gone.
    assert "Forgot account 'contoso'. It was the default account; the default is now 'default'." in gone.stdout
    assert not (home / "accounts" / "contoso.json").exists()
    listed = cli(home, "accounts").stdout
    assert "contoso" not in listed
    assert any(line.startswith("*") and "default" in line for line in listed.splitlines())

    again = cli(home, "logout", "--account", "contoso")
    assert again.returncode == 1
    assert "nothing to forget" in again.stderr

    assert cli(home, "logout").returncode == 0
    assert not path.exists()
    assert "No accounts are stored" in cli(home, "accounts").stdout


def test_logout_without_a_default_names_the_flag_and_forgets_nothing(home: Path) -> None:
    store = AccountStore(home)
    store.save(make_account("work"))
    store.save(make_account("play"))
    assert cli(home, "logout").returncode == 0  # `work`, the first stored, was the default
    unnamed = cli(home, "logout")
    assert unnamed.returncode == 2
    assert "No default account is set (stored: play)" in unnamed.stderr
    assert "logout --account NAME" in unnamed.stderr
    assert store.names() == ["play"]


def test_stored_account_needs_only_the_home_folder(sandbox: Sandbox, home: Path) -> None:
    assert login(sandbox, home).returncode == 0
    # A new process with PERSONALIZE_MCP_HOME alone reaches the sandbox's hosts and works.
    done = subprocess.run(
        [PYTHON, str(CHILD), "0", "expiry"],
        env=subprocess_env({"PERSONALIZE_MCP_HOME": str(home)}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout)["status"] == 200


def test_login_region_flag_is_stored(sandbox: Sandbox, home: Path) -> None:
    done = login(sandbox, home, "--region", "EU")
    assert done.returncode == 0, done.stderr
    assert "in region eu" in done.stdout
    assert "eu" in cli(home, "accounts").stdout.splitlines()[1].split()


# -- failures: exit code != 0, one sentence on stderr, existing accounts byte-identical -----------


@pytest.fixture
def existing(sandbox: Sandbox, home: Path) -> dict[str, bytes]:
    assert login(sandbox, home).returncode == 0
    return snapshot(home)


def failure_line(done: Finished) -> str:
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("personalize-mcp: ")
    assert last.endswith(".")
    assert "Traceback" not in done.stderr
    return last


def test_access_denied(sandbox: Sandbox, home: Path, existing: dict[str, bytes]) -> None:
    done = login(sandbox, home, deny=True)
    assert "access_denied" in failure_line(done)
    assert snapshot(home) == existing
    assert_no_tokens(home, done.stdout, done.stderr)


def test_wrong_state_is_never_exchanged(sandbox: Sandbox, home: Path, existing: dict[str, bytes]) -> None:
    exchanges = sandbox.token_requests("authorization_code")
    done = login(sandbox, home, "--account", "fresh", state="not-the-state")
    assert "state" in failure_line(done)
    assert sandbox.token_requests("authorization_code") == exchanges
    assert snapshot(home) == existing


def test_port_in_use(sandbox: Sandbox, home: Path, existing: dict[str, bytes]) -> None:
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        busy.bind(("127.0.0.1", sandbox.redirect_port))
        busy.listen()
        done = login(sandbox, home, browser=False)
    line = failure_line(done)
    assert f"Port {sandbox.redirect_port}" in line
    assert "already in use" in line
    assert "http" not in done.stdout  # failed before showing a URL nobody could complete
    assert snapshot(home) == existing


def test_timeout(sandbox: Sandbox, home: Path, existing: dict[str, bytes]) -> None:
    done = login(sandbox, home, "--timeout", "1", browser=False)
    assert "No login redirect arrived within 1 seconds" in failure_line(done)
    assert snapshot(home) == existing


def test_token_endpoint_error(sandbox: Sandbox, home: Path, existing: dict[str, bytes]) -> None:
    sandbox.state.fail_next("oauth", 502)
    done = login(sandbox, home)
    line = failure_line(done)
    assert "HTTP 502" in line
    assert "no account was stored" in line
    assert snapshot(home) == existing


def test_corrupt_account_file(sandbox: Sandbox, home: Path, existing: dict[str, bytes]) -> None:
    path = home / "accounts" / "default.json"
    path.write_text('{"half": ')
    assert login(sandbox, home, "--account", "other").returncode == 0

    listed = cli(home, "accounts")
    assert listed.returncode == 1
    assert "other" in listed.stdout
    assert f"The stored account file {path} is unreadable" in listed.stderr
    assert "logout --account default" in listed.stderr

    refused = login(sandbox, home, browser=False)  # same name: stops before the browser
    assert str(path) in failure_line(refused)
    assert path.read_text() == '{"half": '

    assert cli(home, "logout", "--account", "default").returncode == 0
    assert not path.exists()
