"""A rule's times read and compared: instants, whole days, times of day, and time zones.

* An instant is an ISO date-time or epoch seconds / milliseconds; a date stands for its whole day (before =
  earlier than that day, after = later than it, between = from the first day's start to the last day's end);
  a time of day (`09:30`) is compared on the visitor's clock, and a between of times may wrap midnight.
* A value without an offset is read in the rule's time zone when it names one, else in UTC; days and times of
  day are read in the rule's time zone, else in the visitor's own offset (the caller passes that zone).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from personalize_mcp.rules.conditions.rule_values import NUMERIC
from personalize_mcp.rules.wording import format_datetime

__all__ = ["Moment", "after", "before", "between", "moment_of", "time_text", "zone_of"]

Moment = datetime | date | time
"""An instant (aware datetime), a whole day, or a time of day."""

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+-])(\d{1,2}):?(\d{2})?")


def zone_of(name: str) -> tzinfo | None:
    """A rule's time zone: UTC, an offset (`+05:30`, `GMT-3`) or an IANA name; None when unknown."""
    text = name.strip()
    if text.upper() in ("UTC", "GMT", "Z"):
        return UTC
    offset = _OFFSET.fullmatch(text)
    if offset:
        hours, minutes = int(offset[2]), int(offset[3] or 0)
        if hours > 23 or minutes > 59:
            return None
        delta = timedelta(hours=hours, minutes=minutes)
        return timezone(delta if offset[1] == "+" else -delta)
    if len(text) > 64 or ".." in text or text.startswith("/"):
        return None
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def moment_of(value: object, zone: tzinfo | None) -> Moment | None:
    """A rule's time value (naive date-times read in `zone`, else UTC); None when it cannot be read."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _epoch(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if NUMERIC.fullmatch(text):
        return _epoch(float(text))
    clock = _CLOCK.fullmatch(text)
    if clock:
        hour, minute, second = int(clock[1]), int(clock[2]), int(clock[3] or 0)
        if hour > 23 or minute > 59 or second > 59:
            return None
        return time(hour, minute, second)
    if _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    if len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or UTC)
    return moment


def _epoch(value: float) -> datetime | None:
    if not math.isfinite(value) or value < 0:
        return None
    seconds = value / 1000 if value >= 1e11 else value
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _bounds(point: Moment, zone: tzinfo) -> tuple[datetime, datetime] | None:
    """A day's (or an instant's) start and end as instants; None for a time of day."""
    if isinstance(point, datetime):
        return point, point
    if isinstance(point, date):
        start = datetime.combine(point, time(0), tzinfo=zone)
        return start, start + timedelta(days=1)
    return None


def _clock(moment: datetime, zone: tzinfo) -> time:
    return moment.astimezone(zone).time().replace(microsecond=0, tzinfo=None)


def before(moment: datetime, point: Moment, zone: tzinfo) -> bool:
    bounds = _bounds(point, zone)
    if bounds is None:
        assert isinstance(point, time)
        return _clock(moment, zone) < point
    return moment < bounds[0]


def after(moment: datetime, point: Moment, zone: tzinfo) -> bool:
    bounds = _bounds(point, zone)
    if bounds is None:
        assert isinstance(point, time)
        return _clock(moment, zone) > point
    start, end = bounds
    return moment > start if start == end else moment >= end


def between(moment: datetime, start: Moment, end: Moment, zone: tzinfo) -> bool:
    if isinstance(start, time) and isinstance(end, time):
        now = _clock(moment, zone)
        return start <= now <= end if start <= end else now >= start or now <= end
    first, last = _bounds(start, zone), _bounds(end, zone)
    if first is None or last is None:
        return False
    if last[0] == last[1]:  # an instant: inclusive
        return first[0] <= moment <= last[1]
    return first[0] <= moment < last[1]  # a day: up to its end


def time_text(point: Moment) -> str:
    if isinstance(point, datetime):
        return format_datetime(point)
    if isinstance(point, date):
        return point.isoformat()
    return point.isoformat(timespec="minutes" if point.second == 0 else "seconds")
