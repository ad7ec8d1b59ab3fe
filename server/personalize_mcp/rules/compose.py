"""The inverse of `model.parse_definition`: the contract's rule tree -> an upstream `definition`.

The tree (CONTRACT.md, "Guarded writes"): a group `{"all": [...]}` / `{"any": [...]}` of groups and
conditions `{"attribute", "operator", "value"?, "negate"?}`. Here it is already resolved -- the attribute
is a preset ref or a custom attribute's uid -- and checked: each operator takes the values and the
attributes it can test. `compose` writes the JSON Contentstack stores (contentstack-api.md §2), in the
spellings the seed and Contentstack's own exports use; `decompose` reads such a definition back into a
tree (None for what the tree grammar cannot say, e.g. a Lytics rule), so `decompose(parse(compose(t))) == t`
holds for every tree, and `render` words the composed definition exactly as `get_single_audience` will.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from personalize_mcp.rules.model import AttributeKind, Combination, Node, Rule, parse_definition
from personalize_mcp.rules.options import option_range, option_values
from personalize_mcp.runtime.errors import InvalidInputError

MAX_RULES = 50
"""Rules an audience may hold by default (contentstack-api.md §8: `RULE_COUNT_EXCEEDED`)."""
MAX_DEPTH = 8
TEXT_PRESETS = ("COUNTRY", "REGION", "CITY", "DEVICE_TYPE", "OPERATING_SYSTEM", "REFERRER")
TIME_PRESET = "DATE_AND_TIME"
Operand = Literal["none", "text", "number", "time", "range"]

OPERATORS: dict[str, tuple[str, str | None, Operand]] = {
    "equals": ("STRING_EQUALS", "StringMatchOptions", "text"),
    "contains": ("CONTAINS_SUBSTRING", "StringMatchOptions", "text"),
    "has_value": ("HAS_ANY_VALUE", None, "none"),
    "is_true": ("IS_TRUE", None, "none"),
    "is_false": ("IS_FALSE", None, "none"),
    "greater_than": ("NUMBER_GREATER_THAN", "NumberMatchOptions", "number"),
    "less_than": ("NUMBER_LESS_THAN", "NumberMatchOptions", "number"),
    "equal_to": ("NUMBER_EQUAL_TO", "NumberMatchOptions", "number"),
    "before": ("BEFORE_TIME", "DateTimeMatchOptions", "time"),
    "after": ("AFTER_TIME", "DateTimeMatchOptions", "time"),
    "between": ("BETWEEN_TIME", "DateTimeRangeMatchOptions", "range"),
}
"""Operator -> (match condition, options type, what the value is)."""
_BY_CONDITION = {condition: name for name, (condition, _, _) in OPERATORS.items()}


@dataclass(frozen=True, slots=True)
class AttributeRef:
    kind: Literal["preset", "custom"]
    ref: str
    """A preset ref in upper case (`COUNTRY`) or a custom attribute's uid."""


@dataclass(frozen=True, slots=True)
class Condition:
    attribute: AttributeRef
    operator: str
    value: Any = None
    """text: str; number: int or float; time: ISO 8601 in UTC ("2026-01-31T00:00:00.000Z"); range: (start, end)."""
    negate: bool = False


@dataclass(frozen=True, slots=True)
class Group:
    operator: Literal["AND", "OR"]
    children: tuple[Group | Condition, ...]


def check_condition(condition: Condition) -> Condition:
    """The condition with its value in the stored spelling; one sentence when it cannot be sent."""
    if condition.operator not in OPERATORS:
        raise InvalidInputError(f"operator {condition.operator[:30]!r} is not one of: {', '.join(OPERATORS)}.")
    operand = OPERATORS[condition.operator][2]
    attribute = condition.attribute
    if attribute.kind == "preset":
        text_ok = attribute.ref in TEXT_PRESETS and (operand == "text" or condition.operator == "has_value")
        time_ok = attribute.ref == TIME_PRESET and operand in ("time", "range")
        if not (text_ok or time_ok):
            raise InvalidInputError(
                f"The preset attribute {attribute.ref} cannot be tested with {condition.operator}; presets take "
                "equals, contains or has_value (DATE_AND_TIME: before, after or between), custom attributes any."
            )
    return Condition(attribute, condition.operator, _value(condition.operator, operand, condition.value),
                     condition.negate)  # fmt: skip


