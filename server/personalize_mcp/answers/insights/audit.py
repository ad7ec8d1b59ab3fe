"""Audit a Project: every check of the `checks` package in one call, as paged structured findings.

What it reads: the project's audiences, attribute names, attributes, events, experiences and
priority (one request each, cached), the variant groups of the project's connected stack (CMS pages,
cached), and the versions of every experience (one request each, cached; gathering.py). On a warm
cache an audit makes no upstream request at all, and the findings are derived once per cached data
set, so the next page (or the same audit asked again) costs only the page.

How a large project stays within the deadline: the versions are read in the budget gathering.py
describes (ACTIVE experiences first), at most 8 at a time with progress after each, and every
experience not read by then is a `not_read` finding naming it -- never left out silently. With the
defaults (30 s deadline, Contentstack's 10 requests/s) one cold call reads about 230 experiences'
versions; one made soon after goes on from there (what was read is cached for the cache TTL).
A list that cannot be read (say, attributes on an API without them) skips only the checks that need
it, named in `checks_skipped` with the reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from pydantic import Field

from personalize_mcp.answers.audiences import audience_trees
from personalize_mcp.answers.insights.checks import (
    CHECK_NAMES,
    SEVERITIES,
    Facts,
    Finding,
    keyed_findings,
    run_checks,
)
from personalize_mcp.answers.insights.gathering import gather_within, read_versions
from personalize_mcp.answers.insights.winners import declared_winner
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.paging import Catalogue, Paged, list_args
from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.contentstack.models.cms_variants import VariantGroup
from personalize_mcp.contentstack.models.experiences import Experience
from personalize_mcp.contentstack.models.versions import Version
from personalize_mcp.runtime.concurrency import gather
from personalize_mcp.runtime.errors import UserFacingError
from personalize_mcp.runtime.ids import is_identifier, validate_choice
from personalize_mcp.runtime.plurals import count
from personalize_mcp.runtime.progress import advance

T = TypeVar("T")

WinnerLookup = Callable[[Lookups, str, Experience, Version], Awaitable[str | None]]


class SkippedCheck(ResultModel):
    check: str = Field(description="The check that did not run.")
    reason: str = Field(description="Why (a list that could not be read, no connected stack, ...).")


class AuditResult(Paged):
    project_uid: str = Field(description="The project audited.")
    summary: str = Field(description="The audit in one sentence: findings by severity, experiences audited.")
    counts: dict[str, int] = Field(description="Findings per check (all of them, whatever the page or filters).")
    experiences_audited: int = Field(description="Experiences whose versions were read and checked.")
    experiences_total: int = Field(description="Experiences in the project.")
    checks_skipped: list[SkippedCheck] = Field(description="Checks that could not run, and why.")
    findings: list[Finding] = Field(description="The findings, errors first (this page).")


async def _optional(what: str, read: Callable[[], Awaitable[T]]) -> T | str:
    """A list some checks need: its value, or the words saying why it could not be read."""
    try:
        return await read()
    except UserFacingError as error:
        return f"{what} could not be read ({error.message.rstrip('.')})"


async def _stack_groups(lookups: Lookups, project: str) -> tuple[str | None, list[VariantGroup] | str]:
    """The project's connected stack and its variant groups (or why they could not be read)."""
    found = next((p for p in await lookups.projects() if p.uid == project), None)
    stack = found.connected_stack_api_key if found else None
    if not stack:
        return None, "the project has no connected stack"
    if not is_identifier(stack):
        return stack, "the project's connected stack API key is not a valid identifier"
    read = await gather_within([("groups", lambda: lookups.variant_groups(stack))], what="CMS variant groups")
    if "groups" in read.values:
        return stack, read.values["groups"]
    return stack, f"the variant groups of stack {stack} could not be read ({read.missed['groups']})"


