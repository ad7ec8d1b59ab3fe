"""Audiences: Get All Audiences and Get a Single Audience, each audience with its rules in plain words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pydantic import Field

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.paging import Catalogue, Paged, list_args
from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.contentstack.models.audiences import Audience
from personalize_mcp.rules.audience import audience_tree
from personalize_mcp.rules.model import PRESET_REFS, Node, attribute_refs
from personalize_mcp.rules.render import render_tree
from personalize_mcp.runtime.errors import InvalidInputError, NotFoundError, UserFacingError
from personalize_mcp.runtime.ids import validate_identifier

UNKNOWN_AUDIENCE_RULES = "(unknown: this audience uid is not among the project's audiences)"


class AudienceInfo(ResultModel):
    uid: str = Field(description="Audience uid.")
    name: str | None = Field(default=None, description="Audience name.")
    description: str | None = Field(default=None, description="Audience description, if any.")
    source: str | None = Field(default=None, description="Where the audience comes from, e.g. LYTICS for synced ones.")
    rules: str = Field(description="The audience definition in plain words, e.g. 'country equals \"AU\"'.")


class AudiencesResult(Paged):
    project_uid: str = Field(description="The project the audiences belong to.")
    audiences: list[AudienceInfo] = Field(
        description="The audiences (this page, by uid), with their rules in plain words."
    )


class SingleAudienceResult(ResultModel):
    project_uid: str = Field(description="The project the audience belongs to.")
    audience: AudienceInfo = Field(description="The audience, with its rules in plain words.")


def audience_rules(audience: Audience) -> Node | None:
    """The tree an audience is read by: its definition, or a Lytics audience's membership of its slug
    (`rules.audience`); None only for a native audience without rules."""
    return audience_tree(audience.uid, audience.definition, audience.source, audience.slug)


def audience_view(audience: Audience, attribute_names: Mapping[str, str] | None = None) -> AudienceInfo:
    return AudienceInfo(
        uid=audience.uid,
        name=audience.name,
        description=audience.description or None,
        source=audience.source,
        rules=render_tree(audience_rules(audience), attribute_names),
    )


def unknown_audience_view(uid: str) -> AudienceInfo:
    """A referenced audience the project no longer lists: keep the uid, say what is missing."""
    return AudienceInfo(uid=uid, rules=UNKNOWN_AUDIENCE_RULES)


def audiences_by_uid(audiences: Iterable[Audience]) -> dict[str, Audience]:
    return {a.uid: a for a in audiences}


def resolve_audiences(
    uids: Iterable[str], known: Mapping[str, Audience], attribute_names: Mapping[str, str] | None = None
) -> list[AudienceInfo]:
    """Audience views in the given order; a dangling uid stays visible as an unknown audience."""
    return [audience_view(known[uid], attribute_names) if uid in known else unknown_audience_view(uid) for uid in uids]


def resolve_in(catalogue: Catalogue[AudienceInfo], uids: Iterable[str]) -> list[AudienceInfo]:
    """`resolve_audiences` from the rendered catalogue: no audience is rendered twice."""
    return [
        catalogue.views[at] if (at := catalogue.position(uid)) is not None else unknown_audience_view(uid)
        for uid in uids
    ]


def audience_trees(lookups: Lookups, project: str, audiences: list[Audience]) -> dict[str, Node | None]:
    """Each audience's rules parsed once per cached list (`audience_rules`; None: a native audience without
    rules, everyone), for every reader."""
    return lookups.derived(
        ("audience-trees", project), (audiences,), lambda: {a.uid: audience_rules(a) for a in audiences}
    )


def audiences_by_attribute(lookups: Lookups, project: str, audiences: list[Audience]) -> dict[str, list[str]]:
    """Which audiences test an attribute: preset ref (`COUNTRY`), custom attribute uid or Lytics ref -> audience
    uids, built once per cached list (the `attribute` filter and find_usage read it)."""

    def build() -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for uid, tree in audience_trees(lookups, project, audiences).items():
            for _, ref in sorted(attribute_refs(tree), key=lambda pair: pair[1]):
                index.setdefault(ref, []).append(uid)
        return index

    return lookups.derived(("audiences-by-attribute", project), (audiences,), build)


async def audience_catalogue(lookups: Lookups, project: str) -> Catalogue[AudienceInfo]:
    """The project's audiences as views (rules rendered once per cached list), ready for paging."""
    audiences, names = await lookups.audience_set(project)

    def build() -> Catalogue[AudienceInfo]:
        trees = audience_trees(lookups, project, audiences)
        views = (
            AudienceInfo(
                uid=a.uid,
                name=a.name,
                description=a.description or None,
                source=a.source,
                rules=render_tree(trees[a.uid], names),
            )
            for a in audiences
        )
        return Catalogue(views, key=lambda v: v.uid, search=lambda v: (v.name, v.uid))

    return lookups.derived(("audience-catalogue", project), (audiences, names), build)


