"""The audit's checks: each a pure function of one project's facts, returning findings.

"Live" means not ARCHIVED; E = error (ACTIVE version, or ACTIVE experience), W = warning, I = info.

| check | severity | fires for |
|---|---|---|
| missing_audience | E / W | a variant of a live version targeting an audience uid the project does not list |
| ab_split | E / W | a live A/B version whose traffic shares do not add up to 100 % (±0.01), or lack one |
| cms_group_missing | E / W | an experience linked to a variant group its project's stack does not have |
| unreachable_variant | W | a segmented variant an earlier variant of the same live version always wins (below) |
| no_active_version | W / I (archived) | an experience without an ACTIVE version: draft-only, paused, archived |
| not_in_priority | W | a live experience the priority list leaves out |
| cms_group_orphaned | W | a variant group of the project's stack linked to an experience the project lacks |
| missing_attribute | W | rules (an audience's, or a variant's own) testing a custom attribute the project lacks |
| unused_audience | W | an audience no version of any experience targets and no experience's summary names |
| winner_still_running | W | an ACTIVE A/B version whose results declare a winner (needs experiment results) |
| not_read | W | an experience whose versions were not read in time: nothing above was checked for it |
| draft_differs | I | an experience whose DRAFT targets differently from its ACTIVE version |
| unused_attribute | I | a custom attribute no rules test (preset attributes are built in, never flagged) |
| unused_event | I | an event no experience counts |

**Unreachable variants.** Within a segmented version the first variant a visitor matches wins
(contentstack-api.md §7), so a variant is unreachable when an earlier one matches every visitor it
matches. Audiences are compared as sets of uids, never by their rules, which makes the check sound
but incomplete: it never flags a reachable variant, and misses those only the rules' meaning makes
unreachable (a variant for 'Sydney' after one for 'Australia'). With S the variant's audiences
(Lytics ones included), an audience with no rules matching everyone, an earlier variant E covers a
later variant L when: E targets everyone (OR with an everyone-audience, or AND of only such); or E is
OR and L is OR (or a single audience) with S(L) ⊆ S(E); or E is OR and L is AND with S(L) ∩ S(E) ≠ ∅;
or E is AND and L is AND with S(E) ⊆ S(L). A variant with its own inline rules, or with no audiences,
is never judged (how inline rules combine with audiences is not documented).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import Field

from personalize_mcp.answers.insights.compare import change_words, diff_versions
from personalize_mcp.answers.insights.words import (
    combination_of,
    experience_words,
    quoted,
    some,
    traffic_words,
    variant_words,
    version_words,
)
from personalize_mcp.answers.shapes import ResultModel, SubjectRef
from personalize_mcp.answers.versions import ACTIVE, DRAFT, select_version, statuses_of
from personalize_mcp.contentstack.models import (
    Attribute,
    Audience,
    Event,
    Experience,
    VariantGroup,
    Version,
    VersionVariant,
)
from personalize_mcp.rules.model import (
    AttributeKind,
    Combination,
    Node,
    attribute_refs,
    is_empty_definition,
    parse_audience,
)

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)
ARCHIVED = "ARCHIVED"


class Finding(ResultModel):
    severity: str = Field(description="error (visitors get something wrong now), warning, or info.")
    check: str = Field(description="Which check found it (see the tool's description).")
    subject: SubjectRef = Field(description="What it is about: kind (audience, experience, ...), uid, name.")
    message: str = Field(description="The finding in one sentence, with what to do.")


@dataclass(frozen=True)
class Facts:
    """One project as the checks see it; a list that could not be read is None (its checks are skipped)."""

    project: str
    audiences: Sequence[Audience]
    trees: Mapping[str, Node | None]
    experiences: Sequence[Experience]
    versions: Mapping[str, Sequence[Version]]
    """Experience uid -> its versions, for every experience whose versions were read."""
    unread: Mapping[str, str] = field(default_factory=dict)
    """Experience uid -> why its versions were not read."""
    attribute_names: Mapping[str, str] = field(default_factory=dict)
    attributes: Sequence[Attribute] | None = None
    events: Sequence[Event] | None = None
    priority: Sequence[str] | None = None
    stack: str | None = None
    groups: Sequence[VariantGroup] | None = None
    winners: Mapping[str, str] | None = None
    """Experience uid -> its ACTIVE A/B version's declared winner, in words (None: results not available)."""

    @property
    def names(self) -> dict[str, str | None]:
        return {a.uid: a.name for a in self.audiences}

    def live_versions(self) -> Iterable[tuple[Experience, Version]]:
        for experience in self.experiences:
            for version in self.versions.get(experience.uid, ()):
                if (version.status or "") != ARCHIVED:
                    yield experience, version


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _experience(e: Experience) -> SubjectRef:
    return SubjectRef(kind="experience", uid=e.uid, name=e.name)


