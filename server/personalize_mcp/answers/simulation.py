"""Simulate a visitor across a project's experiences, and explain one audience match: purely local.

"What would this visitor see, and why not?" -- the Edge answers `activeVariantShortUid: null` and nothing
more. This reads the same rules (audiences, Lytics audiences, a variant's inline `target`) and evaluates
them with `rules.evaluate` as contentstack-api.md §7 describes the Edge:

* experiences in priority order (`priority.ranked`), each on its ACTIVE version -- or, with `draft`, on
  its DRAFT version where it has one (drafts never run at the edge: the answer says so), else its ACTIVE;
* segmented: the **first** variant in the version's order whose audiences match (combined as its
  `audienceCombinationType` says, OR when it says nothing; AND with its inline `target` when it has
  both); an undecided variant before a matching one makes the outcome `unknown`;
* A/B: every visitor who passes the test's targeting (when a version carries any) gets one variant at
  random, sticky per user (the bucketing hash is not published): `ab_random`, with the split;
* `variant_aliases`: the CMS aliases `cs_personalize_{experience short uid}_{variant short uid}` of the
  decided variants, highest priority first, at most three (what the CMS Delivery API takes).

It never calls the Edge API, which would create visitor records. Every answer says it is a simulation.
The experiences are paged (rank order) so an answer stays small and a call's version reads bounded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from personalize_mcp.answers.audiences import audience_catalogue, audience_trees
from personalize_mcp.answers.experiences import AB_TEST, SEGMENTED, experience_type
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.paging import ENVELOPE_BYTES, Paged, encode_cursor, json_size, list_args
from personalize_mcp.answers.priority import RankedExperience, priority_catalogue
from personalize_mcp.answers.shapes import ResultModel, VersionRef
from personalize_mcp.answers.versions import ACTIVE, DRAFT, missing_version_sentence, select_version
from personalize_mcp.answers.visitor import parse_visitor
from personalize_mcp.contentstack.models import Attribute, Audience, Experience, Version, VersionVariant
from personalize_mcp.rules.conditions.text import CASE_RULE
from personalize_mcp.rules.evaluate import combine, evaluate
from personalize_mcp.rules.model import Node, parse_audience
from personalize_mcp.rules.render import render_tree
from personalize_mcp.rules.trace import Evaluation
from personalize_mcp.rules.visitor import AttributeIndex, Visitor
from personalize_mcp.rules.wording import clip
from personalize_mcp.runtime.concurrency import gather
from personalize_mcp.runtime.deadline import DeadlineExceededError
from personalize_mcp.runtime.errors import InvalidInputError, NotFoundError, UserFacingError
from personalize_mcp.runtime.ids import validate_identifier

OUTCOMES = ("variant", "no_match", "ab_random", "unknown", "not_running")
DEFAULT_EXPERIENCES = 10
MAX_EXPERIENCES = 50
"""Experiences simulated per call: each needs its versions read (10 requests/s upstream)."""
MAX_EXPERIENCE_UIDS = 100
MAX_ALIASES = 3
MAX_VARIANT_CHECKS = 20
MAX_PART_CHARS = 320
MAX_REASON_CHARS = 900

SIMULATION = (
    "A local simulation: the project's rules were evaluated here as contentstack-api.md §7 describes the "
    "Personalize Edge (experiences in priority order, the first matching variant of each, A/B tests at "
    "random); the Edge API was not called, so no visitor record was created. Undecided (null) means the "
    f"visitor does not give what a rule needs; {CASE_RULE}."
)
DRAFT_WARNING = "DRAFT versions were simulated where an experience has one: drafts do not run at the edge."


# --- results ---------------------------------------------------------------------------------------


class SimulatedVariant(ResultModel):
    short_uid: str | None = Field(default=None, description="Variant short uid within the experience.")
    name: str | None = Field(default=None, description="Variant name.")
    alias: str | None = Field(
        default=None, description="CMS variant alias cs_personalize_{experience short uid}_{variant short uid}."
    )
    audience_combination: str | None = Field(
        default=None, description="How its audiences combine: OR (any) or AND (all)."
    )
    audience_uids: list[str] = Field(
        default_factory=list, description="The audiences it targets, Lytics ones included."
    )
    target_rules: str | None = Field(
        default=None, description="Its own inline rules (a variant's `target`) in plain words, if it has any."
    )
    traffic_distribution: float | None = Field(default=None, description="A/B variants: the share of traffic.")


class VariantCheck(ResultModel):
    short_uid: str | None = Field(default=None, description="Variant short uid.")
    name: str | None = Field(default=None, description="Variant name.")
    matched: bool | None = Field(description="Whether its audiences match the visitor; null: undecided.")


class ExperienceOutcome(ResultModel):
    rank: int | None = Field(description="1 = highest priority; null when the priority list leaves it out.")
    uid: str = Field(description="Experience uid.")
    name: str | None = Field(default=None, description="Experience name.")
    type: str | None = Field(default=None, description="SEGMENTED or AB_TEST.")
    outcome: str = Field(
        description="variant (this variant is shown), no_match (no variant: activeVariantShortUid null), ab_random "
        "(an A/B variant at random, see split), unknown (undecided: see needs), not_running (no version runs)."
    )
    variant: SimulatedVariant | None = Field(description="The variant the visitor gets (outcome variant), else null.")
    reason: str = Field(description="Why, in one sentence: each variant tried, the rules that failed or are undecided.")
    version: VersionRef | None = Field(default=None, description="The version simulated (ACTIVE, or DRAFT with draft).")
    variants: list[VariantCheck] = Field(
        default_factory=list, description="Each segmented variant in the version's order and whether it matches."
    )
    split: list[SimulatedVariant] | None = Field(
        default=None, description="A/B tests: the variants one of which the visitor gets, with their traffic shares."
    )
    needs: list[str] = Field(default_factory=list, description="Visitor fields that would decide an unknown outcome.")


class SimulationResult(Paged):
    project_uid: str = Field(description="The project simulated.")
    simulation: str = Field(description="How this answer was reached: a local simulation, never the Edge API.")
    draft: bool = Field(
        description="true: DRAFT versions were simulated where they exist (they do not run at the edge)."
    )
    evaluated_at: str = Field(description="The visit's moment used for time rules (ISO 8601).")
    datetime_given: bool = Field(description="false: the visitor gave no datetime, so now was used.")
    experiences: list[ExperienceOutcome] = Field(description="The experiences in priority order (this page).")
    variant_aliases: list[str] = Field(
        description="Up to three CMS variant aliases of the decided variants, highest priority first: what the CMS "
        "Delivery API would be asked for (x-cs-variant-uid)."
    )
    aliases_note: str | None = Field(
        default=None,
        description="When variant_aliases may differ from the Edge's: A/B tests or undecided experiences above.",
    )
    needs: list[str] = Field(
        description='Visitor fields that would decide the unknown outcomes ("give the visitor\'s ...").'
    )


class TraceLine(ResultModel):
    rule: str = Field(description="The rule or combination in plain words.")
    result: bool | None = Field(description="true, false, or null (undecided from what the visitor gives).")
    because: str = Field(description="Why: the attribute's observed value against the expected one.")
    depth: int = Field(description="Nesting depth (0 = the audience's top combination).")
    attribute: str | None = Field(default=None, description="What the rule tests (rules only).")
    expected: str | None = Field(default=None, description="What the rule wants.")
    observed: str | None = Field(default=None, description="What the visitor gives ((not given) when nothing).")


class MatchedAudience(ResultModel):
    uid: str = Field(description="Audience uid.")
    name: str | None = Field(default=None, description="Audience name.")
    source: str | None = Field(default=None, description="LYTICS for audiences synced from Lytics.")
    rules: str = Field(description="The audience's rules in plain words.")


class AudienceMatchResult(ResultModel):
    project_uid: str = Field(description="The project of the audience.")
    audience: MatchedAudience = Field(description="The audience evaluated.")
    matched: bool | None = Field(description="true / false, or null when the visitor does not give enough to decide.")
    because: str = Field(description="The decisive rules in a few words.")
    trace: list[TraceLine] = Field(description="One line per rule and combination, in reading order.")
    needs: list[str] = Field(description="Visitor fields that would decide an undecided match.")
    simulation: str = Field(description="How this answer was reached: a local simulation, never the Edge API.")
    evaluated_at: str = Field(description="The visit's moment used for time rules (ISO 8601).")
    note: str | None = Field(
        default=None, exclude_if=lambda value: value is None, description="Only when the trace was shortened."
    )


# --- the shared context of one call ------------------------------------------------------------------


@dataclass
class _Context:
    visitor: Visitor
    index: AttributeIndex
    audiences: Mapping[str, Audience]
    trees: Mapping[str, Node | None]
    memo: dict[str, Evaluation] = field(default_factory=dict)

    def audience(self, uid: str) -> Evaluation | None:
        """The audience's evaluation (once per call), or None for a uid the project does not list."""
        if uid not in self.trees:
            return None
        found = self.memo.get(uid)
        if found is None:
            found = self.memo[uid] = evaluate(self.trees[uid], self.visitor, self.index)
        return found

    def name(self, uid: str) -> str:
        audience = self.audiences.get(uid)
        return (audience.name if audience and audience.name else None) or f"audience {uid}"


