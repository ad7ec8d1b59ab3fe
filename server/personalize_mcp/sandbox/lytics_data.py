"""The "Lytics demo" project: variants that target Lytics-synced audiences alone, OR-ed and AND-ed with a native one.

A project of the main organisation without a stack, so the Web project's data (and its tests) stay as they are.
Its Lytics audiences have the shape Contentstack lists them in: source LYTICS, a 32-hex uid, a `slug`, and no rule
`definition` (`shapes.lytics_audience`); a visitor is in one when the Lytics audiences the site sends for them
(`x-live-attributes`, the `lytics_audiences` of a simulated visitor) hold its slug (contentstack-api.md §2, §7).

| constant (`*_AUDIENCE_UID`) | kind | rules / slug |
|---|---|---|
| LYTICS_MOBILE | native | DEVICE_TYPE equals "MOBILE" |
| LYTICS_AUSTRALIAN_HIGH_INTENT | native | AND[COUNTRY "AU", a Lytics rule: IS_MEMBER_OF "high_intent_shoppers"] |
| CART_ABANDONERS | Lytics | slug CART_ABANDONERS_SLUG ("cart_abandoners") |
| DEAL_SEEKERS | Lytics | slug DEAL_SEEKERS_SLUG ("deal_seekers") |
| RETIRED_LYTICS (not listed) | Lytics | targeted by a variant, no longer synced |

Experiences (SEGMENTED, ACTIVE, one ACTIVE version each, in priority order; no `_cms`):

| constant (`*_EXPERIENCE_UID`, shortUid) | name | variants |
|---|---|---|
| LYTICS_OR ("0") | Free shipping banner | 0 "Mobile or cart abandoner": [MOBILE] OR Lytics [CART_ABANDONERS] |
| LYTICS_AND ("1") | Mobile deal | 0 "Mobile deal seekers": [MOBILE] AND Lytics [DEAL_SEEKERS] |
| LYTICS_ONLY ("2") | Comeback offer | 0 "Cart abandoners": Lytics [CART_ABANDONERS] only; 1 "Mobile": [MOBILE] |
| LYTICS_RETIRED ("3") | Retired segment offer | 0 "Retired segment": Lytics [RETIRED_LYTICS] |

Comeback offer's variant 1 is reachable: its Lytics-only variant 0 matches cart abandoners, not everyone (an
audience without rules would be "everyone"; a Lytics one never is).
"""

from __future__ import annotations

from personalize_mcp.sandbox import shapes
from personalize_mcp.sandbox.shapes import JSON, SandboxData

LYTICS_PROJECT_UID = "6650b8f1a3c94e2d170001a6"

LYTICS_MOBILE_AUDIENCE_UID = "6651c0a2b7d2e4f918000601"
LYTICS_AUSTRALIAN_HIGH_INTENT_AUDIENCE_UID = "6651c0a2b7d2e4f918000602"
CART_ABANDONERS_AUDIENCE_UID = "7c3e9a1f5b2d8e4a6c0f3b9d1e7a5c28"
DEAL_SEEKERS_AUDIENCE_UID = "2b8f4d6a1c9e3f7b5d0a8c2e6f4b1d93"
RETIRED_LYTICS_AUDIENCE_UID = "e1d2c3b4a5968778695a4b3c2d1e0f11"
"""In a variant's `lyticsAudiences`, listed nowhere (the Lytics audience is no longer synced)."""
CART_ABANDONERS_SLUG = "cart_abandoners"
DEAL_SEEKERS_SLUG = "deal_seekers"

LYTICS_OR_EXPERIENCE_UID = "6652d1e3c4a8b1f027000601"
LYTICS_AND_EXPERIENCE_UID = "6652d1e3c4a8b1f027000602"
LYTICS_ONLY_EXPERIENCE_UID = "6652d1e3c4a8b1f027000603"
LYTICS_RETIRED_EXPERIENCE_UID = "6652d1e3c4a8b1f027000604"
LYTICS_EXPERIENCE_UIDS = (
    LYTICS_OR_EXPERIENCE_UID,
    LYTICS_AND_EXPERIENCE_UID,
    LYTICS_ONLY_EXPERIENCE_UID,
    LYTICS_RETIRED_EXPERIENCE_UID,
)
"""In priority order, highest first."""


