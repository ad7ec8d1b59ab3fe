"""Find Where It Is Used: an audience, attribute or event, and everything that depends on it.

- audience -> every experience, version (with its status) and variant that targets it;
- attribute (a custom one by uid or key, a preset one by its ref or key, e.g. COUNTRY) -> every
  audience whose rules test it and every variant whose own rules test it, then, through those
  audiences, every variant that targets them;
- event -> every experience that counts it (its metrics, or its referredEvents).

Built from indexes made once per cached data set (`Lookups.derived` over the cached audience and
experience lists and each experience's cached versions): `variant_index` (audience -> variants, and
attribute -> variants whose own rules test it) in one pass over the versions, and the subject's entries
as a Catalogue, so a second question, or the next page, rescans nothing. The versions are every
experience's, read within the call's budget (gathering.py), those whose summary names the subject
first; an experience whose versions were not read is still listed when its summary names the
audience, and the answer says how many were not read (`incomplete`). The index, the entries and the
result models are in `usage_entries`; here the subject is resolved and the answer assembled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Mapping, Sequence
from typing import TypeVar

from personalize_mcp.answers.audiences import audience_trees, audiences_by_attribute
from personalize_mcp.answers.insights.gathering import Gathered, read_versions
from personalize_mcp.answers.insights.usage_entries import (
    STATUS_RANK,
    Subject,
    UsageEntry,
    UsageResult,
    attribute_entries,
    audience_entries,
    event_entries,
    variant_index,
)
from personalize_mcp.answers.insights.words import experience_words
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.paging import Catalogue, list_args
from personalize_mcp.answers.shapes import SubjectRef
from personalize_mcp.contentstack.models.audiences import Attribute, Audience
from personalize_mcp.contentstack.models.experiences import Event, Experience
from personalize_mcp.contentstack.models.versions import Version
from personalize_mcp.rules.audience import is_lytics_audience
from personalize_mcp.rules.model import PRESET_REFS
from personalize_mcp.rules.render import render_tree
from personalize_mcp.runtime.concurrency import gather
from personalize_mcp.runtime.errors import InvalidInputError, NotFoundError, UserFacingError
from personalize_mcp.runtime.ids import validate_identifier
from personalize_mcp.runtime.plurals import count

T = TypeVar("T")


def resolve_subject(
    uid: str,
    audiences: Sequence[Audience],
    attributes: Sequence[Attribute],
    events: Sequence[Event],
    experiences: Sequence[Experience],
) -> Subject:
    """What `uid` names: an audience (uid, or a Lytics audience's slug), an attribute (uid, key or preset ref) or
    an event (uid or key)."""
    audience = next((a for a in audiences if a.uid == uid), None) or next(
        (a for a in audiences if a.slug == uid and is_lytics_audience(a.uid, a.source)), None
    )
    if audience is not None:
        return Subject(SubjectRef(kind="audience", uid=audience.uid, name=audience.name))
    attribute = next((a for a in attributes if uid in (a.uid, a.key)), None)
    if attribute is not None:
        refs: tuple[str, ...] = (attribute.uid,)
        if attribute.kind == "PRESET" and attribute.key:
            refs = (attribute.key.strip().upper(),)
        elif attribute.key:
            refs = (attribute.uid, attribute.key)
        return Subject(SubjectRef(kind="attribute", uid=attribute.uid, name=attribute.display_name), refs)
    event = next((e for e in events if uid in (e.uid, e.key)), None)
    if event is not None:
        return Subject(SubjectRef(kind="event", uid=event.uid, name=event.name or event.key))
    if uid.upper() in PRESET_REFS:
        ref = uid.upper()
        return Subject(SubjectRef(kind="attribute", uid=ref, name=ref.replace("_", " ").lower()), (ref,))
    experience = next((e for e in experiences if e.uid == uid), None)
    if experience is not None:
        raise InvalidInputError(
            f"{uid} is an experience ({experience_words(experience, uid)}); find_usage looks up audiences, "
            "attributes and events -- call get_all_versions for what the experience targets."
        )
    raise NotFoundError(
        f"{uid} is no audience, attribute or event of the project; call get_all_audiences, list_attributes or "
        "list_events (or search) to find the uid."
    )


def _summary(subject: SubjectRef, entries: Sequence[UsageEntry]) -> str:
    variants = [e for e in entries if e.variant_short_uid is not None]
    experiences = len({e.uid for e in entries if e.kind == "experience"})
    if subject.kind == "event":
        if not entries:
            return "No experience counts this event."
        return f"Counted by {experiences} experience{'s' if experiences != 1 else ''}."
    if subject.kind == "audience":
        if not entries:
            return "No version of any experience targets this audience."
        if not variants:
            return (
                f"No version read targets this audience, but {count(experiences, 'experience')} whose versions "
                f"{'were' if experiences != 1 else 'was'} not read {'name' if experiences != 1 else 'names'} it in "
                f"{'their' if experiences != 1 else 'its'} summary."
            )
        statuses: dict[str, int] = {}
        for entry in variants:
            statuses[entry.version_status or "UNKNOWN"] = statuses.get(entry.version_status or "UNKNOWN", 0) + 1
        by_status = ", ".join(
            f"{status} {n}" for status, n in sorted(statuses.items(), key=lambda p: STATUS_RANK.get(p[0], 4))
        )
        return (
            f"Targeted by {len(variants)} variant{'s' if len(variants) != 1 else ''} of {experiences} "
            f"experience{'s' if experiences != 1 else ''}"
            + (f" (by version status: {by_status})." if by_status else ".")
        )
    tested = sum(1 for e in entries if e.kind == "audience")
    inline = sum(1 for e in entries if e.through_audience_uid is None and e.variant_short_uid is not None)
    through = len(variants) - inline
    if not entries:
        return "No audience's rules and no variant's own rules test this attribute."
    parts = [f"the rules of {tested} audience{'s' if tested != 1 else ''}"] if tested else []
    if inline:
        parts.append(f"the own rules of {inline} variant{'s' if inline != 1 else ''}")
    text = f"Tested by {' and '.join(parts)}"
    if tested:
        text += f"; {through} variant{'s' if through != 1 else ''} target those audiences"
    return text + "."


def _digest(missed: Mapping[str, str]) -> str:
    return hashlib.sha256("\x00".join(sorted(missed)).encode()).hexdigest()[:16]


async def find_usage(
    lookups: Lookups, project_uid: str | None, uid: str, *, limit: int | None = None, cursor: str | None = None
) -> UsageResult:
    wanted = validate_identifier("uid", uid)
    project = await lookups.resolve_project(project_uid)
    args = list_args(f"find_usage:{project}:{wanted}", limit=limit, cursor=cursor)
    (audiences, names), experiences, attributes, events = await gather(
        lambda: lookups.audience_set(project),
        lambda: lookups.experiences(project),
        lambda: _or_empty(lookups.attributes(project)),
        lambda: _or_empty(lookups.events(project)),
    )
    subject = resolve_subject(wanted, audiences, attributes, events, experiences)
    gathered: Gathered[list[Version]] = Gathered({}, {})
    by_attribute = audiences_by_attribute(lookups, project, audiences)
    if subject.ref.kind != "event":
        targeting = {subject.ref.uid} | {a for ref in subject.refs for a in by_attribute.get(ref, ())}
        first = [e.uid for e in experiences if targeting.intersection(e.referred_audiences)]
        gathered = await read_versions(lookups, project, experiences, first)
    versions, missed = gathered.values, gathered.missed

    def build() -> tuple[Catalogue[UsageEntry], str]:
        if subject.ref.kind == "event":
            entries = event_entries(subject.ref.uid, experiences)
        else:
            index = variant_index(lookups, project, experiences, versions)
            if subject.ref.kind == "audience":
                entries = audience_entries(subject.ref.uid, index, experiences, missed)
            else:
                trees = audience_trees(lookups, project, audiences)
                known = {a.uid: a for a in audiences}
                users = {a for ref in subject.refs for a in by_attribute.get(ref, ())}
                rules = {a: render_tree(trees.get(a), names) for a in users}
                entries = attribute_entries(subject, index, by_attribute, known, rules)
        catalogue = Catalogue.in_key_order(
            ((f"{n:06d}", e) for n, e in enumerate(entries)), search=lambda e: (e.name, e.uid, e.where)
        )
        return catalogue, _summary(subject.ref, entries)

    sources = (audiences, names, experiences, *(versions[e.uid] for e in experiences if e.uid in versions))
    catalogue, summary = lookups.derived(
        ("usage", project, subject.ref.kind, subject.ref.uid, _digest(missed)), sources, build
    )
    page = catalogue.page(args, "uses", tool="find_usage")
    incomplete = None
    if missed:
        incomplete = (
            f"The versions of {len(missed)} of {count(len(experiences), 'experience')} were not read "
            f"({next(iter(missed.values()))}), so uses in them may be missing; call find_usage again soon "
            "(what was read is cached, so it goes on from there)."
        )
    return UsageResult(
        project_uid=project,
        subject=subject.ref,
        summary=summary,
        used_by=page.items,
        incomplete=incomplete,
        **page.fields(),
    )


async def _or_empty(read: Awaitable[list[T]]) -> list[T]:
    """A list that only names things (attributes, events): without it, the others still answer."""
    try:
        return await read
    except UserFacingError:
        return []