def _named(name: str | None, key: str | None, uid: str) -> str:
    """ "'Purchase' (key purchase)", or "newsletter (uid …)" when only the key is known."""
    if name and key and key != name:
        return f"'{name}' (key {key})"
    if name or key:
        return f"'{name or key}'"
    return uid


def _finding(severity: str, check: str, subject: SubjectRef, message: str) -> Finding:
    return Finding(severity=severity, check=check, subject=subject, message=message)


def _live_severity(version: Version) -> str:
    return ERROR if version.status == ACTIVE else WARNING


def missing_audience(f: Facts) -> list[Finding]:
    known = {a.uid for a in f.audiences}
    found = []
    for experience, version in f.live_versions():
        for position, variant in enumerate(version.variants):
            missing = [uid for uid in variant.all_audience_uids if uid not in known]
            if missing and not variant.is_ab_test:
                found.append(
                    _finding(
                        _live_severity(version),
                        "missing_audience",
                        _experience(experience),
                        f"{_upper_first(variant_words(variant, position))} of the {version_words(version)} of "
                        f"{experience_words(experience, experience.uid)} targets "
                        f"{'an audience' if len(missing) == 1 else f'{len(missing)} audiences'} the project no "
                        f"longer has ({some(missing)}); retarget the variant in Contentstack Personalize.",
                    )
                )
    return found


def ab_split(f: Facts) -> list[Finding]:
    found = []
    for experience, version in f.live_versions():
        variants = [v for v in version.variants if v.is_ab_test]
        if not variants:
            continue
        shares = [v.traffic_distribution for v in variants]
        total = sum(s for s in shares if s is not None)
        if None not in shares and abs(total - 100) <= 0.01:
            continue
        split = ", ".join(
            f"{quoted(v.name, v.short_uid or '?')} {traffic_words(v.traffic_distribution)}" for v in variants
        )
        found.append(
            _finding(
                _live_severity(version),
                "ab_split",
                _experience(experience),
                f"The {version_words(version)} of A/B test {experience_words(experience, experience.uid)} splits "
                f"{total:g}% of its traffic ({split}), not 100%; correct the split in Contentstack Personalize.",
            )
        )
    return found


def _everyone(tree: Node | None) -> bool:
    """No rules at all: the audience is everyone (as rules.render words it)."""
    return tree is None or (
        isinstance(tree, Combination) and not tree.children and not (tree.inverted or tree.malformed or tree.truncated)
    )


@dataclass(frozen=True, slots=True)
class _Reach:
    """Whom a segmented variant targets, for the covering test: everyone, any of a set, or all of a set."""

    kind: str  # "everyone", "any", "all"
    audiences: frozenset[str]


def _reach(variant: VersionVariant, everyone: set[str]) -> _Reach | None:
    uids = variant.all_audience_uids
    if variant.is_ab_test or not uids or not is_empty_definition(variant.target):
        return None
    if combination_of(variant) == "OR":
        if any(uid in everyone for uid in uids):
            return _Reach("everyone", frozenset())
        return _Reach("all" if len(uids) == 1 else "any", frozenset(uids))
    required = frozenset(uid for uid in uids if uid not in everyone)
    return _Reach("all", required) if required else _Reach("everyone", frozenset())


