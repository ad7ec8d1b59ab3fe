"""Render a Personalize audience `definition` (a tree of rules) as one line of plain words.

Why: a model or a person reasons about an audience far better from
`country equals "AU" AND (device type equals "MOBILE" OR operating system equals "iOS")` than from
the nested JSON the API returns. The JSON is only partly documented (contentstack-api.md §2), so
the renderer is total: it takes any value, never raises, names what it cannot read with a short
placeholder instead of dumping JSON, and keeps its output bounded so one odd audience cannot
flood a tool response.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

__all__ = [
    "EVERYONE",
    "MAX_DEPTH",
    "MAX_OUTPUT_CHARS",
    "MAX_VALUE_CHARS",
    "UNRECOGNISED_RULE",
    "render_definition",
    "render_rule",
]

EVERYONE = "everyone (no rules)"
UNRECOGNISED_RULE = "(unrecognised rule)"
MAX_OUTPUT_CHARS = 2000
MAX_VALUE_CHARS = 80
MAX_DEPTH = 16
MAX_LIST_VALUES = 10

_ELLIPSIS = "…"
_TOO_DEEP = "(rules nested too deeply)"
_EMPTY_GROUP = "(no rules)"
_NO_VALUE = "(no value)"
_UNKNOWN_CONDITION = "(unknown condition)"
_COMPACT_DEPTH = 3

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NUMERIC = re.compile(r"-?\d{1,30}(?:\.\d{1,30})?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")

_PRESETS: dict[str, str] = {
    "COUNTRY": "country",
    "REGION": "region",
    "CITY": "city",
    "DEVICE_TYPE": "device type",
    "OPERATING_SYSTEM": "operating system",
    "QUERY_PARAMETERS": "query parameters",
    "REFERRER": "referrer",
    "DATE_AND_TIME": "date and time",
}
# Fields that may carry a query-parameter name (on the attribute) or a sub-key / JSON path (on the
# options). None is confirmed by a public source; they are read only when present.
_ATTRIBUTE_SUBKEY_FIELDS = ("key", "parameter", "param", "queryParameter", "parameterName")
_OPTIONS_SUBKEY_FIELDS = ("key", "parameter", "param", "queryParameter", "parameterName", "path")
_NAME_FIELDS = ("name", "displayName", "label", "title")
_TIMEZONE_FIELDS = ("timezone", "timeZone", "tz")
_RANGE_FIELDS = (
    ("start", "end"),
    ("from", "to"),
    ("startTime", "endTime"),
    ("startDate", "endDate"),
    ("startDateTime", "endDateTime"),
    ("min", "max"),
)
_FLOW_ID_FIELDS = ("flowId", "flow", "flowUid")
_FLOW_STATE_FIELDS = ("flowState", "state")

# A predicate starts with a verb in the third person singular; a plural subject
# ("query parameters") takes the plural form of that first word.
_PLURAL_VERBS: dict[str, str] = {
    "equals": "equal",
    "contains": "contain",
    "has": "have",
    "is": "are",
    "does": "do",
    "matches": "match",
}


class _Operand(Enum):
    """What follows a condition's verb, which decides how its options are read."""

    NONE = "none"
    TEXT = "text"
    NUMBER = "number"
    JSON = "json"
    MEMBER = "member"
    TIME = "time"
    RANGE = "range"
    FLOW = "flow"


# condition -> (positive phrase, inverted phrase, operand)
_CONDITIONS: dict[str, tuple[str, str, _Operand]] = {
    "STRING_EQUALS": ("equals", "does not equal", _Operand.TEXT),
    "CONTAINS_SUBSTRING": ("contains", "does not contain", _Operand.TEXT),
    "HAS_ANY_VALUE": ("has a value", "has no value", _Operand.NONE),
    "IS_TRUE": ("is true", "is not true", _Operand.NONE),
    "IS_FALSE": ("is false", "is not false", _Operand.NONE),
    "NUMBER_LESS_THAN": ("is less than", "is not less than", _Operand.NUMBER),
    "NUMBER_GREATER_THAN": ("is greater than", "is not greater than", _Operand.NUMBER),
    "NUMBER_EQUAL_TO": ("equals", "does not equal", _Operand.NUMBER),
    "JSON_MATCH": ("matches", "does not match", _Operand.JSON),
    "IS_MEMBER_OF": ("is a member of", "is not a member of", _Operand.MEMBER),
    "BEFORE_TIME": ("is before", "is not before", _Operand.TIME),
    "AFTER_TIME": ("is after", "is not after", _Operand.TIME),
    "BETWEEN_TIME": ("is between", "is not between", _Operand.RANGE),
    "IS_IN_FLOW_STATE": ("is in", "is not in", _Operand.FLOW),
}


