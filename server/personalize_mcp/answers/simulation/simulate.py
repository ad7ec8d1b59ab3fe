"""Simulate a visitor: what each of a project's experiences would show them, in priority order. Local only.

Each experience on its ACTIVE version (or, with `draft`, its DRAFT where it has one), decided by
`matching`; the CMS aliases by `aliases`. The experiences are paged (rank order) so an answer stays
small and a call's version reads bounded; `_fit` shortens a page that is still too large.
"""

from __future__ import annotations

from collections.abc import Sequence

from personalize_mcp.answers.experiences import AB_TEST, SEGMENTED, experience_type
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.paging import ENVELOPE_BYTES, encode_cursor, json_size, list_args
from personalize_mcp.answers.priority import RankedExperience, priority_catalogue
from personalize_mcp.answers.shapes import VersionRef
from personalize_mcp.answers.simulation.aliases import aliases_note, decided_aliases
from personalize_mcp.answers.simulation.context import SIMULATION, Context, call_context
from personalize_mcp.answers.simulation.matching import ab_test, segmented
from personalize_mcp.answers.simulation.models import ExperienceOutcome, SimulationResult, outcome_with
from personalize_mcp.answers.simulation.wording import as_sentence
from personalize_mcp.answers.versions import ACTIVE, DRAFT, missing_version_sentence, select_version
from personalize_mcp.answers.visitor import parse_visitor
from personalize_mcp.contentstack.models.experiences import Experience
from personalize_mcp.contentstack.models.versions import Version
from personalize_mcp.runtime.concurrency import gather
from personalize_mcp.runtime.deadline import DeadlineExceededError
from personalize_mcp.runtime.errors import InvalidInputError, NotFoundError, UserFacingError
from personalize_mcp.runtime.ids import validate_identifier

DEFAULT_EXPERIENCES = 10
MAX_EXPERIENCES = 50
"""Experiences simulated per call: each needs its versions read (10 requests/s upstream)."""
MAX_EXPERIENCE_UIDS = 100

DRAFT_WARNING = "DRAFT versions were simulated where an experience has one: drafts do not run at the edge."


async def simulate_visitor(
    lookups: Lookups,
    project_uid: str | None,
    visitor: object,
    experience_uids: Sequence[str] | None = None,
    draft: bool = False,
    *,
    query: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> SimulationResult:
    described = parse_visitor(visitor)
    wanted = _uids(experience_uids)
    if not isinstance(draft, bool):
        raise InvalidInputError("draft must be true or false.")
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_EXPERIENCES
    ):
        raise InvalidInputError(
            f"limit must be a whole number from 1 to {MAX_EXPERIENCES} for simulate_visitor (each experience needs "
            "its versions read); page on with cursor."
        )
    project = await lookups.resolve_project(project_uid)
    args = list_args(
        f"simulate_visitor:{project}",
        query=query,
        limit=DEFAULT_EXPERIENCES if limit is None else limit,
        cursor=cursor,
        filters={"experience_uids": ",".join(sorted(wanted)) or None, "draft": draft},
    )
    catalogue, context, experiences = await gather(
        lambda: priority_catalogue(lookups, project),
        lambda: call_context(lookups, project, described),
        lambda: lookups.experiences(project),
    )
    selection = None
    if wanted:
        known = {v.uid for v in catalogue.views}
        missing = [uid for uid in wanted if uid not in known]
        if missing:
            raise NotFoundError(
                f"Experience {missing[0]} was not found in project {project}; call get_all_experiences to list "
                "the project's experiences."
            )
        chosen = set(wanted)
        selection = catalogue.select(args.query, ("uids", *sorted(chosen)), lambda v: v.uid in chosen)
    page = catalogue.page(args, "experiences", tool="simulate_visitor", selection=selection)
    by_uid = {e.uid: e for e in experiences}

    async def versions_of(uid: str) -> list[Version] | UserFacingError:
        try:
            return await lookups.versions(project, uid)
        except DeadlineExceededError:
            raise
        except UserFacingError as error:
            return error

    readable = [ranked for ranked in page.items if ranked.uid in by_uid]
    fetched = await gather(*[lambda uid=r.uid: versions_of(uid) for r in readable])
    versions = {r.uid: found for r, found in zip(readable, fetched, strict=True)}
    outcomes = [
        _simulate(context, ranked, by_uid.get(ranked.uid), versions.get(ranked.uid), draft) for ranked in page.items
    ]
    return _fit(
        SimulationResult(
            project_uid=project,
            simulation=SIMULATION + (f" {DRAFT_WARNING}" if draft else ""),
            draft=draft,
            evaluated_at=described.moment.isoformat(),
            datetime_given=described.moment_given,
            experiences=outcomes,
            variant_aliases=decided_aliases(outcomes),
            aliases_note=aliases_note(outcomes, first_page=args.after is None, more=page.next_cursor is not None),
            needs=list(dict.fromkeys(n for o in outcomes if o.outcome == "unknown" for n in o.needs)),
            total=page.total,
            next_cursor=page.next_cursor,
            note=page.note,
        ),
        page.keys,
        args.listing,
        args.budget,
    )


