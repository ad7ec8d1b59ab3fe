"""The audit's checks: each a pure function of one project's facts, returning findings; run from one table.

"Live" means not ARCHIVED; E = error (ACTIVE version, or ACTIVE experience), W = warning, I = info.

| check | severity | fires for |
|---|---|---|
| missing_audience | E / W | a variant of a live version targeting an audience uid the project does not list |
| ab_split | E / W | a live A/B version whose traffic shares do not add up to 100 % (±0.01), or lack one |
| cms_group_missing | E / W | an experience linked to a variant group its project's stack does not have |
| unreachable_variant | W | a segmented variant an earlier variant of the same live version always wins |
| no_active_version | W / I (archived) | an experience without an ACTIVE version: draft-only, paused, archived |
| not_in_priority | W | a live experience the priority list leaves out |
| cms_group_orphaned | W | a variant group of the project's stack linked to an experience the project lacks |
| missing_attribute | W | rules (an audience's, or a variant's own) testing a custom attribute the project lacks |
| unused_audience | W | an audience no version of any experience targets and no experience's summary names |
| winner_still_running | W | an ACTIVE A/B version whose results declare a winner (needs experiment results) |
| not_read | W | an experience whose versions were not read in time: nothing above was checked for it |
| draft_differs | I | an experience whose DRAFT targets differently from its ACTIVE version |
| unused_attribute | I | a custom attribute no rules test (preset attributes are built in, never flagged) |
| unused_event | I | an event no experience counts |

Modules, by family: `facts` (the `Facts` the checks read, the `Finding` they return, severities),
`targeting` (missing_audience, ab_split, missing_attribute), `unreachable` (unreachable_variant, and
why it is sound but incomplete), `lifecycle` (no_active_version, draft_differs, not_in_priority,
winner_still_running, not_read), `unused` (unused_audience, unused_attribute, unused_event), `cms`
(cms_group_missing, cms_group_orphaned). Here: the `CHECKS` table, `run_checks` and the findings' paging keys.

May import: `answers.insights.version_diff` and `answers.insights.words`, `answers.shapes`,
`answers.versions`, `contentstack.models`, `rules.model` and each other -- never `Lookups` (no I/O).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from personalize_mcp.answers.insights.checks.cms import cms_group_missing, cms_group_orphaned
from personalize_mcp.answers.insights.checks.facts import SEVERITIES, Facts, Finding
from personalize_mcp.answers.insights.checks.lifecycle import (
    draft_differs,
    no_active_version,
    not_in_priority,
    not_read,
    winner_still_running,
)
from personalize_mcp.answers.insights.checks.targeting import ab_split, missing_attribute, missing_audience
from personalize_mcp.answers.insights.checks.unreachable import covers, unreachable_variant
from personalize_mcp.answers.insights.checks.unused import unused_attribute, unused_audience, unused_event

CHECKS: tuple[tuple[str, Callable[[Facts], list[Finding]]], ...] = (
    ("missing_audience", missing_audience),
    ("ab_split", ab_split),
    ("cms_group_missing", cms_group_missing),
    ("unreachable_variant", unreachable_variant),
    ("no_active_version", no_active_version),
    ("not_in_priority", not_in_priority),
    ("cms_group_orphaned", cms_group_orphaned),
    ("missing_attribute", missing_attribute),
    ("unused_audience", unused_audience),
    ("winner_still_running", winner_still_running),
    ("not_read", not_read),
    ("draft_differs", draft_differs),
    ("unused_attribute", unused_attribute),
    ("unused_event", unused_event),
)
"""Every check, in the order findings of one severity are listed."""
CHECK_NAMES = tuple(name for name, _ in CHECKS)


def run_checks(f: Facts) -> list[Finding]:
    """Every finding, by severity, then check, then subject name and uid."""
    findings = [finding for _, check in CHECKS for finding in check(f)]
    order = {name: n for n, name in enumerate(CHECK_NAMES)}
    return sorted(
        findings,
        key=lambda x: (
            SEVERITIES.index(x.severity),
            order[x.check],
            (x.subject.name or "").casefold(),
            x.subject.uid,
        ),
    )


def keyed_findings(findings: Sequence[Finding]) -> list[tuple[str, Finding]]:
    """`findings` (as run_checks orders them) with paging keys, in key order.

    A key is the finding's own place -- severity, check, subject name (its first 16 characters) and
    uid, and its rank among that subject's findings of that check -- not its position in the list, so
    a cursor stays right when findings come or go between pages (an experience read on the next call,
    a winner declared): each finding present throughout is listed once, a new one at most once.
    """
    order = {name: n for n, name in enumerate(CHECK_NAMES)}
    seen: dict[str, int] = {}
    pairs: list[tuple[str, Finding]] = []
    for finding in findings:
        subject = finding.subject
        place = (
            f"{SEVERITIES.index(finding.severity)}{order[finding.check]:02d}\x00"
            f"{(subject.name or '').casefold()[:16]}\x00{subject.uid[:64]}\x00"
        )
        rank = seen.get(place, 0)
        seen[place] = rank + 1
        pairs.append((f"{place}{rank:03d}", finding))
    return sorted(pairs, key=lambda pair: pair[0])


__all__ = [
    "CHECKS",
    "CHECK_NAMES",
    "SEVERITIES",
    "Facts",
    "Finding",
    "ab_split",
    "cms_group_missing",
    "cms_group_orphaned",
    "covers",
    "draft_differs",
    "keyed_findings",
    "missing_attribute",
    "missing_audience",
    "no_active_version",
    "not_in_priority",
    "not_read",
    "run_checks",
    "unreachable_variant",
    "unused_attribute",
    "unused_audience",
    "unused_event",
    "winner_still_running",
]
