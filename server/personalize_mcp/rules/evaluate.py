"""Evaluate a rule tree for a described visitor: three-valued (true / false / undecided), with a trace.

The second reader of the rule model (`rules.model`), beside `render`. It follows contentstack-api.md §7
(how the Edge evaluates a visitor) as far as the published documents go, and says where it has to choose:

* **Undecided, not guessed.** A rule whose attribute the visitor does not give is undecided (None), and
  so is one this module cannot evaluate (an unknown condition or attribute type, a custom attribute uid
  the project no longer lists, a rule value it cannot read): never an exception. A value given as
  `null` is a value known to be absent (an IP the Edge could not place), so `country equals "AU"` is
  then false, not undecided.
* **Three-valued logic** (Kleene): AND with a false child is false, OR with a true child is true,
  otherwise undecided unless every child is decided; `invertCondition` negates true and false and
  leaves undecided alone. A combination whose children were cut (`truncated`) treats the missing ones
  as undecided.
* **Text** (`STRING_EQUALS`, `CONTAINS_SUBSTRING`, JSON-match values, Lytics slugs, flow states) compares
  by `CASE_RULE`, in `text_match` only.
* **Types are strict**, as Contentstack's are: a number rule on a string ("5") fails, and says that the
  value was sent as text; likewise true/false rules on anything but a boolean, text rules on numbers.
* **Times** (`BEFORE_TIME`, `AFTER_TIME`, `BETWEEN_TIME`) compare the visitor's moment (an aware
  datetime) with the rule's value: an instant (ISO date-time, or epoch seconds / milliseconds); a
  date, which stands for its whole day (before = earlier than that day, after = later than it,
  between = from the first day's start to the last day's end); or a time of day (`09:30`, between may
  wrap midnight). A rule value without an offset is read in the rule's time zone (`timezone` option)
  when it names one, else in UTC; days and times of day are read in the rule's time zone, else in the
  visitor's own offset. The trace says which.
* **Custom attributes** are found by key, case-sensitive: the rule names the attribute's uid and
  `AttributeIndex` maps uid -> key (from the project's `GET /attributes`).
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from personalize_mcp.rules.model import Attribute, AttributeKind, Combination, Node, Rule, Unrecognised
from personalize_mcp.rules.options import option_flow, option_range, option_timezone, option_values
from personalize_mcp.rules.render import render_tree
from personalize_mcp.rules.subjects import Subject, subject_of
from personalize_mcp.rules.wording import NO_VALUE, Operand, clip, format_datetime, quote, value_text

__all__ = [
    "CASE_RULE",
    "MAX_TRACE_STEPS",
    "PRESET_FIELDS",
    "AttributeIndex",
    "Evaluation",
    "Scalar",
    "Step",
    "Visitor",
    "combine",
    "evaluate",
    "text_match",
]

Scalar = str | int | float | bool | None

CASE_RULE = (
    "text compares ignoring case (Unicode case folding) and exactly otherwise; a match that needed "
    "case to be ignored says so, since the Edge may compare case exactly"
)
"""The one case rule of every text comparison (stated in answers, applied by `text_match`)."""

MAX_TRACE_STEPS = 300
"""Trace lines kept per evaluation (an audience holds at most 100 rules [doc]); the rest is counted."""
MAX_WHY_CHARS = 400
MAX_RULE_CHARS = 200

PRESET_FIELDS: dict[str, str] = {
    "COUNTRY": "country",
    "REGION": "region",
    "CITY": "city",
    "DEVICE_TYPE": "device_type",
    "OPERATING_SYSTEM": "operating_system",
    "REFERRER": "referrer",
}
"""Preset refs read from a visitor field of the same meaning (query parameters and time are apart)."""

QUERY_FIELD = "url (or query_parameters)"
LYTICS_AUDIENCES_FIELD = "lytics_audiences"
LYTICS_FLOWS_FIELD = "lytics_flows"

_TEXT_CONDITIONS = ("STRING_EQUALS", "CONTAINS_SUBSTRING")
_NUMBER_CONDITIONS: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    "NUMBER_LESS_THAN": ("less than", operator.lt),
    "NUMBER_GREATER_THAN": ("greater than", operator.gt),
    "NUMBER_EQUAL_TO": ("equal to", operator.eq),
}
_TIME_CONDITIONS = ("BEFORE_TIME", "AFTER_TIME", "BETWEEN_TIME")
_NUMERIC = re.compile(r"-?\d{1,30}(?:\.\d{1,30})?")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+-])(\d{1,2}):?(\d{2})?")


# --- inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Visitor:
    """What is known about one visitor. A field absent from a mapping is not given; None is "known to be absent"."""

    moment: datetime
    """When the visit happens (aware): `datetime` as given, else now."""
    presets: Mapping[str, str | None] = field(default_factory=dict)
    """Visitor field (`country`, `device_type`, ... see PRESET_FIELDS) -> value."""
    attributes: Mapping[str, Scalar] = field(default_factory=dict)
    """Custom attribute key (case-sensitive) -> scalar value."""
    query: Mapping[str, tuple[str, ...]] | None = None
    """Query parameters (from the URL, or given): name -> values; None when neither was given."""
    lytics_audiences: frozenset[str] | None = None
    lytics_flows: Mapping[str, str] | None = None
    """Lytics flow id -> the state the visitor is in."""
    moment_given: bool = True


@dataclass(frozen=True, slots=True)
class AttributeIndex:
    """The project's custom attributes as rules need them: uid -> key (case-sensitive), uid -> name."""

    keys: Mapping[str, str] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)
    readable: bool = True
    """False: the project's attributes could not be read, so no custom attribute can be resolved."""


