"""Helpers shared by the account tests."""

from __future__ import annotations

import asyncio
import io
import os
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx2
from pydantic import SecretStr

from personalize_mcp.auth.account import OrganizationInfo, StoredAccount, StoredConnection, UserInfo
from personalize_mcp.auth.login import LoginRequest, login
from personalize_mcp.auth.store import AccountStore
from personalize_mcp.sandbox.app import SandboxURLs
from personalize_mcp.sandbox.oauth import consent_url
from personalize_mcp.sandbox.state import SandboxState

SERVER_DIR = Path(__file__).resolve().parents[2] / "server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Sandbox:
    state: SandboxState
    urls: SandboxURLs
    redirect_port: int

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.redirect_port}/callback"

    def env(self, home: Path, **extra: str) -> dict[str, str]:
        """What a login needs: hosts pointing at the sandbox, a loopback redirect, a home."""
        return {
            "PERSONALIZE_MCP_HOME": str(home),
            "CONTENTSTACK_PERSONALIZE_BASE_URL": self.urls.personalize,
            "CONTENTSTACK_CMA_BASE_URL": self.urls.cma,
            "CONTENTSTACK_APP_BASE_URL": self.urls.app,
            "CONTENTSTACK_OAUTH_TOKEN_URL": self.urls.token_url,
            "CONTENTSTACK_OAUTH_REDIRECT_URI": self.redirect_uri,
            **extra,
        }

    def token_requests(self, grant_type: str) -> int:
        with self.state.lock:
            return self.state.token_requests[grant_type]

    def set(self, **switches: object) -> None:
        with self.state.lock:
            for name, value in switches.items():
                assert name in SandboxState.SWITCHES, name
                setattr(self.state, name, value)


def consent(
    authorize_url: str,
    *,
    deny: bool = False,
    organization_uid: str | None = None,
    state: str | None = None,
    drop_location: bool = False,
) -> httpx2.Response:
    """Do what a browser does: open the consent page (it auto-consents), follow its 302 to our
    listener. `state` replaces the redirect's state (a forged redirect); `drop_location` removes
    its `location` (a redirect that does not say the region)."""
    with httpx2.Client(timeout=10) as client:
        answer = client.get(consent_url(authorize_url, deny=deny, organization_uid=organization_uid))
        assert answer.status_code == 302, answer.text
        location = answer.headers["location"]
        if state is not None:
            location = replace_query(location, state=state)
        if drop_location:
            location = replace_query(location, location=None)
        return client.get(location)


def replace_query(url: str, **values: str | None) -> str:
    """`url` with these query parameters set (None: removed)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True)) | values
    kept = {name: value for name, value in query.items() if value is not None}
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment))


def browser(**options: object) -> Callable[[str], bool]:
    """An `open_url` for `login()` that completes consent as a browser would."""

    def open_url(url: str) -> bool:
        consent(url, **options)  # type: ignore[arg-type]
        return True

    return open_url


async def login_async(
    sandbox: Sandbox,
    home: Path,
    *,
    account: str = "default",
    region: str | None = None,
    env: dict[str, str] | None = None,
    wait_seconds: float = 30,
    **browser_options: object,
) -> tuple[StoredAccount, str, str]:
    """Run `login()` against the sandbox; returns the account and what it printed (out, err)."""
    out, err = io.StringIO(), io.StringIO()
    stored = await login(
        LoginRequest(account=account, region=region, timeout=wait_seconds),
        env=env if env is not None else sandbox.env(home),
        store=AccountStore(home),
        out=out,
        err=err,
        open_url=browser(**browser_options),
    )
    return stored, out.getvalue(), err.getvalue()


def login_in_process(
    sandbox: Sandbox,
    home: Path,
    *,
    account: str = "default",
    region: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 30,
    **browser_options: object,
) -> tuple[StoredAccount, str, str]:
    """`login_async` for synchronous tests."""
    return asyncio.run(
        login_async(sandbox, home, account=account, region=region, env=env, wait_seconds=timeout, **browser_options)
    )


def subprocess_env(env: dict[str, str]) -> dict[str, str]:
    """A child environment holding only `env`, the import path and what Python needs to run."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")}
    return {**keep, **env, "PYTHONPATH": str(SERVER_DIR), "PYTHONUNBUFFERED": "1"}


PYTHON = sys.executable


def make_account(
    name: str = "default",
    *,
    access_token: str = "access-token-AAAA",
    refresh_token: str | None = "refresh-token-RRRR",
    expires_in: timedelta = timedelta(hours=1),
    region: str = "na",
) -> StoredAccount:
    now = datetime.now(UTC)
    return StoredAccount(
        name=name,
        connection=StoredConnection(region=region, client_id="client-1", redirect_uri="http://127.0.0.1:1/cb"),
        access_token=SecretStr(access_token),
        refresh_token=SecretStr(refresh_token) if refresh_token else None,
        expires_at=now + expires_in,
        organization=OrganizationInfo(uid="blt-org", name="Northwind"),
        user=UserInfo(uid="blt-user", email="dana@example.com", name="Dana Whitfield"),
        created_at=now,
        updated_at=now,
    )