def render_definition(definition: object, attribute_names: Mapping[str, str] | None = None) -> str:
    """Render an audience `definition` as one bounded line; `everyone (no rules)` when it has none.

    Total by design: any input (None, lists, wrong types, cycles, deep nesting) gives a non-empty
    string of at most `MAX_OUTPUT_CHARS` characters, because a listing tool must not fail on one
    malformed audience. `attribute_names` maps custom attribute uids to their names (from the
    project's `GET /attributes`), so rules read "custom attribute "Lifetime orders"" not a uid.
    """
    try:
        if definition is None or (isinstance(definition, Mapping | list | tuple) and not definition):
            return EVERYONE
        if attribute_names:
            definition = _with_attribute_names(definition, attribute_names, 0)
        return _finish(_render_node(definition, 0, _Budget(MAX_OUTPUT_CHARS)).text)
    except Exception:  # never let one odd audience break a response
        return UNRECOGNISED_RULE


def render_rule(rule: object) -> str:
    """Render one rule (or a rule combination) on its own, with the same guarantees as above."""
    try:
        return _finish(_render_node(rule, 0, _Budget(MAX_OUTPUT_CHARS)).text)
    except Exception:  # never let one odd rule break a response
        return UNRECOGNISED_RULE


def _with_attribute_names(node: object, names: Mapping[str, str], depth: int) -> object:
    """A copy of the tree whose custom attribute references carry their names (bounded like rendering)."""
    if depth > MAX_DEPTH + 1 or not isinstance(node, Mapping):
        return node
    if node.get("__type") == "CustomAttributeReference":
        ref = node.get("ref")
        has_name = any(isinstance(node.get(f), str) and node.get(f) for f in _NAME_FIELDS)
        if isinstance(ref, str) and ref in names and not has_name:
            return {**node, "name": names[ref]}
        return node
    copied = dict(node)
    rules = node.get("rules")
    if isinstance(rules, list | tuple):
        copied["rules"] = [_with_attribute_names(child, names, depth + 1) for child in rules]
    if "attribute" in node:
        copied["attribute"] = _with_attribute_names(node.get("attribute"), names, depth + 1)
    return copied


# --- tree --------------------------------------------------------------------------------------


class _Budget:
    """Characters still free; rendering stops adding siblings once they are spent."""

    __slots__ = ("remaining",)

    def __init__(self, chars: int) -> None:
        self.remaining = chars

    def spend(self, text: str) -> str:
        self.remaining -= len(text)
        return text

    @property
    def exhausted(self) -> bool:
        return self.remaining <= 0


@dataclass(frozen=True, slots=True)
class _Rendered:
    text: str
    compound: bool  # a bare `a AND b`: needs parentheses when nested in another combination


def _finish(text: str) -> str:
    if not text:
        return UNRECOGNISED_RULE
    return _clip(text, MAX_OUTPUT_CHARS)


def _render_node(node: object, depth: int, budget: _Budget) -> _Rendered:
    if depth > MAX_DEPTH:
        return _Rendered(budget.spend(_TOO_DEEP), compound=False)
    if isinstance(node, Mapping):
        kind = _node_kind(node)
        if kind == "combination":
            return _render_combination(node, depth, budget)
        if kind == "rule":
            return _Rendered(budget.spend(_rule_text(node)), compound=False)
    return _Rendered(budget.spend(UNRECOGNISED_RULE), compound=False)


def _node_kind(node: Mapping[object, object]) -> str:
    node_type = node.get("__type")
    if node_type == "RuleCombination":
        return "combination"
    if node_type == "Rule":
        return "rule"
    if "rules" in node:
        return "combination"
    if "attribute" in node or "attributeMatchCondition" in node:
        return "rule"
    return "unknown"