# --- outputs -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """One trace line: a rule or a combination, its result and why."""

    depth: int
    rule: str
    result: bool | None
    because: str
    attribute: str | None = None
    expected: str | None = None
    observed: str | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    result: bool | None
    why: str
    """The decisive reasons in a few words (the rules that made it true, false or undecided)."""
    trace: tuple[Step, ...]
    needs: tuple[str, ...]
    """Visitor fields that would decide it (only when undecided, and only those that matter)."""
    omitted_steps: int = 0
    """Trace lines left out past MAX_TRACE_STEPS."""


@dataclass(frozen=True, slots=True)
class _Outcome:
    result: bool | None
    why: str
    needs: tuple[str, ...] = ()


# --- the one case rule -------------------------------------------------------------------------


def text_match(observed: str, expected: str, *, contains: bool = False) -> tuple[bool, bool]:
    """(matches, only because case was ignored) under CASE_RULE."""
    exact = expected in observed if contains else observed == expected
    if exact:
        return True, False
    folded_observed, folded_expected = observed.casefold(), expected.casefold()
    loose = folded_expected in folded_observed if contains else folded_observed == folded_expected
    return loose, loose


# --- evaluation --------------------------------------------------------------------------------


def evaluate(tree: Node | None, visitor: Visitor, attributes: AttributeIndex | None = None) -> Evaluation:
    """The tree's result for `visitor` with a trace in reading order (a combination before its rules).

    `tree` None is an audience without rules: everyone. Total: any tree gives an answer.
    """
    if tree is None:
        step = Step(0, "everyone (no rules)", True, "an audience without rules matches every visitor")
        return Evaluation(True, "no rules: everyone", (step,), ())
    run = _Run(visitor, attributes or AttributeIndex())
    outcome = run.node(tree, 0)
    return Evaluation(
        result=outcome.result,
        why=clip(outcome.why, MAX_WHY_CHARS),
        trace=tuple(run.steps),
        needs=outcome.needs if outcome.result is None else (),
        omitted_steps=run.omitted,
    )


def combine(
    operator: str, parts: Sequence[tuple[bool | None, str, tuple[str, ...]]]
) -> tuple[bool | None, str, tuple[str, ...]]:
    """Three-valued AND / OR of already evaluated parts (result, why, needs): the answer layer joins a
    variant's audiences with it. Returns (result, why, needs); any other operator is undecided."""
    outcome = _combine(operator.upper(), [_Outcome(r, w, n) for r, w, n in parts], truncated=False)
    return outcome.result, outcome.why, outcome.needs


