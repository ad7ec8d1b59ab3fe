"""Audiences: Get All Audiences and Get a Single Audience, each audience with its rules in plain words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pydantic import Field

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.contentstack.models import Audience
from personalize_mcp.rules.render import render_definition
from personalize_mcp.runtime.errors import NotFoundError
from personalize_mcp.runtime.ids import validate_identifier

UNKNOWN_AUDIENCE_RULES = "(unknown: this audience uid is not among the project's audiences)"


class AudienceInfo(ResultModel):
    uid: str = Field(description="Audience uid.")
    name: str | None = Field(default=None, description="Audience name.")
    description: str | None = Field(default=None, description="Audience description, if any.")
    source: str | None = Field(default=None, description="Where the audience comes from, e.g. LYTICS for synced ones.")
    rules: str = Field(description="The audience definition in plain words, e.g. 'country equals \"AU\"'.")


class AudiencesResult(ResultModel):
    project_uid: str = Field(description="The project the audiences belong to.")
    audiences: list[AudienceInfo] = Field(description="The audiences, with their rules in plain words.")


class SingleAudienceResult(ResultModel):
    project_uid: str = Field(description="The project the audience belongs to.")
    audience: AudienceInfo = Field(description="The audience, with its rules in plain words.")


def audience_view(audience: Audience, attribute_names: Mapping[str, str] | None = None) -> AudienceInfo:
    return AudienceInfo(
        uid=audience.uid,
        name=audience.name,
        description=audience.description or None,
        source=audience.source,
        rules=render_definition(audience.definition, attribute_names),
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


async def get_all_audiences(
    lookups: Lookups, project_uid: str | None, audience_uids: Sequence[str] | None = None
) -> AudiencesResult:
    wanted = _validated_uids("audience_uids", audience_uids)
    project = await lookups.resolve_project(project_uid)
    audiences, names = await lookups.audience_set(project)
    if wanted:
        known = audiences_by_uid(audiences)
        missing = [uid for uid in wanted if uid not in known]
        if missing:
            raise NotFoundError(
                f"Audience uid(s) {', '.join(missing)} not found in project {project}; "
                "call get_all_audiences without audience_uids to list the project's audiences."
            )
        audiences = [known[uid] for uid in wanted]
    return AudiencesResult(project_uid=project, audiences=[audience_view(a, names) for a in audiences])


async def get_single_audience(lookups: Lookups, project_uid: str | None, audience_uid: str) -> SingleAudienceResult:
    uid = validate_identifier("audience_uid", audience_uid)
    project = await lookups.resolve_project(project_uid)
    audiences, names = await lookups.audience_set(project)
    audience = audiences_by_uid(audiences).get(uid)
    if audience is None:
        raise NotFoundError(
            f"Audience {uid} was not found in project {project}; "
            "call get_all_audiences to list the project's audiences."
        )
    return SingleAudienceResult(project_uid=project, audience=audience_view(audience, names))


def _validated_uids(name: str, values: Sequence[str] | None) -> list[str]:
    if not values:
        return []
    if isinstance(values, str):
        values = [values]
    return list(dict.fromkeys(validate_identifier(name[:-1] if name.endswith("s") else name, v) for v in values))
