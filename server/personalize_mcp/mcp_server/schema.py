"""A tool's input schema as a model should read it: what the arguments are, without pydantic's padding.

Every conversation pays for `tools/list` before its first question. pydantic writes an optional
argument (`str | None = None`) as `anyOf [{"type": "string"}, {"type": "null"}]` with `"default":
null`, and gives the schema and each argument a `title` made from its name ("Project Uid"): a third
of what a model read, saying nothing it needs. `compact_input_schema` drops that padding, once, when a
tool is registered (`PersonalizeMCPServer.add_tool`), so every tool -- and every tool added later --
gets it without being written differently.

Only the published schema changes. Arguments are still validated by the same pydantic model, so an
explicit null for an optional argument is still accepted and means "left out", as an argument
missing from `required` always has; `outputSchema` is not touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NULL = {"type": "null"}

SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
SUBSCHEMA_MAPS = ("properties", "$defs", "patternProperties")
SUBSCHEMAS = ("items", "additionalProperties", "not")


def compact_input_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """`schema` without auto-generated titles, null wrappers, `default: null` and `additionalProperties: true`."""
    node = _unwrap_optional(dict(schema))
    compact: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" or (key == "default" and value is None) or (key == "additionalProperties" and value is True):
            continue
        if key in SUBSCHEMA_LISTS and isinstance(value, list):
            compact[key] = [compact_input_schema(item) if isinstance(item, Mapping) else item for item in value]
        elif key in SUBSCHEMA_MAPS and isinstance(value, Mapping):
            # The keys here are argument names ("title" may be one): only their schemas are compacted.
            compact[key] = {name: compact_input_schema(item) for name, item in value.items()}
        elif key in SUBSCHEMAS and isinstance(value, Mapping):
            compact[key] = compact_input_schema(value)
        else:
            compact[key] = value
    return compact


def _unwrap_optional(node: dict[str, Any]) -> dict[str, Any]:
    """`anyOf [S, {"type": "null"}]` becomes S itself, merged with the node's own keys (which win)."""
    arms = node.get("anyOf")
    if not isinstance(arms, list) or NULL not in arms:
        return node
    rest = {key: value for key, value in node.items() if key != "anyOf"}
    kept = [arm for arm in arms if arm != NULL]
    if len(kept) != 1 or not isinstance(kept[0], Mapping):
        return {**rest, "anyOf": kept} if kept else rest
    merged = dict(kept[0])
    for key, value in rest.items():
        inner = merged.get(key)
        merged[key] = {**inner, **value} if isinstance(inner, Mapping) and isinstance(value, Mapping) else value
    return merged