def covers(earlier: _Reach, later: _Reach) -> str | None:
    """Why every visitor `later` targets is already taken by `earlier`, or None when that is not proven."""
    if earlier.kind == "everyone":
        return "it targets everyone (an audience with no rules)"
    if later.kind == "everyone":
        return None
    if earlier.kind == "any" and later.kind == "any" and later.audiences <= earlier.audiences:
        return "its audiences include every one of this variant's (either needs only one of them)"
    if earlier.kind == "any" and later.kind == "all" and later.audiences & earlier.audiences:
        if len(later.audiences) == 1:
            return "it targets this variant's audience too"
        return "it targets one of the audiences this variant requires all of"
    if earlier.kind == "all" and later.kind == "all" and earlier.audiences <= later.audiences:
        if earlier.audiences == later.audiences:
            return "it targets the same audiences"
        return "it requires only some of the audiences this variant requires"
    return None


def unreachable_variant(f: Facts) -> list[Finding]:
    everyone = {a.uid for a in f.audiences if _everyone(f.trees.get(a.uid))}
    found = []
    for experience, version in f.live_versions():
        reaches = [(_reach(v, everyone), n, v) for n, v in enumerate(version.variants)]
        for index, (later, position, variant) in enumerate(reaches):
            if later is None:
                continue
            for earlier, earlier_position, earlier_variant in reaches[:index]:
                why = covers(earlier, later) if earlier is not None else None
                if why is not None:
                    found.append(
                        _finding(
                            WARNING,
                            "unreachable_variant",
                            _experience(experience),
                            f"{_upper_first(variant_words(variant, position))} of the {version_words(version)} of "
                            f"{experience_words(experience, experience.uid)} can never be shown: "
                            f"{variant_words(earlier_variant, earlier_position)} comes first and {why}; reorder or "
                            "retarget the variants.",
                        )
                    )
                    break
    return found


def no_active_version(f: Facts) -> list[Finding]:
    found = []
    for experience in f.experiences:
        versions = f.versions.get(experience.uid)
        if versions is None or select_version(versions, ACTIVE) is not None:
            continue
        present = statuses_of(versions)
        archived = (experience.status or "").upper() == ARCHIVED or (bool(present) and set(present) == {ARCHIVED})
        has = f"its versions: {', '.join(present)}" if present else "it has no versions at all"
        advice = "it is archived, so this is expected" if archived else "activate a version in Contentstack Personalize"
        found.append(
            _finding(
                INFO if archived else WARNING,
                "no_active_version",
                _experience(experience),
                f"Experience {experience_words(experience, experience.uid)} has no ACTIVE version ({has}), so no "
                f"visitor sees it; {advice}.",
            )
        )
    return found


def draft_differs(f: Facts) -> list[Finding]:
    found = []
    names = f.names
    for experience in f.experiences:
        versions = f.versions.get(experience.uid, ())
        active, draft = select_version(versions, ACTIVE), select_version(versions, DRAFT)
        if active is None or draft is None:
            continue
        changes = diff_versions(active, draft, names, f.attribute_names)
        if changes:
            found.append(
                _finding(
                    INFO,
                    "draft_differs",
                    _experience(experience),
                    f"The DRAFT version {draft.uid} of {experience_words(experience, experience.uid)} differs from "
                    f"its ACTIVE version {active.uid} ({'; '.join(change_words(changes))}); call "
                    f"compare_versions with experience_uid {experience.uid} for before and after.",
                )
            )
    return found


