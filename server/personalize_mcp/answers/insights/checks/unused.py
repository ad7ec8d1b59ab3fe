"""The unused-catalogue checks: audiences no version targets, custom attributes no rules test, events no
experience counts (unused_audience, unused_attribute, unused_event)."""

from __future__ import annotations

from personalize_mcp.answers.insights.checks.facts import INFO, WARNING, Facts, Finding, finding
from personalize_mcp.answers.insights.checks.targeting import custom_refs, variant_targets
from personalize_mcp.answers.insights.words import quoted
from personalize_mcp.answers.shapes import SubjectRef
from personalize_mcp.rules.model import parse_audience


def _named(name: str | None, key: str | None, uid: str) -> str:
    """ "'Purchase' (key purchase)", or "newsletter (uid …)" when only the key is known."""
    if name and key and key != name:
        return f"'{name}' (key {key})"
    if name or key:
        return f"'{name or key}'"
    return uid


def unused_audience(f: Facts) -> list[Finding]:
    used = {uid for e in f.experiences for uid in e.referred_audiences}
    used.update(uid for vs in f.versions.values() for v in vs for var in v.variants for uid in var.all_audience_uids)
    return [
        finding(
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
    used = {ref for tree in f.trees.values() for ref in custom_refs(tree)}
    used.update(ref for _, _, _, variant in variant_targets(f) for ref in custom_refs(parse_audience(variant.target)))
    return [
        finding(
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
        finding(
            INFO,
            "unused_event",
            SubjectRef(kind="event", uid=event.uid, name=event.name or event.key),
            f"No experience counts event {_named(event.name, event.key, event.uid)}; it can be deleted unless "
            "something else reads it.",
        )
        for event in f.events
        if event.uid not in counted and (event.key is None or event.key not in counted)
    ]
