"""The "Audit demo" project: every audit_project check fires once or twice, with a clean case next to each.

A project of the main organisation (Northwind Retail) with its own stack, "Audit demo site", so the
Web project's data (and its tests) stay as they are. Built with shapes.py's builders, in the exact
upstream shapes; `extend(data)` adds it to a SandboxData.

Audiences (AUDIT_*_AUDIENCE_UID) and attributes (AUDIT_*_ATTRIBUTE_UID):

| constant | rules | what it shows |
|---|---|---|
| AUSTRALIA | COUNTRY equals "AU" | used |
| NEW_ZEALAND | COUNTRY equals "NZ" | used |
| MOBILE | DEVICE_TYPE equals "MOBILE" | used |
| LOYAL | loyalty_points > 100 (LOYALTY_POINTS) | used |
| UNUSED | REFERRER contains "spring" | **unused_audience** |
| WINTER | DATE_AND_TIME between two dates | used only by an ARCHIVED version: not unused |
| LEGACY_VIP | a custom rule on DELETED_ATTRIBUTE_UID (not listed) | **missing_attribute** |
| GHOST (not listed) | -- | targeted by a variant: **missing_audience** |

Attributes: LOYALTY_POINTS (used), CART_VALUE (used only by a variant's own rules: not unused),
SHOE_SIZE (**unused_attribute**), presets COUNTRY and OPERATING_SYSTEM (no rule tests the latter:
presets are never flagged). Events: CHECKOUT (counted), ADD_TO_CART (counted), NEWSLETTER
(**unused_event**).

Experiences (AUDIT_*_EXPERIENCE_UID; versions AUDIT_*_VERSION_UID):

| constant | type / status | versions: variants | finding |
|---|---|---|---|
| CLEAN | SEGMENTED / ACTIVE | ACTIVE: Australia [AU], Mobile [MOBILE] | none |
| DRAFT_DIFFERS | SEGMENTED / ACTIVE | ACTIVE: [AU], [NZ]; DRAFT: 0 renamed [MOBILE], + [LOYAL] | **draft_differs** |
| SAME_DRAFT | SEGMENTED / ACTIVE | ACTIVE and DRAFT alike: [LOYAL] | none |
| DRAFT_ONLY | SEGMENTED / DRAFT | DRAFT only | **no_active_version** (warning) |
| PAUSED | SEGMENTED / PAUSED | PAUSED only | **no_active_version** (warning) |
| ARCHIVED | SEGMENTED / ARCHIVED | ARCHIVED: [WINTER]; not in the priority list | **no_active_version** (info) only |
| BAD_SPLIT | AB_TEST / ACTIVE | Control 50, Green button 30 | **ab_split** (error) |
| GOOD_SPLIT | AB_TEST / ACTIVE | Control 50, Short headline 50; results: a leader, no winner | none |
| WINNER | AB_TEST / ACTIVE | Control 50, Free delivery 50; results: a winner since May | **winner_still_running** |
| MISSING_AUDIENCE | SEGMENTED / ACTIVE | Loyal [LOYAL], Ghost [GHOST] | **missing_audience** (error) |
| UNREACHABLE | SEGMENTED / ACTIVE | five variants (below) | **unreachable_variant** for 1 and 2 only |
| FORGOTTEN | SEGMENTED / ACTIVE | [LEGACY_VIP]; left out of the priority list | **not_in_priority** |
| LOST_GROUP | SEGMENTED / ACTIVE | [NZ]; `_cms` names LOST_VARIANT_GROUP_UID, not in the stack | cms_group_missing |

UNREACHABLE's ACTIVE version: 0 Oceania [AU OR NZ], 1 Australia [AU] (Oceania takes them all),
2 Mobile in Australia [MOBILE AND AU] (likewise), 3 Mobile [MOBILE], 4 Big carts (its own rules:
cart_value > 200; never judged).

The stack's variant groups: one linked group per experience with `_cms` (LOST_GROUP's excepted),
ORPHAN_VARIANT_GROUP_UID linked to DELETED_EXPERIENCE_UID (**cms_group_orphaned**), and a plain group.
"""

from __future__ import annotations

import hashlib

from personalize_mcp.sandbox import analytics_data, catalogue_data, shapes
from personalize_mcp.sandbox.shapes import JSON, SandboxData

AUDIT_PROJECT_UID = "6650b8f1a3c94e2d170001a5"
AUDIT_STACK_API_KEY = "blt5c9e3a7f2d8b1e46"
AUDIT_STACK_UID = "blt8d1f5b9e3c7a2d60"

