"""Get Experiment Time Series: a version's results over time, by UTC day (default) or by hour, paged.

Contentstack gives hourly points (§6); a day is the sum of its hours (UTC), so the daily points add
up to the same totals as the hourly ones. Points come in time order and are paged by the list
mechanism (`paging`): `limit`, `cursor`, and the 32 KiB budget, with a note when a page holds fewer
than all of them -- a long hourly series is never cut silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import Field

from personalize_mcp.answers.experiment import ResultVersion, experiment_inputs
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.paging import Catalogue, Paged, json_size, list_args
from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.contentstack.models.analytics import SeriesPoint, TimeSeries
from personalize_mcp.runtime.errors import InvalidInputError, UserFacingError

DAY = "day"
HOUR = "hour"
GRANULARITIES = (DAY, HOUR)
_SPELLINGS = {"day": DAY, "daily": DAY, "days": DAY, "hour": HOUR, "hourly": HOUR, "hours": HOUR}


class PointVariant(ResultModel):
    short_uid: str = Field(description="Variant short uid.")
    impressions: int = Field(description="Impressions in this hour or day.")
    conversions: int | None = Field(description="Conversions in this hour or day (null: not counted, segmented).")


class SeriesPointView(ResultModel):
    start: str = Field(description="Start of the hour or UTC day (ISO 8601, UTC).")
    variants: list[PointVariant] = Field(description="Each variant's counts in it.")


class TimeSeriesResult(Paged):
    project_uid: str = Field(description="The project of the experience.")
    experience_uid: str = Field(description="The experience.")
    experience_name: str | None = Field(default=None, description="Its name.")
    version: ResultVersion = Field(description="The version whose results these are.")
    version_choice: str = Field(description="How the version was chosen (asked for, ACTIVE, or latest that ran).")
    granularity: str = Field(description="day (UTC days, each the sum of its hours) or hour.")
    time_zone: str = Field(default="UTC", description="Points start on UTC hours and days.")
    totals: list[PointVariant] = Field(description="Each variant's counts over the whole series (every page).")
    points: list[SeriesPointView] = Field(description="The points of this page, in time order (see total).")


def granularity_of(value: str | None) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return DAY
    found = _SPELLINGS.get(value.strip().lower()) if isinstance(value, str) else None
    if found is None:
        shown = repr(value[:20]) if isinstance(value, str) else type(value).__name__
        raise InvalidInputError(f"granularity must be 'day' or 'hour', not {shown}.")
    return found


def bucket(points: Sequence[SeriesPoint], granularity: str) -> list[tuple[datetime, dict[str, list[int | None]]]]:
    """Points summed per UTC hour or day: (start, short uid -> [impressions, conversions or None])."""
    summed: dict[datetime, dict[str, list[int | None]]] = {}
    for point in points:
        start = point.start.replace(minute=0, second=0, microsecond=0)
        if granularity == DAY:
            start = start.replace(hour=0)
        slot = summed.setdefault(start, {})
        for row in point.variants:
            impressions, conversions = slot.get(row.short_uid, [0, None])
            slot[row.short_uid] = [
                (impressions or 0) + row.impressions,
                row.conversions if conversions is None else conversions + (row.conversions or 0),
            ]
    return sorted(summed.items())


def series_catalogue(series: TimeSeries, granularity: str) -> tuple[Catalogue[SeriesPointView], list[PointVariant]]:
    """The points as a catalogue keyed by their start (ISO strings sort in time order), and the totals."""
    views: list[tuple[str, SeriesPointView]] = []
    totals: dict[str, list[int | None]] = {}
    for start, by_variant in bucket(series.points, granularity):
        key = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        cells = [PointVariant(short_uid=uid, impressions=i or 0, conversions=c) for uid, (i, c) in by_variant.items()]
        views.append((key, SeriesPointView(start=key, variants=cells)))
        for cell in cells:
            impressions, conversions = totals.get(cell.short_uid, [0, None])
            totals[cell.short_uid] = [
                (impressions or 0) + cell.impressions,
                cell.conversions if conversions is None else conversions + (cell.conversions or 0),
            ]
    summary = [PointVariant(short_uid=uid, impressions=i or 0, conversions=c) for uid, (i, c) in totals.items()]
    return Catalogue.in_key_order(views, search=lambda view: (view.start,)), summary


async def get_experiment_timeseries(
    lookups: Lookups,
    project_uid: str | None,
    experience_uid: str,
    version_uid: str | None = None,
    granularity: str | None = None,
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> TimeSeriesResult:
    grain = granularity_of(granularity)
    project, experience, version, choice, _ = await experiment_inputs(lookups, project_uid, experience_uid, version_uid)
    args = list_args(
        f"get_experiment_timeseries:{project}:{experience.uid}:{version.uid}", limit=limit, cursor=cursor,
        filters={"granularity": grain},
    )  # fmt: skip
    series = await lookups.analytics_time_series(project, experience.uid, version.uid)
    if grain == HOUR and series.granularity == "DAY":
        raise UserFacingError(
            f"Contentstack gives the results of version {version.uid} by day only; call get_experiment_timeseries "
            "with granularity 'day'."
        )
    catalogue, totals = lookups.derived(
        ("experiment-series", project, experience.uid, version.uid, grain),
        (series,),
        lambda: series_catalogue(series, grain),
    )
    taken = sum(json_size(t) + 1 for t in totals) + 400
    noun = "hourly points" if grain == HOUR else "daily points"
    page = catalogue.page(args, noun, tool="get_experiment_timeseries", taken=taken, narrow=None)
    return TimeSeriesResult(
        project_uid=project,
        experience_uid=experience.uid,
        experience_name=experience.name,
        version=ResultVersion(uid=version.uid, status=version.status),
        version_choice=choice,
        granularity=grain,
        totals=totals,
        points=page.items,
        **page.fields(),
    )
