"""Writes over HTTP, each person as themselves (`serve --auth broker --writes all`): a person signed in to
read who calls a write tool gets HTTP 403 `insufficient_scope`; the SDK client then signs them in again
for `personalize-mcp:write`, which asks Contentstack for `personalize:manage`; the change is made with
their own token, and journaled as them. A person whose role may only read is refused by Contentstack,
in their words, while the other's write goes on."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest

from personalize_mcp.sandbox.data import MAIN_USER_EMAIL, MAIN_USER_UID, WEB_PROJECT_UID
from personalize_mcp.sandbox.people import ANALYST_USER_UID, PEOPLE_EMAILS
from tests.broker.support import Broker, Person, signed_in, start_broker
from tests.conftest import Sandbox
from tests.helpers import assert_one_sentence, call_error, call_ok

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def writer(_served_sandbox: Sandbox) -> Iterator[Broker]:
    served = start_broker(_served_sandbox.origin, "--writes", "all")
    try:
        yield served
    finally:
        assert served.stop() == 0, served.log()[-3000:]
        served.stderr.close()


def upstream_scopes(person: Person) -> list[str]:
    assert person.upstream_authorize is not None
    return parse_qs(person.upstream_authorize.split("?", 1)[1])["scope"][0].split()


async def plan_and_apply(client: object, key: str) -> dict[str, object]:
    change = {"action": "create_event", "key": key, "description": "Signed up"}
    planned = await call_ok(client, "plan_change", {"project_uid": WEB_PROJECT_UID, "change": change})  # type: ignore[arg-type]
    token = planned["confirmation"]["token"]
    return await call_ok(client, "apply_change", {"plan_id": planned["plan_id"], "confirmation_token": token})  # type: ignore[arg-type]


async def test_writing_steps_the_person_up_through_consent_for_manage(writer: Broker, sandbox: Sandbox) -> None:
    dana = Person(MAIN_USER_UID)
    async with signed_in(writer, dana) as client:
        await call_ok(client, "list_projects")
        assert "personalize:manage" not in upstream_scopes(dana)  # reading asks for reading only
        signed_once = len(dana.hops)
        sandbox.state.clear_requests()
        applied = await plan_and_apply(client, "signed_up")  # 403 -> sign-in for writing -> the same call again
        assert applied["applied"] is True
        assert len(dana.hops) == 2 * signed_once
        assert "personalize:manage" in upstream_scopes(dana)
        writes = [r for r in sandbox.state.request_log() if r.method == "POST" and r.api == "personalize"]
        assert [(r.path, r.user, r.status) for r in writes] == [("/events", MAIN_USER_UID, 201)]
        history = await call_ok(client, "list_changes", {"project_uid": WEB_PROJECT_UID})
    assert history["changes"][0]["actor"] and MAIN_USER_EMAIL in str(history["changes"][0]["actor"])


async def test_a_read_only_role_is_refused_by_contentstack_in_its_words(writer: Broker, sandbox: Sandbox) -> None:
    omar = Person(ANALYST_USER_UID)
    async with signed_in(writer, omar) as client:
        change = {"action": "create_event", "key": "analyst_event"}
        planned = await call_ok(client, "plan_change", {"project_uid": WEB_PROJECT_UID, "change": change})
        refused = await call_error(
            client,
            "apply_change",
            {"plan_id": planned["plan_id"], "confirmation_token": planned["confirmation"]["token"]},
        )
    assert_one_sentence(refused)
    assert "Your Contentstack role does not allow this" in refused and PEOPLE_EMAILS[ANALYST_USER_UID] in refused
    posts = [r for r in sandbox.state.request_log() if r.method == "POST" and r.api == "personalize"]
    assert [(r.user, r.status) for r in posts] == [(ANALYST_USER_UID, 403)]