async def attribute_ref(lookups: Lookups, project: str, attribute: str) -> str:
    """What the `attribute` filter names, as the index keys it: a custom attribute's uid (given as its uid or
    key), or a preset ref in upper case (`COUNTRY`, also as `country` or the preset attribute's key)."""
    text = attribute.strip()
    if not text or len(text) > 100:
        raise InvalidInputError("attribute must be an attribute uid or key (see list_attributes).")
    try:
        attributes = await lookups.attributes(project)
    except UserFacingError:
        attributes = []
    for candidate in attributes:
        if text in (candidate.uid, candidate.key):
            if candidate.kind == "PRESET" and candidate.key:
                return candidate.key.strip().upper()
            return candidate.uid
    if text.upper() in PRESET_REFS:
        return text.upper()
    raise NotFoundError(
        f"Attribute {text[:64]!r} is neither a preset attribute nor the uid or key of one of project {project}'s "
        "attributes; call list_attributes to see them."
    )


async def get_all_audiences(
    lookups: Lookups,
    project_uid: str | None,
    audience_uids: Sequence[str] | None = None,
    *,
    query: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
    attribute: str | None = None,
) -> AudiencesResult:
    wanted = _validated_uids("audience_uids", audience_uids)
    project = await lookups.resolve_project(project_uid)
    ref = await attribute_ref(lookups, project, attribute) if attribute is not None else None
    args = list_args(
        f"get_all_audiences:{project}",
        query=query,
        limit=limit,
        cursor=cursor,
        filters={"audience_uids": ",".join(sorted(wanted)) if wanted else None, "attribute": ref},
    )
    catalogue = await audience_catalogue(lookups, project)
    if wanted:
        positions = {uid: catalogue.position(uid) for uid in wanted}
        missing = [uid for uid, at in positions.items() if at is None]
        if missing:
            raise NotFoundError(
                f"{_count(missing, 'audience uid')} not found in project {project} ({_some(missing)}); "
                "call get_all_audiences without audience_uids to list the project's audiences."
            )
    if ref is not None:
        users = set(audiences_by_attribute(lookups, project, await lookups.audiences(project)).get(ref, ()))
        wanted = [uid for uid in wanted if uid in users] if wanted else sorted(users)
    if wanted or ref is not None:
        catalogue = catalogue.in_order([at for uid in wanted if (at := catalogue.position(uid)) is not None])
    page = catalogue.page(args, "audiences", tool="get_all_audiences")
    return AudiencesResult(project_uid=project, audiences=page.items, **page.fields())


async def get_single_audience(lookups: Lookups, project_uid: str | None, audience_uid: str) -> SingleAudienceResult:
    uid = validate_identifier("audience_uid", audience_uid)
    project = await lookups.resolve_project(project_uid)
    catalogue = await audience_catalogue(lookups, project)
    at = catalogue.position(uid)
    if at is None:
        raise NotFoundError(
            f"Audience {uid} was not found in project {project}; "
            "call get_all_audiences to list the project's audiences."
        )
    return SingleAudienceResult(project_uid=project, audience=catalogue.views[at])


def _validated_uids(name: str, values: Sequence[str] | None) -> list[str]:
    if not values:
        return []
    if isinstance(values, str):
        values = [values]
    return list(dict.fromkeys(validate_identifier(name[:-1] if name.endswith("s") else name, v) for v in values))


def _count(items: Sequence[str], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _some(uids: Sequence[str], shown: int = 5) -> str:
    """A few uids for a sentence, never the whole list: "a, b, c and 1,995 more"."""
    head = ", ".join(uids[:shown])
    return head if len(uids) <= shown else f"{head} and {len(uids) - shown:,} more"