async def attribute_index(lookups: Lookups, project: str) -> AttributeIndex:
    """Custom attribute uid -> key and name, once per cached list; unreadable attributes say so."""
    try:
        attributes = await lookups.attributes(project)
    except DeadlineExceededError:
        raise
    except UserFacingError:
        return AttributeIndex(readable=False)
    return lookups.derived(("attribute-index", project), (attributes,), lambda: _index(attributes))


def _index(attributes: Sequence[Attribute]) -> AttributeIndex:
    return AttributeIndex(
        keys={a.uid: a.key for a in attributes if a.key},
        names={a.uid: name for a in attributes if (name := a.display_name)},
    )


async def _context(lookups: Lookups, project: str, visitor: Visitor) -> _Context:
    audiences, index = await gather(lambda: lookups.audiences(project), lambda: attribute_index(lookups, project))
    by_uid = lookups.derived(("audiences-by-uid", project), (audiences,), lambda: {a.uid: a for a in audiences})
    return _Context(visitor, index, by_uid, audience_trees(lookups, project, audiences))


# --- simulate_visitor --------------------------------------------------------------------------------


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
        lambda: _context(lookups, project, described),
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
            variant_aliases=_aliases(outcomes),
            aliases_note=_aliases_note(outcomes, first_page=args.after is None, more=page.next_cursor is not None),
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
    context: _Context,
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
        return _with(head, outcome="unknown", reason=_sentence(f"Its versions could not be read: {message}"))
    version = select_version(versions, DRAFT) if draft else None
    prefix = "DRAFT version (drafts do not run at the edge): " if version is not None else ""
    if draft and version is None:
        prefix = "No DRAFT version, so its ACTIVE one: "
    version = version or select_version(versions, ACTIVE)
    if version is None:
        reason = missing_version_sentence(ranked.uid, ACTIVE, versions, label=_label(experience))
        sentence = reason.removeprefix("The ").split(";")[0]
        hint = "; draft=true simulates the draft" if DRAFT in {v.status for v in versions} and not draft else ""
        return _with(head, reason=f"Not running: the {sentence}, so the Edge gives no variant{hint}.")
    head = _with(head, version=VersionRef(uid=version.uid, status=version.status))
    if kind == AB_TEST or (kind != SEGMENTED and version.variants and all(v.is_ab_test for v in version.variants)):
        return _ab_test(context, head, experience, version, prefix)
    if kind != SEGMENTED:
        return _with(
            head,
            outcome="unknown",
            reason=f"{prefix}Its type {kind!r} is neither SEGMENTED nor AB_TEST, so it cannot be simulated.",
        )
    return _segmented(context, head, experience, version, prefix)


