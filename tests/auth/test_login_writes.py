"""`personalize-mcp login --writes`: the login also asks for personalize:manage, the account remembers it, and a
server on that account can write (get_connection's can_write); a login without it cannot, and Contentstack
refuses its token a write."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import httpx2

from personalize_mcp.auth.login import LoginRequest, login
from personalize_mcp.auth.session import load_credentials
from personalize_mcp.auth.store import AccountStore
from personalize_mcp.config.settings import ServerSettings
from personalize_mcp.sandbox.data import WEB_PROJECT_UID
from tests.auth.helpers import Sandbox, browser


def _login(sandbox: Sandbox, home: Path, *, writes: bool) -> str:
    out = io.StringIO()
    asyncio.run(
        login(
            LoginRequest(account="default", timeout=30, writes=writes),
            env=sandbox.env(home),
            store=AccountStore(home),
            out=out,
            err=io.StringIO(),
            open_url=browser(),
        )
    )
    lines = out.getvalue().splitlines()
    assert ("with write access (personalize:manage)" in lines[-1]) is writes
    return lines[0]


def _can_write(sandbox: Sandbox, home: Path) -> bool:
    credentials, _ = load_credentials(ServerSettings(home=home), sandbox.env(home))
    return credentials.facts().can_write


def _write_status(sandbox: Sandbox, home: Path) -> int:
    token = AccountStore(home).load("default")
    assert token is not None
    response = httpx2.post(
        f"{sandbox.urls.personalize}/events",
        json={"key": "add_to_cart"},
        headers={"authorization": f"Bearer {token.access_token.get_secret_value()}", "x-project-uid": WEB_PROJECT_UID},
        timeout=10,
    )
    return response.status_code


def test_login_writes_asks_for_personalize_manage_and_the_account_can_write(sandbox: Sandbox, home: Path) -> None:
    url = _login(sandbox, home, writes=True)
    assert "personalize%3Amanage" in url or "personalize:manage" in url
    stored = AccountStore(home).load("default")
    assert stored is not None and stored.connection.scopes is not None
    assert "personalize:manage" in stored.connection.scopes and "personalize:read" in stored.connection.scopes
    assert _can_write(sandbox, home) is True
    assert _write_status(sandbox, home) == 201


def test_a_login_without_writes_cannot_write(sandbox: Sandbox, home: Path) -> None:
    url = _login(sandbox, home, writes=False)
    assert "personalize%3Amanage" not in url and "personalize:manage" not in url
    assert _can_write(sandbox, home) is False
    assert _write_status(sandbox, home) == 403  # Contentstack (the sandbox) refuses the token's write too