def _render_combination(node: Mapping[object, object], depth: int, budget: _Budget) -> _Rendered:
    rules = node.get("rules")
    if rules is None:
        rules = []
    if not isinstance(rules, list | tuple):
        return _Rendered(budget.spend(UNRECOGNISED_RULE), compound=False)
    if not rules:
        return _Rendered(budget.spend(EVERYONE if depth == 0 else _EMPTY_GROUP), compound=False)
    joiner = f" {_combination_word(node.get('combinationType'))} "
    children: list[_Rendered] = []
    for child in rules:
        if children and budget.exhausted:
            children.append(_Rendered(_ELLIPSIS, compound=False))
            break
        rendered = _render_node(child, depth + 1, budget)
        if children and budget.exhausted:  # this sibling overflowed the cap: show "…" instead
            children.append(_Rendered(_ELLIPSIS, compound=False))
            break
        children.append(rendered)
        budget.spend(joiner + ("()" if rendered.compound else ""))
    if len(children) == 1:
        result = children[0]
    else:
        parts = [f"({c.text})" if c.compound else c.text for c in children]
        result = _Rendered(joiner.join(parts), compound=True)
    if _is_true(node.get("invertCondition")):
        return _Rendered(f"not ({result.text})", compound=False)
    return result


def _combination_word(value: object) -> str:
    if value is None:
        return "AND"  # the product's default ("match all")
    if isinstance(value, str) and _IDENTIFIER.fullmatch(value.strip()):
        return value.strip().upper()
    return "?"


