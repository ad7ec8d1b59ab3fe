"""Experience analytics: every assumption about the summary and time-series shapes, in one place.

Contentstack does not publish these responses' field names (contentstack-api.md §6, §6.1 [?]), so
this module accepts every shape below and nothing else. When the real API can be read, this
docstring and the key tuples under it are what need to change (single values -- counts, fractions,
times -- are read as `upstream_values` says; the results are `models.analytics`).

`GET /experiences/{uid}/analytics/summary?version=<version uid>`:
- §6.1: `{"experienceUid", "versionUid", "from", "to", "variants": [{"variantShortUid", "impressions",
  "conversions", "probabilityToBeBest"}], "leader": "1" | null, "winner": "1" | null}`;
- the same wrapped once or twice in `data`, `summary`, `analytics`, `result` or `results`; or a bare
  array of variant records;
- variant records in a list, or in an object keyed by variant short uid (under `variants`, or as the
  whole body); each record may nest its counts one level down (`stats`, `metrics`, `counts`, `totals`);
- a record's short uid: `variantShortUid`, `shortUid`, `variant_short_uid`, `short_uid`, `variant`
  (a string, a number or an object holding one of these), `id`, else its key;
- counts: `impressions` / `impressionCount` / `impressionsCount` / `uniqueImpressions` / `visitors`,
  `conversions` / `conversionCount` / `conversionsCount` / `uniqueConversions`: whole numbers, also as
  strings (`"5210"`, `"5,210"`) or integral floats; conversions may be absent (segmented: impressions only);
- probability to be best: `probabilityToBeBest` / `probability_to_be_best` / `p2bb` / `chanceToBeBest`,
  a fraction (0.919) or a percentage (91.9, or `"91.9%"`); when any value of a summary is above 1 they
  are all read as percentages; `probabilityToBeBestPercent(age)` is always a percentage;
- `leader` / `winner` (also `leaderVariant`, `leaderShortUid`, `winnerVariant`, `winnerShortUid`, and
  the same under `insights`): a short uid, a number, an object naming one, or null;
- `from` / `to` (also `startDate` / `endDate`, `start` / `end`): ISO 8601 (a `Z` or an offset; none is
  UTC), a date, or epoch seconds or milliseconds.

`GET /experiences/{uid}/analytics/time-series?version=<version uid>`:
- §6.1: `{"versionUid", "granularity": "HOUR", "points": [{"timestamp", "variants": [records]}]}`;
- points under `points`, `series`, `timeSeries`, `timeseries`, `data` or `items` (wrappers as above),
  or a bare array; in a list or in an object keyed by timestamp; a point's time under `timestamp`,
  `time`, `start`, `date`, `hour`, `bucket`, `from`, `datetime` or `ts`; its variants as above;
- flat rows (`{"timestamp", "variantShortUid", "impressions", ...}`, one per variant and time), or
  per-variant series (`{"variants": [{"variantShortUid", "points": [{"timestamp", "impressions"}]}]}`);
- `granularity` / `interval` / `resolution`: `HOUR`, `HOURLY`, `1h`, `DAY`, `DAILY`, `1d` (any case);
  absent means unknown (the caller assumes hours, which sum to days either way).
Points at the same time are added up; the series comes back in time order.

Anything else -- no variant records, a count that is negative, fractional or not a number, a time
that cannot be read -- is `AnalyticsShapeError`: one sentence naming the API, never a guess.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from personalize_mcp.contentstack.errors import Api, UnexpectedResponseError
from personalize_mcp.contentstack.models.analytics import AnalyticsSummary, SeriesPoint, TimeSeries, VariantCounts
from personalize_mcp.contentstack.upstream_values import (
    ShapeProblem,
    first_present,
    read_count,
    read_fraction,
    read_optional_time,
    read_time,
)

logger = logging.getLogger(__name__)

_WRAPPERS = ("data", "summary", "analytics", "result", "results")
_VARIANT_LISTS = ("variants", "variantStats", "variantResults", "items", "data", "results")
_NESTED_COUNTS = ("stats", "metrics", "counts", "totals")
_SHORT_UID = ("variantShortUid", "shortUid", "variant_short_uid", "short_uid", "variant", "id")
_IMPRESSIONS = ("impressions", "impressionCount", "impressionsCount", "uniqueImpressions", "visitors")
_CONVERSIONS = ("conversions", "conversionCount", "conversionsCount", "uniqueConversions")
_P2BB = ("probabilityToBeBest", "probability_to_be_best", "p2bb", "chanceToBeBest")
_P2BB_PERCENT = ("probabilityToBeBestPercent", "probabilityToBeBestPercentage")
_LEADER = ("leader", "leaderVariant", "leaderShortUid")
_WINNER = ("winner", "winnerVariant", "winnerShortUid")
_FROM = ("from", "startDate", "start")
_TO = ("to", "endDate", "end")
_POINT_LISTS = ("points", "series", "timeSeries", "timeseries", "data", "items")
_TIME = ("timestamp", "time", "start", "date", "hour", "bucket", "from", "datetime", "ts")
_GRANULARITY = ("granularity", "interval", "resolution")
_HOUR_WORDS = {"HOUR", "HOURLY", "1H", "H", "PT1H"}
_DAY_WORDS = {"DAY", "DAILY", "1D", "D", "P1D"}


class AnalyticsShapeError(UnexpectedResponseError):
    """The analytics answer is in no shape this module knows: say so, show nothing."""


def parse_summary(body: Any, *, experience_uid: str) -> AnalyticsSummary:
    try:
        root = _unwrap(body, _VARIANT_LISTS)
        records = root if isinstance(root, list) else _records_in(root)
        variants = _variants(records, allow_empty=True)
        meta = root if isinstance(root, dict) else {}
        insights = meta.get("insights") if isinstance(meta.get("insights"), dict) else {}
        return AnalyticsSummary(
            variants=_percent_scale(variants, records),
            leader=_short_uid_of(first_present(meta, _LEADER, first_present(insights, _LEADER))),
            winner=_short_uid_of(first_present(meta, _WINNER, first_present(insights, _WINNER))),
            start=read_optional_time(first_present(meta, _FROM)),
            end=read_optional_time(first_present(meta, _TO)),
        )
    except ShapeProblem as problem:
        raise _shape_error(f"/experiences/{experience_uid}/analytics/summary", body, str(problem)) from None


def parse_time_series(body: Any, *, experience_uid: str) -> TimeSeries:
    try:
        root = _unwrap(body, _POINT_LISTS)
        meta = root if isinstance(root, dict) else {}
        granularity = _granularity(first_present(meta, _GRANULARITY))
        raw: Any = root if isinstance(root, list) else first_present(meta, _POINT_LISTS)
        if raw is None and isinstance(meta.get("variants"), list | dict):
            raw = _transpose(meta["variants"])  # per-variant series
        if isinstance(raw, dict):
            raw = [{"timestamp": key, **value} if isinstance(value, dict) else {"timestamp": key, "variants": value}
                   for key, value in raw.items()]  # fmt: skip
        if not isinstance(raw, list):
            raise ShapeProblem("no points")
        summed: dict[datetime, dict[str, tuple[int, int | None]]] = {}
        for point in raw:
            if not isinstance(point, dict):
                raise ShapeProblem("a point is not an object")
            when = read_time(first_present(point, _TIME))
            rows = _variants(_records_in(point) if "variants" in point else [point], allow_empty=True)
            slot = summed.setdefault(when, {})
            for row in rows:
                impressions, conversions = slot.get(row.short_uid, (0, None))
                slot[row.short_uid] = (impressions + row.impressions, _add(conversions, row.conversions))
        points = tuple(
            SeriesPoint(when, tuple(VariantCounts(uid, i, c) for uid, (i, c) in by_variant.items()))
            for when, by_variant in sorted(summed.items())
        )
        return TimeSeries(granularity=granularity, points=points)
    except ShapeProblem as problem:
        raise _shape_error(f"/experiences/{experience_uid}/analytics/time-series", body, str(problem)) from None


def _shape_error(path: str, body: Any, problem: str) -> AnalyticsShapeError:
    keys = sorted(body)[:20] if isinstance(body, dict) else type(body).__name__
    logger.warning("Unrecognised answer from GET %s (%s; top level: %s)", path, problem, keys)
    return AnalyticsShapeError(
        f"Contentstack's {Api.PERSONALIZE.display_name} answered GET {path} in a shape this server does not "
        "recognise, so no results are shown rather than a guess; report it (the server log names what was "
        "unexpected) so the parsing can follow the real API.",
        api=Api.PERSONALIZE,
    )


def _unwrap(body: Any, lists: tuple[str, ...]) -> Any:
    """Down through up to two wrapper objects, stopping at the first level that holds what we look for."""
    node = body
    for _ in range(3):
        if not isinstance(node, dict) or any(isinstance(node.get(k), list | dict) for k in lists if k not in _WRAPPERS):
            return node
        inner = next((node[k] for k in _WRAPPERS if isinstance(node.get(k), dict | list)), None)
        if inner is None:
            return node
        node = inner
    return node


def _records_in(node: Any) -> list[dict[str, Any]]:
    """Variant records under a list key, or an object keyed by short uid (under `variants`, or `node` itself)."""
    if not isinstance(node, dict):
        raise ShapeProblem("not an object")
    held = first_present(node, _VARIANT_LISTS)
    if isinstance(held, list):
        return held
    if isinstance(held, dict):
        keyed = {k: v for k, v in held.items() if isinstance(v, dict)}
    else:  # the object itself, keyed by short uid: its entries that hold counts
        keyed = {k: v for k, v in node.items() if first_present(_counts_of(v), _IMPRESSIONS) is not None}
        if not keyed:
            raise ShapeProblem("no variant records")
    return [{"__key": str(key), **value} for key, value in keyed.items()]


def _variants(records: Any, *, allow_empty: bool) -> tuple[VariantCounts, ...]:
    if not isinstance(records, list) or (not records and not allow_empty):
        raise ShapeProblem("no variant records")
    out: list[VariantCounts] = []
    for record in records:
        if not isinstance(record, dict):
            raise ShapeProblem("a variant record is not an object")
        counts = _counts_of(record)
        uid = _short_uid_of(first_present(record, _SHORT_UID, record.get("__key")))
        impressions = read_count(first_present(counts, _IMPRESSIONS))
        if uid is None or impressions is None:
            raise ShapeProblem("a variant record without a short uid or impressions")
        percent = read_fraction(first_present(counts, _P2BB_PERCENT), percent=True)
        out.append(
            VariantCounts(
                short_uid=uid,
                impressions=impressions,
                conversions=read_count(first_present(counts, _CONVERSIONS)),
                probability_to_be_best=percent if percent is not None else read_fraction(first_present(counts, _P2BB)),
            )
        )
    return tuple(out)


def _percent_scale(variants: tuple[VariantCounts, ...], records: Any) -> tuple[VariantCounts, ...]:
    """P2BB given as percentages (any value above 1, or written with %) become fractions, all alike."""
    raw = [first_present(_counts_of(r), _P2BB) for r in records if isinstance(r, dict)]
    percent = any(isinstance(v, str) and v.strip().endswith("%") for v in raw) or any(
        (v.probability_to_be_best or 0) > 1 for v in variants
    )
    if not percent:
        return variants
    scaled: list[VariantCounts] = []
    for variant, value in zip(variants, raw, strict=True):
        p = variant.probability_to_be_best
        if value is not None and p is not None:
            p /= 100.0
        if p is not None and p > 1:
            raise ShapeProblem("a probability to be best above 100 %")
        scaled.append(VariantCounts(variant.short_uid, variant.impressions, variant.conversions, p))
    return tuple(scaled)


def _counts_of(record: Any) -> Mapping[str, Any]:
    if not isinstance(record, dict):
        return {}
    nested = next((record[k] for k in _NESTED_COUNTS if isinstance(record.get(k), dict)), None)
    return {**record, **nested} if nested else record


def _short_uid_of(value: Any) -> str | None:
    if isinstance(value, dict):
        value = first_present(value, _SHORT_UID)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return str(int(value))
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, str | int | float):
        return None
    raise ShapeProblem("a variant named by neither a string nor a number")


def _add(left: int | None, right: int | None) -> int | None:
    return right if left is None else left if right is None else left + right


def _transpose(series: Any) -> list[dict[str, Any]]:
    """Per-variant series (`[{"variantShortUid", "points": [...]}]`) as flat rows, one per variant and time."""
    items = (
        [{"__key": k, **v} for k, v in series.items() if isinstance(v, dict)] if isinstance(series, dict) else series
    )
    rows: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(first_present(item, _POINT_LISTS), list):
            raise ShapeProblem("a variant without points")
        uid = _short_uid_of(first_present(item, _SHORT_UID, item.get("__key")))
        for point in first_present(item, _POINT_LISTS):
            if not isinstance(point, dict):
                raise ShapeProblem("a point is not an object")
            rows.append({**point, "variantShortUid": uid})
    return rows


def _granularity(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    word = value.strip().upper()
    return "HOUR" if word in _HOUR_WORDS else "DAY" if word in _DAY_WORDS else None
