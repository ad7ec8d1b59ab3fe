"""Compare Versions: what activating a draft (or any version after another) changes, in plain words.

The two versions (ACTIVE and DRAFT unless named), picked and checked here; the changes between them
come from `version_diff`, derived once per cached data set and paged.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ConfigDict, Field

from personalize_mcp.answers.experiences import experience_label
from personalize_mcp.answers.insights.version_diff import VersionChange, diff_versions, summary_of
from personalize_mcp.answers.insights.words import some
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.paging import Catalogue, Paged, list_args
from personalize_mcp.answers.shapes import VersionRef
from personalize_mcp.answers.versions import ACTIVE, DRAFT, select_version, statuses_of
from personalize_mcp.contentstack.models.audiences import Audience
from personalize_mcp.contentstack.models.versions import Version
from personalize_mcp.runtime.concurrency import gather
from personalize_mcp.runtime.errors import InvalidInputError, NotFoundError
from personalize_mcp.runtime.ids import validate_identifier


class CompareResult(Paged):
    model_config = ConfigDict(frozen=True, serialize_by_alias=True, validate_by_name=True, validate_by_alias=True)

    project_uid: str = Field(description="The project of the experience.")
    experience_uid: str = Field(description="The experience whose versions are compared.")
    experience_name: str | None = Field(default=None, description="The experience's name, when known.")
    from_version: VersionRef = Field(alias="from", description="The version compared from (default: ACTIVE).")
    to_version: VersionRef = Field(alias="to", description="The version compared to (default: DRAFT).")
    summary: str = Field(description="The changes in one sentence (or that there is none).")
    changes: list[VersionChange] = Field(description="Each change with before and after in plain words (this page).")


def audience_names(lookups: Lookups, project: str, audiences: list[Audience]) -> dict[str, str | None]:
    """uid -> name of every audience the project lists (a uid missing here is a dangling reference)."""
    return lookups.derived(("audience-names", project), (audiences,), lambda: {a.uid: a.name for a in audiences})


def _pick(versions: Sequence[Version], uid: str | None, status: str, argument: str, label: str) -> Version:
    if uid is not None:
        found = next((v for v in versions if v.uid == uid), None)
        if found is None:
            listing = some([f"{v.uid} ({v.status or 'UNKNOWN'})" for v in versions], shown=2) or "none"
            raise NotFoundError(
                f"Version {uid} ({argument}) is not a version of the {label} (its versions: {listing}); "
                "call get_all_versions to list them."
            )
        return found
    found = select_version(versions, status)
    if found is None:
        present = statuses_of(versions)
        has = f"its versions are: {', '.join(present)}" if present else "it has no versions at all"
        raise NotFoundError(
            f"The {label} has no {status} version to compare ({has}); pass {argument} "
            "(get_all_versions lists the version uids)."
        )
    return found


async def compare_versions(
    lookups: Lookups,
    project_uid: str | None,
    experience_uid: str,
    from_version_uid: str | None = None,
    to_version_uid: str | None = None,
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> CompareResult:
    uid = validate_identifier("experience_uid", experience_uid)
    from_uid = validate_identifier("version_uid", from_version_uid) if from_version_uid else None
    to_uid = validate_identifier("version_uid", to_version_uid) if to_version_uid else None
    if from_uid is not None and from_uid == to_uid:
        raise InvalidInputError(
            f"from_version_uid and to_version_uid are both {from_uid}; pass two different versions "
            "(get_all_versions lists them), or leave them out to compare ACTIVE with DRAFT."
        )
    project = await lookups.resolve_project(project_uid)
    versions, (audiences, attribute_names), experiences = await gather(
        lambda: lookups.versions(project, uid),
        lambda: lookups.audience_set(project),
        lambda: lookups.experiences_or_empty(project),
    )
    experience = next((e for e in experiences if e.uid == uid), None)
    label = experience_label(uid, experience)
    before = _pick(versions, from_uid, ACTIVE, "from_version_uid", label)
    after = _pick(versions, to_uid, DRAFT, "to_version_uid", label)
    if before.uid == after.uid:
        raise InvalidInputError(
            f"Both sides are version {before.uid} ({before.status}) of the {label}; pass from_version_uid and "
            "to_version_uid naming two different versions (get_all_versions lists them)."
        )
    args = list_args(f"compare_versions:{project}:{uid}:{before.uid}:{after.uid}", limit=limit, cursor=cursor)
    names = audience_names(lookups, project, audiences)

    def build() -> tuple[Catalogue[VersionChange], str]:
        changes = diff_versions(before, after, names, attribute_names)
        catalogue = Catalogue.in_key_order(
            ((f"{n:05d}", c) for n, c in enumerate(changes)),
            search=lambda c: (c.change, c.variant_name, c.variant_short_uid),
        )
        return catalogue, summary_of(changes, before, after)

    catalogue, summary = lookups.derived(
        ("version-changes", project, uid, before.uid, after.uid), (versions, audiences, attribute_names), build
    )
    page = catalogue.page(args, "changes", tool="compare_versions")
    return CompareResult.model_validate(
        {
            "project_uid": project,
            "experience_uid": uid,
            "experience_name": experience.name if experience else None,
            "from": VersionRef(uid=before.uid, status=before.status),
            "to": VersionRef(uid=after.uid, status=after.status),
            "summary": summary,
            "changes": page.items,
            **page.fields(),
        }
    )
