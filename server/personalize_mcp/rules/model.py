"""The rule model: an audience `definition` (or a variant's inline `target`) parsed once into a typed tree.

Both readers -- `render` (plain words) and `evaluate` (three-valued, with a trace) -- read this model,
never the raw JSON, so there is one parser. The JSON is only partly documented (contentstack-api.md
§2, §6), so parsing is total (any value gives a tree), bounded (depth and node count), and keeps what it
cannot classify as `Unrecognised` instead of guessing. A rule's options stay as given, read through the
accessors below, because the option shapes vary (`value`, `values`, ranges, flows, time zones).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from personalize_mcp.rules.options import first_field

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "PRESET_REFS",
    "Attribute",
    "AttributeKind",
    "Combination",
    "Node",
    "Rule",
    "Unrecognised",
    "attribute_refs",
    "is_empty_definition",
    "parse_audience",
    "parse_definition",
    "parse_node",
]

MAX_DEPTH = 16
"""Deeper nodes become `Unrecognised(too_deep=True)`: a definition is a tree, not a stack overflow."""
MAX_NODES = 2000
"""Nodes parsed per definition (an audience holds at most 100 rules [doc]); later siblings are dropped and
their combination marked `truncated`, so one hostile audience costs bounded work."""

IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")

PRESET_REFS = (
    "COUNTRY",
    "REGION",
    "CITY",
    "DEVICE_TYPE",
    "OPERATING_SYSTEM",
    "QUERY_PARAMETERS",
    "REFERRER",
    "DATE_AND_TIME",
)
"""Preset attribute refs of contentstack-api.md §2."""


class AttributeKind(Enum):
    PRESET = "preset"
    CUSTOM = "custom"
    LYTICS = "lytics"
    OTHER = "other"
    """An attribute object of a type we do not know."""
    INVALID = "invalid"
    """Not an attribute object at all (a number, a list, missing)."""


@dataclass(frozen=True, slots=True)
class Attribute:
    """What a rule tests: its kind and the attribute object's fields (a bare ref string becomes `{"ref": s}`)."""

    kind: AttributeKind
    fields: Mapping[object, object]

    @property
    def ref(self) -> str | None:
        """The `ref` as given (a preset name, a custom attribute uid, a Lytics ref), if it is a string."""
        ref = self.fields.get("ref")
        return ref if isinstance(ref, str) else None

    @property
    def preset(self) -> str | None:
        """The preset ref in upper case (`COUNTRY`), for preset attributes with a usable ref."""
        ref = self.ref
        if self.kind is not AttributeKind.PRESET or ref is None or not ref.strip():
            return None
        return ref.strip().upper()

    def text(self, fields: tuple[str, ...]) -> str | None:
        return first_field(self.fields, fields)[1]


@dataclass(frozen=True, slots=True)
class Rule:
    attribute: Attribute
    condition: str | None
    """The match condition in upper case (`STRING_EQUALS`), or None when it is missing or not a name."""
    raw_condition: object
    options: object
    """`attributeMatchOptions` as given: read it through `option_values`, `option_range`, ..."""
    inverted: bool


@dataclass(frozen=True, slots=True)
class Combination:
    operator: str
    """`AND` (also when the type is missing: the product's "match all"), `OR`, another name in upper case,
    or `?` when the type is unreadable."""
    children: tuple[Node, ...]
    inverted: bool
    malformed: bool = False
    """`rules` was neither a list nor missing: nothing can be said about this combination."""
    truncated: bool = False
    """Children past `MAX_NODES` were dropped."""


@dataclass(frozen=True, slots=True)
class Unrecognised:
    """A node that is neither a rule nor a combination (or lies past `MAX_DEPTH`), or an audience whose rules
    cannot be known (`note` says why: a Lytics audience without a slug, `rules.audience`)."""

    too_deep: bool = False
    note: str | None = None


Node = Combination | Rule | Unrecognised


def is_empty_definition(definition: object) -> bool:
    """No definition at all: the audience is everyone."""
    return definition is None or (isinstance(definition, Mapping | list | tuple) and not definition)


