"""What find_usage finds and answers with: the variant index, each kind's entries, the result models.

`variant_index` maps each audience to the variants targeting it, and each attribute to the variants
whose own rules test it, in one pass over the versions read; each kind's entries are then read off
it (attributes also through the audiences whose rules test them), in the order the answer lists them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import Field

from personalize_mcp.answers.insights.words import combination_of, quoted, variant_words, version_words
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.paging import Paged
from personalize_mcp.answers.shapes import ResultModel, SubjectRef, omitted_when_none
from personalize_mcp.contentstack.models.audiences import Audience
from personalize_mcp.contentstack.models.experiences import Experience
from personalize_mcp.contentstack.models.versions import Version, VersionVariant
from personalize_mcp.rules.model import attribute_refs, parse_audience
from personalize_mcp.rules.wording import clip

STATUS_RANK = {"ACTIVE": 0, "DRAFT": 1, "PAUSED": 2, "ARCHIVED": 3}
MAX_RULES_CHARS = 300


class UsageEntry(ResultModel):
    kind: str = Field(description="experience (one of its variants, or its metrics) or audience (its rules).")
    uid: str = Field(description="The experience's or audience's uid.")
    name: str | None = Field(default=None, description="Its name.")
    where: str = Field(description="Where exactly, in plain words (version and status, variant, through what).")
    version_uid: str | None = Field(default=None, exclude_if=omitted_when_none, description="The version, if one.")
    version_status: str | None = Field(default=None, exclude_if=omitted_when_none, description="Its status.")
    variant_short_uid: str | None = Field(
        default=None, exclude_if=omitted_when_none, description="The variant, if one."
    )
    through_audience_uid: str | None = Field(
        default=None, exclude_if=omitted_when_none, description="Attributes: the audience whose rules test it."
    )


class UsageResult(Paged):
    project_uid: str = Field(description="The project searched.")
    subject: SubjectRef = Field(description="What was looked up: kind audience, attribute or event.")
    summary: str = Field(description="In one sentence: what uses it, or that nothing does.")
    used_by: list[UsageEntry] = Field(description="Everything that uses it (this page).")
    incomplete: str | None = Field(
        default=None,
        exclude_if=omitted_when_none,
        description="Only when some experiences' versions could not be read: how many, and what to do.",
    )


@dataclass(frozen=True, slots=True)
class VariantUse:
    experience: Experience
    version: Version
    position: int
    variant: VersionVariant

    def order(self) -> tuple[str, str, int, str, int]:
        e = self.experience
        return (
            (e.name or "").casefold(),
            e.uid,
            STATUS_RANK.get(self.version.status or "", 4),
            self.version.uid,
            self.position,
        )


@dataclass(frozen=True, slots=True)
class VariantIndex:
    by_audience: dict[str, list[VariantUse]]
    by_target_attribute: dict[str, list[VariantUse]]
    """Attribute ref (preset ref, custom uid, Lytics ref) -> variants whose own `target` rules test it."""


def variant_index(
    lookups: Lookups, project: str, experiences: list[Experience], versions: Mapping[str, list[Version]]
) -> VariantIndex:
    """Audience -> variants targeting it, attribute -> variants testing it inline; once per data set."""
    read = [e for e in experiences if e.uid in versions]

    def build() -> VariantIndex:
        by_audience: dict[str, list[VariantUse]] = {}
        by_target: dict[str, list[VariantUse]] = {}
        for experience in read:
            for version in versions[experience.uid]:
                for position, variant in enumerate(version.variants):
                    use = VariantUse(experience, version, position, variant)
                    if variant.is_ab_test:
                        continue
                    for uid in variant.all_audience_uids:
                        by_audience.setdefault(uid, []).append(use)
                    for _, ref in attribute_refs(parse_audience(variant.target)):
                        by_target.setdefault(ref, []).append(use)
        for uses in (*by_audience.values(), *by_target.values()):
            uses.sort(key=VariantUse.order)
        return VariantIndex(by_audience, by_target)

    return lookups.derived(("variant-index", project), (experiences, *(versions[e.uid] for e in read)), build)


def where_variant(use: VariantUse, audience_uid: str | None = None) -> str:
    """ "ACTIVE version …, variant 1 'Mobile shoppers' (AND with 1 other audience: …)"."""
    text = f"{version_words(use.version)}, {variant_words(use.variant, use.position)}"
    if audience_uid is None:
        return text
    others = len(use.variant.all_audience_uids) - 1
    if others <= 0:
        return f"{text} (its only audience)"
    plural = "s" if others > 1 else ""
    if combination_of(use.variant) == "AND":
        return f"{text} (AND with {others} other audience{plural}: a visitor must be in all)"
    return f"{text} (OR with {others} other audience{plural}: any of them)"


def _use_entry(use: VariantUse, where: str, through: str | None = None) -> UsageEntry:
    return UsageEntry(
        kind="experience",
        uid=use.experience.uid,
        name=use.experience.name,
        where=where,
        version_uid=use.version.uid,
        version_status=use.version.status,
        variant_short_uid=use.variant.short_uid,
        through_audience_uid=through,
    )


@dataclass(frozen=True, slots=True)
class Subject:
    ref: SubjectRef
    refs: tuple[str, ...] = ()
    """Attributes: the refs rules may name it by (a preset's upper-case ref; a custom one's uid, and key)."""


def audience_entries(
    uid: str, index: VariantIndex, experiences: Sequence[Experience], missed: Mapping[str, str]
) -> list[UsageEntry]:
    entries = [_use_entry(use, where_variant(use, uid)) for use in index.by_audience.get(uid, [])]
    for experience in experiences:
        if experience.uid in missed and uid in experience.referred_audiences:
            entries.append(
                UsageEntry(
                    kind="experience",
                    uid=experience.uid,
                    name=experience.name,
                    where=f"its summary lists this audience, but its versions were not read "
                    f"({missed[experience.uid]}); call get_all_versions with experience_uid {experience.uid}",
                )
            )
    return entries


def attribute_entries(
    subject: Subject,
    index: VariantIndex,
    by_attribute: Mapping[str, list[str]],
    audiences: Mapping[str, Audience],
    rules: Mapping[str, str],
) -> list[UsageEntry]:
    users = list(dict.fromkeys(uid for ref in subject.refs for uid in by_attribute.get(ref, ())))
    users.sort(key=lambda uid: ((audiences[uid].name or "").casefold() if uid in audiences else "", uid))
    entries = [
        UsageEntry(
            kind="audience",
            uid=uid,
            name=audiences[uid].name if uid in audiences else None,
            where=f"its rules: {clip(rules.get(uid, ''), MAX_RULES_CHARS)}",
        )
        for uid in users
    ]
    inline = {id(use): use for ref in subject.refs for use in index.by_target_attribute.get(ref, ())}
    entries += [
        _use_entry(use, f"{where_variant(use)}, in the variant's own rules")
        for use in sorted(inline.values(), key=VariantUse.order)
    ]
    through = sorted(
        ((use, uid) for uid in users for use in index.by_audience.get(uid, ())), key=lambda pair: pair[0].order()
    )
    entries += [
        _use_entry(use, f"{where_variant(use)}, through audience {quoted(audiences[uid].name, uid)}", uid)
        for use, uid in through
    ]
    return entries


def event_entries(uid: str, experiences: Sequence[Experience]) -> list[UsageEntry]:
    entries = []
    for experience in sorted(experiences, key=lambda e: ((e.name or "").casefold(), e.uid)):
        metrics = [m for m in experience.metrics if m.event == uid]
        if metrics:
            metric = metrics[0]
            kind = f"{metric.type.lower()} " if metric.type else ""
            named = f" {quoted(metric.name, '')}".rstrip() if metric.name else ""
            where = f"its {kind}metric{named} ({experience.status or 'status unknown'})"
        elif uid in experience.referred_events:
            where = f"its referred events ({experience.status or 'status unknown'})"
        else:
            continue
        entries.append(UsageEntry(kind="experience", uid=experience.uid, name=experience.name, where=where))
    return entries
