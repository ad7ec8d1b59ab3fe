"""Search: names and uids across the account, ranked, each hit with the tool to call next.

What is read, and within which bounds, is `search_reads`; here every item read becomes a hit with
its next call, and the hits are ranked.

Ranking: exact (the whole name, key or uid, case-insensitive) before prefix before contains; then
by kind (project, experience, audience, attribute, event, stack, variant group, variant), then
name. The ranked hits are a Catalogue made once per query and cached data set.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import Field

from personalize_mcp.answers.insights.search_reads import SearchReads, read_searched
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.paging import Catalogue, Paged, list_args
from personalize_mcp.answers.shapes import ResultModel, omitted_when_none
from personalize_mcp.runtime.errors import InvalidInputError, quoted
from personalize_mcp.runtime.ids import validate_identifier

KINDS = ("project", "experience", "audience", "attribute", "event", "stack", "variant_group", "variant")
MATCHES = ("exact", "prefix", "contains")
_NAME_KEY_CHARS = 60


class SearchHit(ResultModel):
    kind: str = Field(description="project, experience, audience, attribute, event, stack, variant_group or variant.")
    uid: str = Field(description="Its uid (a stack: its API key).")
    name: str | None = Field(default=None, description="Its name (attributes and events: or their key).")
    project_uid: str | None = Field(description="The project it belongs to (null for stacks and CMS items).")
    stack_api_key: str | None = Field(
        default=None, exclude_if=omitted_when_none, description="Variant groups and variants: their stack."
    )
    variant_group_uid: str | None = Field(
        default=None, exclude_if=omitted_when_none, description="Variants: their group."
    )
    match: str = Field(description="exact, prefix or contains: how the query matched its name, key or uid.")
    next_tool: str = Field(description="The tool to call next for it.")
    next_arguments: dict[str, str] = Field(description="The arguments for next_tool.")


class SearchResult(Paged):
    query: str = Field(description="The query, as searched (case-insensitive).")
    kinds: list[str] = Field(description="The kinds searched.")
    results: list[SearchHit] = Field(description="The hits, best first (this page).")
    searched: str = Field(description="What was searched, in words.")
    skipped: str | None = Field(
        default=None, exclude_if=omitted_when_none, description="Only when something was not searched: what, and why."
    )


@dataclass(frozen=True, slots=True)
class _Item:
    hit: SearchHit
    fields: tuple[str, ...]
    """Case-folded name, key and uid: what the query is matched against."""


def _hit(
    kind: str, uid: str, name: str | None, project: str | None, fields: Iterable[str | None], **more: str
) -> _Item:
    tool, arguments = _next(kind, uid, project, more)
    hit = SearchHit(
        kind=kind,
        uid=uid,
        name=name,
        project_uid=project,
        stack_api_key=more.get("stack_api_key"),
        variant_group_uid=more.get("variant_group_uid"),
        match="contains",
        next_tool=tool,
        next_arguments=arguments,
    )
    return _Item(hit, tuple(dict.fromkeys(f.casefold() for f in fields if f)))


def _next(kind: str, uid: str, project: str | None, more: dict[str, str]) -> tuple[str, dict[str, str]]:
    p = {"project_uid": project} if project else {}
    match kind:
        case "project":
            return "get_all_experiences", {"project_uid": uid}
        case "experience":
            return "get_all_versions", {**p, "experience_uid": uid}
        case "audience":
            return "get_single_audience", {**p, "audience_uid": uid}
        case "attribute" | "event":
            return "find_usage", {**p, "uid": uid}
        case "stack":
            return "list_variant_groups", {"stack_api_key": uid}
        case "variant_group":
            return "list_variants", {"stack_api_key": more["stack_api_key"], "variant_group_uid": uid}
        case _:
            return "get_variant_audiences", {**more, "variant_uid": uid}


def _kinds(kinds: Sequence[str] | str | None) -> tuple[str, ...]:
    if kinds is None or kinds == [] or kinds == "":
        return KINDS
    given = [kinds] if isinstance(kinds, str) else list(kinds)
    chosen = set()
    for kind in given:
        normal = str(kind).strip().lower().replace("-", "_").replace(" ", "_")
        normal = normal[:-1] if normal.endswith("s") and normal[:-1] in KINDS else normal
        if normal not in KINDS:
            raise InvalidInputError(f"kinds must be among {', '.join(KINDS)}; {quoted(str(kind))} is not one.")
        chosen.add(normal)
    return tuple(k for k in KINDS if k in chosen)


def search_items(reads: SearchReads, kinds: tuple[str, ...]) -> list[_Item]:
    """Everything searchable, with its next call: built once per cached data set."""
    items = []
    if "project" in kinds:
        items += [_hit("project", p.uid, p.name, None, (p.name, p.uid)) for p in reads.projects]
    if "stack" in kinds:
        items += [_hit("stack", s.api_key, s.name, None, (s.name, s.api_key, s.uid)) for s in reads.stacks]
    for kind, scope, value in reads.lists:
        if kind == "experience":
            items += [_hit(kind, e.uid, e.name, scope, (e.name, e.uid, e.short_uid)) for e in value]
        elif kind == "audience":
            items += [_hit(kind, a.uid, a.name, scope, (a.name, a.uid)) for a in value]
        elif kind in ("attribute", "event"):
            items += [_hit(kind, a.uid, a.name or a.key, scope, (a.name, a.key, a.uid)) for a in value]
        elif "variant_group" in kinds:
            items += [_hit("variant_group", g.uid, g.name, None, (g.name, g.uid), stack_api_key=scope) for g in value]
    for stack, group, variants in reads.variants:
        items += [
            _hit(
                "variant",
                v.uid,
                v.name,
                None,
                (v.name, v.uid, v.alias),
                stack_api_key=stack,
                variant_group_uid=group,
            )
            for v in variants
        ]
    return items


def _rank(item: _Item, query: str) -> int | None:
    if query in item.fields:
        return 0
    if any(f.startswith(query) for f in item.fields):
        return 1
    if any(query in f for f in item.fields):
        return 2
    return None


def ranked_catalogue(items: Sequence[_Item], query: str) -> Catalogue[SearchHit]:
    """The hits for `query`: exact, prefix, contains; then kind, name, uid (see the module docstring)."""
    pairs = []
    for item in items:
        rank = _rank(item, query)
        if rank is None:
            continue
        hit = item.hit.model_copy(update={"match": MATCHES[rank]})
        name = (hit.name or "").casefold()[:_NAME_KEY_CHARS]
        scope = hit.project_uid or hit.variant_group_uid or hit.stack_api_key or ""
        pairs.append((f"{rank}{KINDS.index(hit.kind)}{name}\x00{hit.uid}\x00{scope}", hit))
    pairs.sort(key=lambda pair: pair[0])
    return Catalogue.in_key_order(pairs, search=lambda hit: (hit.name, hit.uid))


async def search(
    lookups: Lookups,
    query: str,
    kinds: Sequence[str] | str | None = None,
    *,
    project_uid: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> SearchResult:
    chosen = _kinds(kinds)
    project = validate_identifier("project_uid", project_uid) if project_uid else None
    args = list_args(
        f"search:{project or '*'}", query=query, limit=limit, cursor=cursor, filters={"kinds": ",".join(chosen)}
    )
    if args.query is None:
        raise InvalidInputError("query is required: a part of a name, key or uid to look for.")
    text = args.query
    reads = await read_searched(lookups, chosen, project)
    scope = (project or "*", ",".join(chosen))
    items = lookups.derived(("search-items", *scope), reads.sources, lambda: search_items(reads, chosen))
    catalogue = lookups.derived(("search", *scope, text), (items,), lambda: ranked_catalogue(items, text))
    page = catalogue.page(args, "hits", tool="search", selection=range(len(catalogue)))
    return SearchResult(
        query=text,
        kinds=list(chosen),
        results=page.items,
        searched="; ".join(reads.searched),
        skipped="; ".join(reads.skipped) + "." if reads.skipped else None,
        **page.fields(),
    )