class _Run:
    __slots__ = ("attributes", "omitted", "steps", "visitor")

    def __init__(self, visitor: Visitor, attributes: AttributeIndex) -> None:
        self.visitor = visitor
        self.attributes = attributes
        self.steps: list[Step] = []
        self.omitted = 0

    def add(self, step: Step) -> int | None:
        if len(self.steps) >= MAX_TRACE_STEPS:
            self.omitted += 1
            return None
        self.steps.append(step)
        return len(self.steps) - 1

    def node(self, node: Node, depth: int) -> _Outcome:
        if isinstance(node, Combination):
            return self.combination(node, depth)
        if isinstance(node, Rule):
            return self.rule(node, depth)
        return self.unrecognised(node, depth)

    def unrecognised(self, node: Unrecognised, depth: int) -> _Outcome:
        because = (
            "rules nested too deeply to read" if node.too_deep else "a rule this server cannot read, so it is undecided"
        )
        self.add(Step(depth, render_tree(node, self.attributes.names), None, because))
        return _Outcome(None, because)

    def combination(self, node: Combination, depth: int) -> _Outcome:
        text = clip(render_tree(node, self.attributes.names), MAX_RULE_CHARS)
        at = self.add(Step(depth, text, None, ""))
        if node.malformed:
            outcome = _Outcome(None, "a rule group this server cannot read")
        elif not node.children:
            outcome = _Outcome(True, "a group without rules matches everyone")
        else:
            children = [self.node(child, depth + 1) for child in node.children]
            outcome = _combine(node.operator, children, truncated=node.truncated)
        if node.inverted:
            outcome = _invert(outcome)
        if at is not None:
            self.steps[at] = Step(depth, text, outcome.result, _group_because(node, outcome))
        return outcome

    def rule(self, rule: Rule, depth: int) -> _Outcome:
        subject = subject_of(rule.attribute, rule.condition, rule.options, self.attributes.names)
        text = clip(render_tree(rule, self.attributes.names), MAX_RULE_CHARS)
        try:
            found = _Condition(self, rule, subject).evaluate()
        except Exception as error:  # never let one odd rule break an answer
            found = _Found(None, f"this rule could not be evaluated ({type(error).__name__})")
        result = found.result
        if rule.inverted and result is not None:
            result = not result
        because = found.because
        if rule.inverted and found.result is not None:
            because += " (the rule is inverted)"
        self.add(Step(depth, text, result, because, subject.text, found.expected, found.observed))
        return _Outcome(result, because, (found.need,) if result is None and found.need else ())


def _combine(operator: str, children: Sequence[_Outcome], *, truncated: bool) -> _Outcome:
    if operator not in ("AND", "OR"):
        shown = "an unreadable type" if operator == "?" else f"type {operator}"
        return _Outcome(None, f"the rules are combined with {shown}, which this server does not know")
    decisive = operator == "OR"
    hits = [c for c in children if c.result is decisive]
    if hits:
        return _Outcome(decisive, hits[0].why)
    undecided = [c for c in children if c.result is None]
    if undecided or truncated:
        needs = tuple(dict.fromkeys(n for c in undecided for n in c.needs))
        why = _joined([c.why for c in undecided]) if undecided else "some rules were not read (too many)"
        return _Outcome(None, why, needs)
    return _Outcome(not decisive, _joined([c.why for c in children]))


_NOT_ONE_OF = re.compile(r'(?P<head>.+ is .+), not (?P<value>"[^;]*)')


def _joined(reasons: Sequence[str]) -> str:
    """Reasons joined with "; ", repeats dropped and `x is "AU", not "DE"; x is "AU", not "FR"` merged into
    `x is "AU", not any of "DE", "FR"`, so a long OR reads in one breath."""
    merged: list[tuple[str, list[str]] | str] = []
    for reason in dict.fromkeys(reasons):
        found = _NOT_ONE_OF.fullmatch(reason)
        last = merged[-1] if merged else None
        if found and isinstance(last, tuple) and last[0] == found["head"]:
            last[1].append(found["value"])
        elif found:
            merged.append((found["head"], [found["value"]]))
        else:
            merged.append(reason)
    parts = [
        item
        if isinstance(item, str)
        else f"{item[0]}, not {item[1][0] if len(item[1]) == 1 else 'any of ' + ', '.join(item[1])}"
        for item in merged
    ]
    return clip("; ".join(parts), MAX_WHY_CHARS)


def _invert(outcome: _Outcome) -> _Outcome:
    if outcome.result is None:
        return outcome
    return _Outcome(not outcome.result, outcome.why, outcome.needs)


def _group_because(node: Combination, outcome: _Outcome) -> str:
    if node.malformed or not node.children or node.operator not in ("AND", "OR"):
        return outcome.why
    word = {True: "true", False: "false", None: "undecided"}
    if node.operator == "AND":
        base = {
            True: "every rule holds",
            False: "a rule fails",
            None: "no rule fails, but some are undecided",
        }
    else:
        base = {
            True: "a rule holds",
            False: "no rule holds",
            None: "no rule holds for sure, and some are undecided",
        }
    inner = (not outcome.result) if (node.inverted and outcome.result is not None) else outcome.result
    text = f"{node.operator}: {base[inner]}"
    if node.inverted:
        text += f"; the group is inverted, so it is {word[outcome.result]}"
    return text


# --- one rule ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Found:
    result: bool | None
    because: str
    need: str | None = None
    expected: str | None = None
    observed: str | None = None


_MISSING = object()


