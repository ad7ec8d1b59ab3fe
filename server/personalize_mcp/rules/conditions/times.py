"""Time rules (`BEFORE_TIME`, `AFTER_TIME`, `BETWEEN_TIME`) on date and time: the visit's moment against the rule's.

The rule's value is read and compared by `clock`: an instant, a whole day, or a time of day, in the rule's time
zone when it names one. The trace shows the visit's moment (and in UTC when it has another offset).
"""

from __future__ import annotations

from datetime import UTC, timedelta, tzinfo

from personalize_mcp.rules.conditions.check import Found, RuleCheck
from personalize_mcp.rules.conditions.clock import after, before, between, moment_of, time_text, zone_of
from personalize_mcp.rules.model import AttributeKind
from personalize_mcp.rules.options import option_range, option_timezone, option_values
from personalize_mcp.rules.wording import format_datetime, quote

__all__ = ["check_time"]


def check_time(check: RuleCheck) -> Found:
    """A before / after / between rule (only on the date-and-time preset)."""
    attribute = check.rule.attribute
    if attribute.kind is not AttributeKind.PRESET or attribute.preset != "DATE_AND_TIME":
        return Found(None, f"time rules on {check.subject.text} cannot be simulated (only date and time)")
    zone_name = option_timezone(check.rule.options)
    zone: tzinfo | None = None
    if zone_name:
        zone = zone_of(zone_name)
        if zone is None:
            return Found(None, f"the rule's time zone {quote(zone_name)} is not one this server knows")
    moment = check.visitor.moment
    observed = format_datetime(moment)
    if moment.utcoffset() != timedelta(0):
        observed += f" ({format_datetime(moment.astimezone(UTC))})"
    if not check.visitor.moment_given:
        observed += " (now)"
    local_zone = zone or moment.tzinfo or UTC
    where = f" in {quote(zone_name)}" if zone_name else ""
    condition = check.condition
    if condition == "BETWEEN_TIME":
        pair = option_range(check.rule.options)
        if pair is None:
            return Found(None, "the rule's time range cannot be read", observed=observed)
        start, end = moment_of(pair[0], zone), moment_of(pair[1], zone)
        if start is None or end is None or type(start) is not type(end):
            return Found(None, "the rule's time range cannot be read", observed=observed)
        expected = f"between {time_text(start)} and {time_text(end)}{where}"
        inside = between(moment, start, end, local_zone)
        relation = "inside" if inside else "outside"
        return Found(
            inside,
            f"the visit at {observed} is {relation} {time_text(start)} – {time_text(end)}{where}",
            expected=expected,
            observed=observed,
        )
    values = option_values(check.rule.options, None) or []
    point = next((m for v in values if (m := moment_of(v, zone)) is not None), None)
    if point is None:
        return Found(None, "the rule's time cannot be read", observed=observed)
    is_before = condition == "BEFORE_TIME"
    word = "before" if is_before else "after"
    expected = f"{word} {time_text(point)}{where}"
    verdict = before(moment, point, local_zone) if is_before else after(moment, point, local_zone)
    relation = word if verdict else f"not {word}"
    return Found(
        verdict,
        f"the visit at {observed} is {relation} {time_text(point)}{where}",
        expected=expected,
        observed=observed,
    )
