"""Confirmation of apply_change (CONTRACT.md), through a real MCP client in both eras: asked by elicitation when
the client declares it (a destructive plan: the name typed), a decline or cancel writing nothing; without it,
the plan's token, and for a destructive plan a person's approval from a terminal (`personalize-mcp approve`,
run here as a subprocess) or, with `--confirm token`, the token."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from personalize_mcp.sandbox import data
from tests.conftest import Sandbox
from tests.writes.support import World, apply, apply_error, plan, world

pytestmark = pytest.mark.anyio
WEB = data.WEB_PROJECT_UID
CREATE = {"action": "create_event", "key": "add_to_cart"}
PAUSE = {"action": "pause_experience", "experience_uid": data.PRICING_AB_EXPERIENCE_UID}


async def test_a_client_without_elicitation_confirms_with_the_plans_token(writes: World, mode: str) -> None:
    async with writes.client(mode) as client:
        planned = await plan(client, CREATE, WEB)
        assert planned["confirmation"]["kind"] == "token" and planned["confirmation"]["token"]
        missing = await apply_error(client, planned)
        wrong = await apply_error(client, planned, token="not-the-token")
        assert "needs the confirmation_token" in missing and "needs the confirmation_token" in wrong
        assert writes.writes() == []
        await apply(client, planned)
    assert [(r.method, r.path) for r in writes.writes()] == [("POST", "/events")]


async def test_a_destructive_plan_without_elicitation_needs_a_terminals_approval(
    writes: World, mode: str, tmp_path: Path
) -> None:
    async with writes.client(mode) as client:
        planned = await plan(client, PAUSE, WEB)
        assert planned["confirmation"] == {"kind": "approval", "token": None}
        refused = await apply_error(client, planned)
        assert f"`personalize-mcp approve {planned['plan_id']}`" in refused
        assert writes.writes() == []
        declined = _approve(planned["plan_id"], writes.home, typed="Not the name\n")
        assert declined.returncode == 1 and "Not approved" in declined.stderr
        assert await apply_error(client, planned) == refused
        approved = _approve(planned["plan_id"], writes.home, typed="Pricing page CTA test\n")
        assert approved.returncode == 0, approved.stderr
        assert "Pause the experience 'Pricing page CTA test'" in approved.stdout  # the summary, shown first
        assert "Destructive" in approved.stdout and f"Approved plan {planned['plan_id']}" in approved.stdout
        applied = await apply(client, planned)
    assert applied["applied"] is True
    assert [(r.method, r.status) for r in writes.writes()] == [("PUT", 200)]
    intent = (writes.home / "journal" / "sandbox.jsonl").read_text()
    assert "approval by" in intent and "(terminal)" in intent


def _approve(plan_id: str, home: Path, *, typed: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PERSONALIZE_MCP_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "personalize_mcp", "approve", plan_id],
        input=typed,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


async def test_confirm_token_lets_a_destructive_plan_be_confirmed_by_its_token(
    sandbox: Sandbox, tmp_path: Path, mode: str
) -> None:
    async with world(sandbox, tmp_path, confirm="token") as writes, writes.client(mode) as client:
        planned = await plan(client, PAUSE, WEB)
        assert planned["confirmation"]["kind"] == "token" and planned["destructive"] is True
        await apply(client, planned)
    assert [r.method for r in writes.writes()] == ["PUT"]


@pytest.mark.parametrize("elicitation", ["decline", "cancel", "wrong-name"])
async def test_a_declined_question_writes_nothing_and_the_plan_stays(
    writes: World, mode: str, elicitation: str
) -> None:
    async with writes.client(mode, elicitation) as client:  # type: ignore[arg-type]
        planned = await plan(client, PAUSE, WEB)
        assert planned["confirmation"] == {"kind": "elicitation", "token": None}
        refused = await apply_error(client, planned)
        assert "nothing was written" in refused
        assert writes.writes() == []
        assert "type the name 'Pricing page CTA test'" in writes.asked[0]
        assert "Pause the experience 'Pricing page CTA test'" in writes.asked[0]
    async with writes.client(mode, "accept") as client:
        await apply(client, planned, token=False)
    assert [r.method for r in writes.writes()] == ["PUT"]


async def test_a_plan_that_is_not_destructive_asks_a_yes(writes: World, mode: str) -> None:
    async with writes.client(mode, "accept") as client:
        planned = await plan(client, CREATE, WEB)
        await apply(client, planned, token=False)
    assert writes.asked == [f"Apply this change to project 'Web' ({WEB})? Create the event add_to_cart."]
