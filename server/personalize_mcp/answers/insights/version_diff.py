"""The diff of two versions of an experience: each change, with before and after in plain words.

Variants are matched by short uid, which Contentstack never reuses (contentstack-api.md §6): a
renamed variant keeps its identity; one removed and added again under a new short uid is a removal
and an addition. Changes come in the `to` version's variant order (removed variants after), each
with `before` and `after` in words:

| change | before / after |
|---|---|
| variant_added, variant_removed | whom the variant targets, or its traffic share |
| variant_renamed | the names |
| type_changed | SEGMENTED / AB_TEST |
| audiences_changed | the audiences, joined as the variant combines them (plus those added and removed) |
| combination_changed | OR / AND -- only when a side has two audiences or more (with one it changes nothing) |
| target_changed | the variant's own inline rules, rendered like an audience's |
| traffic_changed | the A/B traffic share |
| order_changed | the segmented variants' order: the first variant a visitor matches wins (§7) |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import Field

from personalize_mcp.answers.insights.words import (
    audience_expression,
    combination_of,
    quoted,
    traffic_words,
    variant_words,
)
from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.answers.versions import variant_type
from personalize_mcp.contentstack.models.versions import Version, VersionVariant
from personalize_mcp.rules.model import is_empty_definition, parse_audience
from personalize_mcp.rules.render import render_tree

MAX_LISTED = 25
"""Audiences listed as added or removed per change (the words count the rest)."""


def _empty(value: object) -> bool:
    return not value


class AudienceRef(ResultModel):
    uid: str = Field(description="Audience uid.")
    name: str | None = Field(default=None, description="Audience name (null: the project no longer has it).")


class VersionChange(ResultModel):
    variant_short_uid: str | None = Field(description="The variant changed; null for a change of the whole version.")
    variant_name: str | None = Field(default=None, description="The variant's name (in `to`, else in `from`).")
    change: str = Field(
        description="variant_added, variant_removed, variant_renamed, type_changed, audiences_changed, "
        "combination_changed, target_changed, traffic_changed or order_changed."
    )
    before: str | None = Field(description="How it was in the `from` version, in words (null: it was not there).")
    after: str | None = Field(description="How it is in the `to` version, in words (null: it is gone).")
    audiences_added: list[AudienceRef] = Field(
        default_factory=list,
        exclude_if=_empty,
        description="audiences_changed: audiences only `to` targets (the first 25).",
    )
    audiences_removed: list[AudienceRef] = Field(
        default_factory=list,
        exclude_if=_empty,
        description="audiences_changed: audiences only `from` targets (the first 25).",
    )


def diff_versions(
    before: Version,
    after: Version,
    names: Mapping[str, str | None],
    attribute_names: Mapping[str, str] | None = None,
) -> list[VersionChange]:
    """Every change from `before` to `after` (see the module docstring); [] when they target alike."""
    old = {v.short_uid: v for v in before.variants}
    new = {v.short_uid: v for v in after.variants}
    changes: list[VersionChange] = []
    for position, variant in enumerate(after.variants):
        previous = old.get(variant.short_uid)
        if previous is None:
            changes.append(_change(variant, "variant_added", None, _targets(variant, names, attribute_names)))
        else:
            changes.extend(_variant_changes(previous, variant, names, attribute_names, position))
    for variant in before.variants:
        if variant.short_uid not in new:
            changes.append(_change(variant, "variant_removed", _targets(variant, names, attribute_names), None))
    segmented = {s for s, v in new.items() if s in old and not v.is_ab_test and not old[s].is_ab_test}
    order_before = [v for v in before.variants if v.short_uid in segmented]
    order_after = [v for v in after.variants if v.short_uid in segmented]
    if [v.short_uid for v in order_before] != [v.short_uid for v in order_after]:
        changes.append(
            VersionChange(
                variant_short_uid=None,
                change="order_changed",
                before=", ".join(variant_words(v) for v in order_before),
                after=", ".join(variant_words(v) for v in order_after),
            )
        )
    return changes


def _change(variant: VersionVariant, change: str, before: str | None, after: str | None) -> VersionChange:
    return VersionChange(
        variant_short_uid=variant.short_uid, variant_name=variant.name, change=change, before=before, after=after
    )


def _targets(
    variant: VersionVariant, names: Mapping[str, str | None], attribute_names: Mapping[str, str] | None
) -> str:
    """Whom a variant targets, in words."""
    if variant.is_ab_test:
        return f"gets {traffic_words(variant.traffic_distribution)} of the traffic"
    parts = []
    uids = variant.all_audience_uids
    if uids:
        parts.append(f"targets {audience_expression(uids, combination_of(variant), names)}")
    if not is_empty_definition(variant.target):
        parts.append(f"its own rules: {render_tree(parse_audience(variant.target), attribute_names)}")
    return "; ".join(parts) or "targets no audience"


def _variant_changes(
    old: VersionVariant,
    new: VersionVariant,
    names: Mapping[str, str | None],
    attribute_names: Mapping[str, str] | None,
    position: int,
) -> list[VersionChange]:
    changes: list[VersionChange] = []
    if (old.name or "") != (new.name or ""):
        changes.append(_change(new, "variant_renamed", quoted(old.name, "(no name)"), quoted(new.name, "(no name)")))
    if old.is_ab_test != new.is_ab_test:
        changes.append(_change(new, "type_changed", variant_type(old), variant_type(new)))
        changes.append(
            _change(
                new, "audiences_changed", _targets(old, names, attribute_names), _targets(new, names, attribute_names)
            )
        )
        return changes
    if new.is_ab_test:
        if old.traffic_distribution != new.traffic_distribution:
            changes.append(
                _change(
                    new,
                    "traffic_changed",
                    traffic_words(old.traffic_distribution),
                    traffic_words(new.traffic_distribution),
                )
            )
        return changes
    before_uids, after_uids = old.all_audience_uids, new.all_audience_uids
    if set(before_uids) != set(after_uids):
        added = [u for u in after_uids if u not in set(before_uids)]
        removed = [u for u in before_uids if u not in set(after_uids)]
        changes.append(
            VersionChange(
                variant_short_uid=new.short_uid,
                variant_name=new.name,
                change="audiences_changed",
                before=audience_expression(before_uids, combination_of(old), names),
                after=audience_expression(after_uids, combination_of(new), names),
                audiences_added=[AudienceRef(uid=u, name=names.get(u)) for u in added[:MAX_LISTED]],
                audiences_removed=[AudienceRef(uid=u, name=names.get(u)) for u in removed[:MAX_LISTED]],
            )
        )
    if combination_of(old) != combination_of(new) and max(len(before_uids), len(after_uids)) > 1:
        changes.append(_change(new, "combination_changed", _combination(old), _combination(new)))
    old_target = None if is_empty_definition(old.target) else old.target
    new_target = None if is_empty_definition(new.target) else new.target
    if old_target != new_target:
        changes.append(
            _change(
                new,
                "target_changed",
                _rules(old_target, attribute_names),
                _rules(new_target, attribute_names),
            )
        )
    return changes


def _combination(variant: VersionVariant) -> str:
    if combination_of(variant) == "AND":
        return "AND: a visitor must be in every audience"
    return "OR: a visitor in any audience"


def _rules(target: object, attribute_names: Mapping[str, str] | None) -> str:
    return "no rules of its own" if target is None else render_tree(parse_audience(target), attribute_names)


def change_words(changes: Sequence[VersionChange]) -> list[str]:
    """The changes grouped by variant, a few words each ("variant 1 'Mobile shoppers': audiences, combination")."""
    grouped: dict[str | None, tuple[str, list[str]]] = {}
    for change in changes:
        what = change.change.removesuffix("_changed").replace("_", " ")
        if change.variant_short_uid is None:
            grouped.setdefault(None, ("the version", []))[1].append(what)
            continue
        label = f"variant {change.variant_short_uid}" + (f" '{change.variant_name}'" if change.variant_name else "")
        grouped.setdefault(change.variant_short_uid, (label, []))[1].append(what.removeprefix("variant "))
    return [f"{label}: {', '.join(whats)}" for label, whats in grouped.values()]


def summary_of(changes: Sequence[VersionChange], before: Version, after: Version) -> str:
    old, new = f"{before.status or 'version'} {before.uid}", f"{after.status or 'version'} {after.uid}"
    if not changes:
        return f"No change: {new} targets exactly as {old} does."
    count = f"{len(changes)} change{'' if len(changes) == 1 else 's'}"
    return f"{count} from {old} to {new} -- {'; '.join(change_words(changes))}."
