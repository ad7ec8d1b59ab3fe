"""Renewing a person's login: once for many callers, once across "replicas" sharing a store (memory in one
process, or a real Redis), a dead lease taken over, a dead grant forgotten, and never a refresh token
replayed (the sandbox revokes the whole grant if one is: every test would then fail its next call)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import timedelta

import anyio
import httpx2
import pytest

from personalize_mcp.broker.records import Login, Person, utc_now
from personalize_mcp.broker.renewal import GRANT_DEAD, LoginRenewal
from personalize_mcp.broker.settings import READ_SCOPE, BrokerSettings
from personalize_mcp.broker.storage import BrokerStorage
from personalize_mcp.runtime.errors import ReauthenticationRequiredError
from personalize_mcp.sandbox import consent_url, s256, sandbox_base_urls
from personalize_mcp.sandbox.data import MAIN_ORG_UID
from personalize_mcp.sandbox.people import (
    BROKER_APP_UID,
    BROKER_CLIENT_ID,
    BROKER_CLIENT_SECRET,
    DEVELOPER_USER_UID,
)
from personalize_mcp.store.locate import open_store
from personalize_mcp.store.protocol import KeyValueStore
from personalize_mcp.store.sealing import SecretKeys
from tests.broker.support import SECRET_KEYS
from tests.conftest import Sandbox

pytestmark = pytest.mark.anyio

PUBLIC_URL = "https://mcp.northwind.example"


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[KeyValueStore]:
    url = "memory://" if request.param == "memory" else str(request.getfixturevalue("redis_url"))
    opened = open_store(url)
    try:
        yield opened
    finally:
        await opened.aclose()


def settings_for(sandbox: Sandbox) -> BrokerSettings:
    urls = sandbox_base_urls(sandbox.origin)
    env = {
        "CONTENTSTACK_PERSONALIZE_BASE_URL": urls.personalize,
        "CONTENTSTACK_CMA_BASE_URL": urls.cma,
        "CONTENTSTACK_APP_BASE_URL": urls.app,
        "CONTENTSTACK_OAUTH_TOKEN_URL": urls.token_url,
        "CONTENTSTACK_OAUTH_APP_UID": BROKER_APP_UID,
        "CONTENTSTACK_OAUTH_CLIENT_ID": BROKER_CLIENT_ID,
        "CONTENTSTACK_OAUTH_CLIENT_SECRET": BROKER_CLIENT_SECRET,
    }
    return BrokerSettings.resolve(PUBLIC_URL, MAIN_ORG_UID, env)


async def signed_in_login(sandbox: Sandbox, settings: BrokerSettings) -> Login:
    """A real Contentstack login of the organisation's app (consent, code, tokens), as the callback stores it."""
    verifier = secrets.token_urlsafe(48)
    query = {
        "response_type": "code",
        "client_id": BROKER_CLIENT_ID,
        "redirect_uri": settings.app.redirect_uri,
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
        "state": "s",
    }
    authorize = f"{sandbox.origin}/app/#!/apps/{BROKER_APP_UID}/authorize?" + httpx2.QueryParams(query).__str__()
    async with httpx2.AsyncClient(base_url=sandbox.origin) as http:
        consent = await http.get(consent_url(authorize, user_uid=DEVELOPER_USER_UID))
        code = httpx2.URL(consent.headers["location"]).params["code"]
        tokens = (
            await http.post(
                "/developerhub/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": settings.app.redirect_uri,
                    "client_id": BROKER_CLIENT_ID,
                    "client_secret": BROKER_CLIENT_SECRET,
                    "code_verifier": verifier,
                },
            )
        ).json()
    now = utc_now()
    return Login(
        grant_id=secrets.token_urlsafe(12),
        client_id="mcp-client",
        scopes=(READ_SCOPE,),
        person=Person(user_uid=DEVELOPER_USER_UID),
        organization_uid=MAIN_ORG_UID,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        expires_at=now + timedelta(seconds=tokens["expires_in"]),
        updated_at=now,
    )


def refreshes(sandbox: Sandbox) -> int:
    return sandbox.state.token_requests["refresh_token"]


