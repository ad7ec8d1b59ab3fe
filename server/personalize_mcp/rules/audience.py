"""Which rules an audience stands for: its own definition, or, for one synced from Lytics, membership of its slug.

A Lytics-synced audience (source `LYTICS`, a 32-hex uid) carries no rule `definition`: the Edge matches it when
the Lytics audiences the site sends for the visitor (`x-live-attributes`) hold its slug, which the audience list
gives (contentstack-api.md §2, §7). So its tree is one rule, `visitor is a member of Lytics audience "<slug>"`,
that both readers take like any other: `render` words it, `evaluate` makes it true when the visitor's
`lytics_audiences` hold the slug, false when they are given without it, and undecided (needs `lytics_audiences`)
when they are not given. A Lytics audience with rules of its own but no slug is read by those rules; one with
neither is an `Unrecognised` node saying so: undecided, never "everyone".

Only a native audience without rules is `None`, which both readers take as everyone: Contentstack does not
document how the Edge treats such an audience, and the evaluator's reason says so (`EVERYONE_WHY`).
"""

from __future__ import annotations

import re

from personalize_mcp.rules.model import Attribute, AttributeKind, Combination, Node, Rule, Unrecognised, parse_audience

__all__ = [
    "EVERYONE_BECAUSE",
    "EVERYONE_WHY",
    "LYTICS_SOURCE",
    "NO_SLUG",
    "audience_tree",
    "is_lytics_audience",
    "lytics_membership",
]

LYTICS_SOURCE = "LYTICS"
LYTICS_UID = re.compile(r"[0-9a-fA-F]{32}")
"""Lytics-synced audiences have 32-hex uids; native ones 24-hex (contentstack-api.md §2)."""

NO_SLUG = "a Lytics audience whose slug the audience list does not give, so its members cannot be known"
EVERYONE_WHY = "no rules: everyone (assumed: Contentstack does not document an audience without rules)"
EVERYONE_BECAUSE = (
    "an audience without rules is taken to match every visitor; Contentstack does not document how the Edge treats one"
)


def is_lytics_audience(uid: str, source: str | None) -> bool:
    """Synced from Lytics: its source says LYTICS, or it says nothing and the uid is a Lytics one (32 hex)."""
    if source is not None and source.strip():
        return source.strip().upper() == LYTICS_SOURCE
    return LYTICS_UID.fullmatch(uid) is not None


def lytics_membership(slug: str) -> Rule:
    """The one rule a Lytics audience stands for: the visitor is a member of the Lytics audience `slug`."""
    return Rule(
        attribute=Attribute(AttributeKind.LYTICS, {"__type": "LyticsAttributeReference", "ref": "LYTICS_AUDIENCE"}),
        condition="IS_MEMBER_OF",
        raw_condition="IS_MEMBER_OF",
        options={"__type": "AudienceMatchOptions", "value": slug},
        inverted=False,
    )


def audience_tree(uid: str, definition: object, source: str | None, slug: str | None) -> Node | None:
    """The tree an audience is read by (see the module docstring); None only for a native audience without rules."""
    tree = parse_audience(definition)
    if not is_lytics_audience(uid, source):
        return tree
    if slug is not None and slug.strip():
        return lytics_membership(slug.strip())
    if tree is None or _no_rules(tree):
        return Unrecognised(note=NO_SLUG)
    return tree


def _no_rules(tree: Node) -> bool:
    return isinstance(tree, Combination) and not tree.children and not (tree.malformed or tree.truncated)