def not_in_priority(f: Facts) -> list[Finding]:
    if f.priority is None:
        return []
    listed = set(f.priority)
    return [
        _finding(
            WARNING,
            "not_in_priority",
            _experience(e),
            f"Experience {experience_words(e, e.uid)} ({e.status or 'status unknown'}) is not in the project's "
            "priority list, so which experience decides an entry they both vary is not defined; set its priority in "
            "Contentstack Personalize.",
        )
        for e in f.experiences
        if e.uid not in listed and (e.status or "").upper() != ARCHIVED
    ]


def _custom_refs(tree: Node | None) -> set[str]:
    return {ref for kind, ref in attribute_refs(tree) if kind is AttributeKind.CUSTOM}


def _variant_targets(f: Facts) -> Iterable[tuple[Experience, Version, int, VersionVariant]]:
    for experience in f.experiences:
        for version in f.versions.get(experience.uid, ()):
            for position, variant in enumerate(version.variants):
                if not is_empty_definition(variant.target):
                    yield experience, version, position, variant


def missing_attribute(f: Facts) -> list[Finding]:
    if f.attributes is None:
        return []
    known = {a.uid for a in f.attributes} | {a.key for a in f.attributes if a.key}
    found = []
    for audience in f.audiences:
        missing = sorted(_custom_refs(f.trees.get(audience.uid)) - known)
        if missing:
            found.append(
                _finding(
                    WARNING,
                    "missing_attribute",
                    SubjectRef(kind="audience", uid=audience.uid, name=audience.name),
                    f"The rules of audience {quoted(audience.name, audience.uid)} test custom attribute "
                    f"{some(missing)}, which the project no longer has; fix the rules in Contentstack Personalize "
                    "(list_attributes shows the attributes there are).",
                )
            )
    for experience, version, position, variant in _variant_targets(f):
        missing = sorted(_custom_refs(parse_audience(variant.target)) - known)
        if missing and (version.status or "") != ARCHIVED:
            found.append(
                _finding(
                    WARNING,
                    "missing_attribute",
                    _experience(experience),
                    f"The own rules of {variant_words(variant, position)} of the {version_words(version)} of "
                    f"{experience_words(experience, experience.uid)} test custom attribute {some(missing)}, which the "
                    "project no longer has; fix them in Contentstack Personalize.",
                )
            )
    return found


def unused_audience(f: Facts) -> list[Finding]:
    used = {uid for e in f.experiences for uid in e.referred_audiences}
    used.update(uid for vs in f.versions.values() for v in vs for var in v.variants for uid in var.all_audience_uids)
    return [
        _finding(
            WARNING,
            "unused_audience",
            SubjectRef(kind="audience", uid=a.uid, name=a.name),
            f"No version of any experience targets audience {quoted(a.name, a.uid)}; if nothing outside Personalize "
            f"needs it, it can be deleted (find_usage with uid {a.uid} shows its uses).",
        )
        for a in f.audiences
        if a.uid not in used
    ]


def unused_attribute(f: Facts) -> list[Finding]:
    if f.attributes is None:
        return []
    used = {ref for tree in f.trees.values() for ref in _custom_refs(tree)}
    used.update(ref for _, _, _, variant in _variant_targets(f) for ref in _custom_refs(parse_audience(variant.target)))
    return [
        _finding(
            INFO,
            "unused_attribute",
            SubjectRef(kind="attribute", uid=a.uid, name=a.display_name),
            f"No audience's rules and no variant's own rules test custom attribute {_named(a.name, a.key, a.uid)}; "
            "it can be deleted unless something else reads it.",
        )
        for a in f.attributes
        if a.kind == "CUSTOM" and a.uid not in used and (a.key is None or a.key not in used)
    ]


def unused_event(f: Facts) -> list[Finding]:
    if f.events is None:
        return []
    counted = {uid for e in f.experiences for uid in e.event_uids}
    return [
        _finding(
            INFO,
            "unused_event",
            SubjectRef(kind="event", uid=event.uid, name=event.name or event.key),
            f"No experience counts event {_named(event.name, event.key, event.uid)}; it can be deleted unless "
            "something else reads it.",
        )
        for event in f.events
        if event.uid not in counted and (event.key is None or event.key not in counted)
    ]


