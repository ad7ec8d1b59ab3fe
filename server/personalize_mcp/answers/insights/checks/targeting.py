"""The targeting checks: variants of live versions, and rules, pointing at what the project lacks, and A/B
splits that do not add up (missing_audience, ab_split, missing_attribute); also which attributes rules test,
for the unused-attribute check."""

from __future__ import annotations

from collections.abc import Iterable

from personalize_mcp.answers.insights.checks.facts import (
    ARCHIVED,
    ERROR,
    WARNING,
    Facts,
    Finding,
    experience_ref,
    finding,
    upper_first,
)
from personalize_mcp.answers.insights.words import (
    experience_words,
    quoted,
    some,
    traffic_words,
    variant_words,
    version_words,
)
from personalize_mcp.answers.shapes import SubjectRef
from personalize_mcp.answers.versions import ACTIVE
from personalize_mcp.contentstack.models.experiences import Experience
from personalize_mcp.contentstack.models.versions import Version, VersionVariant
from personalize_mcp.rules.model import AttributeKind, Node, attribute_refs, is_empty_definition, parse_audience


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
                    finding(
                        _live_severity(version),
                        "missing_audience",
                        experience_ref(experience),
                        f"{upper_first(variant_words(variant, position))} of the {version_words(version)} of "
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
            finding(
                _live_severity(version),
                "ab_split",
                experience_ref(experience),
                f"The {version_words(version)} of A/B test {experience_words(experience, experience.uid)} splits "
                f"{total:g}% of its traffic ({split}), not 100%; correct the split in Contentstack Personalize.",
            )
        )
    return found


def custom_refs(tree: Node | None) -> set[str]:
    """The custom attributes a rule tree tests (their refs: uids, or keys)."""
    return {ref for kind, ref in attribute_refs(tree) if kind is AttributeKind.CUSTOM}


def variant_targets(f: Facts) -> Iterable[tuple[Experience, Version, int, VersionVariant]]:
    """Every variant with its own inline rules, of every version read (archived ones too)."""
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
        missing = sorted(custom_refs(f.trees.get(audience.uid)) - known)
        if missing:
            found.append(
                finding(
                    WARNING,
                    "missing_attribute",
                    SubjectRef(kind="audience", uid=audience.uid, name=audience.name),
                    f"The rules of audience {quoted(audience.name, audience.uid)} test custom attribute "
                    f"{some(missing)}, which the project no longer has; fix the rules in Contentstack Personalize "
                    "(list_attributes shows the attributes there are).",
                )
            )
    for experience, version, position, variant in variant_targets(f):
        missing = sorted(custom_refs(parse_audience(variant.target)) - known)
        if missing and (version.status or "") != ARCHIVED:
            found.append(
                finding(
                    WARNING,
                    "missing_attribute",
                    experience_ref(experience),
                    f"The own rules of {variant_words(variant, position)} of the {version_words(version)} of "
                    f"{experience_words(experience, experience.uid)} test custom attribute {some(missing)}, which the "
                    "project no longer has; fix them in Contentstack Personalize.",
                )
            )
    return found
