"""Every analytics shape contentstack/analytics.py says it accepts, and the ones it refuses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from personalize_mcp.contentstack.analytics import AnalyticsShapeError, parse_summary, parse_time_series
from personalize_mcp.contentstack.models.analytics import VariantCounts
from personalize_mcp.contentstack.upstream_values import parse_time

DOCUMENTED = {
    "experienceUid": "e",
    "versionUid": "v",
    "from": "2026-10-01T00:00:00.000Z",
    "to": "2026-10-20T00:00:00.000Z",
    "variants": [
        {"variantShortUid": "0", "impressions": 5210, "conversions": 212, "probabilityToBeBest": 0.081},
        {"variantShortUid": "1", "impressions": 5188, "conversions": 268, "probabilityToBeBest": 0.919},
    ],
    "leader": "1",
    "winner": None,
}
EXPECTED = (VariantCounts("0", 5210, 212, 0.081), VariantCounts("1", 5188, 268, 0.919))


def summary(body: Any) -> tuple[VariantCounts, ...]:
    return parse_summary(body, experience_uid="e").variants


def test_the_documented_summary() -> None:
    parsed = parse_summary(DOCUMENTED, experience_uid="e")
    assert parsed.variants == EXPECTED
    assert (parsed.leader, parsed.winner) == ("1", None)
    assert parsed.start == datetime(2026, 10, 1, tzinfo=UTC) and parsed.end == datetime(2026, 10, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    "body",
    [
        {"data": DOCUMENTED},
        {"result": {"data": DOCUMENTED}},
        DOCUMENTED["variants"],
        {"data": DOCUMENTED["variants"]},
        {"items": DOCUMENTED["variants"]},
        {"variants": {"0": {"impressions": 5210, "conversions": 212, "probabilityToBeBest": 0.081},
                      "1": {"impressions": 5188, "conversions": 268, "probabilityToBeBest": 0.919}}},
        {"0": {"impressions": "5210", "conversions": "212", "p2bb": "8.1%"},
         "1": {"impressions": "5,188", "conversions": 268.0, "p2bb": "91.9%"}, "leader": {"shortUid": "1"}},
        {"variants": [{"variant": {"shortUid": 0}, "stats": {"impressionCount": 5210, "conversionCount": 212},
                       "probabilityToBeBestPercent": 8.1},
                      {"variant": 1, "stats": {"impressionCount": 5188, "conversionCount": 268},
                       "probabilityToBeBestPercent": 91.9}]},
        {"variants": [{"shortUid": "0", "impressions": 5210, "conversions": 212, "probabilityToBeBest": 8.1},
                      {"shortUid": "1", "impressions": 5188, "conversions": 268, "probabilityToBeBest": 91.9}]},
    ],
    ids=["data", "nested-wrappers", "bare-array", "data-array", "items", "keyed", "keyed-strings-percent",
         "nested-counts", "percent-numbers"],
)  # fmt: skip
def test_every_accepted_summary_shape(body: Any) -> None:
    parsed = summary(body)
    assert [(v.short_uid, v.impressions, v.conversions) for v in parsed] == [("0", 5210, 212), ("1", 5188, 268)]
    assert [v.probability_to_be_best for v in parsed] == pytest.approx([0.081, 0.919])


def test_impressions_only_and_empty_summaries() -> None:
    segmented = summary({"variants": [{"variantShortUid": "0", "impressions": 12}]})
    assert segmented == (VariantCounts("0", 12, None, None),)
    assert summary({"variants": []}) == ()
    assert parse_summary({"variants": [], "insights": {"winner": 2}}, experience_uid="e").winner == "2"


@pytest.mark.parametrize(
    "body",
    [
        None,
        "ok",
        {"status": "ok"},
        {"variants": [{"variantShortUid": "0"}]},  # no impressions
        {"variants": [{"impressions": 4}]},  # no short uid
        {"variants": [{"variantShortUid": "0", "impressions": -1}]},
        {"variants": [{"variantShortUid": "0", "impressions": 1.5}]},
        {"variants": [{"variantShortUid": "0", "impressions": "many"}]},
        {"variants": [{"variantShortUid": "0", "impressions": True}]},
        {"variants": ["0"]},
        {"variants": [{"variantShortUid": "0", "impressions": 5, "probabilityToBeBest": 180}]},
    ],
)
def test_unrecognised_summaries_are_one_sentence_naming_the_api(body: Any) -> None:
    with pytest.raises(AnalyticsShapeError) as caught:
        summary(body)
    message = caught.value.message
    assert "Personalize Management API" in message and "/experiences/e/analytics/summary" in message
    assert message.endswith(".") and "\n" not in message


def _point(when: Any, a: int, b: int) -> dict[str, Any]:
    return {"timestamp": when, "variants": [{"variantShortUid": "0", "impressions": a, "conversions": 1},
                                            {"variantShortUid": "1", "impressions": b}]}  # fmt: skip


def series(body: Any) -> list[tuple[str, list[tuple[str, int, int | None]]]]:
    parsed = parse_time_series(body, experience_uid="e")
    return [
        (p.start.isoformat(), [(v.short_uid, v.impressions, v.conversions) for v in p.variants]) for p in parsed.points
    ]


EXPECTED_SERIES = [
    ("2026-10-01T00:00:00+00:00", [("0", 12, 1), ("1", 7, None)]),
    ("2026-10-01T01:00:00+00:00", [("0", 3, 1), ("1", 4, None)]),
]


@pytest.mark.parametrize(
    "body",
    [
        {"granularity": "HOUR", "points": [_point("2026-10-01T00:00:00.000Z", 12, 7),
                                           _point("2026-10-01T01:00:00.000Z", 3, 4)]},
        {"data": {"series": [_point("2026-10-01T01:00:00Z", 3, 4), _point("2026-10-01T00:00:00Z", 12, 7)]}},
        [_point(1790812800000, 12, 7), _point(1790816400, 3, 4)],  # epoch ms and s
        {"points": {"2026-10-01T00:00:00Z": {"variants": {"0": {"impressions": 12, "conversions": 1},
                                                          "1": {"impressions": 7}}},
                    "2026-10-01T03:00:00+02:00": [{"shortUid": "0", "impressions": 3, "conversions": 1},
                                                  {"shortUid": "1", "impressions": 4}]}},
        {"items": [{"time": "2026-10-01T00:00:00Z", "variantShortUid": "0", "impressions": 12, "conversions": 1},
                   {"time": "2026-10-01T00:00:00Z", "variantShortUid": "1", "impressions": 7},
                   {"time": "2026-10-01T01:00:00", "variantShortUid": "0", "impressions": 3, "conversions": 1},
                   {"time": "2026-10-01T01:00:00", "variantShortUid": "1", "impressions": 4}]},
        {"variants": [{"variantShortUid": "0", "points": [{"timestamp": "2026-10-01T00:00:00Z", "impressions": 12,
                                                           "conversions": 1},
                                                          {"timestamp": "2026-10-01T01:00:00Z", "impressions": 3,
                                                           "conversions": 1}]},
                      {"variantShortUid": "1", "points": [{"timestamp": "2026-10-01T00:00:00Z", "impressions": 7},
                                                          {"timestamp": "2026-10-01T01:00:00Z", "impressions": 4}]}]},
    ],
    ids=["documented", "wrapped-unsorted", "epoch", "keyed-by-time", "flat-rows", "per-variant"],
)  # fmt: skip
def test_every_accepted_time_series_shape(body: Any) -> None:
    assert series(body) == EXPECTED_SERIES


def test_points_at_the_same_time_are_added_up() -> None:
    body = {"points": [_point("2026-10-01T00:00:00Z", 10, 7), _point("2026-10-01T00:00:00Z", 2, 0)]}
    assert series(body) == [("2026-10-01T00:00:00+00:00", [("0", 12, 2), ("1", 7, None)])]


def test_granularity_spellings() -> None:
    for word, expected in (("HOUR", "HOUR"), ("hourly", "HOUR"), ("1h", "HOUR"), ("DAILY", "DAY"), ("week", None)):
        assert parse_time_series({"granularity": word, "points": []}, experience_uid="e").granularity == expected
    assert parse_time_series({"points": []}, experience_uid="e").granularity is None


@pytest.mark.parametrize(
    "body",
    [
        {"points": [{"variants": []}]},  # no time
        {"points": [{"timestamp": "yesterday", "variants": []}]},
        {"points": [{"timestamp": "2026-10-01T00:00:00Z"}]},  # neither variants nor a variant row
        {"points": "none"},
        {"granularity": "HOUR"},
    ],
)
def test_unrecognised_time_series(body: Any) -> None:
    with pytest.raises(AnalyticsShapeError) as caught:
        parse_time_series(body, experience_uid="e")
    assert "/experiences/e/analytics/time-series" in caught.value.message


def test_version_times() -> None:
    assert parse_time("2025-05-29T09:45:00.000Z") == datetime(2025, 5, 29, 9, 45, tzinfo=UTC)
    assert parse_time("2025-05-29T11:45:00+02:00") == datetime(2025, 5, 29, 9, 45, tzinfo=UTC)
    assert parse_time("2025-05-29") == datetime(2025, 5, 29, tzinfo=UTC)
    assert parse_time("soon") is None and parse_time(None) is None
