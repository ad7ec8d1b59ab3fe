"""Render an audience `definition` (a tree of rules) as one line of plain words.

Why: a model or a person reasons about an audience far better from
`country equals "AU" AND (device type equals "MOBILE" OR operating system equals "iOS")` than from
the nested JSON the API returns. This reads the rule model (`rules.model`), which is total; the
renderer adds its own guarantees: it never raises, names what it cannot read with a short
placeholder instead of dumping JSON, and keeps its output bounded so one odd audience cannot
flood a tool response.
"""

from __future__ import annotations

from dataclasses import dataclass

from personalize_mcp.rules.model import (
    MAX_DEPTH,
    Combination,
    Node,
    Rule,
    is_empty_definition,
    parse_definition,
    parse_node,
)
from personalize_mcp.rules.options import (
    option_flow,
    option_range,
    option_timezone,
    option_values,
)
from personalize_mcp.rules.subjects import AttributeNames, Subject, humanize, subject_of
from personalize_mcp.rules.wording import (
    ELLIPSIS,
    MAX_LIST_VALUES,
    MAX_VALUE_CHARS,
    NO_VALUE,
    Operand,
    clip,
    quote,
    value_text,
)

__all__ = [
    "EVERYONE",
    "MAX_DEPTH",
    "MAX_OUTPUT_CHARS",
    "MAX_VALUE_CHARS",
    "UNRECOGNISED_RULE",
    "render_definition",
    "render_rule",
    "render_tree",
]

EVERYONE = "everyone (no rules)"
UNRECOGNISED_RULE = "(unrecognised rule)"
MAX_OUTPUT_CHARS = 2000

_TOO_DEEP = "(rules nested too deeply)"
_EMPTY_GROUP = "(no rules)"
_UNKNOWN_CONDITION = "(unknown condition)"


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


# condition -> (positive phrase, inverted phrase, operand)
_CONDITIONS: dict[str, tuple[str, str, Operand]] = {
    "STRING_EQUALS": ("equals", "does not equal", Operand.TEXT),
    "CONTAINS_SUBSTRING": ("contains", "does not contain", Operand.TEXT),
    "HAS_ANY_VALUE": ("has a value", "has no value", Operand.NONE),
    "IS_TRUE": ("is true", "is not true", Operand.NONE),
    "IS_FALSE": ("is false", "is not false", Operand.NONE),
    "NUMBER_LESS_THAN": ("is less than", "is not less than", Operand.NUMBER),
    "NUMBER_GREATER_THAN": ("is greater than", "is not greater than", Operand.NUMBER),
    "NUMBER_EQUAL_TO": ("equals", "does not equal", Operand.NUMBER),
    "JSON_MATCH": ("matches", "does not match", Operand.JSON),
    "IS_MEMBER_OF": ("is a member of", "is not a member of", Operand.MEMBER),
    "BEFORE_TIME": ("is before", "is not before", Operand.TIME),
    "AFTER_TIME": ("is after", "is not after", Operand.TIME),
    "BETWEEN_TIME": ("is between", "is not between", Operand.RANGE),
    "IS_IN_FLOW_STATE": ("is in", "is not in", Operand.FLOW),
}


def render_definition(definition: object, attribute_names: AttributeNames | None = None) -> str:
    """Render an audience `definition` as one bounded line; `everyone (no rules)` when it has none.

    Total by design: any input (None, lists, wrong types, cycles, deep nesting) gives a non-empty
    string of at most `MAX_OUTPUT_CHARS` characters, because a listing tool must not fail on one
    malformed audience. `attribute_names` maps custom attribute uids to their names (from the
    project's `GET /attributes`), so rules read "custom attribute "Lifetime orders"" not a uid.
    """
    try:
        if is_empty_definition(definition):
            return EVERYONE
        return render_tree(parse_definition(definition), attribute_names)
    except Exception:  # never let one odd audience break a response
        return UNRECOGNISED_RULE


def render_rule(rule: object) -> str:
    """Render one rule (or a rule combination) on its own, with the same guarantees as above."""
    try:
        return _finish(_Renderer(None).node(parse_node(rule), 0).text)
    except Exception:  # never let one odd rule break a response
        return UNRECOGNISED_RULE


def render_tree(tree: Node | None, attribute_names: AttributeNames | None = None) -> str:
    """Render an already parsed definition (`rules.model.parse_audience`; None is everyone). Never raises."""
    if tree is None:
        return EVERYONE
    try:
        return _finish(_Renderer(attribute_names).node(tree, 0).text)
    except Exception:  # never let one odd audience break a response
        return UNRECOGNISED_RULE


# --- tree --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rendered:
    text: str
    compound: bool  # a bare `a AND b`: needs parentheses when nested in another combination


def _finish(text: str) -> str:
    if not text:
        return UNRECOGNISED_RULE
    return clip(text, MAX_OUTPUT_CHARS)


