"""Self-refreshing credentials against the sandbox: ahead of expiry, after a 401, single-flight,
rotation, a response without a refresh token, a revoked grant, and `load_credentials`."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import httpx2
import pytest

from personalize_mcp.auth import load_credentials
from personalize_mcp.auth.credentials import StoredAccountCredentials
from personalize_mcp.auth.oauth import TokenEndpointError
from personalize_mcp.auth.protocol import NOT_CONNECTED_MESSAGE, Credentials, MissingCredentials
from personalize_mcp.auth.store import AccountStore
from personalize_mcp.config.settings import ServerSettings
from personalize_mcp.runtime.errors import NotConnectedError, ReauthenticationRequiredError
from tests.auth.helpers import Sandbox, login_async

pytestmark = pytest.mark.anyio


def credentials_for(home: Path, account: str | None = None) -> StoredAccountCredentials:
    """What `serve` gets: credentials loaded with only the home folder in the environment."""
    creds, _ = load_credentials(ServerSettings(home=home, account_name=account), {"PERSONALIZE_MCP_HOME": str(home)})
    assert isinstance(creds, StoredAccountCredentials)
    return creds


def expire_on_disk(home: Path, name: str = "default") -> None:
    """Make the stored access token look expired (the sandbox still accepts it)."""
    store = AccountStore(home)
    account = store.load(name)
    assert account is not None
    store.save(account.model_copy(update={"expires_at": datetime.now(UTC) - timedelta(minutes=5)}))


def stored_tokens(home: Path, name: str = "default") -> tuple[str, str]:
    data = json.loads((home / "accounts" / f"{name}.json").read_text())
    return data["access_token"], data["refresh_token"]


async def who_am_i(sandbox: Sandbox, token: str, org: str | None) -> int:
    headers = {"authorization": f"Bearer {token}"} | ({"organization_uid": org} if org else {})
    async with httpx2.AsyncClient() as client:
        return (await client.get(f"{sandbox.urls.cma}/v3/user", headers=headers)).status_code


async def test_fresh_token_is_used_without_refreshing(sandbox: Sandbox, home: Path) -> None:
    await login_async(sandbox, home)
    creds = credentials_for(home)
    token = await creds.access_token()
    assert token == stored_tokens(home)[0]
    assert sandbox.token_requests("refresh_token") == 0
    assert await who_am_i(sandbox, token, creds.organization_uid) == 200
    assert token not in repr(creds)


def credentials_at(home: Path, offset: timedelta) -> StoredAccountCredentials:
    """Credentials for the stored default account whose clock runs `offset` ahead of real time."""
    store = AccountStore(home)
    account = store.load("default")
    assert account is not None
    settings = load_credentials(ServerSettings(home=home), {})[1]
    return StoredAccountCredentials(store, account, settings, clock=lambda: datetime.now(UTC) + offset)


async def test_refreshes_a_minute_before_expiry(sandbox: Sandbox, home: Path) -> None:
    await login_async(sandbox, home)  # an hour-long token: a quarter of it is more than the minute
    before = await credentials_at(home, timedelta(seconds=3600 - 70)).access_token()  # 70 s left
    assert sandbox.token_requests("refresh_token") == 0

    later = credentials_at(home, timedelta(seconds=3600 - 59))  # 59 s left: inside the minute
    after = await later.access_token()
    assert after != before
    assert sandbox.token_requests("refresh_token") == 1
    assert stored_tokens(home)[0] == after
    assert await who_am_i(sandbox, after, later.organization_uid) == 200


async def test_short_lived_tokens_refresh_at_a_quarter_of_their_lifetime(sandbox: Sandbox, home: Path) -> None:
    """A 30 s token is renewed with 7.5 s left, not on every request (a flat minute would)."""
    sandbox.set(access_token_ttl=30)
    await login_async(sandbox, home)
    creds = credentials_for(home)
    first = await creds.access_token()
    assert await creds.access_token() == first
    assert await credentials_at(home, timedelta(seconds=21)).access_token() == first  # 9 s left
    assert sandbox.token_requests("refresh_token") == 0

    late = credentials_at(home, timedelta(seconds=23))  # 7 s left
    renewed = await late.access_token()
    assert renewed != first
    assert await late.access_token() == renewed
    assert sandbox.token_requests("refresh_token") == 1


async def test_401_refreshes_once_and_the_new_token_works(
    sandbox: Sandbox, home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await login_async(sandbox, home)
    creds = credentials_for(home)
    old = await creds.access_token()
    sandbox.state.expire_access_tokens()  # upstream now rejects it, although we think it is fresh
    assert await who_am_i(sandbox, old, creds.organization_uid) == 401

    new = await creds.refresh(old)
    assert new != old
    assert sandbox.token_requests("refresh_token") == 1
    assert await who_am_i(sandbox, new, creds.organization_uid) == 200
    # A late caller reporting the same rejected token gets the new one, no second refresh.
    assert await creds.refresh(old) == new
    assert await creds.access_token() == new
    assert sandbox.token_requests("refresh_token") == 1
    assert "Renewed the access token of account 'default'" in caplog.text
    for token in (old, new, *stored_tokens(home)):
        assert token not in caplog.text


async def test_twenty_concurrent_callers_cause_one_refresh(sandbox: Sandbox, home: Path) -> None:
    await login_async(sandbox, home)
    expire_on_disk(home)
    creds = credentials_for(home)
    sandbox.state.set_latency("oauth", 200)  # keep the refresh in flight while the others arrive
    results: list[str] = []

    async def call() -> None:
        results.append(await creds.access_token())

    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(call)

    assert sandbox.token_requests("refresh_token") == 1
    assert len(set(results)) == 1
    assert results[0] == stored_tokens(home)[0]


async def test_twenty_concurrent_401s_cause_one_refresh(sandbox: Sandbox, home: Path) -> None:
    await login_async(sandbox, home)
    creds = credentials_for(home)
    old = await creds.access_token()
    sandbox.state.expire_access_tokens()
    sandbox.state.set_latency("oauth", 200)
    results: list[str] = []

    async def on_401() -> None:
        results.append(await creds.refresh(old))

    async def on_expiry() -> None:
        results.append(await creds.access_token())

    async with anyio.create_task_group() as tg:
        for i in range(20):
            tg.start_soon(on_401 if i % 2 == 0 else on_expiry)

    assert sandbox.token_requests("refresh_token") == 1
    new = stored_tokens(home)[0]
    # Callers that read the token before the refresh landed may hold the old one; any 401 they
    # get comes back here and is answered with the new token, without another refresh.
    assert set(results) <= {old, new}
    assert [r for r in results if r != old]
    assert await creds.refresh(old) == new
    assert sandbox.token_requests("refresh_token") == 1


async def test_rotated_refresh_token_is_persisted_at_once(sandbox: Sandbox, home: Path) -> None:
    await login_async(sandbox, home)
    _, refresh_before = stored_tokens(home)
    expire_on_disk(home)
    await credentials_for(home).access_token()
    _, refresh_after = stored_tokens(home)
    assert refresh_after != refresh_before

    # A process started now uses the rotated token (reusing the old one would revoke the grant).
    expire_on_disk(home)
    token = await credentials_for(home).access_token()
    assert sandbox.token_requests("refresh_token") == 2
    assert await who_am_i(sandbox, token, None) == 200


async def test_refresh_without_refresh_token_keeps_the_old_one(sandbox: Sandbox, home: Path) -> None:
    await login_async(sandbox, home)
    sandbox.set(omit_refresh_token_on_refresh=True)
    access_before, refresh_before = stored_tokens(home)
    expire_on_disk(home)
    creds = credentials_for(home)
    token = await creds.access_token()
    access_after, refresh_after = stored_tokens(home)
    assert token == access_after != access_before
    assert refresh_after == refresh_before
    # ...and the kept one still refreshes.
    assert await creds.refresh(token) != token
    assert sandbox.token_requests("refresh_token") == 2


async def test_revoked_grant_asks_to_log_in_again(sandbox: Sandbox, home: Path) -> None:
    await login_async(sandbox, home, account="work")
    before = (home / "accounts" / "work.json").read_bytes()
    sandbox.state.revoke_all_grants()
    creds = credentials_for(home, "work")
    old = await creds.access_token()
    with pytest.raises(ReauthenticationRequiredError) as caught:
        await creds.refresh(old)
    message = str(caught.value)
    assert "account 'work'" in message
    assert "`personalize-mcp login --account work`" in message
    assert "\n" not in message
    for token in stored_tokens(home, "work"):
        assert token not in message
    assert (home / "accounts" / "work.json").read_bytes() == before


async def test_token_endpoint_outage_is_one_sentence_and_changes_nothing(sandbox: Sandbox, home: Path) -> None:
    await login_async(sandbox, home)
    expire_on_disk(home)
    before = (home / "accounts" / "default.json").read_bytes()
    sandbox.state.fail_next("oauth", 503)
    creds = credentials_for(home)
    with pytest.raises(TokenEndpointError, match=r"failed \(HTTP 503\); try again"):
        await creds.access_token()
    assert (home / "accounts" / "default.json").read_bytes() == before
    # The next call retries and succeeds.
    token = await creds.access_token()
    assert await who_am_i(sandbox, token, None) == 200


async def test_logged_out_while_serving(sandbox: Sandbox, home: Path) -> None:
    await login_async(sandbox, home)
    creds = credentials_for(home)
    AccountStore(home).delete("default")
    with pytest.raises(
        ReauthenticationRequiredError, match="was logged out; run `personalize-mcp login --account default`"
    ):
        await creds.refresh(await creds.access_token())


async def test_a_token_refreshed_by_another_process_is_adopted(sandbox: Sandbox, home: Path) -> None:
    await login_async(sandbox, home)
    expire_on_disk(home)
    ours = credentials_for(home)
    theirs = credentials_for(home)
    refreshed = await theirs.access_token()
    assert await ours.access_token() == refreshed
    assert sandbox.token_requests("refresh_token") == 1


# -- load_credentials ---------------------------------------------------------------------------


async def assert_missing(creds: Credentials, *fragments: str) -> None:
    assert isinstance(creds, MissingCredentials)
    with pytest.raises(NotConnectedError) as caught:
        await creds.access_token()
    for fragment in fragments:
        assert fragment in str(caught.value)


async def test_nothing_stored(home: Path) -> None:
    creds, settings = load_credentials(ServerSettings(home=home), {})
    await assert_missing(creds, NOT_CONNECTED_MESSAGE)
    assert settings.region == "na"
    assert not await anyio.Path(home).exists()  # looking does not create anything


async def test_unknown_and_logged_out_accounts(sandbox: Sandbox, home: Path) -> None:
    await login_async(sandbox, home)
    creds, _ = load_credentials(ServerSettings(home=home, account_name="nope"), {})
    await assert_missing(creds, "No Contentstack account named 'nope'", "personalize-mcp login --account nope")
    creds, _ = load_credentials(ServerSettings(home=home, account_name="bad/name"), {})
    await assert_missing(creds, "is not valid")

    AccountStore(home).delete("default")
    creds, _ = load_credentials(ServerSettings(home=home), {})
    await assert_missing(creds, NOT_CONNECTED_MESSAGE)


async def test_no_default_among_several(sandbox: Sandbox, home: Path) -> None:
    await login_async(sandbox, home, account="a")
    await login_async(sandbox, home, account="b")
    AccountStore(home).delete("a")
    creds, _ = load_credentials(ServerSettings(home=home), {})
    await assert_missing(creds, "No default Contentstack account", "accounts --default NAME", "personalize-mcp login")


async def test_corrupt_account_file(sandbox: Sandbox, home: Path) -> None:
    await login_async(sandbox, home)
    path = home / "accounts" / "default.json"
    path.write_text("{")
    creds, _ = load_credentials(ServerSettings(home=home), {})
    await assert_missing(creds, str(path), "logout --account default")
    assert path.read_text() == "{"


async def test_connection_precedence(sandbox: Sandbox, home: Path) -> None:
    sandbox.set(location="EU")
    await login_async(sandbox, home)
    server = ServerSettings(home=home)

    _, stored = load_credentials(server, {})
    assert stored.region == "eu"
    assert stored.cma_base_url == sandbox.urls.cma  # remembered from login

    _, env = load_credentials(
        server, {"CONTENTSTACK_CMA_BASE_URL": "https://cma.example/v3", "CONTENTSTACK_REGION": "au"}
    )
    assert env.cma_base_url == "https://cma.example"
    assert env.region == "au"
    assert env.token_url == sandbox.urls.token_url  # still the stored override

    _, flagged = load_credentials(server, {"CONTENTSTACK_REGION": "au"}, region="gcp-eu")
    assert flagged.region == "gcp-eu"


async def test_chosen_account_by_name_or_env(sandbox: Sandbox, home: Path) -> None:
    await login_async(sandbox, home, account="main")
    await login_async(sandbox, home, account="contoso", organization_uid="blt8c4d2e6f1a9b3c75")
    creds, _ = load_credentials(ServerSettings.from_env({"PERSONALIZE_MCP_HOME": str(home)}), {})
    assert creds.account_name == "main"
    env = {"PERSONALIZE_MCP_HOME": str(home), "PERSONALIZE_MCP_ACCOUNT": "contoso"}
    creds, _ = load_credentials(ServerSettings.from_env(env), env)
    assert creds.account_name == "contoso"
    assert creds.organization_uid == "blt8c4d2e6f1a9b3c75"
