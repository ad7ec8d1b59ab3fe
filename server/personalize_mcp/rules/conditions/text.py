"""Text comparison under the one case rule (`CASE_RULE`, `text_match`), and a visitor's texts against a rule's.

Every text comparison of the evaluator (text conditions, query parameters, JSON-match values, Lytics slugs and
flow states) goes through `text_match`, so the case rule stated in answers is the one applied.
"""

from __future__ import annotations

from collections.abc import Sequence

from personalize_mcp.rules.conditions.check import Found
from personalize_mcp.rules.conditions.display import alternatives, shown_values
from personalize_mcp.rules.wording import quote

__all__ = ["CASE_RULE", "text_against", "text_match"]

CASE_RULE = (
    "text compares ignoring case (Unicode case folding) and exactly otherwise; a match that needed "
    "case to be ignored says so, since the Edge may compare case exactly"
)
"""The one case rule of every text comparison (stated in answers, applied by `text_match`)."""


def text_match(observed: str, expected: str, *, contains: bool = False) -> tuple[bool, bool]:
    """(matches, only because case was ignored) under CASE_RULE."""
    exact = expected in observed if contains else observed == expected
    if exact:
        return True, False
    folded_observed, folded_expected = observed.casefold(), expected.casefold()
    loose = folded_expected in folded_observed if contains else folded_observed == folded_expected
    return loose, loose


def text_against(
    label: str, values: Sequence[str], wanted: Sequence[str], contains: bool, expected: str | None
) -> Found:
    """Whether any of the visitor's `values` (named `label`) equals (or contains) any `wanted` text.

    An exact match wins over one that needed case to be ignored, which says so."""
    loose: tuple[str, str] | None = None
    for value in values:
        for target in wanted:
            matched, by_case = text_match(value, target, contains=contains)
            if matched and not by_case:
                verb = "contains" if contains else "equals"
                return Found(
                    True,
                    f"{label} is {quote(value)}, which {verb} {quote(target)}",
                    expected=expected,
                    observed=shown_values(values),
                )
            if matched and loose is None:
                loose = (value, target)
    shown = shown_values(values)
    if loose is not None:
        verb = "contains" if contains else "equals"
        return Found(
            True,
            f"{label} is {quote(loose[0])}, which {verb} {quote(loose[1])} only when case is ignored "
            "(the Edge may compare case exactly)",
            expected=expected,
            observed=shown,
        )
    verb = "does not contain" if contains else "is not"
    targets = alternatives(wanted)
    return Found(
        False,
        f"{label} is {shown}, which {verb} {targets}" if contains else f"{label} is {shown}, not {targets}",
        expected=expected,
        observed=shown,
    )
