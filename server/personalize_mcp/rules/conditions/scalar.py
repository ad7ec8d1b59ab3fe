"""Conditions on one observed value (a preset's or a custom attribute's): any value, true/false, number, text.

Types are strict, as Contentstack's are: a number rule on a string ("5") fails, and says that the value was
sent as text; likewise true/false rules on anything but a boolean, text rules on numbers.
"""

from __future__ import annotations

import math

from personalize_mcp.rules.conditions.check import MISSING, NUMBER_CONDITIONS, TEXT_CONDITIONS, Found, RuleCheck
from personalize_mcp.rules.conditions.display import format_number, human, shown, typed
from personalize_mcp.rules.conditions.observed import Observed
from personalize_mcp.rules.conditions.rule_values import NUMERIC, expected_text, number_of, rule_texts
from personalize_mcp.rules.conditions.text import text_against
from personalize_mcp.rules.options import option_values

__all__ = ["check_scalar"]


def check_scalar(check: RuleCheck, observed: Observed) -> Found:
    """The rule's condition on `observed` (undecided when the visitor does not give it)."""
    condition = check.condition
    assert condition is not None
    text = shown(observed.value)
    if observed.value is MISSING:
        return Found(
            None,
            f"the visitor's {observed.label} is not given{observed.hint}",
            need=observed.field,
            expected=expected_text(check),
            observed="(not given)",
        )
    value = observed.value
    if condition == "HAS_ANY_VALUE":
        has = value is not None and value != ""
        return Found(has, f"{observed.label} is {text}" if has else f"{observed.label} has no value", observed=text)
    if condition in ("IS_TRUE", "IS_FALSE"):
        return _boolean(observed, condition == "IS_TRUE")
    if condition in NUMBER_CONDITIONS:
        return _number(check, condition, observed)
    if condition in TEXT_CONDITIONS:
        return _text(check, observed, value)
    return Found(None, f"the condition {human(condition)} is not one this server can simulate")


def _boolean(observed: Observed, wanted: bool) -> Found:
    value = observed.value
    expected = "true" if wanted else "false"
    text = shown(value)
    if value is None:
        return Found(False, f"{observed.label} has no value", expected=expected, observed=text)
    if not isinstance(value, bool):
        return Found(
            False,
            f"{observed.label} is {typed(value)}, not true or false: Contentstack compares types strictly, so "
            "send a JSON boolean",
            expected=expected,
            observed=text,
        )
    verdict = value is wanted
    return Found(verdict, f"{observed.label} is {text}", expected=expected, observed=text)


def _number(check: RuleCheck, condition: str, observed: Observed) -> Found:
    word, compare = NUMBER_CONDITIONS[condition]
    values = option_values(check.rule.options, check.subject.consumed_option) or []
    target = next((n for v in values if (n := number_of(v)) is not None), None)
    if target is None:
        return Found(None, "the rule's number cannot be read")
    expected = f"{word} {format_number(target)}"
    value = observed.value
    text = shown(value)
    if value is None:
        return Found(False, f"{observed.label} has no value", expected=expected, observed=text)
    if isinstance(value, bool) or not isinstance(value, int | float):
        why = f"{observed.label} is {typed(value)}, not a number (Contentstack compares types strictly"
        if isinstance(value, str) and NUMERIC.fullmatch(value.strip()):
            why += f": send {value.strip()} without quotes"
        why += ")"
        return Found(False, why, expected=expected, observed=text)
    if isinstance(value, float) and not math.isfinite(value):
        return Found(False, f"{observed.label} is {text}, not a finite number", expected=expected, observed=text)
    verdict = compare(value, target)
    relation = word if verdict else f"not {word}"
    return Found(
        verdict,
        f"{observed.label} is {text}, {relation} {format_number(target)}",
        expected=expected,
        observed=text,
    )


def _text(check: RuleCheck, observed: Observed, value: object) -> Found:
    contains = check.condition == "CONTAINS_SUBSTRING"
    wanted = rule_texts(check)
    expected = expected_text(check)
    text = shown(value)
    if not wanted:
        return Found(None, "the rule gives no text to compare with", observed=text)
    if value is None or value == "":
        return Found(False, f"{observed.label} has no value", expected=expected, observed=text)
    if not isinstance(value, str):
        return Found(
            False,
            f"{observed.label} is {typed(value)}, not text: Contentstack compares types strictly",
            expected=expected,
            observed=text,
        )
    return text_against(observed.label, (value,), wanted, contains, expected)
