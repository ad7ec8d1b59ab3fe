"""Experience priority: which experience wins an entry when several vary it (contentstack-api.md §6, §7).

Every running experience is evaluated for every visitor; priority orders them (the Edge's manifest and
the CMS variant aliases follow it), it does not suppress any. Experiences the priority list leaves out
are listed after it, flagged, with no rank: where Contentstack puts them is not documented.
"""

from __future__ import annotations

from pydantic import Field

from personalize_mcp.answers.experiences import experience_type
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.paging import Catalogue, Paged, list_args
from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.contentstack.models.experiences import Experience
from personalize_mcp.runtime.concurrency import gather
from personalize_mcp.runtime.plurals import count, is_are


class RankedExperience(ResultModel):
    rank: int | None = Field(description="1 = highest priority; null for an experience the priority list leaves out.")
    uid: str = Field(description="Experience uid.")
    name: str | None = Field(default=None, description="Experience name (null for a uid no experience has).")
    type: str | None = Field(default=None, description="SEGMENTED or AB_TEST.")
    status: str | None = Field(default=None, description="Experience status.")
    in_priority_list: bool = Field(description="false: the priority list does not name this experience.")


class PriorityResult(Paged):
    project_uid: str = Field(description="The project.")
    experiences: list[RankedExperience] = Field(
        description="Every experience in rank order, then those the priority list leaves out (this page)."
    )


def ranked(order: list[str], experiences: list[Experience]) -> list[RankedExperience]:
    """The priority list joined with the experience list; unknown uids kept (nameless), unlisted ones last."""
    by_uid = {e.uid: e for e in experiences}

    def entry(rank: int | None, uid: str) -> RankedExperience:
        experience = by_uid.get(uid)
        return RankedExperience(
            rank=rank,
            uid=uid,
            name=experience.name if experience else None,
            type=experience_type(experience.type) if experience else None,
            status=experience.status if experience else None,
            in_priority_list=rank is not None,
        )

    listed = set(order)
    return [entry(n, uid) for n, uid in enumerate(order, start=1)] + [
        entry(None, e.uid) for e in experiences if e.uid not in listed
    ]


async def priority_catalogue(lookups: Lookups, project: str) -> Catalogue[RankedExperience]:
    order, experiences = await gather(lambda: lookups.priority(project), lambda: lookups.experiences(project))
    return lookups.derived(
        ("priority-catalogue", project),
        (order, experiences),
        lambda: Catalogue.in_key_order(
            ((f"{n:06d}", entry) for n, entry in enumerate(ranked(order, experiences))),
            search=lambda v: (v.name, v.uid),
        ),
    )


async def get_experiences_priority(
    lookups: Lookups, project_uid: str | None, *, limit: int | None = None, cursor: str | None = None
) -> PriorityResult:
    project = await lookups.resolve_project(project_uid)
    args = list_args(f"get_experiences_priority:{project}", limit=limit, cursor=cursor)
    catalogue = await priority_catalogue(lookups, project)
    page = catalogue.page(args, "experiences", tool="get_experiences_priority")
    note = page.note
    unlisted = sum(1 for v in catalogue.views if not v.in_priority_list)
    unknown = sum(1 for v in catalogue.views if v.in_priority_list and v.name is None and v.status is None)
    remarks = []
    if unlisted:
        remarks.append(
            f"{count(unlisted, 'experience')} {is_are(unlisted)} not in the priority list (listed last, rank null): "
            f"set {'its' if unlisted == 1 else 'their'} priority in Contentstack Personalize"
        )
    if unknown:
        remarks.append(
            f"{count(unknown, 'uid')} in the priority list {'names' if unknown == 1 else 'name'} no experience of "
            "the project"
        )
    if remarks:
        note = "; ".join(remarks) + "." + (f" {note}" if note else "")
    return PriorityResult(
        project_uid=project, experiences=page.items, total=page.total, next_cursor=page.next_cursor, note=note
    )