def _with(base: ExperienceOutcome, /, **changes: Any) -> ExperienceOutcome:
    """A copy with fields changed, validated again (the result models are frozen)."""
    return ExperienceOutcome.model_validate({**dict(base), **changes})


@dataclass(frozen=True)
class _Match:
    result: bool | None
    wants: str
    """What the variant needs, in words ("Australian Users", "Mobile Visitors AND Returning Customers")."""
    why: str
    needs: tuple[str, ...]


def _variant_match(context: _Context, variant: VersionVariant) -> _Match:
    """The variant's audiences (combined as it says) and its inline target (AND), three-valued."""
    uids = variant.all_audience_uids
    combination = (variant.audience_combination_type or "OR").strip().upper()
    parts: list[tuple[bool | None, str, tuple[str, ...]]] = []
    names: list[str] = []
    for uid in uids:
        evaluation = context.audience(uid)
        name = context.name(uid)
        names.append(name)
        if evaluation is None:
            parts.append((None, f"{name} is not among the project's audiences (deleted?)", ()))
        else:
            why = evaluation.why if len(uids) == 1 and variant.target is None else f"{name}: {evaluation.why}"
            parts.append((evaluation.result, why, evaluation.needs))
    pieces: list[tuple[bool | None, str, tuple[str, ...]]] = []
    wants: list[str] = []
    if parts:
        pieces.append(combine(combination, parts))
        wants.append(f" {combination} ".join(names) if len(names) > 1 else names[0])
    if variant.target is not None:
        tree = parse_audience(variant.target)
        evaluation = evaluate(tree, context.visitor, context.index)
        pieces.append((evaluation.result, f"its own rules: {evaluation.why}", evaluation.needs))
        wants.append(f"its own rules ({clip(render_tree(tree, context.index.names), 120)})")
    if not pieces:
        return _Match(
            None, "nothing", "it targets no audience and has no rules of its own (undocumented at the Edge)", ()
        )
    result, why, needs = pieces[0] if len(pieces) == 1 else combine("AND", pieces)
    return _Match(result, " AND ".join(wants), clip(why, MAX_PART_CHARS), needs)