def cms_group_missing(f: Facts) -> list[Finding]:
    if f.groups is None:
        return []
    present = {g.uid for g in f.groups}
    found = []
    for e in f.experiences:
        group = e.cms.variant_group if e.cms else None
        if group and group not in present:
            found.append(
                _finding(
                    ERROR if (e.status or "").upper() == ACTIVE else WARNING,
                    "cms_group_missing",
                    _experience(e),
                    f"Experience {experience_words(e, e.uid)} is linked to CMS variant group {group}, which stack "
                    f"{f.stack} no longer has, so it varies no entry; link it again in Contentstack.",
                )
            )
    return found


def cms_group_orphaned(f: Facts) -> list[Finding]:
    if f.groups is None:
        return []
    experiences = {e.uid for e in f.experiences}
    found = []
    for group in f.groups:
        meta = group.personalize_metadata
        if meta is None or not meta.experience_uid or meta.project_uid not in (f.project, None):
            continue
        if meta.experience_uid not in experiences:
            found.append(
                _finding(
                    WARNING,
                    "cms_group_orphaned",
                    SubjectRef(kind="variant_group", uid=group.uid, name=group.name),
                    f"CMS variant group {quoted(group.name, group.uid)} of stack {f.stack} is linked to experience "
                    f"{meta.experience_uid}, which project {f.project} no longer has; unlink or delete the group in "
                    "Contentstack.",
                )
            )
    return found


def winner_still_running(f: Facts) -> list[Finding]:
    if f.winners is None:
        return []
    by_uid = {e.uid: e for e in f.experiences}
    return [
        _finding(
            WARNING,
            "winner_still_running",
            _experience(by_uid[uid]),
            f"A/B test {experience_words(by_uid[uid], uid)} has a winner ({winner}) but is still running; end the test "
            "and roll the winner out in Contentstack Personalize (get_experiment_results has the figures).",
        )
        for uid, winner in f.winners.items()
        if uid in by_uid
    ]


def not_read(f: Facts) -> list[Finding]:
    by_uid = {e.uid: e for e in f.experiences}
    return [
        _finding(
            WARNING,
            "not_read",
            _experience(by_uid[uid]) if uid in by_uid else SubjectRef(kind="experience", uid=uid),
            f"Experience {experience_words(by_uid.get(uid), uid)} was not audited: its versions were not read "
            f"({why}); call audit_project again soon (what was read is cached, so it goes on from there) or "
            f"get_all_versions with experience_uid {uid}.",
        )
        for uid, why in f.unread.items()
    ]


CHECKS: tuple[tuple[str, Callable[[Facts], list[Finding]]], ...] = (
    ("missing_audience", missing_audience),
    ("ab_split", ab_split),
    ("cms_group_missing", cms_group_missing),
    ("unreachable_variant", unreachable_variant),
    ("no_active_version", no_active_version),
    ("not_in_priority", not_in_priority),
    ("cms_group_orphaned", cms_group_orphaned),
    ("missing_attribute", missing_attribute),
    ("unused_audience", unused_audience),
    ("winner_still_running", winner_still_running),
    ("not_read", not_read),
    ("draft_differs", draft_differs),
    ("unused_attribute", unused_attribute),
    ("unused_event", unused_event),
)
"""Every check, in the order findings of one severity are listed."""
CHECK_NAMES = tuple(name for name, _ in CHECKS)


def run_checks(f: Facts) -> list[Finding]:
    """Every finding, by severity, then check, then subject name and uid."""
    findings = [finding for _, check in CHECKS for finding in check(f)]
    order = {name: n for n, name in enumerate(CHECK_NAMES)}
    return sorted(
        findings,
        key=lambda x: (
            SEVERITIES.index(x.severity),
            order[x.check],
            (x.subject.name or "").casefold(),
            x.subject.uid,
        ),
    )