@pytest.fixture
def settings(sandbox: Sandbox) -> BrokerSettings:
    configured = settings_for(sandbox)
    assert sandbox.state.register_redirect_uri(BROKER_CLIENT_ID, configured.app.redirect_uri)
    return configured


def storage_on(store: KeyValueStore) -> BrokerStorage:
    keys = SecretKeys.from_env({"PERSONALIZE_MCP_SECRET_KEYS": SECRET_KEYS})
    assert keys is not None
    return BrokerStorage(store, keys.sealer())


async def test_many_callers_on_three_replicas_make_one_refresh(
    sandbox: Sandbox, settings: BrokerSettings, store: KeyValueStore
) -> None:
    storage = storage_on(store)
    login = await signed_in_login(sandbox, settings)
    await storage.save_login(login)
    before = refreshes(sandbox)
    replicas = [LoginRenewal(settings, storage) for _ in range(3)]  # one store, three processes' worth
    got: list[str] = []

    async def caller(renewal: LoginRenewal) -> None:
        got.append((await renewal.renew(login.grant_id, rejected=login.access_token)).access_token)

    async with (
        replicas[0].renewals(),
        replicas[1].renewals(),
        replicas[2].renewals(),
        anyio.create_task_group() as group,
    ):
        for index in range(30):
            group.start_soon(caller, replicas[index % 3])
    assert refreshes(sandbox) == before + 1
    assert len(set(got)) == 1 and login.access_token not in got
    stored = await storage.login(login.grant_id)
    assert stored is not None and stored.record.access_token == got[0]
    assert stored.record.refresh_token != login.refresh_token  # the rotated one was written before the lease went


async def test_a_dead_replicas_lease_is_taken_over(
    sandbox: Sandbox, settings: BrokerSettings, store: KeyValueStore
) -> None:
    storage = storage_on(store)
    login = await signed_in_login(sandbox, settings)
    await storage.save_login(login)
    # A replica took the lease and died (no heartbeat): the lease runs out, and the login is renewed.
    assert await storage.take_lease(login.grant_id, "killed-replica", ttl=0.6)
    renewal = LoginRenewal(settings, storage)
    async with renewal.renewals():
        started = anyio.current_time()
        renewed = await renewal.renew(login.grant_id, rejected=login.access_token)
        waited = anyio.current_time() - started
    assert renewed.access_token != login.access_token
    assert 0.4 < waited < 5


async def test_a_live_lease_is_kept_while_contentstack_is_slow(
    sandbox: Sandbox, settings: BrokerSettings, store: KeyValueStore
) -> None:
    storage = storage_on(store)
    login = await signed_in_login(sandbox, settings)
    await storage.save_login(login)
    before = refreshes(sandbox)
    sandbox.state.set_latency("oauth", 1500)  # longer than the lease: only the heartbeat keeps it
    slow, other = (LoginRenewal(settings, storage, lease=0.6, heartbeat=0.2) for _ in range(2))
    async with slow.renewals(), other.renewals(), anyio.create_task_group() as group:
        group.start_soon(lambda: slow.renew(login.grant_id, rejected=login.access_token))
        await anyio.sleep(0.3)
        renewed = await other.renew(login.grant_id, rejected=login.access_token)
    sandbox.state.set_latency("oauth", 0)
    assert refreshes(sandbox) == before + 1  # the other never sent the same refresh token again
    assert renewed.access_token != login.access_token


async def test_a_dead_grant_is_forgotten(sandbox: Sandbox, settings: BrokerSettings, store: KeyValueStore) -> None:
    storage = storage_on(store)
    login = await signed_in_login(sandbox, settings)
    await storage.save_login(login)
    sandbox.state.revoke_user_grants(DEVELOPER_USER_UID)
    renewal = LoginRenewal(settings, storage)
    async with renewal.renewals():
        with pytest.raises(ReauthenticationRequiredError, match="no longer accepts"):
            await renewal.renew(login.grant_id, rejected=login.access_token)
        assert await storage.login(login.grant_id) is None
        with pytest.raises(ReauthenticationRequiredError, match="has ended"):
            await renewal.renew(login.grant_id)
    assert GRANT_DEAD.endswith("sign in again.")