def _uids(values: Sequence[str] | None) -> list[str]:
    if not values:
        return []
    if isinstance(values, str):
        values = [values]
    if len(values) > MAX_EXPERIENCE_UIDS:
        raise InvalidInputError(f"experience_uids holds {len(values)} uids; pass at most {MAX_EXPERIENCE_UIDS}.")
    return list(dict.fromkeys(validate_identifier("experience_uid", v) for v in values))


def _simulate(
    context: Context,
    ranked: RankedExperience,
    experience: Experience | None,
    versions: list[Version] | UserFacingError | None,
    draft: bool,
) -> ExperienceOutcome:
    head = ExperienceOutcome(
        rank=ranked.rank,
        uid=ranked.uid,
        name=ranked.name,
        type=ranked.type,
        outcome="not_running",
        variant=None,
        reason="The priority list names this uid, but the project has no such experience, so nothing runs.",
    )
    if experience is None:
        return head
    kind = experience_type(experience.type)
    head = head.model_copy(update={"type": kind})
    if isinstance(versions, UserFacingError) or versions is None:
        message = versions.message if isinstance(versions, UserFacingError) else "they were not read"
        return outcome_with(head, outcome="unknown", reason=as_sentence(f"Its versions could not be read: {message}"))
    version = select_version(versions, DRAFT) if draft else None
    prefix = "DRAFT version (drafts do not run at the edge): " if version is not None else ""
    if draft and version is None:
        prefix = "No DRAFT version, so its ACTIVE one: "
    version = version or select_version(versions, ACTIVE)
    if version is None:
        reason = missing_version_sentence(ranked.uid, ACTIVE, versions, label=_label(experience))
        sentence = reason.removeprefix("The ").split(";")[0]
        hint = "; draft=true simulates the draft" if DRAFT in {v.status for v in versions} and not draft else ""
        return outcome_with(head, reason=f"Not running: the {sentence}, so the Edge gives no variant{hint}.")
    head = outcome_with(head, version=VersionRef(uid=version.uid, status=version.status))
    if kind == AB_TEST or (kind != SEGMENTED and version.variants and all(v.is_ab_test for v in version.variants)):
        return ab_test(context, head, experience, version, prefix)
    if kind != SEGMENTED:
        return outcome_with(
            head,
            outcome="unknown",
            reason=f"{prefix}Its type {kind!r} is neither SEGMENTED nor AB_TEST, so it cannot be simulated.",
        )
    return segmented(context, head, experience, version, prefix)


def _fit(result: SimulationResult, keys: Sequence[str], listing: str, budget: int) -> SimulationResult:
    """Drop experiences from the end until the answer fits the budget; the cursor and note say so."""
    experiences = list(result.experiences)
    if json_size(result) <= budget or len(experiences) <= 1:
        return result
    room = budget - ENVELOPE_BYTES - json_size(result.model_copy(update={"experiences": []}))
    kept: list[ExperienceOutcome] = []
    for outcome in experiences:
        size = json_size(outcome) + 1
        if kept and size > room:
            break
        room -= size
        kept.append(outcome)
    cursor = encode_cursor(listing, keys[len(kept) - 1])
    note = (
        f"This page holds {len(kept)} of the {len(experiences)} experiences asked for (shortened to keep the answer "
        f"under {budget // 1024} KiB); call simulate_visitor again with the same arguments and cursor=next_cursor "
        "for the rest."
    )
    return result.model_copy(
        update={
            "experiences": kept,
            "next_cursor": cursor,
            "note": note,
            "variant_aliases": decided_aliases(kept),
            "aliases_note": aliases_note(kept, first_page=True, more=True),
            "needs": list(dict.fromkeys(n for o in kept if o.outcome == "unknown" for n in o.needs)),
        }
    )


def _label(experience: Experience) -> str:
    return f"experience '{experience.name}'" if experience.name else f"experience {experience.uid}"