@dataclass(frozen=True, slots=True)
class _Observed:
    value: object
    """The visitor's value; `_MISSING` when not given."""
    field: str | None
    """The visitor field that would give it (`country`, `attributes.plan`), for `needs`."""
    label: str
    """How the value is named in a sentence ("country", "custom attribute "Plan" (key plan)")."""
    problem: str | None = None
    """Why it cannot be evaluated at all (an unknown attribute, say): undecided, nothing the visitor can add."""
    hint: str = ""


class _Condition:
    """One rule against the visitor."""

    __slots__ = ("condition", "rule", "run", "subject")

    def __init__(self, run: _Run, rule: Rule, subject: Subject) -> None:
        self.run = run
        self.rule = rule
        self.subject = subject
        self.condition = rule.condition

    @property
    def visitor(self) -> Visitor:
        return self.run.visitor

    def evaluate(self) -> _Found:
        condition = self.condition
        if condition is None:
            return _Found(None, "the rule has no readable condition")
        attribute = self.rule.attribute
        if condition in _TIME_CONDITIONS:
            return self.time()
        if attribute.kind is AttributeKind.LYTICS:
            return self.lytics()
        if condition == "IS_MEMBER_OF" or condition == "IS_IN_FLOW_STATE":
            return _Found(None, f"{_human(condition)} applies to Lytics attributes, not to {self.subject.text}")
        if attribute.kind is AttributeKind.PRESET and attribute.preset == "QUERY_PARAMETERS":
            return self.query()
        observed = self.observed()
        if observed.problem is not None:
            return _Found(None, observed.problem)
        if condition == "JSON_MATCH":
            return _Found(None, f"a JSON match applies to query parameters, not to {observed.label}")
        return self.scalar(observed)

    # -- where the value comes from

    def observed(self) -> _Observed:
        attribute = self.rule.attribute
        kind = attribute.kind
        if kind is AttributeKind.PRESET:
            preset = attribute.preset
            if preset in PRESET_FIELDS:
                name = PRESET_FIELDS[preset]
                return _Observed(self.visitor.presets.get(name, _MISSING), name, self.subject.text)
            if preset == "DATE_AND_TIME":
                return _Observed(
                    None, None, "date and time", problem="date and time takes a before, after or between rule"
                )
            shown = quote(preset) if preset else "without a name"
            return _Observed(
                None, None, self.subject.text, problem=f"the preset attribute {shown} is not one a visitor describes"
            )
        if kind is AttributeKind.CUSTOM:
            return self.custom(attribute)
        if kind is AttributeKind.INVALID:
            return _Observed(None, None, "unknown attribute", problem="the rule names no readable attribute")
        return _Observed(
            None, None, self.subject.text, problem=f"{self.subject.text} is of a type this server does not know"
        )

    def custom(self, attribute: Attribute) -> _Observed:
        ref = attribute.ref.strip() if attribute.ref else None
        index = self.run.attributes
        key = (index.keys.get(ref) if ref else None) or attribute.text(("key",))
        if key is None:
            label = self.subject.text
            if ref is None:
                return _Observed(None, None, label, problem="the rule names no custom attribute uid")
            if not index.readable:
                problem = f"the project's attributes could not be read, so the key of custom attribute {ref} is unknown"
            else:
                problem = (
                    f"custom attribute {ref} is not among the project's attributes (deleted?), so its key is "
                    "unknown (see list_attributes)"
                )
            return _Observed(None, None, label, problem=problem)
        label = f"{self.subject.text} (key {quote(key)})"
        attributes = self.visitor.attributes
        if key in attributes:
            return _Observed(attributes[key], f"attributes.{key}", label)
        near = [k for k in attributes if k.casefold() == key.casefold()]
        hint = f" (keys are case-sensitive: the visitor gives {quote(near[0])})" if near else ""
        return _Observed(_MISSING, f"attributes.{key}", label, hint=hint)

    # -- scalar conditions (presets and custom attributes)

    def scalar(self, observed: _Observed) -> _Found:
        condition = self.condition
        assert condition is not None
        shown = _shown(observed.value)
        if observed.value is _MISSING:
            return _Found(
                None,
                f"the visitor's {observed.label} is not given{observed.hint}",
                need=observed.field,
                expected=self.expected_text(),
                observed="(not given)",
            )
        value = observed.value
        if condition == "HAS_ANY_VALUE":
            has = value is not None and value != ""
            return _Found(
                has, f"{observed.label} is {shown}" if has else f"{observed.label} has no value", observed=shown
            )
        if condition in ("IS_TRUE", "IS_FALSE"):
            return self.boolean(observed, condition == "IS_TRUE")
        if condition in _NUMBER_CONDITIONS:
            return self.number(observed)
        if condition in _TEXT_CONDITIONS:
            return self.text(observed, value)
        return _Found(None, f"the condition {_human(condition)} is not one this server can simulate")

    def boolean(self, observed: _Observed, wanted: bool) -> _Found:
        value = observed.value
        expected = "true" if wanted else "false"
        shown = _shown(value)
        if value is None:
            return _Found(False, f"{observed.label} has no value", expected=expected, observed=shown)
        if not isinstance(value, bool):
            return _Found(
                False,
                f"{observed.label} is {_typed(value)}, not true or false: Contentstack compares types strictly, so "
                "send a JSON boolean",
                expected=expected,
                observed=shown,
            )
        verdict = value is wanted
        return _Found(verdict, f"{observed.label} is {shown}", expected=expected, observed=shown)

    def number(self, observed: _Observed) -> _Found:
        condition = self.condition
        assert condition is not None
        word, compare = _NUMBER_CONDITIONS[condition]
        values = option_values(self.rule.options, self.subject.consumed_option) or []
        target = next((n for v in values if (n := _number_of(v)) is not None), None)
        if target is None:
            return _Found(None, "the rule's number cannot be read")
        expected = f"{word} {_format_number(target)}"
        value = observed.value
        shown = _shown(value)
        if value is None:
            return _Found(False, f"{observed.label} has no value", expected=expected, observed=shown)
        if isinstance(value, bool) or not isinstance(value, int | float):
            why = f"{observed.label} is {_typed(value)}, not a number (Contentstack compares types strictly"
            if isinstance(value, str) and _NUMERIC.fullmatch(value.strip()):
                why += f": send {value.strip()} without quotes"
            why += ")"
            return _Found(False, why, expected=expected, observed=shown)
        if isinstance(value, float) and not math.isfinite(value):
            return _Found(False, f"{observed.label} is {shown}, not a finite number", expected=expected, observed=shown)
        verdict = compare(value, target)
        relation = word if verdict else f"not {word}"
        return _Found(
            verdict,
            f"{observed.label} is {shown}, {relation} {_format_number(target)}",
            expected=expected,
            observed=shown,
        )

    def text(self, observed: _Observed, value: object) -> _Found:
        contains = self.condition == "CONTAINS_SUBSTRING"
        wanted = self.texts()
        expected = self.expected_text()
        shown = _shown(value)
        if not wanted:
            return _Found(None, "the rule gives no text to compare with", observed=shown)
        if value is None or value == "":
            return _Found(False, f"{observed.label} has no value", expected=expected, observed=shown)
        if not isinstance(value, str):
            return _Found(
                False,
                f"{observed.label} is {_typed(value)}, not text: Contentstack compares types strictly",
                expected=expected,
                observed=shown,
            )
        return self.text_against(observed.label, (value,), wanted, contains, expected)

    def text_against(
        self, label: str, values: Sequence[str], wanted: Sequence[str], contains: bool, expected: str | None
    ) -> _Found:
        loose: tuple[str, str] | None = None
        for value in values:
            for target in wanted:
                matched, by_case = text_match(value, target, contains=contains)
                if matched and not by_case:
                    verb = "contains" if contains else "equals"
                    return _Found(
                        True,
                        f"{label} is {quote(value)}, which {verb} {quote(target)}",
                        expected=expected,
                        observed=_shown_values(values),
                    )
                if matched and loose is None:
                    loose = (value, target)
        shown = _shown_values(values)
        if loose is not None:
            verb = "contains" if contains else "equals"
            return _Found(
                True,
                f"{label} is {quote(loose[0])}, which {verb} {quote(loose[1])} only when case is ignored "
                "(the Edge may compare case exactly)",
                expected=expected,
                observed=shown,
            )
        verb = "does not contain" if contains else "is not"
        targets = _alternatives(wanted)
        return _Found(
            False,
            f"{label} is {shown}, which {verb} {targets}" if contains else f"{label} is {shown}, not {targets}",
            expected=expected,
            observed=shown,
        )

    def texts(self) -> list[str]:
        values = option_values(self.rule.options, self.subject.consumed_option) or []
        out: list[str] = []
        for value in values:
            if isinstance(value, str):
                out.append(value)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                out.append(_format_number(value))
        return out

    def expected_text(self) -> str | None:
        """What the rule wants, in words ("\"AU\"", "greater than 1", "true")."""
        condition = self.condition
        if condition == "HAS_ANY_VALUE":
            return "any value"
        if condition in ("IS_TRUE", "IS_FALSE"):
            return "true" if condition == "IS_TRUE" else "false"
        values = option_values(self.rule.options, self.subject.consumed_option)
        if not values:
            return None
        if condition in _NUMBER_CONDITIONS:
            number = next((n for v in values if (n := _number_of(v)) is not None), None)
            word = _NUMBER_CONDITIONS[condition][0]
            return f"{word} {_format_number(number)}" if number is not None else None
        kind = Operand.JSON if condition == "JSON_MATCH" else Operand.TEXT
        return _alternatives_of([value_text(v, kind) for v in values])

    # -- query parameters

    def query(self) -> _Found:
        query = self.visitor.query
        condition = self.condition
        parameter = self.parameter_name()
        if condition == "JSON_MATCH":
            return self.json_match(query)
        if parameter is None:
            return _Found(None, f"{self.subject.text} {_human(condition or '')} names no parameter to compare")
        label = f"query parameter {quote(parameter)}"
        if query is None:
            return _Found(
                None,
                f"the visitor's URL is not given, so {label} is unknown",
                need=QUERY_FIELD,
                expected=self.expected_text(),
                observed="(not given)",
            )
        values = query.get(parameter, ())
        if condition == "HAS_ANY_VALUE":
            has = any(v != "" for v in values)
            return _Found(
                has,
                f"{label} is {_shown_values(values)}" if has else f"{label} is not in the URL",
                observed=_shown_values(values),
            )
        if condition in _TEXT_CONDITIONS:
            wanted = self.texts()
            if not wanted:
                return _Found(None, "the rule gives no text to compare with")
            if not values:
                return _Found(False, f"{label} is not in the URL", expected=self.expected_text(), observed=NO_VALUE)
            return self.text_against(label, values, wanted, condition == "CONTAINS_SUBSTRING", self.expected_text())
        return _Found(None, f"{_human(condition or '')} does not apply to query parameters")

    def parameter_name(self) -> str | None:
        text = self.subject.text
        prefix = "query parameter "
        if not text.startswith(prefix):
            return None
        try:
            name = json.loads(text[len(prefix) :])
        except ValueError:
            return None
        return name if isinstance(name, str) else None

    def json_match(self, query: Mapping[str, tuple[str, ...]] | None) -> _Found:
        values = option_values(self.rule.options, self.subject.consumed_option)
        wanted = _json_object(values)
        parameter = self.parameter_name()
        if wanted is None and parameter is not None and values:
            wanted = {parameter: values[0]}  # the attribute names the parameter, the options its value
        expected = self.expected_text()
        if wanted is None:
            return _Found(None, "the rule's JSON cannot be read as query parameters", expected=expected)
        if query is None:
            return _Found(
                None,
                "the visitor's URL is not given, so its query parameters are unknown",
                need=QUERY_FIELD,
                expected=expected,
                observed="(not given)",
            )
        observed = _shown_query(query)
        holds: list[str] = []
        for name, target in wanted.items():
            texts = _json_texts(target)
            if texts is None:
                return _Found(
                    None,
                    f"the rule's value for query parameter {quote(name)} is not text",
                    expected=expected,
                    observed=observed,
                )
            given = query.get(name, ())
            label = f"query parameter {quote(name)}"
            if not given:
                return _Found(False, f"{label} is not in the URL", expected=expected, observed=observed)
            found = self.text_against(label, given, texts, False, expected)
            if not found.result:
                return _Found(False, found.because, expected=expected, observed=observed)
            holds.append(found.because)
        because = "; ".join(holds) if holds else "the rule's JSON names no parameter, so any URL matches"
        return _Found(True, because, expected=expected, observed=observed)

    # -- Lytics

    def lytics(self) -> _Found:
        condition = self.condition
        if condition == "IS_MEMBER_OF":
            slugs = [
                v for v in (option_values(self.rule.options, self.subject.consumed_option) or []) if isinstance(v, str)
            ]
            expected = _alternatives_of([quote(s) for s in slugs]) if slugs else None
            if not slugs:
                return _Found(None, "the rule names no Lytics audience")
            known = self.visitor.lytics_audiences
            if known is None:
                return _Found(
                    None,
                    "the visitor's Lytics audiences are not given",
                    need=LYTICS_AUDIENCES_FIELD,
                    expected=expected,
                    observed="(not given)",
                )
            members = sorted(known)
            shown = _shown_values(members) if members else "(none)"
            loose: str | None = None
            for slug in slugs:
                for member in members:
                    matched, by_case = text_match(member, slug)
                    if matched and not by_case:
                        return _Found(
                            True,
                            f"the visitor's Lytics audiences include {quote(slug)}",
                            expected=expected,
                            observed=shown,
                        )
                    if matched and loose is None:
                        loose = member
            if loose is not None:
                return _Found(
                    True,
                    f"the visitor's Lytics audiences include {quote(loose)}, a match only when case is ignored "
                    "(the Edge may compare case exactly)",
                    expected=expected,
                    observed=shown,
                )
            return _Found(
                False,
                f"the visitor's Lytics audiences ({shown}) do not include {_alternatives(slugs)}",
                expected=expected,
                observed=shown,
            )
        if condition == "IS_IN_FLOW_STATE":
            state, flow_id = option_flow(self.rule.options) or (None, None)
            if not isinstance(state, str) or not isinstance(flow_id, str):
                return _Found(None, "the rule's flow or state cannot be read")
            expected = f"state {quote(state)} of flow {quote(flow_id)}"
            flows = self.visitor.lytics_flows
            if flows is None:
                return _Found(
                    None,
                    "the visitor's Lytics flow states are not given",
                    need=LYTICS_FLOWS_FIELD,
                    expected=expected,
                    observed="(not given)",
                )
            current = flows.get(flow_id)
            if current is None:
                return _Found(
                    False,
                    f"the visitor is in no state of Lytics flow {quote(flow_id)}",
                    expected=expected,
                    observed=NO_VALUE,
                )
            matched, by_case = text_match(current, state)
            tail = " only when case is ignored (the Edge may compare case exactly)" if by_case else ""
            verdict = f"is in state {quote(current)}" + ("" if matched else f", not {quote(state)}")
            return _Found(
                matched,
                f"the visitor {verdict} of Lytics flow {quote(flow_id)}{tail}",
                expected=expected,
                observed=quote(current),
            )
        return _Found(
            None,
            f"{self.subject.text} is not part of a simulated visitor (only Lytics audiences and flow states are)",
        )

    # -- time

    def time(self) -> _Found:
        attribute = self.rule.attribute
        if attribute.kind is not AttributeKind.PRESET or attribute.preset != "DATE_AND_TIME":
            return _Found(None, f"time rules on {self.subject.text} cannot be simulated (only date and time)")
        zone_name = option_timezone(self.rule.options)
        zone: tzinfo | None = None
        if zone_name:
            zone = _zone(zone_name)
            if zone is None:
                return _Found(None, f"the rule's time zone {quote(zone_name)} is not one this server knows")
        moment = self.visitor.moment
        observed = format_datetime(moment)
        if moment.utcoffset() != timedelta(0):
            observed += f" ({format_datetime(moment.astimezone(UTC))})"
        if not self.visitor.moment_given:
            observed += " (now)"
        local_zone = zone or moment.tzinfo or UTC
        where = f" in {quote(zone_name)}" if zone_name else ""
        condition = self.condition
        if condition == "BETWEEN_TIME":
            pair = option_range(self.rule.options)
            if pair is None:
                return _Found(None, "the rule's time range cannot be read", observed=observed)
            start, end = _moment_of(pair[0], zone), _moment_of(pair[1], zone)
            if start is None or end is None or type(start) is not type(end):
                return _Found(None, "the rule's time range cannot be read", observed=observed)
            expected = f"between {_time_text(start)} and {_time_text(end)}{where}"
            inside = _between(moment, start, end, local_zone)
            relation = "inside" if inside else "outside"
            return _Found(
                inside,
                f"the visit at {observed} is {relation} {_time_text(start)} – {_time_text(end)}{where}",
                expected=expected,
                observed=observed,
            )
        values = option_values(self.rule.options, None) or []
        point = next((m for v in values if (m := _moment_of(v, zone)) is not None), None)
        if point is None:
            return _Found(None, "the rule's time cannot be read", observed=observed)
        before = condition == "BEFORE_TIME"
        word = "before" if before else "after"
        expected = f"{word} {_time_text(point)}{where}"
        verdict = _before(moment, point, local_zone) if before else _after(moment, point, local_zone)
        relation = word if verdict else f"not {word}"
        return _Found(
            verdict,
            f"the visit at {observed} is {relation} {_time_text(point)}{where}",
            expected=expected,
            observed=observed,
        )


