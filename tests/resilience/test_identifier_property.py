"""Property: whatever string reaches an id argument of any tool, the answer is one sentence or the
correct answer, nothing unvalidated reaches an upstream path, query or header, and nothing crashes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client

from personalize_mcp.contentstack.ratelimit import RateLimit
from personalize_mcp.sandbox import data
from tests.conftest import Sandbox
from tests.helpers import assert_one_sentence, text_of

from .support import tool_client

pytestmark = pytest.mark.anyio

WEB, STACK = data.WEB_PROJECT_UID, data.MAIN_STACK_API_KEY
VALID_ARGUMENTS: dict[str, dict[str, Any]] = {
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
ID_ARGUMENTS = sorted((tool, argument) for tool, arguments in VALID_ARGUMENTS.items() for argument in arguments)
IDENTIFIER = re.compile(r"[A-Za-z0-9_-]{1,64}")
SAFE_QUERY = re.compile(r"[A-Za-z0-9_=&-]*")
TRICKY = ["../", "..", "../../v3/user", "?", "#", "%2F", "%2e%2e", "a/b", "x?y=1", "x#y", "a b", "\x00", "\n", "é"]

ID_BRANCHES = [
    st.text(max_size=80),  # any unicode
    st.sampled_from(TRICKY),
    st.builds(lambda a, b, c: a + b + c, st.text(max_size=8), st.sampled_from(TRICKY), st.text(max_size=8)),
    st.text(alphabet="ab/?#%.", min_size=1, max_size=12),
    st.integers(min_value=65, max_value=5000).map(lambda n: "x" * n),  # too long
    st.from_regex(IDENTIFIER, fullmatch=True),  # well-formed but unknown: goes upstream, must be a sentence
]
id_strings = st.one_of(*ID_BRANCHES)


@pytest.fixture
async def property_client(sandbox: Sandbox) -> AsyncIterator[Client]:
    # Well-formed unknown ids go upstream on every example: no need to pace those at 10 per second.
    async with tool_client(sandbox.connection(), rate_limit=RateLimit(requests=10_000)) as client:
        yield client


@pytest.fixture
async def reference(property_client: Client) -> dict[str, Any]:
    """Each tool's answer to its valid arguments, to compare correct answers with."""
    answers = {}
    for tool, arguments in VALID_ARGUMENTS.items():
        result = await property_client.call_tool(tool, arguments)
        assert not result.is_error, text_of(result)
        answers[tool] = result.structured_content
    return answers


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    target=st.sampled_from(ID_ARGUMENTS),
    value=st.one_of(*ID_BRANCHES, st.just("<valid>")),  # now and then the valid id: the right answer
    extra=st.lists(id_strings, max_size=2),
)
async def test_any_string_as_an_id_is_a_sentence_or_the_right_answer(
    property_client: Client,
    reference: dict[str, Any],
    sandbox: Sandbox,
    target: tuple[str, str],
    value: str,
    extra: list[str],
) -> None:
    tool, argument = target
    arguments = dict(VALID_ARGUMENTS[tool])
    valid = arguments[argument]
    if argument == "audience_uids":  # a list of ids: hostile items among valid ones
        chosen: Any = [*valid, *([] if value == "<valid>" else [value]), *extra]
    else:
        chosen = valid if value == "<valid>" else value
    arguments[argument] = chosen
    sandbox.state.clear_requests()

    result = await property_client.call_tool(tool, arguments)

    if result.is_error:
        message = text_of(result)
        assert_one_sentence(message)
        assert "unexpectedly" not in message, message
    elif argument == "audience_uids":
        assert all(IDENTIFIER.fullmatch(uid) for uid in chosen)
        assert [a["uid"] for a in result.structured_content["audiences"]] == list(dict.fromkeys(chosen))
    else:
        assert chosen == valid, f"{tool} accepted {argument}={chosen!r}"
        assert result.structured_content == reference[tool]
    for record in sandbox.state.request_log():
        segments = [s for s in record.path.split("/") if s]
        assert all(IDENTIFIER.fullmatch(s) for s in segments), record.path
        assert SAFE_QUERY.fullmatch(record.query), record.query
        assert record.project is None or IDENTIFIER.fullmatch(record.project), record.project
        assert record.api_key is None or IDENTIFIER.fullmatch(record.api_key), record.api_key