AUDIT_AUSTRALIA_AUDIENCE_UID = "6651c0a2b7d2e4f918000401"
AUDIT_NEW_ZEALAND_AUDIENCE_UID = "6651c0a2b7d2e4f918000402"
AUDIT_MOBILE_AUDIENCE_UID = "6651c0a2b7d2e4f918000403"
AUDIT_LOYAL_AUDIENCE_UID = "6651c0a2b7d2e4f918000404"
AUDIT_UNUSED_AUDIENCE_UID = "6651c0a2b7d2e4f918000405"
AUDIT_WINTER_AUDIENCE_UID = "6651c0a2b7d2e4f918000406"
AUDIT_LEGACY_VIP_AUDIENCE_UID = "6651c0a2b7d2e4f918000407"
AUDIT_GHOST_AUDIENCE_UID = "6651c0a2b7d2e4f9180004ff"
"""Targeted by a variant, listed nowhere."""

AUDIT_LOYALTY_POINTS_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a9000401"
AUDIT_CART_VALUE_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a9000402"
AUDIT_SHOE_SIZE_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a9000403"
AUDIT_COUNTRY_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a9000404"
AUDIT_OPERATING_SYSTEM_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a9000405"
AUDIT_DELETED_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a90004ff"
"""Tested by LEGACY_VIP's rules, listed nowhere."""

AUDIT_CHECKOUT_EVENT_UID = "6655a4b6f2d8e5c3b0000401"
AUDIT_ADD_TO_CART_EVENT_UID = "6655a4b6f2d8e5c3b0000402"
AUDIT_NEWSLETTER_EVENT_UID = "6655a4b6f2d8e5c3b0000403"

AUDIT_CLEAN_EXPERIENCE_UID = "6652d1e3c4a8b1f027000401"
AUDIT_DRAFT_DIFFERS_EXPERIENCE_UID = "6652d1e3c4a8b1f027000402"
AUDIT_SAME_DRAFT_EXPERIENCE_UID = "6652d1e3c4a8b1f027000403"
AUDIT_DRAFT_ONLY_EXPERIENCE_UID = "6652d1e3c4a8b1f027000404"
AUDIT_PAUSED_EXPERIENCE_UID = "6652d1e3c4a8b1f027000405"
AUDIT_ARCHIVED_EXPERIENCE_UID = "6652d1e3c4a8b1f027000406"
AUDIT_BAD_SPLIT_EXPERIENCE_UID = "6652d1e3c4a8b1f027000407"
AUDIT_GOOD_SPLIT_EXPERIENCE_UID = "6652d1e3c4a8b1f027000408"
AUDIT_MISSING_AUDIENCE_EXPERIENCE_UID = "6652d1e3c4a8b1f027000409"
AUDIT_UNREACHABLE_EXPERIENCE_UID = "6652d1e3c4a8b1f02700040a"
AUDIT_FORGOTTEN_EXPERIENCE_UID = "6652d1e3c4a8b1f02700040b"
AUDIT_LOST_GROUP_EXPERIENCE_UID = "6652d1e3c4a8b1f02700040c"
AUDIT_WINNER_EXPERIENCE_UID = "6652d1e3c4a8b1f02700040d"
AUDIT_DELETED_EXPERIENCE_UID = "6652d1e3c4a8b1f0270004ff"
"""Named by ORPHAN_VARIANT_GROUP_UID's metadata; the project has no such experience."""

AUDIT_DRAFT_DIFFERS_ACTIVE_VERSION_UID = "6653e2f4d9b3c2a6e1000421"
AUDIT_DRAFT_DIFFERS_DRAFT_VERSION_UID = "6653e2f4d9b3c2a6e1000422"
AUDIT_SAME_DRAFT_ACTIVE_VERSION_UID = "6653e2f4d9b3c2a6e1000431"
AUDIT_SAME_DRAFT_DRAFT_VERSION_UID = "6653e2f4d9b3c2a6e1000432"
AUDIT_UNREACHABLE_ACTIVE_VERSION_UID = "6653e2f4d9b3c2a6e10004a1"
AUDIT_GOOD_SPLIT_ACTIVE_VERSION_UID = "6653e2f4d9b3c2a6e1000480"
AUDIT_WINNER_ACTIVE_VERSION_UID = "6653e2f4d9b3c2a6e10004d0"

AUDIT_ORPHAN_VARIANT_GROUP_UID = "cse7a3c1e9b5d2f4a8"
AUDIT_LOST_VARIANT_GROUP_UID = "cse2d8f4b6a1c9e3b5"
AUDIT_PLAIN_VARIANT_GROUP_UID = "cs9b4e2a7c1f5d3e68"