def compose(tree: Group) -> dict[str, Any]:
    """The upstream `definition` of a checked tree (a `RuleCombination`)."""
    return _group(tree, 0)


def rule_count(tree: Group | Condition) -> int:
    if isinstance(tree, Condition):
        return 1
    return sum(rule_count(child) for child in tree.children)


def decompose(definition: object) -> Group | None:
    """The tree of an upstream definition, when the tree grammar can say it (the inverse of `compose`)."""
    node = parse_definition(definition)
    tree = _tree(node, 0)
    return tree if isinstance(tree, Group) else None


def _group(group: Group, depth: int) -> dict[str, Any]:
    if depth > MAX_DEPTH:
        raise InvalidInputError(f"rules nest at most {MAX_DEPTH} groups deep.")
    rules = [_group(c, depth + 1) if isinstance(c, Group) else _rule(c) for c in group.children]
    return {"__type": "RuleCombination", "combinationType": group.operator, "rules": rules}


def _rule(condition: Condition) -> dict[str, Any]:
    match, options_type, operand = OPERATORS[condition.operator]
    kind = "PresetAttributeReference" if condition.attribute.kind == "preset" else "CustomAttributeReference"
    rule: dict[str, Any] = {
        "__type": "Rule",
        "attribute": {"__type": kind, "ref": condition.attribute.ref},
        "attributeMatchCondition": match,
    }
    if options_type is not None:
        options: dict[str, Any] = {"__type": options_type}
        if operand == "range":
            options["start"], options["end"] = condition.value
        else:
            options["value"] = condition.value
        rule["attributeMatchOptions"] = options
    rule["invertCondition"] = condition.negate
    return rule


def _value(operator: str, operand: Operand, value: object) -> Any:
    if operand == "none":
        if value is not None:
            raise InvalidInputError(f"{operator} takes no value; leave value out.")
        return None
    if operand == "text":
        if not isinstance(value, str) or not value.strip() or len(value) > 500:
            raise InvalidInputError(f"{operator} needs value: a text of 1-500 characters.")
        return value
    if operand == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise InvalidInputError(f"{operator} needs value: a number.")
        return value
    if operand == "time":
        return _time(operator, value)
    pair = value if isinstance(value, list | tuple) and len(value) == 2 else None
    if pair is None:
        raise InvalidInputError(f"{operator} needs value: [start, end], two ISO 8601 times.")
    start, end = _time(operator, pair[0]), _time(operator, pair[1])
    if start >= end:
        raise InvalidInputError(f"{operator} needs its start before its end.")
    return (start, end)


def _time(operator: str, value: object) -> str:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise InvalidInputError(f"{operator} needs ISO 8601 times, e.g. 2026-01-31T00:00:00Z.")
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _tree(node: Node, depth: int) -> Group | Condition | None:
    if isinstance(node, Combination):
        if node.inverted or node.malformed or node.truncated or node.operator not in ("AND", "OR") or depth > MAX_DEPTH:
            return None
        children = [_tree(child, depth + 1) for child in node.children]
        if any(child is None for child in children):
            return None
        return Group("AND" if node.operator == "AND" else "OR", tuple(c for c in children if c is not None))
    if not isinstance(node, Rule) or node.condition not in _BY_CONDITION:
        return None
    attribute = node.attribute
    if attribute.kind is AttributeKind.PRESET and attribute.preset:
        ref = AttributeRef("preset", attribute.preset)
    elif attribute.kind is AttributeKind.CUSTOM and attribute.ref:
        ref = AttributeRef("custom", attribute.ref)
    else:
        return None
    operator = _BY_CONDITION[node.condition]
    operand = OPERATORS[operator][2]
    value: Any = None
    if operand == "range":
        pair = option_range(node.options)
        value = tuple(pair) if pair is not None else None
    elif operand != "none":
        values = option_values(node.options)
        value = values[0] if values and len(values) == 1 else None
    return Condition(ref, operator, value, node.inverted)