def _digest(*parts: Mapping[str, str]) -> str:
    text = "\x01".join("\x00".join(f"{k}={v}" for k, v in sorted(part.items())) for part in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


async def audit_project(
    lookups: Lookups,
    project_uid: str | None,
    *,
    severity: str | None = None,
    check: str | None = None,
    query: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> AuditResult:
    wanted_severity = validate_choice("severity", severity, SEVERITIES)
    wanted_check = validate_choice("check", check, CHECK_NAMES)
    project = await lookups.resolve_project(project_uid)
    args = list_args(
        f"audit_project:{project}",
        query=query,
        limit=limit,
        cursor=cursor,
        filters={"severity": wanted_severity, "check": wanted_check},
    )
    await advance(0, None, "Reading the project's lists")
    (audiences, names), experiences, attributes, events, priority, (stack, groups) = await gather(
        lambda: lookups.audience_set(project),
        lambda: lookups.experiences(project),
        lambda: _optional("the attributes", lambda: lookups.attributes(project)),
        lambda: _optional("the events", lambda: lookups.events(project)),
        lambda: _optional("the priority list", lambda: lookups.priority(project)),
        lambda: _stack_groups(lookups, project),
    )
    gathered = await read_versions(lookups, project, experiences)
    versions = gathered.values

    skipped: dict[str, str] = {}
    for value, checks in (
        (attributes, ("missing_attribute", "unused_attribute")),
        (events, ("unused_event",)),
        (priority, ("not_in_priority",)),
        (groups, ("cms_group_missing", "cms_group_orphaned")),
    ):
        if isinstance(value, str):
            skipped.update(dict.fromkeys(checks, value))
    winners, unread_results = await _winners(declared_winner, lookups, project, experiences, versions)
    if unread_results:
        skipped["winner_still_running"] = unread_results

    def build() -> Catalogue[Finding]:
        facts = Facts(
            project=project,
            audiences=audiences,
            trees=audience_trees(lookups, project, audiences),
            experiences=experiences,
            versions=versions,
            unread=gathered.missed,
            attribute_names=names,
            attributes=None if isinstance(attributes, str) else attributes,
            events=None if isinstance(events, str) else events,
            priority=None if isinstance(priority, str) else priority,
            stack=stack,
            groups=None if isinstance(groups, str) else groups,
            winners=winners,
        )
        return Catalogue.in_key_order(
            keyed_findings(run_checks(facts)),
            search=lambda f: (f.check, f.subject.uid, f.subject.name, f.message),
        )

    sources = (audiences, names, experiences, attributes, events, priority, groups, *versions.values())
    catalogue = lookups.derived(("audit", project, _digest(gathered.missed, skipped, winners)), sources, build)
    selection = None
    if wanted_severity or wanted_check:
        selection = catalogue.select(
            args.query,
            ("filters", wanted_severity, wanted_check),
            lambda f: (
                (wanted_severity is None or f.severity == wanted_severity)
                and (wanted_check is None or f.check == wanted_check)
            ),
        )
    page = catalogue.page(args, "findings", tool="audit_project", selection=selection)
    counts: dict[str, int] = {}
    by_severity = dict.fromkeys(SEVERITIES, 0)
    for finding in catalogue.views:
        counts[finding.check] = counts.get(finding.check, 0) + 1
        by_severity[finding.severity] += 1
    audited = len(experiences) - len(gathered.missed)
    summary = (
        f"{count(len(catalogue), 'finding')} ({', '.join(_count(n, s) for s, n in by_severity.items())}); "
        f"{audited} of {count(len(experiences), 'experience')} audited"
    ) + (f"; {count(len(skipped), 'check')} skipped." if skipped else ".")
    return AuditResult(
        project_uid=project,
        summary=summary,
        counts=counts,
        experiences_audited=audited,
        experiences_total=len(experiences),
        checks_skipped=[SkippedCheck(check=c, reason=r) for c, r in skipped.items()],
        findings=page.items,
        **page.fields(),
    )


def _count(n: int, severity: str) -> str:
    return f"{n} {severity}" if severity == "info" or n == 1 else f"{n} {severity}s"


async def _winners(
    lookup: WinnerLookup,
    lookups: Lookups,
    project: str,
    experiences: Sequence[Experience],
    versions: Mapping[str, Sequence[Version]],
) -> tuple[dict[str, str], str | None]:
    """The winners of the ACTIVE A/B tests (experience uid -> the winner in words), read within the budget,
    and, when some tests' results could not be read, the words saying so (the check ran on the others)."""

    def read(experience: Experience, version: Version) -> Callable[[], Awaitable[str | None]]:
        return lambda: lookup(lookups, project, experience, version)

    calls = []
    for experience in experiences:
        active = next((v for v in versions.get(experience.uid, ()) if v.status == "ACTIVE"), None)
        if active is not None and active.variants and all(v.is_ab_test for v in active.variants):
            calls.append((experience.uid, read(experience, active)))
    read_all = await gather_within(calls, what="experiment results")
    winners = {uid: winner for uid, winner in read_all.values.items() if winner}
    if not read_all.missed:
        return winners, None
    first_uid, why = next(iter(read_all.missed.items()))
    return winners, (
        f"the results of {len(read_all.missed)} of {len(calls)} running A/B tests could not be read (experience "
        f"{first_uid}: {why}); the check ran on the others"
    )