def _is_true(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


# --- one rule ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Subject:
    text: str
    plural: bool = False
    value_noun: tuple[str, str] | None = None  # (singular, plural) put before member values
    flow_noun: str = "flow"
    consumed_option: str | None = None  # an options field already used by the subject


def _rule_text(node: Mapping[object, object]) -> str:
    attribute = node.get("attribute")
    raw_condition = node.get("attributeMatchCondition")
    if attribute is None and raw_condition is None:
        return UNRECOGNISED_RULE
    condition = _condition_key(raw_condition)
    options = node.get("attributeMatchOptions")
    subject = _subject(attribute, condition, options)
    positive, negative = _predicate(condition, raw_condition, options, subject)
    if subject.plural:
        positive = _pluralize(positive)
        negative = _pluralize(negative) if negative is not None else None
    if not _is_true(node.get("invertCondition")):
        return f"{subject.text} {positive}"
    if negative is not None:
        return f"{subject.text} {negative}"
    return f"not ({subject.text} {positive})"


def _condition_key(value: object) -> str | None:
    if isinstance(value, str) and _IDENTIFIER.fullmatch(value.strip()):
        return value.strip().upper()
    return None


def _pluralize(predicate: str) -> str:
    first, _, rest = predicate.partition(" ")
    plural = _PLURAL_VERBS.get(first)
    if plural is None:
        return predicate
    return f"{plural} {rest}" if rest else plural


# --- subjects ----------------------------------------------------------------------------------


def _subject(attribute: object, condition: str | None, options: object) -> _Subject:
    if isinstance(attribute, str):
        attribute = {"ref": attribute}
    if not isinstance(attribute, Mapping):
        return _Subject("unknown attribute")
    kind = attribute.get("__type")
    ref = attribute.get("ref")
    if kind == "CustomAttributeReference":
        label = _first_text(attribute, (*_NAME_FIELDS, "key", "ref", "uid"))
        base = _Subject(f"custom attribute {_quote(label)}" if label else "unknown custom attribute")
    elif kind == "LyticsAttributeReference":
        base = _lytics_subject(attribute, condition)
    elif kind == "PresetAttributeReference" or (
        kind is None and isinstance(ref, str) and ref.strip().upper() in _PRESETS
    ):
        return _preset_subject(attribute, options)
    else:
        label = _first_text(attribute, (*_NAME_FIELDS, "ref", "key", "uid"))
        base = _Subject(f"attribute {_quote(label)}" if label else "unknown attribute")
    return _with_options_subkey(base, options)


def _preset_subject(attribute: Mapping[object, object], options: object) -> _Subject:
    ref = attribute.get("ref")
    if not isinstance(ref, str) or not ref.strip():
        label = _first_text(attribute, _NAME_FIELDS)
        base = _Subject(f"preset attribute {_quote(label)}" if label else "unknown attribute")
        return _with_options_subkey(base, options)
    key = ref.strip().upper()
    if key == "QUERY_PARAMETERS":
        parameter = _first_text(attribute, _ATTRIBUTE_SUBKEY_FIELDS)
        if parameter:
            return _Subject(f"query parameter {_quote(parameter)}")
        field, parameter = _first_field(options, _OPTIONS_SUBKEY_FIELDS)
        if parameter:
            return _Subject(f"query parameter {_quote(parameter)}", consumed_option=field)
        return _Subject("query parameters", plural=True)
    if key in _PRESETS:
        base = _Subject(_PRESETS[key])
    elif _IDENTIFIER.fullmatch(ref.strip()):
        base = _Subject(_humanize(ref.strip()))
    else:
        base = _Subject(f"preset attribute {_quote(ref)}")
    return _with_options_subkey(base, options)


def _lytics_subject(attribute: Mapping[object, object], condition: str | None) -> _Subject:
    ref = attribute.get("ref")
    key = ref.strip().upper() if isinstance(ref, str) else None
    if key == "LYTICS_AUDIENCE":
        if condition == "IS_MEMBER_OF":
            return _Subject("visitor", value_noun=("Lytics audience", "Lytics audiences"))
        return _Subject("Lytics audience")
    if key == "LYTICS_FLOW_STATE":
        if condition == "IS_IN_FLOW_STATE":
            return _Subject("visitor", flow_noun="Lytics flow")
        return _Subject("Lytics flow state")
    label = _first_text(attribute, (*_NAME_FIELDS, "ref", "key", "uid"))
    return _Subject(f"Lytics attribute {_quote(label)}" if label else "unknown Lytics attribute")


def _with_options_subkey(base: _Subject, options: object) -> _Subject:
    field, subkey = _first_field(options, _OPTIONS_SUBKEY_FIELDS)
    if not subkey:
        return base
    return _Subject(
        f"{base.text} key {_quote(subkey)}",
        plural=False,
        value_noun=base.value_noun,
        flow_noun=base.flow_noun,
        consumed_option=field,
    )


def _first_text(container: Mapping[object, object], fields: tuple[str, ...]) -> str | None:
    return _first_field(container, fields)[1]


def _first_field(container: object, fields: tuple[str, ...]) -> tuple[str | None, str | None]:
    if not isinstance(container, Mapping):
        return None, None
    for field in fields:
        value = container.get(field)
        if isinstance(value, str) and value.strip():
            return field, value.strip()
    return None, None


def _humanize(identifier: str) -> str:
    words = _CAMEL_BOUNDARY.sub(" ", identifier).replace("_", " ").split()
    return " ".join(word.lower() for word in words)


# --- predicates --------------------------------------------------------------------------------


def _predicate(
    condition: str | None, raw_condition: object, options: object, subject: _Subject
) -> tuple[str, str | None]:
    """Return (positive phrase, inverted phrase or None when English has no natural negation)."""
    known = _CONDITIONS.get(condition) if condition is not None else None
    if known is None:
        words = _UNKNOWN_CONDITION
        if condition is not None and isinstance(raw_condition, str):
            words = _humanize(raw_condition.strip())
        operand = _generic_operand(options, subject)
        return (f"{words} {operand}" if operand else words), None
    positive, negative, kind = known
    if kind is _Operand.NONE:
        return positive, negative
    operand = _operand(kind, options, subject)
    return f"{positive} {operand}", f"{negative} {operand}"


def _operand(kind: _Operand, options: object, subject: _Subject) -> str:
    if kind is _Operand.RANGE:
        pair = _range(options)
        if pair is not None:
            text = f"{_value(pair[0], _Operand.TIME)} and {_value(pair[1], _Operand.TIME)}"
            return text + _timezone_note(options)
    if kind is _Operand.FLOW:
        flow = _flow(options)
        if flow is not None:
            state = _value(flow[0], _Operand.TEXT)
            return f"state {state} of {subject.flow_noun} {_value(flow[1], _Operand.TEXT)}"
    values = _option_values(options, subject)
    if values is None:
        return _NO_VALUE
    value_kind = _Operand.TIME if kind is _Operand.RANGE else kind
    text = _values_text(values, value_kind, subject.value_noun if kind is _Operand.MEMBER else None)
    if kind in (_Operand.TIME, _Operand.RANGE):
        text += _timezone_note(options)
    return text


def _generic_operand(options: object, subject: _Subject) -> str:
    values = _option_values(options, subject)
    if values is None:
        return ""
    return _values_text(values, _Operand.TEXT, None)


def _option_values(options: object, subject: _Subject) -> list[object] | None:
    """The value(s) a rule compares against; None when the options hold nothing usable."""
    if options is None:
        return None
    if not isinstance(options, Mapping):
        values = list(options) if isinstance(options, list | tuple) else [options]
        return values or None
    listed = options.get("values")
    if isinstance(listed, list | tuple):
        return list(listed) or None
    if "value" in options:
        value = options.get("value")
        if isinstance(value, list | tuple):
            return list(value) or None
        return [value]
    rest = {
        key: value
        for key, value in options.items()
        if key != "__type" and key != subject.consumed_option and key not in _TIMEZONE_FIELDS
    }
    return [rest] if rest else None


def _values_text(values: list[object], kind: _Operand, noun: tuple[str, str] | None) -> str:
    shown = [_value(v, kind) for v in values[:MAX_LIST_VALUES]]
    more = len(values) - len(shown)
    joined = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
    if len(values) == 1:
        return f"{noun[0]} {joined}" if noun else joined
    return f"any of {noun[1]} {joined}" if noun else f"any of {joined}"


def _range(options: object) -> tuple[object, object] | None:
    for container in _range_containers(options):
        if isinstance(container, Mapping):
            for start, end in _RANGE_FIELDS:
                if start in container or end in container:
                    return container.get(start), container.get(end)
        elif isinstance(container, list | tuple) and len(container) == 2:
            return container[0], container[1]
    return None


def _range_containers(options: object) -> list[object]:
    if not isinstance(options, Mapping):
        return [options]
    return [options, options.get("value"), options.get("values")]


def _flow(options: object) -> tuple[object, object] | None:
    if not isinstance(options, Mapping):
        return None
    flow_field, _ = _first_field(options, _FLOW_ID_FIELDS)
    state_field, _ = _first_field(options, _FLOW_STATE_FIELDS)
    if flow_field is None and state_field is None:
        return None
    state = options.get(state_field) if state_field else None
    flow_id = options.get(flow_field) if flow_field else None
    return state, flow_id


def _timezone_note(options: object) -> str:
    _, zone = _first_field(options, _TIMEZONE_FIELDS)
    return f" (time zone {_quote(zone)})" if zone else ""


# --- values ------------------------------------------------------------------------------------


def _value(value: object, kind: _Operand) -> str:
    if value is None:
        return _NO_VALUE
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if kind is _Operand.TIME:
            moment = _epoch(value)
            if moment is not None:
                return moment
        return _number(value)
    if isinstance(value, str):
        return _string_value(value, kind)
    if isinstance(value, Mapping | list | tuple):
        return _clip(_compact(value, 0), MAX_VALUE_CHARS)
    return "(unrecognised value)"


def _string_value(value: str, kind: _Operand) -> str:
    stripped = value.strip()
    if kind is _Operand.NUMBER and _NUMERIC.fullmatch(stripped):
        return _clip(stripped, MAX_VALUE_CHARS)
    if kind is _Operand.TIME:
        moment = _time_text(stripped)
        if moment is not None:
            return moment
    if kind is _Operand.JSON and stripped[:1] in ("{", "[") and len(stripped) <= 10_000:
        try:
            parsed: object = json.loads(stripped)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict | list):
            return _clip(_compact(parsed, 0), MAX_VALUE_CHARS)
    return _quote(value)