def extend(data: SandboxData) -> None:
    """Add the Lytics demo project and everything in it to `data` (the seed)."""
    p = LYTICS_PROJECT_UID
    data.projects.append(
        shapes.project(p, "Lytics demo", "Variants that target Lytics audiences", shapes.MAIN_ORG_UID, None)
    )
    high_intent = shapes.rule(
        {"__type": "LyticsAttributeReference", "ref": "segments"},
        "IS_MEMBER_OF",
        {"__type": "AudienceMatchOptions", "value": "high_intent_shoppers"},
        False,
    )
    data.audiences[p] = [
        shapes.audience(
            LYTICS_MOBILE_AUDIENCE_UID,
            p,
            "Mobile Visitors",
            "",
            shapes.combo("AND", shapes.preset("DEVICE_TYPE", "STRING_EQUALS", shapes.text("MOBILE"))),
            "PERSONALIZE",
        ),
        shapes.audience(
            LYTICS_AUSTRALIAN_HIGH_INTENT_AUDIENCE_UID,
            p,
            "Australian High Intent",
            "A native audience with a rule on a Lytics audience",
            shapes.combo("AND", shapes.preset("COUNTRY", "STRING_EQUALS", shapes.text("AU")), high_intent),
            "PERSONALIZE",
        ),
        shapes.lytics_audience(
            CART_ABANDONERS_AUDIENCE_UID, p, "Cart Abandoners", "Synced from Lytics", CART_ABANDONERS_SLUG
        ),
        shapes.lytics_audience(DEAL_SEEKERS_AUDIENCE_UID, p, "Deal Seekers", "Synced from Lytics", DEAL_SEEKERS_SLUG),
    ]
    experiences, versions = _experiences()
    data.experiences[p] = experiences
    data.versions.update(versions)
    data.priority[p] = list(LYTICS_EXPERIENCE_UIDS)


def _experiences() -> tuple[list[JSON], dict[str, list[JSON]]]:
    segmented = shapes.segmented
    mobile, cart, deals = LYTICS_MOBILE_AUDIENCE_UID, CART_ABANDONERS_AUDIENCE_UID, DEAL_SEEKERS_AUDIENCE_UID
    plans: list[tuple[str, str, list[JSON]]] = [
        (LYTICS_OR_EXPERIENCE_UID, "Free shipping banner",
         [segmented("0", "Mobile or cart abandoner", [mobile], "OR", lytics=[cart])]),
        (LYTICS_AND_EXPERIENCE_UID, "Mobile deal",
         [segmented("0", "Mobile deal seekers", [mobile], "AND", lytics=[deals])]),
        (LYTICS_ONLY_EXPERIENCE_UID, "Comeback offer",
         [segmented("0", "Cart abandoners", [], "OR", lytics=[cart]), segmented("1", "Mobile", [mobile])]),
        (LYTICS_RETIRED_EXPERIENCE_UID, "Retired segment offer",
         [segmented("0", "Retired segment", [], "OR", lytics=[RETIRED_LYTICS_AUDIENCE_UID])]),
    ]  # fmt: skip
    experiences: list[JSON] = []
    versions: dict[str, list[JSON]] = {}
    for short, (uid, name, variants) in enumerate(plans):
        version_uid = f"6653e2f4d9b3c2a6e10006{short}1"
        built = [shapes.version(version_uid, uid, "ACTIVE", variants, "2025-06-02T10:00:00.000Z")]
        versions[uid] = built
        experiences.append(shapes.experience(uid, name, "", "SEGMENTED", str(short), "ACTIVE", built, None, ["lytics"]))
    return experiences, versions
