"""Each person as themselves: a real MCP client signs two people in headlessly (the SDK's OAuth provider,
our consent page, the sandbox's Contentstack consent), in both protocol eras, against the server as a
subprocess; every upstream call carries only that person's token (the sandbox's request log)."""

from __future__ import annotations

import httpx2
import pytest

from personalize_mcp.sandbox.data import (
    MAIN_ORG_UID,
    MAIN_USER_EMAIL,
    MAIN_USER_UID,
    MOBILE_PROJECT_UID,
    WEB_PROJECT_UID,
)
from personalize_mcp.sandbox.people import BROKER_APP_UID, DEVELOPER_USER_UID, EDITOR_USER_UID, PEOPLE_EMAILS
from tests.broker.support import Broker, Person, signed_in
from tests.conftest import Sandbox
from tests.helpers import assert_one_sentence, call_error, call_ok

pytestmark = pytest.mark.anyio


def users_in_log(sandbox: Sandbox) -> list[str | None]:
    return [record.user for record in sandbox.state.request_log() if record.api in ("personalize", "cma")]


@pytest.mark.parametrize(("mode", "project"), [("auto", WEB_PROJECT_UID), ("legacy", MOBILE_PROJECT_UID)])
async def test_two_people_each_as_themselves(broker: Broker, sandbox: Sandbox, mode: str, project: str) -> None:
    dana, priya = Person(MAIN_USER_UID), Person(DEVELOPER_USER_UID)
    arguments = {"project_uid": project}  # a read no other test of the server makes: nobody's cache holds it
    async with signed_in(broker, dana, mode=mode) as as_dana, signed_in(broker, priya, mode=mode) as as_priya:
        assert as_dana.session.protocol_version == ("2026-07-28" if mode == "auto" else "2025-11-25")
        sandbox.state.clear_requests()
        dana_audiences = await call_ok(as_dana, "get_all_audiences", arguments)
        assert set(users_in_log(sandbox)) == {MAIN_USER_UID}
        sandbox.state.clear_requests()
        priya_audiences = await call_ok(as_priya, "get_all_audiences", arguments)
        # Priya's answer is not Dana's cached one: her own requests, with her own token.
        assert set(users_in_log(sandbox)) == {DEVELOPER_USER_UID}
        assert dana_audiences["audiences"] == priya_audiences["audiences"]
        sandbox.state.clear_requests()
        await call_ok(as_dana, "get_all_audiences", arguments)
        assert users_in_log(sandbox) == []  # Dana's second call is her own cache entry
        dana_connection = await call_ok(as_dana, "get_connection")
        priya_connection = await call_ok(as_priya, "get_connection")
    assert (dana_connection["user"], dana_connection["organization_uid"]) == (MAIN_USER_EMAIL, MAIN_ORG_UID)
    assert priya_connection["user"] == PEOPLE_EMAILS[DEVELOPER_USER_UID]
    assert dana_connection["sandbox"] is False
    # The sequence of one real sign-in, as the person's browser saw it.
    assert dana.hops == [
        "GET /authorize -> 302",
        "GET /oauth/consent -> 200 (consent page)",
        "POST /oauth/consent decision=approve -> 303",
        "-> Contentstack authorize page (the organisation's app)",
        f"Contentstack consent as {MAIN_USER_UID} -> 302",
        "GET /oauth/callback -> 302",
        "-> client redirect with ['code', 'iss', 'state']",
    ]
    assert dana.upstream_authorize is not None
    assert f"/#!/apps/{BROKER_APP_UID}/authorize?" in dana.upstream_authorize
    assert dana.result is not None and dana.result.iss == broker.origin


async def test_one_persons_403_never_touches_the_other(broker: Broker, sandbox: Sandbox) -> None:
    """Lena's role has no Personalize access: her calls are refused in her words, Dana's go on, and
    neither's answer (or refusal) is served to the other from a cache."""
    lena, dana = Person(EDITOR_USER_UID), Person(MAIN_USER_UID)
    arguments = {"project_uid": WEB_PROJECT_UID}
    async with signed_in(broker, lena) as as_lena, signed_in(broker, dana) as as_dana:
        refused = await call_error(as_lena, "get_all_audiences", arguments)
        assert_one_sentence(refused)
        assert "Your Contentstack role does not allow this" in refused
        assert PEOPLE_EMAILS[EDITOR_USER_UID] in refused
        sandbox.state.clear_requests()
        experiences = await call_ok(as_dana, "get_all_experiences", arguments)
        assert experiences["total"] > 0
        assert set(users_in_log(sandbox)) == {MAIN_USER_UID}
        again = await call_error(as_lena, "get_all_audiences", arguments)  # not Dana's cached answer
        assert "Your Contentstack role does not allow this" in again
        stacks = await call_ok(as_lena, "list_stacks")  # the CMS is not Personalize: her role reads stacks
        assert stacks["stacks"]


async def test_a_revoked_contentstack_grant_sends_the_person_back_through_sign_in(
    broker: Broker, sandbox: Sandbox
) -> None:
    priya = Person(DEVELOPER_USER_UID)
    async with signed_in(broker, priya) as client:
        await call_ok(client, "list_projects")
        signed_once = len(priya.hops)
        revoked = httpx2.post(f"{sandbox.origin}/_sandbox/tokens/revoke", json={"user_uid": DEVELOPER_USER_UID})
        assert revoked.json()["revoked"] >= 1
        ended = await call_error(client, "list_stacks")  # a fresh read: her token is refused, the refresh too
        assert_one_sentence(ended)
        assert "no longer accepts your login" in ended
        # The next request gets HTTP 401: the client signs her in again on its own, and she carries on.
        assert (await call_ok(client, "list_stacks"))["stacks"]
        assert len(priya.hops) == 2 * signed_once
    dana = Person(MAIN_USER_UID)
    async with signed_in(broker, dana) as others:  # nobody else was touched
        assert (await call_ok(others, "list_projects"))["projects"]