# --- times ---------------------------------------------------------------------------------------

_Moment = datetime | date | time
"""An instant (aware datetime), a whole day, or a time of day."""


def _zone(name: str) -> tzinfo | None:
    text = name.strip()
    if text.upper() in ("UTC", "GMT", "Z"):
        return UTC
    offset = _OFFSET.fullmatch(text)
    if offset:
        hours, minutes = int(offset[2]), int(offset[3] or 0)
        if hours > 23 or minutes > 59:
            return None
        delta = timedelta(hours=hours, minutes=minutes)
        return timezone(delta if offset[1] == "+" else -delta)
    if len(text) > 64 or ".." in text or text.startswith("/"):
        return None
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _moment_of(value: object, zone: tzinfo | None) -> _Moment | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _epoch(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _NUMERIC.fullmatch(text):
        return _epoch(float(text))
    clock = _CLOCK.fullmatch(text)
    if clock:
        hour, minute, second = int(clock[1]), int(clock[2]), int(clock[3] or 0)
        if hour > 23 or minute > 59 or second > 59:
            return None
        return time(hour, minute, second)
    if _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    if len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or UTC)
    return moment


def _epoch(value: float) -> datetime | None:
    if not math.isfinite(value) or value < 0:
        return None
    seconds = value / 1000 if value >= 1e11 else value
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _bounds(point: _Moment, zone: tzinfo) -> tuple[datetime, datetime] | None:
    """A day's (or an instant's) start and end as instants; None for a time of day."""
    if isinstance(point, datetime):
        return point, point
    if isinstance(point, date):
        start = datetime.combine(point, time(0), tzinfo=zone)
        return start, start + timedelta(days=1)
    return None


