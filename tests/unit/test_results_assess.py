"""The results answer from data already read: version choice, control, budget (issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from personalize_mcp.answers.experiment import choose_control, choose_version
from personalize_mcp.answers.paging import DEFAULT_BUDGET_BYTES, json_size, list_args
from personalize_mcp.answers.results import assess
from personalize_mcp.answers.timeseries import HOUR, series_catalogue
from personalize_mcp.contentstack.models.analytics import AnalyticsSummary, SeriesPoint, TimeSeries, VariantCounts
from personalize_mcp.contentstack.models.experiences import Experience
from personalize_mcp.contentstack.models.versions import Version
from personalize_mcp.runtime.errors import InvalidInputError, NotFoundError

NOW = datetime(2025, 6, 20, 12, tzinfo=UTC)


def version(uid: str, status: str, **times: str) -> Version:
    return Version.model_validate({"uid": uid, "status": status, **times})


def test_the_latest_version_that_ran_is_chosen_by_its_times() -> None:
    versions = [
        version("a", "ARCHIVED", updatedAt="2025-03-01T00:00:00Z"),
        version("p", "PAUSED", activatedAt="2025-04-01T00:00:00Z", updatedAt="2025-02-01T00:00:00Z"),
        version("d", "DRAFT", updatedAt="2025-06-01T00:00:00Z"),
    ]
    chosen, how = choose_version(versions, None, "e", "experience e")
    assert chosen.uid == "p" and "latest that ran: the PAUSED one" in how
    undated = [version("x", "ARCHIVED"), version("y", "ARCHIVED")]
    assert choose_version(undated, None, "e", "experience e")[0].uid == "y"  # no times: the later in the list
    assert choose_version([*versions, version("z", "ACTIVE")], None, "e", "e")[1] == "the ACTIVE version"


def test_versions_that_cannot_have_results_are_refused() -> None:
    with pytest.raises(NotFoundError, match="no version that ran"):
        choose_version([version("d", "DRAFT")], None, "e", "experience e")
    with pytest.raises(InvalidInputError, match="activate it in Contentstack Personalize first"):
        choose_version([version("d", "DRAFT")], "d", "e", "experience e")
    with pytest.raises(NotFoundError, match="is not a version of experience e"):
        choose_version([version("d", "DRAFT")], "zz", "e", "experience e")


@pytest.mark.parametrize(
    ("names", "control"),
    [
        ({"0": "Green", "1": "Control"}, "1"),
        ({"0": "Green", "1": "Original (control group)", "2": "control"}, "2"),  # an exact name wins
        ({"0": "Green", "1": "Original (control group)"}, "1"),
        ({"0": "Green", "1": "Controller"}, "0"),  # not the word
    ],
)
def test_control_choice(names: dict[str, str | None], control: str) -> None:
    chosen = choose_control(list(names), names)
    assert chosen is not None and chosen.short_uid == control


def test_a_version_with_very_many_variants_stays_within_the_budget() -> None:
    count = 200
    variants = [{"__type": "ABTestVariant", "shortUid": str(i), "name": f"Variant number {i} " + "x" * 40,
                 "trafficDistribution": 100 / count} for i in range(count)]  # fmt: skip
    big = Version.model_validate({"uid": "v", "status": "ACTIVE", "activatedAt": "2025-05-01T00:00:00Z",
                                  "variants": variants})  # fmt: skip
    experience = Experience.model_validate({"uid": "e", "name": "Wide test", "__type": "AB_TEST"})
    summary = AnalyticsSummary(
        variants=tuple(VariantCounts(str(i), 100 + i, 3 + i % 7, None) for i in range(count)),
        leader=None,
        winner=None,
        start=None,
        end=None,
    )
    result = assess(
        project="p",
        experience=experience,
        version=big,
        choice="the ACTIVE version",
        summary=summary,
        events=[],
        now=NOW,
    )
    assert json_size(result) <= DEFAULT_BUDGET_BYTES
    assert 0 < len(result.variants) < count and f"of {count} variants" in result.notes[-1]
    assert result.totals.impressions == sum(100 + i for i in range(count))  # totals count them all
    shown = {v.short_uid for v in result.variants}
    assert result.control is not None and result.control.short_uid in shown


def test_a_wide_hourly_series_pages_within_the_budget() -> None:
    points = tuple(
        SeriesPoint(NOW + timedelta(hours=h), tuple(VariantCounts(str(v), 1000 + v, 10, None) for v in range(100)))
        for h in range(120)
    )
    catalogue, totals = series_catalogue(TimeSeries("HOUR", points), HOUR)
    page = catalogue.page(list_args("series"), "hourly points", tool="get_experiment_timeseries", narrow=None)
    assert page.total == 120 and 0 < len(page.items) < 50 and page.next_cursor
    assert page.note is not None and "to keep the answer under 32 KiB" in page.note and "query" not in page.note
    assert sum(json_size(p) + 1 for p in page.items) <= DEFAULT_BUDGET_BYTES
    assert totals[0].impressions == 120 * 1000
