"""The unreachable_variant check: a segmented variant an earlier variant of the same live version always wins.

Within a segmented version the first variant a visitor matches wins (contentstack-api.md §7), so a
variant is unreachable when an earlier one matches every visitor it matches. Audiences are compared
as sets of uids, never by their rules, which makes the check sound but incomplete: it never flags a
reachable variant, and misses those only the rules' meaning makes unreachable (a variant for 'Sydney'
after one for 'Australia'). With S the variant's audiences (Lytics ones included), a native audience with no
rules matching everyone (assumed: Contentstack does not document it; a Lytics-synced audience has no rules either
but matches only its members, `rules.audience`, so it never counts), an earlier variant E covers a later variant L
when: E targets everyone (OR
with an everyone-audience, or AND of only such); or E is OR and L is OR (or a single audience) with
S(L) ⊆ S(E); or E is OR and L is AND with S(L) ∩ S(E) ≠ ∅; or E is AND and L is AND with S(E) ⊆ S(L).
A variant with its own inline rules, or with no audiences, is never judged (how inline rules combine
with audiences is not documented).
"""

from __future__ import annotations

from dataclasses import dataclass

from personalize_mcp.answers.insights.checks.facts import WARNING, Facts, Finding, experience_ref, finding, upper_first
from personalize_mcp.answers.insights.words import combination_of, experience_words, variant_words, version_words
from personalize_mcp.contentstack.models.versions import VersionVariant
from personalize_mcp.rules.model import Combination, Node, is_empty_definition


def _everyone(tree: Node | None) -> bool:
    """A native audience with no rules at all: everyone (as rules.render words it). A Lytics audience's tree is
    its membership rule (`answers.audiences.audience_rules`), never this."""
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
        return (
            "it targets everyone (an audience with no rules, taken to match every visitor: Contentstack does not "
            "document it)"
        )
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
                        finding(
                            WARNING,
                            "unreachable_variant",
                            experience_ref(experience),
                            f"{upper_first(variant_words(variant, position))} of the {version_words(version)} of "
                            f"{experience_words(experience, experience.uid)} can never be shown: "
                            f"{variant_words(earlier_variant, earlier_position)} comes first and {why}; reorder or "
                            "retarget the variants.",
                        )
                    )
                    break
    return found