RESULTS = {
    AUDIT_GOOD_SPLIT_ACTIVE_VERSION_UID: analytics_data.Results({"0": (2010, 60, None), "1": (1990, 66, None)}),
    AUDIT_WINNER_ACTIVE_VERSION_UID: analytics_data.Results({"0": (3020, 91, None), "1": (2980, 152, None)}),
}
"""Experiment results: Headline test leads without a winner (clean); Delivery banner test has one (it fires).
The running A/B test with a bad split has none stored, so it answers zeros."""


def _version_uid(experience: str, n: int) -> str:
    """Versions not named above: `6653e2f4d9b3c2a6e10004` + the experience's last hex digit + n."""
    return f"6653e2f4d9b3c2a6e10004{experience[-1]}{n}"


def _cms_uid(prefix: str, seed: str) -> str:
    return prefix + hashlib.sha256(f"audit-demo:{seed}".encode()).hexdigest()[: 18 - len(prefix)]


def extend(data: SandboxData) -> None:
    """Add the Audit demo project, its stack and everything in them to `data` (the seed)."""
    p = AUDIT_PROJECT_UID
    text, number, preset, custom, combo = shapes.text, shapes.number, shapes.preset, shapes.custom, shapes.combo
    audience = shapes.audience
    data.projects.append(
        shapes.project(p, "Audit demo", "Every audit check, broken and clean", shapes.MAIN_ORG_UID, AUDIT_STACK_API_KEY)
    )
    data.stacks.append(
        shapes.stack(
            AUDIT_STACK_UID,
            AUDIT_STACK_API_KEY,
            "Audit demo site",
            shapes.MAIN_ORG_UID,
            shapes.MAIN_USER_UID,
            "The Audit demo project's stack",
        )
    )
    native = "PERSONALIZE"
    data.audiences[p] = [
        audience(
            AUDIT_AUSTRALIA_AUDIENCE_UID,
            p,
            "Australia",
            "",
            combo("AND", preset("COUNTRY", "STRING_EQUALS", text("AU"))),
            native,
        ),
        audience(
            AUDIT_NEW_ZEALAND_AUDIENCE_UID,
            p,
            "New Zealand",
            "",
            combo("AND", preset("COUNTRY", "STRING_EQUALS", text("NZ"))),
            native,
        ),
        audience(
            AUDIT_MOBILE_AUDIENCE_UID,
            p,
            "Mobile",
            "",
            combo("AND", preset("DEVICE_TYPE", "STRING_EQUALS", text("MOBILE"))),
            native,
        ),
        audience(
            AUDIT_LOYAL_AUDIENCE_UID,
            p,
            "Loyal members",
            "",
            combo("AND", custom(AUDIT_LOYALTY_POINTS_ATTRIBUTE_UID, "NUMBER_GREATER_THAN", number(100))),
            native,
        ),
        audience(
            AUDIT_UNUSED_AUDIENCE_UID,
            p,
            "Old spring campaign",
            "No experience targets it any more",
            combo("AND", preset("REFERRER", "CONTAINS_SUBSTRING", text("spring"))),
            native,
        ),
        audience(
            AUDIT_WINTER_AUDIENCE_UID,
            p,
            "Winter visitors",
            "Only an archived version targets it",
            combo(
                "AND",
                preset(
                    "DATE_AND_TIME",
                    "BETWEEN_TIME",
                    {
                        "__type": "DateTimeRangeMatchOptions",
                        "start": "2025-06-01T00:00:00.000Z",
                        "end": "2025-08-31T23:59:59.000Z",
                    },
                ),
            ),
            native,
        ),
        audience(
            AUDIT_LEGACY_VIP_AUDIENCE_UID,
            p,
            "Legacy VIP",
            "Its attribute was deleted",
            combo("AND", custom(AUDIT_DELETED_ATTRIBUTE_UID, "IS_TRUE")),
            native,
        ),
    ]
    attribute = shapes.attribute
    data.attributes[p] = [
        attribute(AUDIT_LOYALTY_POINTS_ATTRIBUTE_UID, p, "Loyalty points", "loyalty_points", ""),
        attribute(AUDIT_CART_VALUE_ATTRIBUTE_UID, p, "Cart value", "cart_value", "Only a variant's own rules use it"),
        attribute(AUDIT_SHOE_SIZE_ATTRIBUTE_UID, p, "Shoe size", "shoe_size", "Nothing uses it"),
        {"uid": AUDIT_COUNTRY_ATTRIBUTE_UID, "name": "Country", "key": "COUNTRY", "project": p, "__type": "PRESET"},
        {
            "uid": AUDIT_OPERATING_SYSTEM_ATTRIBUTE_UID,
            "name": "Operating system",
            "key": "OPERATING_SYSTEM",
            "project": p,
            "__type": "PRESET",
        },
    ]
    data.events[p] = [
        {"uid": AUDIT_CHECKOUT_EVENT_UID, "key": "checkout", "name": "Checkout", "description": "", "project": p},
        {"uid": AUDIT_ADD_TO_CART_EVENT_UID, "key": "add_to_cart", "description": "", "project": p},
        {"uid": AUDIT_NEWSLETTER_EVENT_UID, "key": "newsletter", "description": "Nothing counts it", "project": p},
    ]
    experiences, versions = _experiences()
    data.experiences[p] = experiences
    data.versions.update(versions)
    data.analytics.update(analytics_data.build_analytics(versions, RESULTS))
    data.priority[p] = [
        e["uid"] for e in experiences if e["uid"] not in (AUDIT_ARCHIVED_EXPERIENCE_UID, AUDIT_FORGOTTEN_EXPERIENCE_UID)
    ]
    data.variant_groups[AUDIT_STACK_API_KEY] = _groups(experiences, versions)