def _clock(moment: datetime, zone: tzinfo) -> time:
    return moment.astimezone(zone).time().replace(microsecond=0, tzinfo=None)


def _before(moment: datetime, point: _Moment, zone: tzinfo) -> bool:
    bounds = _bounds(point, zone)
    if bounds is None:
        assert isinstance(point, time)
        return _clock(moment, zone) < point
    return moment < bounds[0]


def _after(moment: datetime, point: _Moment, zone: tzinfo) -> bool:
    bounds = _bounds(point, zone)
    if bounds is None:
        assert isinstance(point, time)
        return _clock(moment, zone) > point
    start, end = bounds
    return moment > start if start == end else moment >= end


def _between(moment: datetime, start: _Moment, end: _Moment, zone: tzinfo) -> bool:
    if isinstance(start, time) and isinstance(end, time):
        now = _clock(moment, zone)
        return start <= now <= end if start <= end else now >= start or now <= end
    first, last = _bounds(start, zone), _bounds(end, zone)
    if first is None or last is None:
        return False
    if last[0] == last[1]:  # an instant: inclusive
        return first[0] <= moment <= last[1]
    return first[0] <= moment < last[1]  # a day: up to its end


def _time_text(point: _Moment) -> str:
    if isinstance(point, datetime):
        return format_datetime(point)
    if isinstance(point, date):
        return point.isoformat()
    return point.isoformat(timespec="minutes" if point.second == 0 else "seconds")


