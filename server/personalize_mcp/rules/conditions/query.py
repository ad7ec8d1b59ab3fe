"""Query-parameter conditions: one named parameter (any value, equals, contains) or a JSON match of several.

The visitor's parameters come from its URL (or are given); a JSON-match value names parameter -> text (or
any of a list), every one of which must hold.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from personalize_mcp.rules.conditions.check import TEXT_CONDITIONS, Found, RuleCheck
from personalize_mcp.rules.conditions.display import format_number, human, shown_query, shown_values
from personalize_mcp.rules.conditions.rule_values import expected_text, rule_texts
from personalize_mcp.rules.conditions.text import text_against
from personalize_mcp.rules.options import option_values
from personalize_mcp.rules.visitor import QUERY_FIELD
from personalize_mcp.rules.wording import NO_VALUE, quote

__all__ = ["check_query"]

Query = Mapping[str, tuple[str, ...]]


def check_query(check: RuleCheck) -> Found:
    """A rule on the query-parameters preset."""
    query = check.visitor.query
    condition = check.condition
    parameter = _parameter_name(check)
    if condition == "JSON_MATCH":
        return _json_match(check, query)
    if parameter is None:
        return Found(None, f"{check.subject.text} {human(condition or '')} names no parameter to compare")
    label = f"query parameter {quote(parameter)}"
    if query is None:
        return Found(
            None,
            f"the visitor's URL is not given, so {label} is unknown",
            need=QUERY_FIELD,
            expected=expected_text(check),
            observed="(not given)",
        )
    values = query.get(parameter, ())
    if condition == "HAS_ANY_VALUE":
        has = any(v != "" for v in values)
        return Found(
            has,
            f"{label} is {shown_values(values)}" if has else f"{label} is not in the URL",
            observed=shown_values(values),
        )
    if condition in TEXT_CONDITIONS:
        wanted = rule_texts(check)
        if not wanted:
            return Found(None, "the rule gives no text to compare with")
        if not values:
            return Found(False, f"{label} is not in the URL", expected=expected_text(check), observed=NO_VALUE)
        return text_against(label, values, wanted, condition == "CONTAINS_SUBSTRING", expected_text(check))
    return Found(None, f"{human(condition or '')} does not apply to query parameters")


def _parameter_name(check: RuleCheck) -> str | None:
    text = check.subject.text
    prefix = "query parameter "
    if not text.startswith(prefix):
        return None
    try:
        name = json.loads(text[len(prefix) :])
    except ValueError:
        return None
    return name if isinstance(name, str) else None


def _json_match(check: RuleCheck, query: Query | None) -> Found:
    values = option_values(check.rule.options, check.subject.consumed_option)
    wanted = _json_object(values)
    parameter = _parameter_name(check)
    if wanted is None and parameter is not None and values:
        wanted = {parameter: values[0]}  # the attribute names the parameter, the options its value
    expected = expected_text(check)
    if wanted is None:
        return Found(None, "the rule's JSON cannot be read as query parameters", expected=expected)
    if query is None:
        return Found(
            None,
            "the visitor's URL is not given, so its query parameters are unknown",
            need=QUERY_FIELD,
            expected=expected,
            observed="(not given)",
        )
    observed = shown_query(query)
    holds: list[str] = []
    for name, target in wanted.items():
        texts = _json_texts(target)
        if texts is None:
            return Found(
                None,
                f"the rule's value for query parameter {quote(name)} is not text",
                expected=expected,
                observed=observed,
            )
        given = query.get(name, ())
        label = f"query parameter {quote(name)}"
        if not given:
            return Found(False, f"{label} is not in the URL", expected=expected, observed=observed)
        found = text_against(label, given, texts, False, expected)
        if not found.result:
            return Found(False, found.because, expected=expected, observed=observed)
        holds.append(found.because)
    because = "; ".join(holds) if holds else "the rule's JSON names no parameter, so any URL matches"
    return Found(True, because, expected=expected, observed=observed)


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
            out.append(format_number(item))
        else:
            return None
    return out or None
