"""A rule's options (`attributeMatchOptions`) as the readers need them: values, ranges, flows, time zones.

The option shapes are not documented (contentstack-api.md §2, §6): these accessors read every spelling
seen, the same way for the renderer and the evaluator.
"""

from __future__ import annotations

from collections.abc import Mapping

NAME_FIELDS = ("name", "displayName", "label", "title")
ATTRIBUTE_SUBKEY_FIELDS = ("key", "parameter", "param", "queryParameter", "parameterName")
OPTIONS_SUBKEY_FIELDS = ("key", "parameter", "param", "queryParameter", "parameterName", "path")
"""Fields that may carry a query-parameter name (on the attribute) or a sub-key / JSON path (on the
options). None is confirmed by a public source; they are read only when present."""
TIMEZONE_FIELDS = ("timezone", "timeZone", "tz")
RANGE_FIELDS = (
    ("start", "end"),
    ("from", "to"),
    ("startTime", "endTime"),
    ("startDate", "endDate"),
    ("startDateTime", "endDateTime"),
    ("min", "max"),
)
FLOW_ID_FIELDS = ("flowId", "flow", "flowUid")
FLOW_STATE_FIELDS = ("flowState", "state")


def first_field(container: object, fields: tuple[str, ...]) -> tuple[str | None, str | None]:
    """The first of `fields` holding a non-blank string: (field, stripped value), else (None, None)."""
    if not isinstance(container, Mapping):
        return None, None
    for field in fields:
        value = container.get(field)
        if isinstance(value, str) and value.strip():
            return field, value.strip()
    return None, None


def option_values(options: object, consumed: str | None = None) -> list[object] | None:
    """The value(s) a rule compares against; None when the options hold nothing usable.

    `consumed`: an options field the subject already used (a sub-key), which is not a value.
    """
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
        if key != "__type" and key != consumed and key not in TIMEZONE_FIELDS
    }
    return [rest] if rest else None


def option_range(options: object) -> tuple[object, object] | None:
    """(start, end) of a BETWEEN rule, from any of the range spellings; None when there is none."""
    containers = [options]
    if isinstance(options, Mapping):
        containers += [options.get("value"), options.get("values")]
    for container in containers:
        if isinstance(container, Mapping):
            for start, end in RANGE_FIELDS:
                if start in container or end in container:
                    return container.get(start), container.get(end)
        elif isinstance(container, list | tuple) and len(container) == 2:
            return container[0], container[1]
    return None


def option_flow(options: object) -> tuple[object, object] | None:
    """(state, flow id) of a Lytics flow-state rule; None when neither is given."""
    if not isinstance(options, Mapping):
        return None
    flow_field, _ = first_field(options, FLOW_ID_FIELDS)
    state_field, _ = first_field(options, FLOW_STATE_FIELDS)
    if flow_field is None and state_field is None:
        return None
    state = options.get(state_field) if state_field else None
    flow_id = options.get(flow_field) if flow_field else None
    return state, flow_id


def option_timezone(options: object) -> str | None:
    return first_field(options, TIMEZONE_FIELDS)[1]