def parse_definition(definition: object) -> Node:
    """The tree of a definition; total and bounded (see the module docstring)."""
    return _Parser().node(definition, 0)


def parse_audience(definition: object) -> Node | None:
    """An audience's (or inline target's) tree, or None when it has no rules at all (everyone)."""
    return None if is_empty_definition(definition) else parse_definition(definition)


def attribute_refs(tree: Node | None) -> set[tuple[AttributeKind, str]]:
    """Every attribute a tree tests: (PRESET, "COUNTRY"), (CUSTOM, "<attribute uid>"), (LYTICS, "<ref>")."""
    found: set[tuple[AttributeKind, str]] = set()
    stack: list[Node] = [tree] if tree is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, Combination):
            stack.extend(node.children)
        elif isinstance(node, Rule):
            attribute = node.attribute
            if attribute.kind is AttributeKind.PRESET and attribute.preset:
                found.add((AttributeKind.PRESET, attribute.preset))
            elif attribute.kind in (AttributeKind.CUSTOM, AttributeKind.LYTICS) and attribute.ref:
                found.add((attribute.kind, attribute.ref.strip()))
    return found


def parse_node(node: object) -> Node:
    """One rule or combination on its own (same guarantees)."""
    return _Parser().node(node, 0)


class _Parser:
    __slots__ = ("remaining",)

    def __init__(self) -> None:
        self.remaining = MAX_NODES

    def node(self, raw: object, depth: int) -> Node:
        self.remaining -= 1
        if depth > MAX_DEPTH:
            return Unrecognised(too_deep=True)
        if isinstance(raw, Mapping):
            kind = _node_kind(raw)
            if kind == "combination":
                return self.combination(raw, depth)
            if kind == "rule":
                return _rule(raw)
        return Unrecognised()

    def combination(self, raw: Mapping[object, object], depth: int) -> Combination:
        operator = _operator(raw.get("combinationType"))
        inverted = is_true(raw.get("invertCondition"))
        rules = raw.get("rules")
        if rules is None:
            rules = []
        if not isinstance(rules, list | tuple):
            return Combination(operator, (), inverted, malformed=True)
        children: list[Node] = []
        truncated = False
        for child in rules:
            if self.remaining <= 0:
                truncated = True
                break
            children.append(self.node(child, depth + 1))
        return Combination(operator, tuple(children), inverted, truncated=truncated)


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


def _operator(value: object) -> str:
    if value is None:
        return "AND"
    if isinstance(value, str) and IDENTIFIER.fullmatch(value.strip()):
        return value.strip().upper()
    return "?"


def _rule(raw: Mapping[object, object]) -> Rule | Unrecognised:
    attribute = raw.get("attribute")
    raw_condition = raw.get("attributeMatchCondition")
    if attribute is None and raw_condition is None:
        return Unrecognised()
    condition = (
        raw_condition.strip().upper()
        if isinstance(raw_condition, str) and IDENTIFIER.fullmatch(raw_condition.strip())
        else None
    )
    return Rule(
        attribute=_attribute(attribute),
        condition=condition,
        raw_condition=raw_condition,
        options=raw.get("attributeMatchOptions"),
        inverted=is_true(raw.get("invertCondition")),
    )


def _attribute(value: object) -> Attribute:
    if isinstance(value, str):
        value = {"ref": value}
    if not isinstance(value, Mapping):
        return Attribute(AttributeKind.INVALID, {})
    kind = value.get("__type")
    ref = value.get("ref")
    if kind == "CustomAttributeReference":
        return Attribute(AttributeKind.CUSTOM, value)
    if kind == "LyticsAttributeReference":
        return Attribute(AttributeKind.LYTICS, value)
    if kind == "PresetAttributeReference" or (
        kind is None and isinstance(ref, str) and ref.strip().upper() in PRESET_REFS
    ):
        return Attribute(AttributeKind.PRESET, value)
    return Attribute(AttributeKind.OTHER, value)


def is_true(value: object) -> bool:
    """`invertCondition` as given: `true`, or the string "true" in any case."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")
