"""The audit's winner_still_running input: the results' own verdict, withheld on a sample-ratio mismatch,
and tests whose results cannot be read named in checks_skipped rather than passed over; and the
findings' paging keys, which must not shift when such a finding comes in between two pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from personalize_mcp.answers.insights import audit
from personalize_mcp.answers.insights.checks import Finding, keyed_findings
from personalize_mcp.answers.insights.winners import declared_winner
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.shapes import SubjectRef
from personalize_mcp.contentstack.models.analytics import AnalyticsSummary, VariantCounts
from personalize_mcp.contentstack.models.experiences import Experience
from personalize_mcp.contentstack.models.versions import Version
from personalize_mcp.runtime.errors import NotFoundError

pytestmark = pytest.mark.anyio

NOW = datetime(2025, 6, 20, 12, tzinfo=UTC)
EXPERIENCE = Experience.model_validate({"uid": "e1", "name": "Delivery banner test", "type": "AB_TEST"})


def version(activated: str = "2025-05-01T10:00:00.000Z") -> Version:
    return Version.model_validate(
        {
            "uid": "v1",
            "experienceUid": "e1",
            "status": "ACTIVE",
            "activatedAt": activated,
            "variants": [
                {"__type": "ABTestVariant", "shortUid": "0", "name": "Control", "trafficDistribution": 50},
                {"__type": "ABTestVariant", "shortUid": "1", "name": "Free delivery", "trafficDistribution": 50},
            ],
        }
    )


class FakeLookups:
    """What declared_winner reads: one summary per version, and the clock."""

    def __init__(self, counts: dict[str, tuple[int, int]] | Exception) -> None:
        self.counts = counts

    async def analytics_summary(self, project: str, experience: str, version: str) -> AnalyticsSummary:
        if isinstance(self.counts, Exception):
            raise self.counts
        rows = tuple(VariantCounts(short, seen, converted) for short, (seen, converted) in self.counts.items())
        return AnalyticsSummary(variants=rows, leader=None, winner=None, start=None, end=None)

    def now(self) -> datetime:
        return NOW


def lookups(counts: dict[str, tuple[int, int]] | Exception) -> Lookups:
    return cast(Lookups, FakeLookups(counts))


async def test_a_clear_winner_after_fourteen_days_is_named_with_how_it_was_reached() -> None:
    found = await declared_winner(lookups({"0": (3020, 91), "1": (2980, 152)}), "p", EXPERIENCE, version())
    assert found == "variant 1 'Free delivery': 99.9 % probability to be best after 50 complete days"


@pytest.mark.parametrize(
    ("counts", "activated"),
    [
        ({"0": (3020, 91), "1": (2980, 152)}, "2025-06-15T10:00:00.000Z"),  # a leader: only 5 days
        ({"0": (2010, 60), "1": (1990, 66)}, "2025-05-01T10:00:00.000Z"),  # no variant is far enough ahead
        ({"0": (300, 3), "1": (280, 9)}, "2025-05-01T10:00:00.000Z"),  # insufficient data
        ({"0": (6000, 91), "1": (2000, 152)}, "2025-05-01T10:00:00.000Z"),  # 50/50 split seen 75/25: SRM
    ],
)
async def test_no_winner_is_claimed_without_one(counts: dict[str, tuple[int, int]], activated: str) -> None:
    assert await declared_winner(lookups(counts), "p", EXPERIENCE, version(activated)) is None


async def test_results_that_cannot_be_read_are_named_not_passed_over() -> None:
    unreadable = lookups(NotFoundError("Experience e1 has no analytics for version v1."))
    winners, skipped = await audit._winners(declared_winner, unreadable, "p", [EXPERIENCE], {"e1": [version()]})
    assert winners == {}
    assert skipped == (
        "the results of 1 of 1 running A/B tests could not be read (experience e1: Experience e1 has no analytics "
        "for version v1); the check ran on the others"
    )
    readable = lookups({"0": (3020, 91), "1": (2980, 152)})
    winners, skipped = await audit._winners(declared_winner, readable, "p", [EXPERIENCE], {"e1": [version()]})
    assert skipped is None and list(winners) == ["e1"]


async def test_only_running_ab_tests_are_read() -> None:
    calls: list[str] = []

    async def lookup(lookups: Lookups, project: str, experience: Experience, version: Version) -> str | None:
        calls.append(experience.uid)
        return None

    segmented = Experience.model_validate({"uid": "e2", "type": "SEGMENTED"})
    paused = Experience.model_validate({"uid": "e3", "type": "AB_TEST"})
    versions: dict[str, Any] = {
        "e1": [version()],
        "e2": [Version.model_validate({"uid": "v2", "status": "ACTIVE", "variants": [{"shortUid": "0"}]})],
        "e3": [version().model_copy(update={"status": "PAUSED"})],
    }
    await audit._winners(lookup, lookups({}), "p", [EXPERIENCE, segmented, paused], versions)
    assert calls == ["e1"]


def test_paging_keys_stay_a_findings_own_when_others_come_or_go() -> None:
    def found(severity: str, check: str, uid: str, name: str, message: str = "m") -> Finding:
        subject = SubjectRef(kind="experience", uid=uid, name=name)
        return Finding(severity=severity, check=check, subject=subject, message=message)

    before = [
        found("warning", "unreachable_variant", "e1", "Regional offer", "variant 1"),
        found("warning", "unreachable_variant", "e1", "Regional offer", "variant 2"),
        found("info", "unused_event", "ev", "newsletter"),
    ]
    # The next call reads an experience the first could not, and a winner comes in: both sort before the rest.
    after = [found("error", "ab_split", "e0", "Button test"), *before[:2], found("warning", "winner_still_running",
             "e2", "Banner test"), before[2]]  # fmt: skip
    keys_before = dict((f.message + f.check, key) for key, f in keyed_findings(before))
    keyed_after = keyed_findings(after)
    assert [f for _, f in keyed_after] == after  # the order run_checks gave
    assert all(keys_before[f.message + f.check] == key for key, f in keyed_after if f in before)
    assert [key for key, _ in keyed_after] == sorted(key for key, _ in keyed_after)
