"""What a search reads, and the bounds that keep it cheap: the lists searched and what was left out.

What is searched: projects and stacks (one list each), and per project its audiences, experiences,
attributes and events (one request each, cached), the variant groups of the stacks (CMS pages,
cached), and the variants of groups whose variant list is already cached (walking every group's
variants would cost a request per group, and a group can hold 25,000).

Cost, decided: with `project_uid`, that project and its connected stack only. Without it, every project
of the organisation up to `MAX_PROJECTS` (the configured default project first, then in the list's
order) and up to `MAX_STACKS` stacks (those the searched projects connect to first): at most
4 x 10 Personalize and 10 CMS walks, read at most 8 at a time, within the call's budget
(gathering.py). Whatever was left out -- past a bound, out of time, or unreadable -- is named in
`skipped`, never silently.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from personalize_mcp.answers.insights.gathering import gather_within
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.upstream_errors import project_not_found
from personalize_mcp.contentstack.models.account import Project, Stack
from personalize_mcp.contentstack.models.cms_variants import CMSVariant
from personalize_mcp.runtime.errors import UserFacingError
from personalize_mcp.runtime.ids import is_identifier
from personalize_mcp.runtime.plurals import count

PROJECT_KINDS = ("experience", "audience", "attribute", "event")
CMS_KINDS = ("stack", "variant_group", "variant")
MAX_PROJECTS = 10
MAX_STACKS = 10


@dataclass
class SearchReads:
    projects: list[Project]
    stacks: list[Stack]
    """The stacks searched (the cached list itself, unless a project narrows it)."""
    cached_stacks: list[Stack]
    lists: list[tuple[str, str, list[Any]]]
    """(kind, project uid or stack API key, the list read)."""
    variants: list[tuple[str, str, list[CMSVariant]]]
    """(stack API key, group uid, its cached variants)."""
    skipped: list[str]
    searched: list[str]

    @property
    def sources(self) -> tuple[object, ...]:
        return (self.projects, self.cached_stacks, *(v for _, _, v in self.lists), *(v for _, _, v in self.variants))


def _scope(projects: list[Project], project_uid: str | None, default: str | None) -> tuple[list[Project], int]:
    """The projects to search, and how many more there were."""
    if project_uid is not None:
        chosen = [p for p in projects if p.uid == project_uid]
        if not chosen:
            raise project_not_found(project_uid)
        return chosen, 0
    ordered = sorted(projects, key=lambda p: p.uid != default)
    return ordered[:MAX_PROJECTS], max(0, len(ordered) - MAX_PROJECTS)


async def read_searched(lookups: Lookups, kinds: tuple[str, ...], project_uid: str | None) -> SearchReads:
    """Every list `kinds` needs, within the bounds above; what was not read is named in `skipped`."""
    projects = await lookups.projects()
    reads = SearchReads(projects=projects, stacks=[], cached_stacks=[], lists=[], variants=[], skipped=[], searched=[])
    chosen, beyond = _scope(projects, project_uid, lookups.default_project_uid)
    if beyond:
        reads.skipped.append(
            f"{count(beyond, 'more project')}, past the first {MAX_PROJECTS} (pass project_uid to search one of them)"
        )
    readers: dict[str, Callable[[str], Awaitable[list[Any]]]] = {
        "experience": lookups.experiences,
        "audience": lookups.audiences,
        "attribute": lookups.attributes,
        "event": lookups.events,
    }
    wanted = [k for k in PROJECT_KINDS if k in kinds]
    calls = [(f"{kind}\x00{p.uid}", _call(readers[kind], p.uid)) for p in (chosen if wanted else []) for kind in wanted]
    if any(k in kinds for k in CMS_KINDS):
        try:
            reads.cached_stacks = await lookups.stacks()
        except UserFacingError as error:
            reads.skipped.append(f"stacks ({error.message.rstrip('.')})")
    connected = {p.connected_stack_api_key for p in chosen if p.connected_stack_api_key}
    stacks = reads.cached_stacks
    if project_uid is not None:
        stacks = [s for s in stacks if s.api_key in connected]
    walked: list[Stack] = []
    if "variant_group" in kinds or "variant" in kinds:
        ranked = sorted((s for s in stacks if is_identifier(s.api_key)), key=lambda s: s.api_key not in connected)
        walked = ranked[:MAX_STACKS]
        if len(ranked) > MAX_STACKS:
            reads.skipped.append(
                f"the variant groups of {count(len(ranked) - MAX_STACKS, 'more stack')}, past the first {MAX_STACKS}"
            )
        calls += [(f"variant_group\x00{s.api_key}", _call(lookups.variant_groups, s.api_key)) for s in walked]
    gathered = await gather_within(calls, what="lists to search")
    for key, _ in calls:
        kind, scope = key.split("\x00")
        if key in gathered.values:
            reads.lists.append((kind, scope, gathered.values[key]))
        else:
            reads.skipped.append(f"the {kind.replace('_', ' ')}s of {scope} ({gathered.missed[key]})")
    if "variant" in kinds:
        for kind, stack, groups in reads.lists:
            for group in groups if kind == "variant_group" else ():
                cached = lookups.cached_variants(stack, group.uid)
                if cached:
                    reads.variants.append((stack, group.uid, cached))
    reads.stacks = stacks
    reads.searched.append(count(len(chosen), "project") if wanted else "no project's lists")
    reads.searched.append(f"{count(len(stacks), 'stack')} and the variant groups of {len(walked)}")
    reads.searched.append(f"the variants of {count(len(reads.variants), 'group')} listed recently")
    return reads


def _call(read: Callable[[str], Awaitable[list[Any]]], scope: str) -> Callable[[], Awaitable[list[Any]]]:
    return lambda: read(scope)