def _experiences() -> tuple[list[JSON], dict[str, list[JSON]]]:
    segmented, ab, version = shapes.segmented, shapes.ab, shapes.version
    au, nz, mobile, loyal = (
        AUDIT_AUSTRALIA_AUDIENCE_UID,
        AUDIT_NEW_ZEALAND_AUDIENCE_UID,
        AUDIT_MOBILE_AUDIENCE_UID,
        AUDIT_LOYAL_AUDIENCE_UID,
    )
    big_carts = {
        **segmented("4", "Big carts", []),
        "target": shapes.combo(
            "AND", shapes.custom(AUDIT_CART_VALUE_ATTRIBUTE_UID, "NUMBER_GREATER_THAN", shapes.number(200))
        ),
    }
    # uid, name, type, status, [(version uid or None, status, variants)], metrics
    plans: list[tuple[str, str, str, str, list[tuple[str | None, str, list[JSON]]], list[JSON] | None]] = [
        (AUDIT_CLEAN_EXPERIENCE_UID, "Clean banner", "SEGMENTED", "ACTIVE",
         [(None, "ACTIVE", [segmented("0", "Australia", [au]), segmented("1", "Mobile", [mobile])])], None),
        (AUDIT_DRAFT_DIFFERS_EXPERIENCE_UID, "Hero with a draft", "SEGMENTED", "ACTIVE",
         [(AUDIT_DRAFT_DIFFERS_ACTIVE_VERSION_UID, "ACTIVE",
           [segmented("0", "Australia", [au]), segmented("1", "New Zealand", [nz])]),
          (AUDIT_DRAFT_DIFFERS_DRAFT_VERSION_UID, "DRAFT",
           [segmented("0", "Mobile first", [mobile]), segmented("1", "New Zealand", [nz]),
            segmented("2", "Loyal", [loyal])])], None),
        (AUDIT_SAME_DRAFT_EXPERIENCE_UID, "Footer promo", "SEGMENTED", "ACTIVE",
         [(AUDIT_SAME_DRAFT_ACTIVE_VERSION_UID, "ACTIVE", [segmented("0", "Loyal", [loyal])]),
          (AUDIT_SAME_DRAFT_DRAFT_VERSION_UID, "DRAFT", [segmented("0", "Loyal", [loyal])])], None),
        (AUDIT_DRAFT_ONLY_EXPERIENCE_UID, "Coming soon", "SEGMENTED", "DRAFT",
         [(None, "DRAFT", [segmented("0", "Australia", [au])])], None),
        (AUDIT_PAUSED_EXPERIENCE_UID, "Paused upsell", "SEGMENTED", "PAUSED",
         [(None, "PAUSED", [segmented("0", "Mobile", [mobile])])], None),
        (AUDIT_ARCHIVED_EXPERIENCE_UID, "Winter sale (ended)", "SEGMENTED", "ARCHIVED",
         [(None, "ARCHIVED", [segmented("0", "Winter", [AUDIT_WINTER_AUDIENCE_UID])])], None),
        (AUDIT_BAD_SPLIT_EXPERIENCE_UID, "Button colour test", "AB_TEST", "ACTIVE",
         [(None, "ACTIVE", [ab("0", "Control", 50), ab("1", "Green button", 30)])],
         catalogue_data.metrics(AUDIT_ADD_TO_CART_EVENT_UID)),
        (AUDIT_GOOD_SPLIT_EXPERIENCE_UID, "Headline test", "AB_TEST", "ACTIVE",
         [(AUDIT_GOOD_SPLIT_ACTIVE_VERSION_UID, "ACTIVE", [ab("0", "Control", 50), ab("1", "Short headline", 50)])],
         catalogue_data.metrics(AUDIT_CHECKOUT_EVENT_UID)),
        (AUDIT_WINNER_EXPERIENCE_UID, "Delivery banner test", "AB_TEST", "ACTIVE",
         [(AUDIT_WINNER_ACTIVE_VERSION_UID, "ACTIVE", [ab("0", "Control", 50), ab("1", "Free delivery", 50)])],
         catalogue_data.metrics(AUDIT_CHECKOUT_EVENT_UID)),
        (AUDIT_MISSING_AUDIENCE_EXPERIENCE_UID, "Loyalty offer", "SEGMENTED", "ACTIVE",
         [(None, "ACTIVE", [segmented("0", "Loyal", [loyal]), segmented("1", "Ghost", [AUDIT_GHOST_AUDIENCE_UID])])],
         None),
        (AUDIT_UNREACHABLE_EXPERIENCE_UID, "Regional offer", "SEGMENTED", "ACTIVE",
         [(AUDIT_UNREACHABLE_ACTIVE_VERSION_UID, "ACTIVE",
           [segmented("0", "Oceania", [au, nz]), segmented("1", "Australia", [au]),
            segmented("2", "Mobile in Australia", [mobile, au], "AND"), segmented("3", "Mobile", [mobile]),
            big_carts])], None),
        (AUDIT_FORGOTTEN_EXPERIENCE_UID, "Forgotten test", "SEGMENTED", "ACTIVE",
         [(None, "ACTIVE", [segmented("0", "Legacy VIP", [AUDIT_LEGACY_VIP_AUDIENCE_UID])])], None),
        (AUDIT_LOST_GROUP_EXPERIENCE_UID, "Lost group", "SEGMENTED", "ACTIVE",
         [(None, "ACTIVE", [segmented("0", "New Zealand", [nz])])], None),
    ]  # fmt: skip
    experiences: list[JSON] = []
    versions: dict[str, list[JSON]] = {}
    for short, (uid, name, kind, status, planned, metrics) in enumerate(plans):
        built = [
            version(v_uid or _version_uid(uid, n), uid, v_status, variants, f"2025-05-{n + 1:02d}T10:00:00.000Z")
            for n, (v_uid, v_status, variants) in enumerate(planned)
        ]
        versions[uid] = built
        shorts = sorted({v["shortUid"] for b in built for v in b["variants"]})
        cms = None
        if uid != AUDIT_ARCHIVED_EXPERIENCE_UID:
            group = AUDIT_LOST_VARIANT_GROUP_UID if uid == AUDIT_LOST_GROUP_EXPERIENCE_UID else _cms_uid("cse", uid)
            cms = {"variantGroup": group, "variants": {s: _cms_uid("csf", f"{uid}:{s}") for s in shorts}}
        experiences.append(shapes.experience(uid, name, "", kind, str(short), status, built, cms, [], metrics))
    return experiences, versions


def _groups(experiences: list[JSON], versions: dict[str, list[JSON]]) -> list[JSON]:
    groups = []
    for experience in experiences:
        cms = experience.get("_cms")
        if cms is None or cms["variantGroup"] == AUDIT_LOST_VARIANT_GROUP_UID:
            continue
        named = {v["shortUid"]: v["name"] for version in versions[experience["uid"]] for v in version["variants"]}
        groups.append(shapes.linked_group(AUDIT_PROJECT_UID, experience, "page", [named[s] for s in cms["variants"]]))
    orphan = {
        "uid": AUDIT_DELETED_EXPERIENCE_UID,
        "name": "Deleted campaign",
        "shortUid": "99",
        "_cms": {"variantGroup": AUDIT_ORPHAN_VARIANT_GROUP_UID, "variants": {"0": _cms_uid("csf", "orphan:0")}},
    }
    groups.append(shapes.linked_group(AUDIT_PROJECT_UID, orphan, "page", ["Deleted campaign default"]))
    groups.append(
        shapes.plain_group(
            AUDIT_PLAIN_VARIANT_GROUP_UID, "Seasonal colours", [(_cms_uid("cs", "autumn"), "Autumn")], "page"
        )
    )
    return groups