def _segmented(
    context: _Context, head: ExperienceOutcome, experience: Experience, version: Version, prefix: str
) -> ExperienceOutcome:
    checks: list[VariantCheck] = []
    tried: list[str] = []
    undecided: list[str] = []
    needs: list[str] = []
    chosen: tuple[VersionVariant, _Match] | None = None
    for variant in version.variants:
        match = _variant_match(context, variant)
        if len(checks) < MAX_VARIANT_CHECKS:
            checks.append(VariantCheck(short_uid=variant.short_uid, name=variant.name, matched=match.result))
        if chosen is not None:
            continue
        label = _variant_label(variant)
        if match.result is True:
            chosen = (variant, match)
        elif match.result is None:
            undecided.append(f"{label} needs {match.wants} ({match.why})")
            needs.extend(match.needs)
        else:
            tried.append(f"{label} needs {match.wants} ({match.why})")
    head = _with(head, variants=checks)
    if not version.variants:
        return _with(head, outcome="no_match", reason=f"{prefix}Its version has no variants, so nothing is shown.")
    if chosen is not None and not undecided:
        variant, match = chosen
        reason = f"{_upper_first(_variant_label(variant))} matches {match.wants} ({match.why})"
        if tried:
            reason += f", the first in the version's order to do so: {_join(tried)}"
        return _with(
            head,
            outcome="variant",
            variant=_variant_view(experience, variant, context),
            reason=_sentence(prefix + reason),
        )
    if undecided:
        needed = list(dict.fromkeys(needs))
        reason = f"Undecided: {_join(undecided)}"
        if chosen is not None:
            reason += f"; {_variant_label(chosen[0])} matches, and is shown unless a variant before it does"
        if tried:
            reason += f"; {_join(tried)}"
        if needed:
            reason += f"; give {', '.join(needed[:5])} to decide"
        return _with(head, outcome="unknown", reason=_sentence(prefix + reason), needs=needed)
    return _with(head, outcome="no_match", reason=_sentence(f"{prefix}No variant matches: {_join(tried)}"))


