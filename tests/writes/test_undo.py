"""undo_change: a change applied, then its undo planned and applied through the same gate, restores what the
change touched (a law of the ARCHITECTURE's tests: apply then undo restores the fingerprints) -- except what the
plan says cannot come back (new uids, analytics)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from personalize_mcp.sandbox import data
from personalize_mcp.sandbox.shapes import SandboxData
from tests.helpers import call_error, call_ok
from tests.writes.support import World, apply, plan

pytestmark = pytest.mark.anyio
WEB = data.WEB_PROJECT_UID
JSON = dict[str, Any]
STAMPS = ("createdAt", "updatedAt", "activatedAt", "uid", "shortUid")


def _bare(value: Any) -> Any:
    """An object without what an undo cannot keep: its stamps and uids."""
    if isinstance(value, dict):
        return {k: _bare(v) for k, v in value.items() if k not in STAMPS}
    if isinstance(value, list):
        return [_bare(v) for v in value]
    return value


def _audience(name: str) -> Callable[[SandboxData], Any]:
    return lambda s: _bare(next((a for a in s.audiences[WEB] if a["name"] == name), None))


def _live(experience: str) -> Callable[[SandboxData], Any]:
    """The variants visitors see (the ACTIVE version's) and the experience's status."""

    def view(s: SandboxData) -> Any:
        active = [v for v in s.versions[experience] if v["status"] == "ACTIVE"]
        status = next(e["status"] for e in s.experiences[WEB] if e["uid"] == experience)
        return status, _bare(active[0]["variants"]) if active else None

    return view


def _draft(experience: str) -> Callable[[SandboxData], Any]:
    return lambda s: _bare([v["variants"] for v in s.versions[experience] if v["status"] == "DRAFT"])


CASES: dict[str, tuple[JSON, Callable[[SandboxData], Any], str]] = {
    "update_audience": (
        {"action": "update_audience", "audience_uid": data.VIP_TIER_AUDIENCE_UID, "name": "VIPs", "description": "x"},
        lambda s: _bare(next(a for a in s.audiences[WEB] if a["uid"] == data.VIP_TIER_AUDIENCE_UID)),
        "update_audience",
    ),
    "delete_audience": ({"action": "delete_audience", "audience_uid": data.VIP_TIER_AUDIENCE_UID},
                        _audience("VIP Tier 3"), "create_audience"),
    "update_experience": (
        {"action": "update_experience", "experience_uid": data.PROMO_EXPERIENCE_UID, "name": "Spring"},
        lambda s: next(e["name"] for e in s.experiences[WEB] if e["uid"] == data.PROMO_EXPERIENCE_UID),
        "update_experience",
    ),
    "edit_draft": (
        {"action": "edit_draft", "experience_uid": data.HERO_EXPERIENCE_UID,
         "variants": [{"short_uid": "0", "name": "Aussies"}]},
        _draft(data.HERO_EXPERIENCE_UID), "edit_draft",
    ),
    "delete_draft": ({"action": "delete_draft", "experience_uid": data.HERO_EXPERIENCE_UID},
                     _draft(data.HERO_EXPERIENCE_UID), "edit_draft"),
    "activate_draft": ({"action": "activate_draft", "experience_uid": data.HERO_EXPERIENCE_UID},
                       _live(data.HERO_EXPERIENCE_UID), "activate_draft"),
    "pause_experience": ({"action": "pause_experience", "experience_uid": data.PRICING_AB_EXPERIENCE_UID},
                         _live(data.PRICING_AB_EXPERIENCE_UID), "resume_experience"),
    "promote_winner": ({"action": "promote_winner", "experience_uid": data.PRICING_AB_EXPERIENCE_UID},
                       _live(data.PRICING_AB_EXPERIENCE_UID), "activate_draft"),
    "set_priority": ({"action": "set_priority", "experience_uid": data.FOOTER_AB_EXPERIENCE_UID, "rank": 1},
                     lambda s: [u for u in s.priority[WEB]], "set_priority"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
async def test_applying_a_change_then_its_undo_restores_what_it_touched(writes: World, mode: str, name: str) -> None:
    change, view, inverse = CASES[name]
    state = writes.data()
    before = view(state)
    async with writes.client(mode, "accept") as client:
        applied = await apply(client, await plan(client, change, WEB), token=False)
        assert view(state) != before, "the change changed something"
        undo = await call_ok(client, "undo_change", {"change_id": applied["change_id"]})
        assert undo["action"] == inverse and undo["undoes"] == applied["change_id"]
        assert undo["summary"].startswith(f"Undo {applied['change_id']}: ")
        await apply(client, undo, token=False)
        again = await call_error(client, "undo_change", {"change_id": applied["change_id"]})
        assert "was undone already" in again
    after = view(state)
    if name == "set_priority":  # the seed leaves an experience out of the list; the undo has to name it
        assert after[: len(before)] == before and set(after) == {e["uid"] for e in state.experiences[WEB]}
    else:
        assert after == before


async def test_what_an_undo_cannot_restore_is_said_before_it_is_applied(writes: World) -> None:
    async with writes.client("auto", "accept") as client:
        applied = await apply(client, await plan(client, CASES["delete_audience"][0], WEB), token=False)
        assert "comes back (undo) as a new audience with a new uid" in applied["undo"]
        activated = await apply(client, await plan(client, CASES["activate_draft"][0], WEB), token=False)
        undo = await call_ok(client, "undo_change", {"change_id": activated["change_id"]})
    assert any("restarts analytics" in warning for warning in undo["warnings"])
    assert any(row["change"] == "status" and row["after"] == "ACTIVE" for row in undo["changes"])


async def test_a_deleted_experience_comes_back_as_a_draft_of_its_last_configuration(writes: World) -> None:
    footer = next(e for e in writes.data().experiences[WEB] if e["uid"] == data.FOOTER_AB_EXPERIENCE_UID)
    [archived] = writes.data().versions[data.FOOTER_AB_EXPERIENCE_UID]
    change = {"action": "delete_experience", "experience_uid": data.FOOTER_AB_EXPERIENCE_UID}
    async with writes.client("auto", "accept") as client:
        deleted = await apply(client, await plan(client, change, WEB), token=False)
        assert "Its analytics are lost" in deleted["undo"]
        undo = await call_ok(client, "undo_change", {"change_id": deleted["change_id"]})
        assert undo["action"] == "create_experience"
        await apply(client, undo, token=False)
    back = next(e for e in writes.data().experiences[WEB] if e["name"] == footer["name"])
    assert back["uid"] != footer["uid"] and back["__type"] == footer["__type"] and back["status"] == "DRAFT"
    [draft] = writes.data().versions[back["uid"]]
    assert _bare(draft["variants"]) == _bare(archived["variants"])
    assert [m["event"] for m in draft["metrics"]] == [m["event"] for m in footer["metrics"]]
