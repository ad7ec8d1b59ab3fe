"""What every condition family is given (`RuleCheck`) and returns (`Found`), and the condition tables.

A family never raises for an odd rule or visitor: it returns a `Found` whose result is None (undecided),
with the visitor field that would decide it when there is one.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

from personalize_mcp.rules.model import Rule
from personalize_mcp.rules.subjects import Subject
from personalize_mcp.rules.visitor import AttributeIndex, Visitor

__all__ = ["MISSING", "NUMBER_CONDITIONS", "TEXT_CONDITIONS", "TIME_CONDITIONS", "Found", "RuleCheck"]

TEXT_CONDITIONS = ("STRING_EQUALS", "CONTAINS_SUBSTRING")
NUMBER_CONDITIONS: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    "NUMBER_LESS_THAN": ("less than", operator.lt),
    "NUMBER_GREATER_THAN": ("greater than", operator.gt),
    "NUMBER_EQUAL_TO": ("equal to", operator.eq),
}
"""Number condition -> (its words, its comparison)."""
TIME_CONDITIONS = ("BEFORE_TIME", "AFTER_TIME", "BETWEEN_TIME")

MISSING = object()
"""An observed value the visitor does not give (None is a value known to be absent)."""


@dataclass(frozen=True, slots=True)
class RuleCheck:
    """One rule to check against the visitor: what every condition family reads."""

    rule: Rule
    subject: Subject
    """What the rule tests, in words (and which option names it, `consumed_option`)."""
    visitor: Visitor
    attributes: AttributeIndex

    @property
    def condition(self) -> str | None:
        return self.rule.condition


@dataclass(frozen=True, slots=True)
class Found:
    """One rule's result before inversion, why, the visitor field that would decide it, and the trace values."""

    result: bool | None
    because: str
    need: str | None = None
    expected: str | None = None
    observed: str | None = None
