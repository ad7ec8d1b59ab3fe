"""A plan's answer within the size every answer keeps (32 KiB of JSON), saying what it shortened.

A plan is what a person confirms, so nothing is left out silently: a value shortened or rows not shown
are said in a warning, with the count, and the stored plan (what apply_change sends) keeps everything.
Large plans are rare (an edit of 20 variants of 50 audiences each, a priority of a thousand experiences);
the rule holds at any account size.
"""

from __future__ import annotations

from personalize_mcp.answers.paging import DEFAULT_BUDGET_BYTES, json_size
from personalize_mcp.answers.writes.plans import PlanResult
from personalize_mcp.runtime.plurals import count, is_are

LONGEST_VALUE = 400
"""Characters of a before or after kept when a plan is over budget."""


def within_budget(result: PlanResult, budget: int = DEFAULT_BUDGET_BYTES) -> PlanResult:
    """`result` itself when it fits; else its values shortened, then its rows cut, each said in a warning."""
    if json_size(result) <= budget:
        return result
    shortened = 0

    def short(value: str | None) -> str | None:
        nonlocal shortened
        if value is None or len(value) <= LONGEST_VALUE:
            return value
        shortened += 1
        return value[: LONGEST_VALUE - 1] + "…"

    rows = [row.model_copy(update={"before": short(row.before), "after": short(row.after)}) for row in result.changes]
    warnings = list(result.warnings)
    if shortened:
        warnings.append(
            f"{count(shortened, 'value')} longer than {LONGEST_VALUE} characters {is_are(shortened)} "
            "shortened here (…); the plan applies them whole."
        )
    fitted = result.model_copy(update={"changes": rows, "warnings": warnings})
    shown = len(rows)
    while shown > 0 and json_size(fitted) > budget:
        shown = max(0, shown - max(1, shown // 8))
        note = (
            f"This plan changes {count(len(rows), 'object')}; the first {shown} are shown here (answers stay under "
            f"{budget // 1024} KiB); the plan applies them all."
        )
        fitted = result.model_copy(update={"changes": rows[:shown], "warnings": [*warnings, note]})
    return fitted