def _compact(value: object, depth: int) -> str:
    """A short JSON-like rendering of a nested value (bounded in depth and width)."""
    if isinstance(value, Mapping):
        if depth >= _COMPACT_DEPTH:
            return "{…}"
        items: list[str] = []
        for index, (key, item) in enumerate(value.items()):
            if index >= MAX_LIST_VALUES:
                items.append(_ELLIPSIS)
                break
            key_text = _quote(key) if isinstance(key, str) else _value(key, _Operand.TEXT)
            items.append(f"{key_text}: {_compact(item, depth + 1)}")
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        if depth >= _COMPACT_DEPTH:
            return "[…]"
        shown = [_compact(item, depth + 1) for item in value[:MAX_LIST_VALUES]]
        if len(value) > MAX_LIST_VALUES:
            shown.append(_ELLIPSIS)
        return "[" + ", ".join(shown) + "]"
    return _value(value, _Operand.TEXT)


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
        return _format_datetime(datetime.fromtimestamp(seconds, tz=UTC))
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
        return _format_datetime(datetime.fromisoformat(value))
    except ValueError:
        return None


def _format_datetime(moment: datetime) -> str:
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


def _quote(text: str) -> str:
    """Double-quote a string as JSON does, shortened first; lone surrogates become escapes."""
    quoted = json.dumps(_clip(text, MAX_VALUE_CHARS), ensure_ascii=False)
    return quoted.encode("utf-8", "backslashreplace").decode("utf-8")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + _ELLIPSIS
