"""Property: whatever string reaches an id argument of any tool, the answer is correct or one
sentence, and no upstream request ever carries input that did not pass validation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client

from personalize_mcp.contentstack.ratelimit import UpstreamLimits
from personalize_mcp.ids import is_identifier
from personalize_mcp.sandbox import data
from tests.conftest import Sandbox
from tests.helpers import assert_one_sentence, text_of

from .support import mcp_client

WEB, STACK = data.WEB_PROJECT_UID, data.MAIN_STACK_API_KEY
VALID: dict[str, dict[str, Any]] = {
    "get_all_audiences": {"project_uid": WEB, "audience_uids": [data.AUSTRALIA_AUDIENCE_UID]},
    "get_all_experiences": {"project_uid": WEB},
    "get_all_versions": {"project_uid": WEB, "experience_uid": data.HERO_EXPERIENCE_UID},
    "get_single_audience": {"project_uid": WEB, "audience_uid": data.AUSTRALIA_AUDIENCE_UID},
    "get_single_experience": {"project_uid": WEB, "experience_uid": data.HERO_EXPERIENCE_UID},
    "get_variant_audiences": {
        "stack_api_key": STACK,
        "variant_group_uid": data.HERO_VARIANT_GROUP_UID,
        "variant_uid": data.HERO_AUSTRALIA_VARIANT_UID,
    },
    "list_variant_groups": {"stack_api_key": STACK},
    "list_variants": {"stack_api_key": STACK, "variant_group_uid": data.HERO_VARIANT_GROUP_UID},
}
ID_ARGUMENTS = [(tool, argument) for tool, arguments in VALID.items() for argument in arguments]
SAFE_PATH = re.compile(r"(/[A-Za-z0-9_-]{1,64})+")
SAFE_QUERY = re.compile(r"([A-Za-z_]+=[A-Za-z0-9_-]*(&|$))*")

nasty = st.sampled_from(
    ["", " ", "..", "../", "../../v3/user", "a/b", "/", "x?y=1", "?", "#", "x#y", "%2F", "%2e%2e%2f", "a%00b",
     "\x00", "\n", "é", "ü" * 64, "👩‍💻", "x" * 65, "x" * 10_000, "A" * 64, "a b", "a+b", "a;b", "a\\b", "..%2F",
     data.HERO_EXPERIENCE_UID + "/versions", data.WEB_PROJECT_UID + "?x=1", "\u2028", "${x}", "{uid}"]
)  # fmt: skip
identifiers = st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True)
near_identifiers = st.builds(
    lambda valid, junk, at: valid[:at] + junk + valid[at:],
    identifiers,
    st.text(min_size=1, max_size=3),
    st.integers(0, 64),
)
values = st.one_of(nasty, identifiers, near_identifiers, st.text(max_size=80))


@dataclass
class Live:
    portal: BlockingPortal
    client: Client
    sandbox: Sandbox

    def call(self, tool: str, arguments: dict[str, Any]) -> Any:
        return self.portal.call(self.client.call_tool, tool, arguments)


@pytest.fixture
def live(sandbox: Sandbox) -> Iterator[Live]:
    """One server and client for every example (the rate limiter is not what is tested here)."""
    with (
        start_blocking_portal("asyncio") as portal,
        portal.wrap_async_context_manager(mcp_client(sandbox.connection(), limits=UpstreamLimits(None))) as opened,
    ):
        yield Live(portal, opened[0], sandbox)


def assert_no_unvalidated_input_upstream(sandbox: Sandbox, value: str) -> None:
    for record in sandbox.state.request_log():
        assert SAFE_PATH.fullmatch(record.path), record
        assert SAFE_QUERY.fullmatch(record.query), record
        for header in (record.project, record.api_key):
            assert header is None or is_identifier(header), record
        if value and not is_identifier(value):
            assert value not in (record.path, record.query, record.project, record.api_key)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.sampled_from(ID_ARGUMENTS), value=values)
def test_any_string_in_any_id_argument(live: Live, target: tuple[str, str], value: str) -> None:
    tool, argument = target
    arguments = {**VALID[tool], argument: [value] if argument == "audience_uids" else value}
    live.sandbox.state.clear_requests()
    result = live.call(tool, arguments)
    assert_no_unvalidated_input_upstream(live.sandbox, value)
    means_default = argument == "project_uid" and value == ""  # "" = the default project, as omitted
    if result.is_error:
        message = text_of(result)
        assert_one_sentence(message)
        assert "unexpectedly" not in message
        if not is_identifier(value) and not means_default:
            assert "not a valid identifier" in message and argument.rstrip("s") in message
            assert live.sandbox.state.request_log() == []  # refused before any request
    else:
        assert is_identifier(value) or means_default
        answer = result.structured_content
        assert isinstance(answer, dict)
        if argument in answer:
            assert answer[argument] == value  # the answer is about what was asked
