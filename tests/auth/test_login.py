"""`login()` in-process against the sandbox on loopback: the happy path and every failure."""

from __future__ import annotations

import json
import socket
import stat
from pathlib import Path

import pytest

from personalize_mcp.auth.listener import ListenerError
from personalize_mcp.auth.login import LoginError
from personalize_mcp.auth.store import AccountStore
from personalize_mcp.runtime.errors import AccountStoreError
from personalize_mcp.sandbox.data import (
    CONFIDENTIAL_APP_UID,
    CONFIDENTIAL_CLIENT_ID,
    CONFIDENTIAL_CLIENT_SECRET,
    MAIN_ORG_UID,
    MAIN_USER_EMAIL,
    MAIN_USER_UID,
    SECOND_ORG_UID,
)
from tests.auth.helpers import Sandbox, login_in_process


def tokens_in(path: Path) -> list[str]:
    data = json.loads(path.read_text())
    return [data["access_token"], data["refresh_token"]]


def snapshot(home: Path) -> dict[str, bytes]:
    folder = home / "accounts"
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if not p.name.endswith(".lock")}


def test_login_stores_the_account_and_says_who(sandbox: Sandbox, home: Path) -> None:
    account, out, err = login_in_process(sandbox, home)

    lines = out.splitlines()
    assert lines[0].startswith(f"{sandbox.urls.app}/#!/apps/")
    assert f"Logged in as Dana Whitfield <{MAIN_USER_EMAIL}>" in out
    assert f"organisation Northwind Retail ({MAIN_ORG_UID})" in out
    assert "stored as account 'default' (the default account)" in out

    path = home / "accounts" / "default.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for token in tokens_in(path):
        assert token not in out
        assert token not in err
        assert token not in repr(account)

    stored = AccountStore(home).load("default")
    assert stored == account
    assert stored.organization.uid == MAIN_ORG_UID
    assert stored.user.uid == MAIN_USER_UID
    assert stored.region == "na"
    overrides = stored.connection.to_overrides()
    assert overrides.cma_base_url == sandbox.urls.cma
    assert overrides.token_url == sandbox.urls.token_url
    assert overrides.redirect_uri == sandbox.redirect_uri
    assert overrides.client_id == "Ie0FEfTzlfAHL4xM"
    assert sandbox.token_requests("authorization_code") == 1


def test_the_consent_page_organisation_is_the_one_stored(sandbox: Sandbox, home: Path) -> None:
    account, out, _ = login_in_process(sandbox, home, account="contoso", organization_uid=SECOND_ORG_UID)
    assert account.organization.uid == SECOND_ORG_UID
    assert "Contoso Europe" in out


def test_region_comes_from_the_redirect_location_unless_given(sandbox: Sandbox, home: Path) -> None:
    sandbox.set(location="AZURE_EU")
    account, out, _ = login_in_process(sandbox, home, account="fromlocation")
    assert account.region == "azure-eu"
    assert "in region azure-eu" in out

    account, _, _ = login_in_process(sandbox, home, account="fromflag", region="AU")
    assert account.region == "au"

    env = sandbox.env(home, CONTENTSTACK_REGION="gcp_na")
    account, _, _ = login_in_process(sandbox, home, account="fromenv", env=env)
    assert account.region == "gcp-na"


def test_region_comes_from_the_token_response_when_the_redirect_does_not_say(sandbox: Sandbox, home: Path) -> None:
    sandbox.set(location="EU")  # the sandbox puts it in both the redirect and the token response
    account, out, _ = login_in_process(sandbox, home, account="fromtoken", drop_location=True)
    assert account.region == "eu"
    assert "in region eu" in out

    account, _, _ = login_in_process(sandbox, home, account="flagwins", region="AU", drop_location=True)
    assert account.region == "au"


def test_second_login_is_not_default_and_relogin_replaces(sandbox: Sandbox, home: Path) -> None:
    first, _, _ = login_in_process(sandbox, home, account="first")
    _, out, _ = login_in_process(sandbox, home, account="second")
    assert "(the default account)" not in out
    _, out, _ = login_in_process(sandbox, home, account="first")
    assert "replaced the stored account 'first' (the default account)" in out
    again = AccountStore(home).load("first")
    assert again.created_at == first.created_at
    assert again.access_token != first.access_token


def test_confidential_app_sends_its_secret_and_stores_it(sandbox: Sandbox, home: Path) -> None:
    env = sandbox.env(
        home,
        CONTENTSTACK_OAUTH_CLIENT_ID=CONFIDENTIAL_CLIENT_ID,
        CONTENTSTACK_OAUTH_CLIENT_SECRET=CONFIDENTIAL_CLIENT_SECRET,
        CONTENTSTACK_OAUTH_APP_UID=CONFIDENTIAL_APP_UID,
    )
    account, out, err = login_in_process(sandbox, home, env=env)
    assert CONFIDENTIAL_CLIENT_SECRET not in out + err + repr(account)
    assert account.connection.to_overrides().client_secret == CONFIDENTIAL_CLIENT_SECRET


# -- failures: one sentence, nothing stored, existing accounts untouched ----------------------


