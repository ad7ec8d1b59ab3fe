"""Where a rule's value comes from in the visitor: a preset's field, or a custom attribute's key.

A custom attribute is found by key, case-sensitive: the rule names the attribute's uid and the project's
`AttributeIndex` maps uid -> key. An attribute that cannot be found is a `problem` (undecided, nothing the
visitor can add); a value the visitor does not give is `MISSING` (undecided, and the field is named).
"""

from __future__ import annotations

from dataclasses import dataclass

from personalize_mcp.rules.conditions.check import MISSING, RuleCheck
from personalize_mcp.rules.model import Attribute, AttributeKind
from personalize_mcp.rules.visitor import PRESET_FIELDS
from personalize_mcp.rules.wording import quote

__all__ = ["Observed", "observe"]


@dataclass(frozen=True, slots=True)
class Observed:
    """The visitor's value for a rule's attribute, the field that gives it, and how it is named."""

    value: object
    """The visitor's value; `MISSING` when not given."""
    field: str | None
    """The visitor field that would give it (`country`, `attributes.plan`), for `needs`."""
    label: str
    """How the value is named in a sentence ("country", "custom attribute "Plan" (key plan)")."""
    problem: str | None = None
    """Why it cannot be evaluated at all (an unknown attribute, say): undecided, nothing the visitor can add."""
    hint: str = ""


def observe(check: RuleCheck) -> Observed:
    """The visitor's value for the rule's (preset or custom) attribute."""
    attribute = check.rule.attribute
    kind = attribute.kind
    if kind is AttributeKind.PRESET:
        preset = attribute.preset
        if preset in PRESET_FIELDS:
            name = PRESET_FIELDS[preset]
            return Observed(check.visitor.presets.get(name, MISSING), name, check.subject.text)
        if preset == "DATE_AND_TIME":
            return Observed(None, None, "date and time", problem="date and time takes a before, after or between rule")
        shown = quote(preset) if preset else "without a name"
        return Observed(
            None, None, check.subject.text, problem=f"the preset attribute {shown} is not one a visitor describes"
        )
    if kind is AttributeKind.CUSTOM:
        return _custom(check, attribute)
    if kind is AttributeKind.INVALID:
        return Observed(None, None, "unknown attribute", problem="the rule names no readable attribute")
    return Observed(
        None, None, check.subject.text, problem=f"{check.subject.text} is of a type this server does not know"
    )


def _custom(check: RuleCheck, attribute: Attribute) -> Observed:
    ref = attribute.ref.strip() if attribute.ref else None
    index = check.attributes
    key = (index.keys.get(ref) if ref else None) or attribute.text(("key",))
    if key is None:
        label = check.subject.text
        if ref is None:
            return Observed(None, None, label, problem="the rule names no custom attribute uid")
        if not index.readable:
            problem = f"the project's attributes could not be read, so the key of custom attribute {ref} is unknown"
        else:
            problem = (
                f"custom attribute {ref} is not among the project's attributes (deleted?), so its key is "
                "unknown (see list_attributes)"
            )
        return Observed(None, None, label, problem=problem)
    label = f"{check.subject.text} (key {quote(key)})"
    attributes = check.visitor.attributes
    if key in attributes:
        return Observed(attributes[key], f"attributes.{key}", label)
    near = [k for k in attributes if k.casefold() == key.casefold()]
    hint = f" (keys are case-sensitive: the visitor gives {quote(near[0])})" if near else ""
    return Observed(MISSING, f"attributes.{key}", label, hint=hint)