def _ab_test(
    context: _Context, head: ExperienceOutcome, experience: Experience, version: Version, prefix: str
) -> ExperienceOutcome:
    split = [_variant_view(experience, v, context) for v in version.variants[:MAX_VARIANT_CHECKS]]
    shares = ", ".join(
        f"{v.short_uid} {v.name!r} {v.traffic_distribution:g}%"
        if v.traffic_distribution is not None
        else f"{v.short_uid} {v.name!r}"
        for v in split
    )
    head = _with(head, split=split)
    targeting = _ab_targeting(context, version)
    if targeting is not None and targeting.result is False:
        return _with(
            head,
            outcome="no_match",
            reason=_sentence(
                f"{prefix}A/B test the visitor is not part of: it needs {targeting.wants}: {targeting.why}"
            ),
        )
    if targeting is not None and targeting.result is None:
        return _with(
            head,
            outcome="unknown",
            needs=list(targeting.needs),
            reason=_sentence(f"{prefix}Undecided whether the visitor takes part in this A/B test: {targeting.why}"),
        )
    passes = f" passes its targeting ({targeting.wants}) and" if targeting is not None else ""
    reason = (
        f"{prefix}A/B test: the visitor{passes} gets one variant at random, sticky per user (the Edge's bucketing "
        f"is not published): {shares or 'no variants'}"
    )
    return _with(head, outcome="ab_random", reason=_sentence(reason))


def _ab_targeting(context: _Context, version: Version) -> _Match | None:
    """An A/B version's own targeting, when it carries any (see `Version`): None when it targets everyone."""
    if not version.targeting_uids and version.target is None:
        return None
    stand_in = VersionVariant.model_validate(
        {
            "audiences": version.audiences,
            "lyticsAudiences": version.lytics_audiences,
            "audienceCombinationType": version.audience_combination_type,
            "target": version.target,
        }
    )
    return _variant_match(context, stand_in)


def _variant_view(experience: Experience, variant: VersionVariant, context: _Context) -> SimulatedVariant:
    target = None
    if variant.target is not None:
        target = render_tree(parse_audience(variant.target), context.index.names)
    return SimulatedVariant(
        short_uid=variant.short_uid,
        name=variant.name,
        alias=alias(experience, variant),
        audience_combination=None if variant.is_ab_test else (variant.audience_combination_type or "OR"),
        audience_uids=variant.all_audience_uids,
        target_rules=target,
        traffic_distribution=variant.traffic_distribution,
    )


def alias(experience: Experience, variant: VersionVariant) -> str | None:
    """The CMS variant alias: cs_personalize_{experience short uid}_{variant short uid} (contentstack-api.md §7)."""
    if experience.short_uid is None or variant.short_uid is None:
        return None
    return f"cs_personalize_{experience.short_uid}_{variant.short_uid}"


def _aliases(outcomes: Sequence[ExperienceOutcome]) -> list[str]:
    found = [o.variant.alias for o in outcomes if o.outcome == "variant" and o.variant and o.variant.alias]
    return list(dict.fromkeys(found))[:MAX_ALIASES]


