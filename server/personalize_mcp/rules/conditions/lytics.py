"""Lytics conditions: membership of a Lytics audience (by slug) and being in a state of a Lytics flow.

Slugs and states compare under the one case rule (`text.text_match`); an exact match wins over one that
needed case to be ignored, which says so.
"""

from __future__ import annotations

from personalize_mcp.rules.conditions.check import Found, RuleCheck
from personalize_mcp.rules.conditions.display import alternatives, alternatives_of, shown_values
from personalize_mcp.rules.conditions.text import text_match
from personalize_mcp.rules.options import option_flow, option_values
from personalize_mcp.rules.visitor import LYTICS_AUDIENCES_FIELD, LYTICS_FLOWS_FIELD
from personalize_mcp.rules.wording import NO_VALUE, quote

__all__ = ["check_lytics"]


def check_lytics(check: RuleCheck) -> Found:
    """A rule on a Lytics attribute: only audiences and flow states are part of a simulated visitor."""
    condition = check.condition
    if condition == "IS_MEMBER_OF":
        return _member_of(check)
    if condition == "IS_IN_FLOW_STATE":
        return _in_flow_state(check)
    return Found(
        None,
        f"{check.subject.text} is not part of a simulated visitor (only Lytics audiences and flow states are)",
    )


def _member_of(check: RuleCheck) -> Found:
    slugs = [v for v in (option_values(check.rule.options, check.subject.consumed_option) or []) if isinstance(v, str)]
    expected = alternatives_of([quote(s) for s in slugs]) if slugs else None
    if not slugs:
        return Found(None, "the rule names no Lytics audience")
    known = check.visitor.lytics_audiences
    if known is None:
        return Found(
            None,
            "the visitor's Lytics audiences are not given",
            need=LYTICS_AUDIENCES_FIELD,
            expected=expected,
            observed="(not given)",
        )
    members = sorted(known)
    shown = shown_values(members) if members else "(none)"
    loose: str | None = None
    for slug in slugs:
        for member in members:
            matched, by_case = text_match(member, slug)
            if matched and not by_case:
                return Found(
                    True,
                    f"the visitor's Lytics audiences include {quote(slug)}",
                    expected=expected,
                    observed=shown,
                )
            if matched and loose is None:
                loose = member
    if loose is not None:
        return Found(
            True,
            f"the visitor's Lytics audiences include {quote(loose)}, a match only when case is ignored "
            "(the Edge may compare case exactly)",
            expected=expected,
            observed=shown,
        )
    held = "none" if not members else ", ".join(quote(m) for m in members[:5]) + _more(len(members) - 5)
    return Found(
        False,
        f"the visitor's Lytics audiences (given: {held}) do not include {alternatives(slugs)}",
        expected=expected,
        observed=shown,
    )


def _more(count: int) -> str:
    return f" and {count} more" if count > 0 else ""


def _in_flow_state(check: RuleCheck) -> Found:
    state, flow_id = option_flow(check.rule.options) or (None, None)
    if not isinstance(state, str) or not isinstance(flow_id, str):
        return Found(None, "the rule's flow or state cannot be read")
    expected = f"state {quote(state)} of flow {quote(flow_id)}"
    flows = check.visitor.lytics_flows
    if flows is None:
        return Found(
            None,
            "the visitor's Lytics flow states are not given",
            need=LYTICS_FLOWS_FIELD,
            expected=expected,
            observed="(not given)",
        )
    current = flows.get(flow_id)
    if current is None:
        return Found(
            False,
            f"the visitor is in no state of Lytics flow {quote(flow_id)}",
            expected=expected,
            observed=NO_VALUE,
        )
    matched, by_case = text_match(current, state)
    tail = " only when case is ignored (the Edge may compare case exactly)" if by_case else ""
    verdict = f"is in state {quote(current)}" + ("" if matched else f", not {quote(state)}")
    return Found(
        matched,
        f"the visitor {verdict} of Lytics flow {quote(flow_id)}{tail}",
        expected=expected,
        observed=quote(current),
    )
