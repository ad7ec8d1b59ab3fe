"""How a rule's values read in words: quoted strings, numbers, dates, compact JSON; all bounded.

Shared by the renderer and the evaluator's trace, so a value reads the same in a rule and in the reason
it failed. Every function is total and its output short (`MAX_VALUE_CHARS`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import Enum

MAX_VALUE_CHARS = 80
MAX_LIST_VALUES = 10
ELLIPSIS = "…"
NO_VALUE = "(no value)"
_COMPACT_DEPTH = 3

_NUMERIC = re.compile(r"-?\d{1,30}(?:\.\d{1,30})?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")


class Operand(Enum):
    """What follows a condition's verb, which decides how its options are read."""

    NONE = "none"
    TEXT = "text"
    NUMBER = "number"
    JSON = "json"
    MEMBER = "member"
    TIME = "time"
    RANGE = "range"
    FLOW = "flow"


def value_text(value: object, kind: Operand) -> str:
    if value is None:
        return NO_VALUE
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if kind is Operand.TIME:
            moment = _epoch(value)
            if moment is not None:
                return moment
        return _number(value)
    if isinstance(value, str):
        return _string_value(value, kind)
    if isinstance(value, Mapping | list | tuple):
        return clip(_compact(value, 0), MAX_VALUE_CHARS)
    return "(unrecognised value)"


def _string_value(value: str, kind: Operand) -> str:
    stripped = value.strip()
    if kind is Operand.NUMBER and _NUMERIC.fullmatch(stripped):
        return clip(stripped, MAX_VALUE_CHARS)
    if kind is Operand.TIME:
        moment = _time_text(stripped)
        if moment is not None:
            return moment
    if kind is Operand.JSON and stripped[:1] in ("{", "[") and len(stripped) <= 10_000:
        try:
            parsed: object = json.loads(stripped)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict | list):
            return clip(_compact(parsed, 0), MAX_VALUE_CHARS)
    return quote(value)


def _compact(value: object, depth: int) -> str:
    """A short JSON-like rendering of a nested value (bounded in depth and width)."""
    if isinstance(value, Mapping):
        if depth >= _COMPACT_DEPTH:
            return "{…}"
        items: list[str] = []
        for index, (key, item) in enumerate(value.items()):
            if index >= MAX_LIST_VALUES:
                items.append(ELLIPSIS)
                break
            key_text = quote(key) if isinstance(key, str) else value_text(key, Operand.TEXT)
            items.append(f"{key_text}: {_compact(item, depth + 1)}")
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        if depth >= _COMPACT_DEPTH:
            return "[…]"
        shown = [_compact(item, depth + 1) for item in value[:MAX_LIST_VALUES]]
        if len(value) > MAX_LIST_VALUES:
            shown.append(ELLIPSIS)
        return "[" + ", ".join(shown) + "]"
    return value_text(value, Operand.TEXT)


def _number(value: int | float) -> str:
    if isinstance(value, int):
        # str() of a huge int is slow and, past 4300 digits, raises: never print one.
        return str(value) if value.bit_length() <= 200 else "(very large number)"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "infinity" if value > 0 else "-infinity"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _epoch(value: int | float) -> str | None:
    """Epoch seconds or milliseconds as a UTC date-time; None for numbers that are not one."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if 1e11 <= value < 1e14:
        seconds = value / 1000
    elif 1e9 <= value < 1e11:
        seconds = float(value)
    else:
        return None
    try:
        return format_datetime(datetime.fromtimestamp(seconds, tz=UTC))
    except (OverflowError, OSError, ValueError):
        return None


def _time_text(value: str) -> str | None:
    if _TIME_OF_DAY.fullmatch(value):
        return value
    if _ISO_DATE.fullmatch(value):
        return value
    if not _ISO_DATE_TIME.match(value) or len(value) > 40:
        return None
    try:
        return format_datetime(datetime.fromisoformat(value))
    except ValueError:
        return None


def format_datetime(moment: datetime) -> str:
    text = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} {moment.hour:02d}:{moment.minute:02d}"
    if moment.second or moment.microsecond:
        text += f":{moment.second:02d}"
    offset = moment.utcoffset()
    if offset is None:
        return text
    if offset == timedelta(0):
        return f"{text} UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{text} UTC{sign}{hours:02d}:{minutes:02d}"


def quote(text: str) -> str:
    """Double-quote a string as JSON does, shortened first; lone surrogates become escapes."""
    quoted = json.dumps(clip(text, MAX_VALUE_CHARS), ensure_ascii=False)
    return quoted.encode("utf-8", "backslashreplace").decode("utf-8")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS
