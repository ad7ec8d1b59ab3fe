"""A change's rule tree to an upstream definition: each attribute resolved in the project, then composed.

An attribute is a preset name (`COUNTRY`, `device_type`, ...) or a custom attribute's key or uid, looked up
in the project's attributes (read fresh by the plan); anything else is one sentence naming list_attributes.
The checks of operators and values, and the composition itself, are `rules.compose`'s; the count of rules
against Contentstack's limit is checked here.
"""

from __future__ import annotations

from typing import Any

from personalize_mcp.answers.writes.changes import ConditionIn, RuleTreeIn
from personalize_mcp.answers.writes.drafting import Planning
from personalize_mcp.contentstack.models.audiences import Attribute
from personalize_mcp.rules.compose import (
    MAX_RULES,
    AttributeRef,
    Condition,
    Group,
    check_condition,
    compose,
    rule_count,
)
from personalize_mcp.rules.model import PRESET_REFS
from personalize_mcp.runtime.errors import InvalidInputError, NotFoundError, UserFacingError, quoted


async def definition_of(planning: Planning, tree: RuleTreeIn) -> dict[str, Any]:
    """The upstream `definition` of a change's rules (refusals as one sentence)."""
    try:
        attributes = await planning.reads.attributes()
    except UserFacingError:
        attributes = []  # presets still resolve; a custom attribute then cannot be named
    group = _group(tree, attributes, 0)
    count = rule_count(group)
    if count > MAX_RULES:
        raise InvalidInputError(f"The rules hold {count} conditions, more than Contentstack allows ({MAX_RULES}).")
    return compose(group)


def _group(tree: RuleTreeIn, attributes: list[Attribute], depth: int) -> Group:
    if depth > 8:
        raise InvalidInputError("rules nest at most 8 groups deep.")
    children = tuple(
        _group(child, attributes, depth + 1) if isinstance(child, RuleTreeIn) else _condition(child, attributes)
        for child in tree.children
    )
    return Group("AND" if tree.all is not None else "OR", children)


def _condition(condition: ConditionIn, attributes: list[Attribute]) -> Condition:
    return check_condition(
        Condition(
            _attribute(condition.attribute, attributes),
            condition.operator.strip().lower(),
            condition.value,
            condition.negate,
        )
    )


def _attribute(name: str, attributes: list[Attribute]) -> AttributeRef:
    text = name.strip()
    for attribute in attributes:
        if text in (attribute.uid, attribute.key):
            if attribute.kind == "PRESET" and attribute.key:
                return AttributeRef("preset", attribute.key.strip().upper())
            return AttributeRef("custom", attribute.uid)
    preset = text.upper().replace(" ", "_")
    if preset in PRESET_REFS:
        return AttributeRef("preset", preset)
    raise NotFoundError(
        f"Attribute {quoted(text)} is neither a preset ({', '.join(PRESET_REFS)}) nor the key or uid of a custom "
        "attribute of the project; call list_attributes."
    )