class _Renderer:
    """One rendering: the attribute names to use, and the characters still free.

    Rendering stops adding siblings once the budget is spent (a "…" stands for the rest)."""

    __slots__ = ("names", "remaining")

    def __init__(self, names: AttributeNames | None) -> None:
        self.names = names or {}
        self.remaining = MAX_OUTPUT_CHARS

    def spend(self, text: str) -> str:
        self.remaining -= len(text)
        return text

    @property
    def exhausted(self) -> bool:
        return self.remaining <= 0

    def node(self, node: Node, depth: int) -> _Rendered:
        if isinstance(node, Combination):
            return self.combination(node, depth)
        if isinstance(node, Rule):
            return _Rendered(self.spend(_rule_text(node, self.names)), compound=False)
        if node.note is not None:
            return _Rendered(self.spend(f"({node.note})"), compound=False)
        return _Rendered(self.spend(_TOO_DEEP if node.too_deep else UNRECOGNISED_RULE), compound=False)

    def combination(self, node: Combination, depth: int) -> _Rendered:
        if node.malformed:
            return _Rendered(self.spend(UNRECOGNISED_RULE), compound=False)
        if not node.children:
            return _Rendered(self.spend(EVERYONE if depth == 0 else _EMPTY_GROUP), compound=False)
        joiner = f" {node.operator} "
        children: list[_Rendered] = []
        for child in node.children:
            if children and self.exhausted:
                children.append(_Rendered(ELLIPSIS, compound=False))
                break
            rendered = self.node(child, depth + 1)
            if children and self.exhausted:  # this sibling overflowed the cap: show "…" instead
                children.append(_Rendered(ELLIPSIS, compound=False))
                break
            children.append(rendered)
            self.spend(joiner + ("()" if rendered.compound else ""))
        else:
            if node.truncated:
                children.append(_Rendered(ELLIPSIS, compound=False))
        if len(children) == 1:
            result = children[0]
        else:
            parts = [f"({c.text})" if c.compound else c.text for c in children]
            result = _Rendered(joiner.join(parts), compound=True)
        if node.inverted:
            return _Rendered(f"not ({result.text})", compound=False)
        return result


# --- one rule ----------------------------------------------------------------------------------


def _rule_text(rule: Rule, names: AttributeNames) -> str:
    condition = rule.condition
    subject = subject_of(rule.attribute, condition, rule.options, names)
    positive, negative = _predicate(condition, rule.raw_condition, rule.options, subject)
    if subject.plural:
        positive = _pluralize(positive)
        negative = _pluralize(negative) if negative is not None else None
    if not rule.inverted:
        return f"{subject.text} {positive}"
    if negative is not None:
        return f"{subject.text} {negative}"
    return f"not ({subject.text} {positive})"


def _pluralize(predicate: str) -> str:
    first, _, rest = predicate.partition(" ")
    plural = _PLURAL_VERBS.get(first)
    if plural is None:
        return predicate
    return f"{plural} {rest}" if rest else plural


# --- predicates --------------------------------------------------------------------------------


def _predicate(
    condition: str | None, raw_condition: object, options: object, subject: Subject
) -> tuple[str, str | None]:
    """Return (positive phrase, inverted phrase or None when English has no natural negation)."""
    known = _CONDITIONS.get(condition) if condition is not None else None
    if known is None:
        words = _UNKNOWN_CONDITION
        if condition is not None and isinstance(raw_condition, str):
            words = humanize(raw_condition.strip())
        operand = _generic_operand(options, subject)
        return (f"{words} {operand}" if operand else words), None
    positive, negative, kind = known
    if kind is Operand.NONE:
        return positive, negative
    operand = _operand(kind, options, subject)
    return f"{positive} {operand}", f"{negative} {operand}"


def _operand(kind: Operand, options: object, subject: Subject) -> str:
    if kind is Operand.RANGE:
        pair = option_range(options)
        if pair is not None:
            text = f"{value_text(pair[0], Operand.TIME)} and {value_text(pair[1], Operand.TIME)}"
            return text + _timezone_note(options)
    if kind is Operand.FLOW:
        flow = option_flow(options)
        if flow is not None:
            state = value_text(flow[0], Operand.TEXT)
            return f"state {state} of {subject.flow_noun} {value_text(flow[1], Operand.TEXT)}"
    values = option_values(options, subject.consumed_option)
    if values is None:
        return NO_VALUE
    value_kind = Operand.TIME if kind is Operand.RANGE else kind
    text = _values_text(values, value_kind, subject.value_noun if kind is Operand.MEMBER else None)
    if kind in (Operand.TIME, Operand.RANGE):
        text += _timezone_note(options)
    return text


def _generic_operand(options: object, subject: Subject) -> str:
    values = option_values(options, subject.consumed_option)
    if values is None:
        return ""
    return _values_text(values, Operand.TEXT, None)


def _values_text(values: list[object], kind: Operand, noun: tuple[str, str] | None) -> str:
    shown = [value_text(v, kind) for v in values[:MAX_LIST_VALUES]]
    more = len(values) - len(shown)
    joined = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
    if len(values) == 1:
        return f"{noun[0]} {joined}" if noun else joined
    return f"any of {noun[1]} {joined}" if noun else f"any of {joined}"


def _timezone_note(options: object) -> str:
    zone = option_timezone(options)
    return f" (time zone {quote(zone)})" if zone else ""