def _aliases_note(outcomes: Sequence[ExperienceOutcome], *, first_page: bool, more: bool) -> str | None:
    notes: list[str] = []
    if not first_page:
        notes.append("experiences on earlier pages rank higher and come first in the CMS's list")
    decided = 0
    for outcome in outcomes:
        if decided >= MAX_ALIASES:
            break
        label = f"{outcome.name or outcome.uid} (rank {outcome.rank if outcome.rank is not None else 'none'})"
        if outcome.outcome == "variant":
            decided += 1
        elif outcome.outcome == "ab_random":
            candidates = [v.alias for v in outcome.split or [] if v.alias]
            notes.append(
                f"the A/B test {label} also takes a place, with one of {', '.join(candidates[:5]) or 'its variants'} "
                "at random"
            )
        elif outcome.outcome == "unknown":
            notes.append(f"{label} is undecided and may add its alias")
    if more and decided < MAX_ALIASES:
        notes.append("lower-ranked experiences on the next page may add aliases")
    if not notes:
        return None
    return clip(_upper_first("; ".join(notes)) + ".", 1200)


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
            "variant_aliases": _aliases(kept),
            "aliases_note": _aliases_note(kept, first_page=True, more=True),
            "needs": list(dict.fromkeys(n for o in kept if o.outcome == "unknown" for n in o.needs)),
        }
    )


def _label(experience: Experience) -> str:
    return f"experience '{experience.name}'" if experience.name else f"experience {experience.uid}"


def _variant_label(variant: VersionVariant) -> str:
    name = f" '{variant.name}'" if variant.name else ""
    return f"variant {variant.short_uid if variant.short_uid is not None else '?'}{name}"


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(parts: Sequence[str]) -> str:
    shown = [clip(p, MAX_PART_CHARS) for p in parts[:4]]
    more = len(parts) - len(shown)
    return "; ".join(shown) + (f"; and {more} more variant(s) do not match" if more > 0 else "")


def _sentence(text: str) -> str:
    text = clip(text, MAX_REASON_CHARS)
    return text if text.endswith((".", "…")) else text + "."


# --- explain_audience_match ----------------------------------------------------------------------------

_TRACE_BUDGET = 28 * 1024


async def explain_audience_match(
    lookups: Lookups, project_uid: str | None, audience_uid: str, visitor: object
) -> AudienceMatchResult:
    uid = validate_identifier("audience_uid", audience_uid)
    described = parse_visitor(visitor)
    project = await lookups.resolve_project(project_uid)
    catalogue, context = await gather(
        lambda: audience_catalogue(lookups, project), lambda: _context(lookups, project, described)
    )
    at = catalogue.position(uid)
    if at is None or uid not in context.trees:
        raise NotFoundError(
            f"Audience {uid} was not found in project {project}; call get_all_audiences to list the project's "
            "audiences."
        )
    view = catalogue.views[at]
    evaluation = context.audience(uid)
    assert evaluation is not None
    trace, shown = _trace(evaluation)
    note = None
    left_out = len(evaluation.trace) - shown + evaluation.omitted_steps
    if left_out:
        note = (
            f"The trace shows the first {shown} lines in reading order; {left_out} more were left out to keep the "
            "answer small (matched, because and needs still cover every rule)."
        )
    return AudienceMatchResult(
        project_uid=project,
        audience=MatchedAudience(uid=view.uid, name=view.name, source=view.source, rules=view.rules),
        matched=evaluation.result,
        because=evaluation.why,
        trace=trace,
        needs=list(evaluation.needs),
        simulation=SIMULATION,
        evaluated_at=described.moment.isoformat(),
        note=note,
    )


def _trace(evaluation: Evaluation) -> tuple[list[TraceLine], int]:
    lines: list[TraceLine] = []
    room = _TRACE_BUDGET
    for step in evaluation.trace:
        line = TraceLine(
            rule=step.rule,
            result=step.result,
            because=clip(step.because, 400),
            depth=step.depth,
            attribute=step.attribute,
            expected=clip(step.expected, 200) if step.expected else None,
            observed=clip(step.observed, 200) if step.observed else None,
        )
        room -= json_size(line) + 1
        if room < 0 and lines:
            break
        lines.append(line)
    return lines, len(lines)
