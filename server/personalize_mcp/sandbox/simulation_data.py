"""The sandbox's simulation scenarios: a variant with inline rules, and visitors worth simulating.

New object (Mobile App project, spliced in by data.py; priority: Onboarding, App home banner, Push prompt):

| constant (shortUid) | type / status | version: variants |
|---|---|---|
| APP_BANNER_EXPERIENCE_UID ("5") | SEGMENTED / ACTIVE | APP_BANNER_ACTIVE_VERSION_UID (below) |

- "0" Android tablets: no audiences, its own rules (`target`): AND[OPERATING_SYSTEM equals "Android",
  DEVICE_TYPE equals "TABLET"];
- "1" iOS beta: [IOS_USERS AND BETA_TESTERS].

Visitors (the `visitor` argument of simulate_visitor / explain_audience_match) and what they show:

| constant | project | scenario |
|---|---|---|
| AUSTRALIAN_MOBILE_RETURNING | Web | AU, MOBILE, 5 orders, loyal: Hero variant 0 (1 matches too; 0 is first) |
| NO_COUNTRY | Web | DESKTOP, no country: Hero and High-intent offers unknown (need country) |
| WRONG_TYPE | Web | NZ, MOBILE, lifetime_orders "5" (text): Hero no_match, a type mismatch |
| LYTICS_MEMBER | Web | DE Windows desktop in Lytics high_intent_shoppers: High-intent offers variant 0 |
| INSIDE_BLACK_FRIDAY | Web | 2025-12-02 08:30+11:00 (21:30 UTC the 1st): High-intent offers variant 1 |
| AFTER_BLACK_FRIDAY | Web | 2025-12-02 08:30-05:00 (13:30 UTC the 2nd): High-intent offers no_match |
| ANDROID_TABLET | Mobile | Android TABLET: App home banner variant 0 by its inline rules |

The Pricing A/B test ranks above every Web experience: each Web visitor gets `ab_random` there first.
"""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]

APP_BANNER_EXPERIENCE_UID = "6652d1e3c4a8b1f027000026"
APP_BANNER_ACTIVE_VERSION_UID = "6653e2f4d9b3c2a6e1000261"


def _preset(ref: str, value: str) -> JSON:
    return {
        "__type": "Rule",
        "attribute": {"__type": "PresetAttributeReference", "ref": ref},
        "attributeMatchCondition": "STRING_EQUALS",
        "attributeMatchOptions": {"__type": "StringMatchOptions", "value": value},
        "invertCondition": False,
    }


def app_banner_versions(ios_audience: str, beta_audience: str) -> list[JSON]:
    """The App home banner's one ACTIVE version: a variant with its own rules, then one with audiences."""
    created = "2025-06-05T09:00:00.000Z"
    return [
        {
            "uid": APP_BANNER_ACTIVE_VERSION_UID,
            "experienceUid": APP_BANNER_EXPERIENCE_UID,
            "status": "ACTIVE",
            "variants": [
                {
                    "__type": "SegmentedVariant",
                    "name": "Android tablets",
                    "shortUid": "0",
                    "audiences": [],
                    "lyticsAudiences": [],
                    "audienceCombinationType": "OR",
                    "target": {
                        "__type": "RuleCombination",
                        "combinationType": "AND",
                        "rules": [_preset("OPERATING_SYSTEM", "Android"), _preset("DEVICE_TYPE", "TABLET")],
                    },
                },
                {
                    "__type": "SegmentedVariant",
                    "name": "iOS beta",
                    "shortUid": "1",
                    "audiences": [ios_audience, beta_audience],
                    "lyticsAudiences": [],
                    "audienceCombinationType": "AND",
                },
            ],
            "createdAt": created,
            "updatedAt": created,
        }
    ]


# --------------------------------------------------------------------------- visitors

AUSTRALIAN_MOBILE_RETURNING: JSON = {
    "country": "AU",
    "region": "New South Wales",
    "city": "Sydney",
    "device_type": "MOBILE",
    "operating_system": "iOS",
    "attributes": {"lifetime_orders": 5, "loyalty_member": True},
    "datetime": "2025-06-20T10:00:00+10:00",
}
NO_COUNTRY: JSON = {
    "device_type": "DESKTOP",
    "operating_system": "Windows 11",
    "datetime": "2025-06-20T10:00:00Z",
}
WRONG_TYPE: JSON = {
    "country": "NZ",
    "device_type": "MOBILE",
    "attributes": {"lifetime_orders": "5", "loyalty_member": True},
    "datetime": "2025-06-20T10:00:00+12:00",
}
LYTICS_MEMBER: JSON = {
    "country": "DE",
    "device_type": "DESKTOP",
    "operating_system": "Windows 11",
    "lytics_audiences": ["high_intent_shoppers"],
    "datetime": "2025-06-20T10:00:00+02:00",
}
INSIDE_BLACK_FRIDAY: JSON = {
    "country": "US",
    "device_type": "DESKTOP",
    "operating_system": "macOS",
    "lytics_audiences": [],
    "datetime": "2025-12-02T08:30:00+11:00",
}
AFTER_BLACK_FRIDAY: JSON = {**INSIDE_BLACK_FRIDAY, "datetime": "2025-12-02T08:30:00-05:00"}
ANDROID_TABLET: JSON = {
    "device_type": "TABLET",
    "operating_system": "Android",
    "attributes": {"beta_tester": False},
    "datetime": "2025-06-20T10:00:00Z",
}

VISITORS: dict[str, JSON] = {
    "AUSTRALIAN_MOBILE_RETURNING": AUSTRALIAN_MOBILE_RETURNING,
    "NO_COUNTRY": NO_COUNTRY,
    "WRONG_TYPE": WRONG_TYPE,
    "LYTICS_MEMBER": LYTICS_MEMBER,
    "INSIDE_BLACK_FRIDAY": INSIDE_BLACK_FRIDAY,
    "AFTER_BLACK_FRIDAY": AFTER_BLACK_FRIDAY,
    "ANDROID_TABLET": ANDROID_TABLET,
}