@pytest.fixture
def existing(sandbox: Sandbox, home: Path) -> dict[str, bytes]:
    """An account stored before the failing login; its bytes must not change."""
    login_in_process(sandbox, home, account="default")
    login_in_process(sandbox, home, account="other")
    return snapshot(home)


def assert_one_sentence(error: BaseException) -> str:
    message = str(error)
    assert "\n" not in message
    assert message.endswith(".")
    return message


def test_access_denied(sandbox: Sandbox, home: Path, existing: dict[str, bytes]) -> None:
    with pytest.raises(LoginError) as caught:
        login_in_process(sandbox, home, deny=True)
    assert "access_denied" in assert_one_sentence(caught.value)
    assert snapshot(home) == existing
    assert sandbox.token_requests("authorization_code") == 2  # the two earlier logins only


def test_wrong_state_is_never_exchanged(sandbox: Sandbox, home: Path, existing: dict[str, bytes]) -> None:
    with pytest.raises(LoginError) as caught:
        login_in_process(sandbox, home, state="forged-state-value")
    assert "state" in assert_one_sentence(caught.value)
    assert snapshot(home) == existing
    assert sandbox.token_requests("authorization_code") == 2


def test_port_in_use(sandbox: Sandbox, home: Path, existing: dict[str, bytes]) -> None:
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the earlier logins left TIME_WAITs
        busy.bind(("127.0.0.1", sandbox.redirect_port))
        busy.listen()
        with pytest.raises(ListenerError) as caught:
            login_in_process(sandbox, home)
    assert f"Port {sandbox.redirect_port}" in assert_one_sentence(caught.value)
    assert snapshot(home) == existing


def test_timeout(sandbox: Sandbox, home: Path, existing: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.auth import helpers

    monkeypatch.setattr(helpers, "consent", lambda url, **_: None)  # the user never consents
    with pytest.raises(LoginError) as caught:
        login_in_process(sandbox, home, timeout=0.3)
    assert "within 0.3 seconds" in assert_one_sentence(caught.value)
    assert snapshot(home) == existing


@pytest.mark.parametrize(
    ("env_extra", "fault", "expected"),
    [
        ({}, 500, "HTTP 500"),
        ({}, 503, "HTTP 503"),
        (
            {
                "CONTENTSTACK_OAUTH_APP_UID": CONFIDENTIAL_APP_UID,
                "CONTENTSTACK_OAUTH_CLIENT_ID": CONFIDENTIAL_CLIENT_ID,
                "CONTENTSTACK_OAUTH_CLIENT_SECRET": "wrong",
            },
            None,
            "invalid_client",
        ),
    ],
)
def test_token_endpoint_errors(
    sandbox: Sandbox,
    home: Path,
    existing: dict[str, bytes],
    env_extra: dict[str, str],
    fault: int | None,
    expected: str,
) -> None:
    if fault is not None:
        sandbox.state.fail_next("oauth", fault)
    with pytest.raises(LoginError) as caught:
        login_in_process(sandbox, home, env=sandbox.env(home, **env_extra))
    message = assert_one_sentence(caught.value)
    assert expected in message
    assert "no account was stored" in message
    assert "<" not in message  # no HTML error page leaked
    assert snapshot(home) == existing


def test_expired_code_is_a_token_endpoint_error(sandbox: Sandbox, home: Path, existing: dict[str, bytes]) -> None:
    sandbox.set(code_ttl=1)
    sandbox.state.set_latency("oauth", 1100)  # the code expires on its way to the token endpoint
    with pytest.raises(LoginError, match="invalid_grant"):
        login_in_process(sandbox, home)
    assert snapshot(home) == existing


def test_corrupt_target_account_stops_before_the_browser(sandbox: Sandbox, home: Path) -> None:
    login_in_process(sandbox, home)
    path = home / "accounts" / "default.json"
    path.write_text("{broken")
    with pytest.raises(AccountStoreError) as caught:
        login_in_process(sandbox, home)
    assert str(path) in str(caught.value)
    assert path.read_text() == "{broken"
    assert sandbox.token_requests("authorization_code") == 1


def test_user_lookup_forbidden_falls_back_to_uids(sandbox: Sandbox, home: Path) -> None:
    env = sandbox.env(home, CONTENTSTACK_OAUTH_SCOPES="personalize:read cm.stacks.management:read")
    account, out, _ = login_in_process(sandbox, home, env=env)
    assert account.user.uid == MAIN_USER_UID
    assert account.user.email is None
    assert f"Logged in as user {MAIN_USER_UID} to organisation {MAIN_ORG_UID}" in out


def test_no_console_browser_without_a_graphical_session(monkeypatch: pytest.MonkeyPatch) -> None:
    import webbrowser

    from personalize_mcp.auth import login as login_module

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, new=0: opened.append(url) or True)
    monkeypatch.setattr(login_module.sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    assert login_module.open_in_browser("https://example.com") is False
    assert opened == []
    monkeypatch.setenv("DISPLAY", ":0")
    assert login_module.open_in_browser("https://example.com") is True
    assert opened == ["https://example.com"]