# --- small words ---------------------------------------------------------------------------------


def _human(condition: str) -> str:
    return condition.replace("_", " ").lower()


def _shown(value: object) -> str:
    if value is _MISSING:
        return "(not given)"
    return value_text(value, Operand.TEXT)


def _shown_values(values: Sequence[str]) -> str:
    if not values:
        return NO_VALUE
    return _alternatives_of([quote(v) for v in values])


def _shown_query(query: Mapping[str, tuple[str, ...]]) -> str:
    if not query:
        return "(no query parameters)"
    parts = [f"{name}={','.join(values)}" for name, values in list(query.items())[:10]]
    return clip("?" + "&".join(parts), 120)


def _alternatives(values: Sequence[str]) -> str:
    return _alternatives_of([quote(v) for v in values])


def _alternatives_of(shown: Sequence[str]) -> str:
    if len(shown) == 1:
        return shown[0]
    head = ", ".join(shown[:5])
    more = f" and {len(shown) - 5} more" if len(shown) > 5 else ""
    return f"any of {head}{more}"


def _typed(value: object) -> str:
    if isinstance(value, str):
        return f"the text {quote(value)}"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, int | float):
        return f"the number {_format_number(value)}"
    return value_text(value, Operand.TEXT)


def _number_of(value: object) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value if not isinstance(value, float) or math.isfinite(value) else None
    if isinstance(value, str) and _NUMERIC.fullmatch(value.strip()):
        number = float(value.strip())
        return int(number) if number.is_integer() and "." not in value else number
    return None


def _format_number(value: float | int) -> str:
    return value_text(value, Operand.NUMBER)


def _json_object(values: list[object] | None) -> dict[str, object] | None:
    if not values:
        return None
    value = values[0]
    if isinstance(value, str) and len(value) <= 10_000:
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        return {str(k): v for k, v in value.items()}
    return None


def _json_texts(value: object) -> list[str] | None:
    """A JSON-match value as the text(s) a query parameter must equal (any of a list)."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, int | float):
            out.append(_format_number(item))
        else:
            return None
    return out or None
