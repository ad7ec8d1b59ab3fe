"""Reading one value of an upstream answer leniently: counts, fractions and times in the forms APIs write them.

Counts and fractions are numbers, also as strings (`"5210"`, `"5,210"`, `"91.9%"`); times are ISO 8601
(a `Z` or an offset; none is UTC), a date, or epoch seconds or milliseconds. A value in no such form is a
`ShapeProblem`, which the caller turns into its one sentence: never a guess.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


class ShapeProblem(Exception):
    """The answer is in the wrong shape; the message says what was wrong (for the log, never the user)."""


def first_present(node: Any, keys: Iterable[str], default: Any = None) -> Any:
    """The value under the first of `keys` that `node` holds (not None), else `default`."""
    if isinstance(node, dict):
        for key in keys:
            if node.get(key) is not None:
                return node[key]
    return default


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ShapeProblem("a boolean where a number belongs")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and _NUMBER.match(text := value.strip().rstrip("%").strip()):
        number = float(text.replace(",", ""))
    else:
        raise ShapeProblem("a count that is not a number")
    if not math.isfinite(number) or number < 0:
        raise ShapeProblem("a negative or infinite count")
    return number


def read_count(value: Any) -> int | None:
    """A whole, non-negative count (None when absent)."""
    number = _number(value)
    if number is None:
        return None
    if not number.is_integer():
        raise ShapeProblem("a fractional count")
    return int(number)


def read_fraction(value: Any, *, percent: bool = False) -> float | None:
    """A non-negative number as given, or divided by 100 when it is a `percent` (None when absent)."""
    number = _number(value)
    if number is None:
        return None
    if percent:
        number /= 100.0
    return number


def read_optional_time(value: Any) -> datetime | None:
    """`read_time`, or None when the value is absent."""
    return None if value is None else read_time(value)


def read_time(value: Any) -> datetime:
    """A UTC datetime from ISO 8601 (with `Z`, an offset, or none = UTC), a date, or epoch s / ms."""
    if isinstance(value, bool) or value is None:
        raise ShapeProblem("a point without a time")
    if isinstance(value, int | float):
        seconds = value / 1000.0 if value > 1e11 else float(value)
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise ShapeProblem("an epoch time out of range") from None
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return read_time(int(text))
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ShapeProblem("a time that is not ISO 8601") from None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    raise ShapeProblem("a time that is neither a string nor a number")


def parse_time(value: object) -> datetime | None:
    """A version's `activatedAt` / `updatedAt` as `read_time` reads it; None when absent or unreadable."""
    try:
        return None if value is None else read_time(value)
    except ShapeProblem:
        return None
