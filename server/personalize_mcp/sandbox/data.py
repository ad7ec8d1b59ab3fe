"""Sample account served by the sandbox, as plain dicts in the exact upstream JSON shapes.

Routes serve these objects as they are, so every field name here is the one the real API uses
(camelCase for Personalize, snake_case for the CMS). `seed_data()` returns a fresh deep copy.

Organisations, users, projects, stacks:

| constant | uid | scenario |
|---|---|---|
| MAIN_ORG_UID | blt5a1e9c2f7d3b4e60 | "Northwind Retail", the demo org: 3 projects, 4 stacks |
| SECOND_ORG_UID | blt8c4d2e6f1a9b3c75 | "Contoso Europe": exactly ONE project, own stack (isolation) |
| MAIN_USER_UID | blt2f8e4a6c9d1b3e57 | Dana Whitfield, member of both orgs (consent picks one) |
| SECOND_ORG_USER_UID | blt6e3b9d1f4c8a2e06 | Kenji Sato, member of the second org only |
| WEB_PROJECT_UID | 6650b8f1a3c94e2d170001a2 | "Web" → MAIN_STACK_API_KEY; 14 audiences, 6 experiences |
| MOBILE_PROJECT_UID | 6650b8f1a3c94e2d170001a3 | "Mobile App", no stack: experiences without `_cms` |
| SECOND_ORG_PROJECT_UID | 6650b8f1a3c94e2d170001a4 | "Storefront EU" → SECOND_STACK_API_KEY |
| AUDIT_PROJECT_UID (audit_data.py) | 6650b8f1a3c94e2d170001a5 | "Audit demo" → its own stack: every audit check |
| LYTICS_PROJECT_UID (lytics_data.py) | 6650b8f1a3c94e2d170001a6 | "Lytics demo", no stack: Lytics-targeted variants |
| MAIN_STACK_API_KEY | blt3d7a1c9e5f2b8d40 | "Website": groups linked to Web experiences + 1 plain |
| BIG_STACK_API_KEY | blt9e4c2a7f1d6b3e85 | "Product Catalog", no project: 121 groups, one of 130 variants |
| EMPTY_STACK_API_KEY | blt1b6f3d8a4c9e2f07 | "Brand Guidelines", no project, no variant groups |
| SECOND_STACK_API_KEY | blt7f2d9b4e6a1c3f58 | "EU Storefront" (second org): one linked variant group |

Audiences of the Web project (every condition and preset of contentstack-api.md appears somewhere):

| constant | definition |
|---|---|
| AUSTRALIA_AUDIENCE_UID | COUNTRY STRING_EQUALS "AU" (one simple rule) |
| MOBILE_VISITORS_AUDIENCE_UID | DEVICE_TYPE STRING_EQUALS "MOBILE" |
| RETURNING_CUSTOMERS_AUDIENCE_UID | AND[lifetime_orders>1, OR[loyalty_member IS_TRUE, last_order_value>100]]|
| EU_DESKTOP_AUDIENCE_UID | AND[OR[COUNTRY DE, COUNTRY FR, AND[COUNTRY NL, REGION "North Holland"]], |
| | AND[DEVICE_TYPE DESKTOP, OPERATING_SYSTEM CONTAINS_SUBSTRING "Windows"]] (3 levels) |
| CAMPAIGN_VISITORS_AUDIENCE_UID | OR[QUERY_PARAMETERS JSON_MATCH utm_campaign, REFERRER CONTAINS_SUBSTRING] |
| NON_US_AUDIENCE_UID | COUNTRY STRING_EQUALS "US", invertCondition: true |
| BLACK_FRIDAY_AUDIENCE_UID | DATE_AND_TIME BETWEEN_TIME 2025-11-28 .. 2025-12-01 |
| LAUNCH_WEEK_AUDIENCE_UID | AND[DATE_AND_TIME AFTER_TIME 2025-06-02, BEFORE_TIME 2025-06-09] |
| LYTICS_AUDIENCE_UID | 32-hex, source LYTICS, slug LYTICS_SLUG, no definition (as Contentstack lists one) |
| EMPTY_AUDIENCE_UID | empty definition (a RuleCombination without rules) |
| NEWSLETTER_AUDIENCE_UID | AND[newsletter_opt_in IS_TRUE, unsubscribed IS_FALSE, email_domain HAS_ANY_VALUE]|
| SYDNEY_AUDIENCE_UID | AND[CITY "Sydney", REGION "New South Wales"] |
| BUDGET_SHOPPERS_AUDIENCE_UID | average_order_value NUMBER_LESS_THAN 50 |
| VIP_TIER_AUDIENCE_UID | loyalty_tier NUMBER_EQUAL_TO 3 (targeted by no experience) |

(lowercase names are CustomAttributeReference rules; their refs are the *_ATTRIBUTE_UID constants.)
Mobile App: IOS_USERS_AUDIENCE_UID (OPERATING_SYSTEM "iOS"), BETA_TESTERS_AUDIENCE_UID (beta_tester
IS_TRUE). Second org: GERMANY_AUDIENCE_UID, FRANCE_AUDIENCE_UID (COUNTRY DE / FR).

Experiences (`_cms` links each to a variant group of its project's stack):

| constant (shortUid) | type / status | versions | CMS variant group |
|---|---|---|---|
| HERO_EXPERIENCE_UID ("0") | SEGMENTED / ACTIVE | ACTIVE + DRAFT + ARCHIVED | HERO_VARIANT_GROUP_UID |
| PROMO_EXPERIENCE_UID ("1") | SEGMENTED / DRAFT | DRAFT only (no ACTIVE) | PROMO_VARIANT_GROUP_UID |
| CHECKOUT_EXPERIENCE_UID ("2") | SEGMENTED / PAUSED | PAUSED only | CHECKOUT_VARIANT_GROUP_UID |
| LYTICS_EXPERIENCE_UID ("3") | SEGMENTED / ACTIVE | ACTIVE | LYTICS_VARIANT_GROUP_UID |
| PRICING_AB_EXPERIENCE_UID ("4") | AB_TEST / ACTIVE | ACTIVE | PRICING_VARIANT_GROUP_UID |
| FOOTER_AB_EXPERIENCE_UID ("5") | AB_TEST / ARCHIVED | ARCHIVED only | none (no `_cms`) |
| ONBOARDING_EXPERIENCE_UID (Mobile, "0") | SEGMENTED / ACTIVE | ACTIVE | none (no stack) |
| PUSH_PROMPT_EXPERIENCE_UID (Mobile, "1") | AB_TEST / DRAFT | DRAFT only | none |
| analytics_data's PAYWALL, ORDER_BUTTON, SKIP (Mobile, "2"-"4") | AB_TEST / ACTIVE | ACTIVE | none |
| APP_BANNER_EXPERIENCE_UID (Mobile, "2") | SEGMENTED / ACTIVE | ACTIVE (a variant with inline `target`) | none |
| EU_BANNER_EXPERIENCE_UID (second org, "0") | SEGMENTED / ACTIVE | ACTIVE | EU_BANNER_VARIANT_GROUP_UID |

What each version's variants target (variant shortUid: name → audiences, combination):
- HERO_ACTIVE_VERSION_UID: "0" Australia → [AUSTRALIA]; "1" Mobile shoppers → [MOBILE_VISITORS AND
  RETURNING_CUSTOMERS]. HERO_DRAFT_VERSION_UID: "0" → [SYDNEY]; "1" → [NEWSLETTER] (differs from
  ACTIVE). HERO_ARCHIVED_VERSION_UID: "0" → [AUSTRALIA OR SYDNEY]; "1" → [MOBILE_VISITORS].
- PROMO_DRAFT_VERSION_UID: "0" Summer campaign → [CAMPAIGN_VISITORS]; "1" International → [NON_US].
- CHECKOUT_PAUSED_VERSION_UID: "0" Loyal customers → [RETURNING_CUSTOMERS]; "1" Bargain hunters →
  [BUDGET_SHOPPERS].
- LYTICS_ACTIVE_VERSION_UID: "0" High-intent EU desktop → audiences [EU_DESKTOP] and lyticsAudiences
  [LYTICS], audienceCombinationType AND; "1" Seasonal → [BLACK_FRIDAY OR LAUNCH_WEEK].
- PRICING_ACTIVE_VERSION_UID (A/B): "0" Control 50, "1" Annual plan first 30, "2" Free trial CTA 20.
- FOOTER_ARCHIVED_VERSION_UID (A/B): "0" Control 50, "1" Inline form 50.
- ONBOARDING_ACTIVE_VERSION_UID: "0" iOS → [IOS_USERS]; "1" Beta → [BETA_TESTERS].
- PUSH_PROMPT_DRAFT_VERSION_UID (A/B): "0" Prompt on launch 50, "1" Prompt after first order 50.
- APP_BANNER_ACTIVE_VERSION_UID: "0" Android tablets → its own rules (`target`); "1" iOS beta → [IOS_USERS AND
  BETA_TESTERS] (simulation_data.py, with the visitors worth simulating).
- EU_BANNER_ACTIVE_VERSION_UID: "0" Germany → [GERMANY]; "1" France → [FRANCE].

Experiment results (analytics summaries and hourly series) and the sandbox's calendar: analytics_data.

CMS variants: `<EXPERIENCE>_<NAME>_VARIANT_UID` per linked variant (alias `cs_personalize_<exp>_<var>`,
e.g. HERO_MOBILE_VARIANT_UID is cs_personalize_0_1). PLAIN_VARIANT_GROUP_UID "iPhone colours" has no
personalize_metadata and user-chosen variant uids PLAIN_VARIANT_UIDS (PLAIN_VARIANT_UID =
"iphone_color_white"). BIG_VARIANT_GROUP_UID holds BIG_VARIANT_COUNT (130) variants; the big stack
holds BIG_STACK_GROUP_COUNT (121) groups.

OAuth apps: CLI_APP_UID / CLI_CLIENT_ID, Contentstack's public CLI app (PKCE, no secret), and
CONFIDENTIAL_APP_UID / CONFIDENTIAL_CLIENT_ID / CONFIDENTIAL_CLIENT_SECRET (secret; PKCE optional).
Both accept DEFAULT_REDIRECT_URI and any http loopback redirect. The organisation's own app for a
shared server (people.BROKER_*) accepts only its registered redirect URIs.

More people of the two organisations, with roles that limit what they may do in Personalize (an
analyst reads only, a content manager has no Personalize access): people.py.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass

from personalize_mcp.sandbox import analytics_data, audit_data, catalogue_data, lytics_data, people, simulation_data
from personalize_mcp.sandbox.shapes import (
    CREATED,
    JSON,
    SandboxData,
    ab,
    attribute,
    audience,
    combo,
    custom,
    experience,
    linked_group,
    lytics_audience,
    number,
    organization,
    plain_group,
    preset,
    project,
    segmented,
    stack,
    text,
    user,
    version,
)

# The main organisation and its user are defined with the builders that use them, and named here with the rest.
from personalize_mcp.sandbox.shapes import MAIN_ORG_UID as MAIN_ORG_UID
from personalize_mcp.sandbox.shapes import MAIN_USER_UID as MAIN_USER_UID
from personalize_mcp.sandbox.simulation_data import APP_BANNER_EXPERIENCE_UID

# --------------------------------------------------------------------------- organisations, users
SECOND_ORG_UID = "blt8c4d2e6f1a9b3c75"
MAIN_USER_EMAIL = "dana.whitfield@northwind.example"
SECOND_ORG_USER_UID = "blt6e3b9d1f4c8a2e06"
SECOND_ORG_USER_EMAIL = "kenji.sato@contoso.example"
SANDBOX_ORGANIZATION_NAMES = {MAIN_ORG_UID: "Northwind Retail", SECOND_ORG_UID: "Contoso Europe"}
SANDBOX_USER_EMAILS = {MAIN_ORG_UID: MAIN_USER_EMAIL, SECOND_ORG_UID: SECOND_ORG_USER_EMAIL}
"""Organisation uid -> the user its fixed sandbox token belongs to."""

# --------------------------------------------------------------------------- stacks
MAIN_STACK_API_KEY = "blt3d7a1c9e5f2b8d40"
BIG_STACK_API_KEY = "blt9e4c2a7f1d6b3e85"
EMPTY_STACK_API_KEY = "blt1b6f3d8a4c9e2f07"
SECOND_STACK_API_KEY = "blt7f2d9b4e6a1c3f58"

# --------------------------------------------------------------------------- projects
WEB_PROJECT_UID = "6650b8f1a3c94e2d170001a2"
MOBILE_PROJECT_UID = "6650b8f1a3c94e2d170001a3"
SECOND_ORG_PROJECT_UID = "6650b8f1a3c94e2d170001a4"

# --------------------------------------------------------------------------- audiences
AUSTRALIA_AUDIENCE_UID = "6651c0a2b7d2e4f918000101"
MOBILE_VISITORS_AUDIENCE_UID = "6651c0a2b7d2e4f918000102"
RETURNING_CUSTOMERS_AUDIENCE_UID = "6651c0a2b7d2e4f918000103"
EU_DESKTOP_AUDIENCE_UID = "6651c0a2b7d2e4f918000104"
CAMPAIGN_VISITORS_AUDIENCE_UID = "6651c0a2b7d2e4f918000105"
NON_US_AUDIENCE_UID = "6651c0a2b7d2e4f918000106"
BLACK_FRIDAY_AUDIENCE_UID = "6651c0a2b7d2e4f918000107"
LAUNCH_WEEK_AUDIENCE_UID = "6651c0a2b7d2e4f918000108"
LYTICS_AUDIENCE_UID = "9f2c4b7e1a8d3f6c0b5e2d9a7c4f1e83"
LYTICS_SLUG = "high_intent_shoppers"
EMPTY_AUDIENCE_UID = "6651c0a2b7d2e4f91800010a"
NEWSLETTER_AUDIENCE_UID = "6651c0a2b7d2e4f91800010b"
SYDNEY_AUDIENCE_UID = "6651c0a2b7d2e4f91800010c"
BUDGET_SHOPPERS_AUDIENCE_UID = "6651c0a2b7d2e4f91800010d"
VIP_TIER_AUDIENCE_UID = "6651c0a2b7d2e4f91800010e"
IOS_USERS_AUDIENCE_UID = "6651c0a2b7d2e4f918000201"
BETA_TESTERS_AUDIENCE_UID = "6651c0a2b7d2e4f918000202"
GERMANY_AUDIENCE_UID = "6651c0a2b7d2e4f918000301"
FRANCE_AUDIENCE_UID = "6651c0a2b7d2e4f918000302"

# custom attribute uids (the `ref` of CustomAttributeReference)
LIFETIME_ORDERS_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a9000001"
LOYALTY_MEMBER_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a9000002"
LAST_ORDER_VALUE_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a9000003"
NEWSLETTER_OPT_IN_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a9000004"
UNSUBSCRIBED_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a9000005"
EMAIL_DOMAIN_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a9000006"
AVERAGE_ORDER_VALUE_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a9000007"
LOYALTY_TIER_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a9000008"
BETA_TESTER_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a9000009"

# --------------------------------------------------------------------------- experiences, versions
HERO_EXPERIENCE_UID = "6652d1e3c4a8b1f027000011"
PROMO_EXPERIENCE_UID = "6652d1e3c4a8b1f027000012"
CHECKOUT_EXPERIENCE_UID = "6652d1e3c4a8b1f027000013"
LYTICS_EXPERIENCE_UID = "6652d1e3c4a8b1f027000014"
PRICING_AB_EXPERIENCE_UID = "6652d1e3c4a8b1f027000015"
FOOTER_AB_EXPERIENCE_UID = "6652d1e3c4a8b1f027000016"
ONBOARDING_EXPERIENCE_UID = "6652d1e3c4a8b1f027000021"
PUSH_PROMPT_EXPERIENCE_UID = "6652d1e3c4a8b1f027000022"
EU_BANNER_EXPERIENCE_UID = "6652d1e3c4a8b1f027000031"

HERO_ARCHIVED_VERSION_UID = "6653e2f4d9b3c2a6e1000111"
HERO_ACTIVE_VERSION_UID = "6653e2f4d9b3c2a6e1000112"
HERO_DRAFT_VERSION_UID = "6653e2f4d9b3c2a6e1000113"
PROMO_DRAFT_VERSION_UID = "6653e2f4d9b3c2a6e1000121"
CHECKOUT_PAUSED_VERSION_UID = "6653e2f4d9b3c2a6e1000131"
LYTICS_ACTIVE_VERSION_UID = "6653e2f4d9b3c2a6e1000141"
PRICING_ACTIVE_VERSION_UID = "6653e2f4d9b3c2a6e1000151"
FOOTER_ARCHIVED_VERSION_UID = "6653e2f4d9b3c2a6e1000161"
ONBOARDING_ACTIVE_VERSION_UID = "6653e2f4d9b3c2a6e1000211"
PUSH_PROMPT_DRAFT_VERSION_UID = "6653e2f4d9b3c2a6e1000221"
EU_BANNER_ACTIVE_VERSION_UID = "6653e2f4d9b3c2a6e1000311"

# --------------------------------------------------------------------------- CMS variant groups, variants
HERO_VARIANT_GROUP_UID = "cse4a1b9c7d2f3e6e2"
PROMO_VARIANT_GROUP_UID = "cse8b2c4d6f1a3e9a7"
CHECKOUT_VARIANT_GROUP_UID = "cse3c9d1e7f4b2a6c1"
LYTICS_VARIANT_GROUP_UID = "cse6d4e2f8a1c3b7d5"
PRICING_VARIANT_GROUP_UID = "cse1e7f3a9b5d2c4f8"
PLAIN_VARIANT_GROUP_UID = "cs5f2a8e1c4b7d3a96"
EU_BANNER_VARIANT_GROUP_UID = "cse9f1a5b3c7e2d4b0"
BIG_VARIANT_GROUP_UID = "cs0b8d3f6a2e9c1d47"

HERO_AUSTRALIA_VARIANT_UID = "csf2a7b4c1d9e3f67d"
HERO_MOBILE_VARIANT_UID = "csf5c3d8e2a6b1f49e"
PROMO_SUMMER_VARIANT_UID = "csf8e1f6a3b9c2d7a1"
PROMO_INTERNATIONAL_VARIANT_UID = "csf1b9c2d7e4f6a3b8"
CHECKOUT_LOYAL_VARIANT_UID = "csf4d6e9f1a8b3c2c5"
CHECKOUT_BARGAIN_VARIANT_UID = "csf7f2a5b8c1d4e6d9"
LYTICS_HIGH_INTENT_VARIANT_UID = "csf0a4b7c3d6e9f1e2"
LYTICS_SEASONAL_VARIANT_UID = "csf3c8d1e5f2a7b4f6"
PRICING_CONTROL_VARIANT_UID = "csf6e5f4a2b7c9d1a0"
PRICING_ANNUAL_VARIANT_UID = "csf9a2b6c8d3e1f5b4"
PRICING_TRIAL_VARIANT_UID = "csf2c7d9e4f1a6b8c3"
EU_BANNER_GERMANY_VARIANT_UID = "csf5e3f7a9b2c4d6d8"
EU_BANNER_FRANCE_VARIANT_UID = "csf8a6b1c5d9e2f3e7"
PLAIN_VARIANT_UID = "iphone_color_white"
PLAIN_VARIANT_UIDS = ("iphone_color_white", "iphone_color_black", "iphone_color_blue")

MAIN_ORG_PROJECT_UIDS = (
    WEB_PROJECT_UID,
    MOBILE_PROJECT_UID,
    audit_data.AUDIT_PROJECT_UID,
    lytics_data.LYTICS_PROJECT_UID,
)
"""The main organisation's projects, in list (and uid) order."""
MAIN_ORG_STACK_API_KEYS = (MAIN_STACK_API_KEY, BIG_STACK_API_KEY, EMPTY_STACK_API_KEY, audit_data.AUDIT_STACK_API_KEY)
"""The main organisation's stacks."""

BIG_STACK_GROUP_COUNT = 121
"""Variant groups in the big stack: 120 plain "Colourway" groups plus BIG_VARIANT_GROUP_UID."""
BIG_VARIANT_COUNT = 130

# --------------------------------------------------------------------------- OAuth apps (Developer Hub)
CLI_APP_UID = "6400aa06db64de001a31c8a9"
CLI_CLIENT_ID = "Ie0FEfTzlfAHL4xM"
CONFIDENTIAL_APP_UID = "6655a4b6f2d8e5c3b1000001"
CONFIDENTIAL_CLIENT_ID = "Xk4mP9qR2sT7vW1z"
CONFIDENTIAL_CLIENT_SECRET = "sandbox-secret-9c2f7d1e4a8b3c6f"
DEFAULT_REDIRECT_URI = "http://localhost:8184"
DEFAULT_SCOPES = ("personalize:read", "cm.stacks.management:read", "organization:read", "user:read")


@dataclass(frozen=True)
class OAuthApp:
    """A Developer Hub app: public apps use PKCE; confidential apps also hold a client secret."""

    app_uid: str
    client_id: str
    name: str
    client_secret: str | None = None
    redirect_uris: tuple[str, ...] = (DEFAULT_REDIRECT_URI,)
    any_loopback_redirect: bool = True
    """Public apps also accept any http loopback redirect (RFC 8252 §7.3); an organisation's own app does not."""


OAUTH_APPS: tuple[OAuthApp, ...] = (
    OAuthApp(app_uid=CLI_APP_UID, client_id=CLI_CLIENT_ID, name="Contentstack CLI"),
    OAuthApp(
        app_uid=CONFIDENTIAL_APP_UID,
        client_id=CONFIDENTIAL_CLIENT_ID,
        name="Northwind Personalize Insights",
        client_secret=CONFIDENTIAL_CLIENT_SECRET,
    ),
    OAuthApp(
        app_uid=people.BROKER_APP_UID,
        client_id=people.BROKER_CLIENT_ID,
        name="Northwind Personalize MCP",
        client_secret=people.BROKER_CLIENT_SECRET,
        redirect_uris=(people.BROKER_REDIRECT_URI,),
        any_loopback_redirect=False,
    ),
)


# =========================================================================== the account, built with shapes.py


def _hex16(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:16]


def _web_audiences() -> list[JSON]:
    p = WEB_PROJECT_UID
    native = "PERSONALIZE"
    return [
        audience(
            AUSTRALIA_AUDIENCE_UID,
            p,
            "Australian Users",
            "Visitors located in Australia",
            combo("AND", preset("COUNTRY", "STRING_EQUALS", text("AU"))),
            native,
        ),
        audience(
            MOBILE_VISITORS_AUDIENCE_UID,
            p,
            "Mobile Visitors",
            "Anyone browsing on a phone",
            combo("AND", preset("DEVICE_TYPE", "STRING_EQUALS", text("MOBILE"))),
            native,
        ),
        audience(
            RETURNING_CUSTOMERS_AUDIENCE_UID,
            p,
            "Returning Customers",
            "Ordered more than once, and either in the loyalty club or spent over 100 last time",
            combo(
                "AND",
                custom(LIFETIME_ORDERS_ATTRIBUTE_UID, "NUMBER_GREATER_THAN", number(1)),
                combo(
                    "OR",
                    custom(LOYALTY_MEMBER_ATTRIBUTE_UID, "IS_TRUE"),
                    custom(LAST_ORDER_VALUE_ATTRIBUTE_UID, "NUMBER_GREATER_THAN", number(100)),
                ),
            ),
            native,
        ),
        audience(
            EU_DESKTOP_AUDIENCE_UID,
            p,
            "EU Desktop Shoppers",
            "Germany, France or North Holland, on a Windows desktop",
            combo(
                "AND",
                combo(
                    "OR",
                    preset("COUNTRY", "STRING_EQUALS", text("DE")),
                    preset("COUNTRY", "STRING_EQUALS", text("FR")),
                    combo(
                        "AND",
                        preset("COUNTRY", "STRING_EQUALS", text("NL")),
                        preset("REGION", "STRING_EQUALS", text("North Holland")),
                    ),
                ),
                combo(
                    "AND",
                    preset("DEVICE_TYPE", "STRING_EQUALS", text("DESKTOP")),
                    preset("OPERATING_SYSTEM", "CONTAINS_SUBSTRING", text("Windows")),
                ),
            ),
            native,
        ),
        audience(
            CAMPAIGN_VISITORS_AUDIENCE_UID,
            p,
            "Summer Campaign Visitors",
            "Arrived from the summer sale campaign or from Google search",
            combo(
                "OR",
                preset(
                    "QUERY_PARAMETERS",
                    "JSON_MATCH",
                    {"__type": "JsonMatchOptions", "value": '{"utm_campaign": "summer_sale"}'},
                ),
                preset("REFERRER", "CONTAINS_SUBSTRING", text("google.")),
            ),
            native,
        ),
        audience(
            NON_US_AUDIENCE_UID,
            p,
            "Outside the US",
            "Everyone not located in the United States",
            combo("AND", preset("COUNTRY", "STRING_EQUALS", text("US"), invert=True)),
            native,
        ),
        audience(
            BLACK_FRIDAY_AUDIENCE_UID,
            p,
            "Black Friday Weekend",
            "Visits during the Black Friday weekend",
            combo(
                "AND",
                preset(
                    "DATE_AND_TIME",
                    "BETWEEN_TIME",
                    {
                        "__type": "DateTimeRangeMatchOptions",
                        "start": "2025-11-28T00:00:00.000Z",
                        "end": "2025-12-01T23:59:59.000Z",
                    },
                ),
            ),
            native,
        ),
        audience(
            LAUNCH_WEEK_AUDIENCE_UID,
            p,
            "Launch Week",
            "Visits during the spring collection launch week",
            combo(
                "AND",
                preset(
                    "DATE_AND_TIME",
                    "AFTER_TIME",
                    {"__type": "DateTimeMatchOptions", "value": "2025-06-02T00:00:00.000Z"},
                ),
                preset(
                    "DATE_AND_TIME",
                    "BEFORE_TIME",
                    {"__type": "DateTimeMatchOptions", "value": "2025-06-09T00:00:00.000Z"},
                ),
            ),
            native,
        ),
        lytics_audience(LYTICS_AUDIENCE_UID, p, "High Intent Shoppers (Lytics)", "Synced from Lytics", LYTICS_SLUG),
        audience(EMPTY_AUDIENCE_UID, p, "All Visitors (draft)", "", combo("AND"), native),
        audience(
            NEWSLETTER_AUDIENCE_UID,
            p,
            "Newsletter Subscribers",
            "Opted in, not unsubscribed, with a known email domain",
            combo(
                "AND",
                custom(NEWSLETTER_OPT_IN_ATTRIBUTE_UID, "IS_TRUE"),
                custom(UNSUBSCRIBED_ATTRIBUTE_UID, "IS_FALSE"),
                custom(EMAIL_DOMAIN_ATTRIBUTE_UID, "HAS_ANY_VALUE"),
            ),
            native,
        ),
        audience(
            SYDNEY_AUDIENCE_UID,
            p,
            "Sydney Locals",
            "",
            combo(
                "AND",
                preset("CITY", "STRING_EQUALS", text("Sydney")),
                preset("REGION", "STRING_EQUALS", text("New South Wales")),
            ),
            native,
        ),
        audience(
            BUDGET_SHOPPERS_AUDIENCE_UID,
            p,
            "Budget Shoppers",
            "Average order below 50",
            combo("AND", custom(AVERAGE_ORDER_VALUE_ATTRIBUTE_UID, "NUMBER_LESS_THAN", number(50))),
            native,
        ),
        audience(
            VIP_TIER_AUDIENCE_UID,
            p,
            "VIP Tier 3",
            "Top loyalty tier",
            combo("AND", custom(LOYALTY_TIER_ATTRIBUTE_UID, "NUMBER_EQUAL_TO", number(3))),
            native,
        ),
    ]


def _mobile_audiences() -> list[JSON]:
    p = MOBILE_PROJECT_UID
    return [
        audience(
            IOS_USERS_AUDIENCE_UID,
            p,
            "iOS Users",
            "",
            combo("AND", preset("OPERATING_SYSTEM", "STRING_EQUALS", text("iOS"))),
            "PERSONALIZE",
        ),
        audience(
            BETA_TESTERS_AUDIENCE_UID,
            p,
            "Beta Testers",
            "Enrolled in the app beta",
            combo("AND", custom(BETA_TESTER_ATTRIBUTE_UID, "IS_TRUE")),
            "PERSONALIZE",
        ),
    ]


def _second_org_audiences() -> list[JSON]:
    p = SECOND_ORG_PROJECT_UID
    return [
        audience(
            GERMANY_AUDIENCE_UID,
            p,
            "German Visitors",
            "",
            combo("AND", preset("COUNTRY", "STRING_EQUALS", text("DE"))),
            "PERSONALIZE",
        ),
        audience(
            FRANCE_AUDIENCE_UID,
            p,
            "French Visitors",
            "",
            combo("AND", preset("COUNTRY", "STRING_EQUALS", text("FR"))),
            "PERSONALIZE",
        ),
    ]


def _versions() -> dict[str, list[JSON]]:
    return {
        **analytics_data.mobile_versions(version, ab),
        HERO_EXPERIENCE_UID: [
            version(
                HERO_ARCHIVED_VERSION_UID,
                HERO_EXPERIENCE_UID,
                "ARCHIVED",
                [
                    segmented("0", "Australia", [AUSTRALIA_AUDIENCE_UID, SYDNEY_AUDIENCE_UID]),
                    segmented("1", "Mobile shoppers", [MOBILE_VISITORS_AUDIENCE_UID]),
                ],
                "2025-05-24T09:30:00.000Z",
            ),
            version(
                HERO_ACTIVE_VERSION_UID,
                HERO_EXPERIENCE_UID,
                "ACTIVE",
                [
                    segmented("0", "Australia", [AUSTRALIA_AUDIENCE_UID]),
                    segmented(
                        "1",
                        "Mobile shoppers",
                        [MOBILE_VISITORS_AUDIENCE_UID, RETURNING_CUSTOMERS_AUDIENCE_UID],
                        "AND",
                    ),
                ],
                "2025-05-28T11:05:00.000Z",
            ),
            version(
                HERO_DRAFT_VERSION_UID,
                HERO_EXPERIENCE_UID,
                "DRAFT",
                [
                    segmented("0", "Australia", [SYDNEY_AUDIENCE_UID]),
                    segmented("1", "Mobile shoppers", [NEWSLETTER_AUDIENCE_UID]),
                ],
                "2025-06-02T16:40:00.000Z",
            ),
        ],
        PROMO_EXPERIENCE_UID: [
            version(
                PROMO_DRAFT_VERSION_UID,
                PROMO_EXPERIENCE_UID,
                "DRAFT",
                [
                    segmented("0", "Summer campaign", [CAMPAIGN_VISITORS_AUDIENCE_UID]),
                    segmented("1", "International", [NON_US_AUDIENCE_UID]),
                ],
                "2025-06-01T08:00:00.000Z",
            ),
        ],
        CHECKOUT_EXPERIENCE_UID: [
            version(
                CHECKOUT_PAUSED_VERSION_UID,
                CHECKOUT_EXPERIENCE_UID,
                "PAUSED",
                [
                    segmented("0", "Loyal customers", [RETURNING_CUSTOMERS_AUDIENCE_UID]),
                    segmented("1", "Bargain hunters", [BUDGET_SHOPPERS_AUDIENCE_UID]),
                ],
                "2025-05-26T13:15:00.000Z",
            ),
        ],
        LYTICS_EXPERIENCE_UID: [
            version(
                LYTICS_ACTIVE_VERSION_UID,
                LYTICS_EXPERIENCE_UID,
                "ACTIVE",
                [
                    segmented(
                        "0",
                        "High-intent EU desktop",
                        [EU_DESKTOP_AUDIENCE_UID],
                        "AND",
                        lytics=[LYTICS_AUDIENCE_UID],
                    ),
                    segmented("1", "Seasonal", [BLACK_FRIDAY_AUDIENCE_UID, LAUNCH_WEEK_AUDIENCE_UID]),
                ],
                "2025-05-30T10:00:00.000Z",
            ),
        ],
        PRICING_AB_EXPERIENCE_UID: [
            version(
                PRICING_ACTIVE_VERSION_UID,
                PRICING_AB_EXPERIENCE_UID,
                "ACTIVE",
                [
                    ab("0", "Control", 50),
                    ab("1", "Annual plan first", 30),
                    ab("2", "Free trial CTA", 20),
                ],
                "2025-05-29T09:45:00.000Z",
            ),
        ],
        FOOTER_AB_EXPERIENCE_UID: [
            version(
                FOOTER_ARCHIVED_VERSION_UID,
                FOOTER_AB_EXPERIENCE_UID,
                "ARCHIVED",
                [
                    ab("0", "Control", 50),
                    ab("1", "Inline form", 50),
                ],
                "2025-03-11T12:00:00.000Z",
            ),
        ],
        ONBOARDING_EXPERIENCE_UID: [
            version(
                ONBOARDING_ACTIVE_VERSION_UID,
                ONBOARDING_EXPERIENCE_UID,
                "ACTIVE",
                [
                    segmented("0", "iOS", [IOS_USERS_AUDIENCE_UID]),
                    segmented("1", "Beta", [BETA_TESTERS_AUDIENCE_UID]),
                ],
                "2025-05-27T07:20:00.000Z",
            ),
        ],
        PUSH_PROMPT_EXPERIENCE_UID: [
            version(
                PUSH_PROMPT_DRAFT_VERSION_UID,
                PUSH_PROMPT_EXPERIENCE_UID,
                "DRAFT",
                [
                    ab("0", "Prompt on launch", 50),
                    ab("1", "Prompt after first order", 50),
                ],
                "2025-06-04T15:00:00.000Z",
            ),
        ],
        APP_BANNER_EXPERIENCE_UID: simulation_data.app_banner_versions(
            IOS_USERS_AUDIENCE_UID, BETA_TESTERS_AUDIENCE_UID
        ),
        EU_BANNER_EXPERIENCE_UID: [
            version(
                EU_BANNER_ACTIVE_VERSION_UID,
                EU_BANNER_EXPERIENCE_UID,
                "ACTIVE",
                [
                    segmented("0", "Germany", [GERMANY_AUDIENCE_UID]),
                    segmented("1", "France", [FRANCE_AUDIENCE_UID]),
                ],
                "2025-05-31T18:00:00.000Z",
            ),
        ],
    }


def _experiences(versions: dict[str, list[JSON]]) -> dict[str, list[JSON]]:
    def cms(group: str, *variants: str) -> JSON:
        return {"variantGroup": group, "variants": {str(i): v for i, v in enumerate(variants)}}

    return {
        WEB_PROJECT_UID: [
            experience(
                HERO_EXPERIENCE_UID,
                "Homepage hero",
                "Hero banner by region and device",
                "SEGMENTED",
                "0",
                "ACTIVE",
                versions[HERO_EXPERIENCE_UID],
                cms(HERO_VARIANT_GROUP_UID, HERO_AUSTRALIA_VARIANT_UID, HERO_MOBILE_VARIANT_UID),
                ["homepage"],
            ),
            experience(
                PROMO_EXPERIENCE_UID,
                "Summer sale banner",
                "Not launched yet",
                "SEGMENTED",
                "1",
                "DRAFT",
                versions[PROMO_EXPERIENCE_UID],
                cms(PROMO_VARIANT_GROUP_UID, PROMO_SUMMER_VARIANT_UID, PROMO_INTERNATIONAL_VARIANT_UID),
                ["campaign", "summer"],
            ),
            experience(
                CHECKOUT_EXPERIENCE_UID,
                "Checkout upsell",
                "Paused during the pricing review",
                "SEGMENTED",
                "2",
                "PAUSED",
                versions[CHECKOUT_EXPERIENCE_UID],
                cms(CHECKOUT_VARIANT_GROUP_UID, CHECKOUT_LOYAL_VARIANT_UID, CHECKOUT_BARGAIN_VARIANT_UID),
                [],
            ),
            experience(
                LYTICS_EXPERIENCE_UID,
                "High-intent offers",
                "Uses a Lytics audience",
                "SEGMENTED",
                "3",
                "ACTIVE",
                versions[LYTICS_EXPERIENCE_UID],
                cms(LYTICS_VARIANT_GROUP_UID, LYTICS_HIGH_INTENT_VARIANT_UID, LYTICS_SEASONAL_VARIANT_UID),
                ["lytics"],
            ),
            experience(
                PRICING_AB_EXPERIENCE_UID,
                "Pricing page CTA test",
                "",
                "AB_TEST",
                "4",
                "ACTIVE",
                versions[PRICING_AB_EXPERIENCE_UID],
                cms(
                    PRICING_VARIANT_GROUP_UID,
                    PRICING_CONTROL_VARIANT_UID,
                    PRICING_ANNUAL_VARIANT_UID,
                    PRICING_TRIAL_VARIANT_UID,
                ),
                ["pricing"],
                catalogue_data.metrics(catalogue_data.PURCHASE_EVENT_UID, catalogue_data.TRIAL_EVENT_UID),
            ),
            experience(
                FOOTER_AB_EXPERIENCE_UID,
                "Footer newsletter test",
                "Finished in March",
                "AB_TEST",
                "5",
                "ARCHIVED",
                versions[FOOTER_AB_EXPERIENCE_UID],
                None,
                [],
                catalogue_data.metrics(catalogue_data.PURCHASE_EVENT_UID),
            ),
        ],
        MOBILE_PROJECT_UID: [
            experience(
                ONBOARDING_EXPERIENCE_UID,
                "Onboarding carousel",
                "",
                "SEGMENTED",
                "0",
                "ACTIVE",
                versions[ONBOARDING_EXPERIENCE_UID],
                None,
                ["onboarding"],
            ),
            experience(
                PUSH_PROMPT_EXPERIENCE_UID,
                "Push prompt timing",
                "",
                "AB_TEST",
                "1",
                "DRAFT",
                versions[PUSH_PROMPT_EXPERIENCE_UID],
                None,
                [],
                catalogue_data.metrics(catalogue_data.APP_OPEN_EVENT_UID),
            ),
            *analytics_data.mobile_experiences(
                experience, versions, catalogue_data.metrics, catalogue_data.APP_OPEN_EVENT_UID
            ),
            experience(
                APP_BANNER_EXPERIENCE_UID,
                "App home banner",
                "Targets Android tablets by the variant's own rules",
                "SEGMENTED",
                "5",
                "ACTIVE",
                versions[APP_BANNER_EXPERIENCE_UID],
                None,
                ["home"],
            ),
        ],
        SECOND_ORG_PROJECT_UID: [
            experience(
                EU_BANNER_EXPERIENCE_UID,
                "EU storefront banner",
                "",
                "SEGMENTED",
                "0",
                "ACTIVE",
                versions[EU_BANNER_EXPERIENCE_UID],
                cms(EU_BANNER_VARIANT_GROUP_UID, EU_BANNER_GERMANY_VARIANT_UID, EU_BANNER_FRANCE_VARIANT_UID),
                [],
            ),
        ],
    }


def _variant_groups(experiences: dict[str, list[JSON]]) -> dict[str, list[JSON]]:
    web = {e["uid"]: e for e in experiences[WEB_PROJECT_UID]}
    eu = {e["uid"]: e for e in experiences[SECOND_ORG_PROJECT_UID]}
    main = [
        linked_group(WEB_PROJECT_UID, web[HERO_EXPERIENCE_UID], "home_page", ["Australia", "Mobile shoppers"]),
        linked_group(WEB_PROJECT_UID, web[PROMO_EXPERIENCE_UID], "banner", ["Summer campaign", "International"]),
        linked_group(WEB_PROJECT_UID, web[CHECKOUT_EXPERIENCE_UID], "checkout", ["Loyal customers", "Bargain hunters"]),
        linked_group(WEB_PROJECT_UID, web[LYTICS_EXPERIENCE_UID], "offer", ["High-intent EU desktop", "Seasonal"]),
        linked_group(
            WEB_PROJECT_UID,
            web[PRICING_AB_EXPERIENCE_UID],
            "pricing_page",
            ["Control", "Annual plan first", "Free trial CTA"],
        ),
        plain_group(
            PLAIN_VARIANT_GROUP_UID,
            "iPhone colours",
            [
                (PLAIN_VARIANT_UIDS[0], "White"),
                (PLAIN_VARIANT_UIDS[1], "Black"),
                (PLAIN_VARIANT_UIDS[2], "Blue"),
            ],
            "product",
        ),
    ]
    big = [
        plain_group(
            f"cs{_hex16(f'colourway-{n}')}",
            f"Colourway {n:03d}",
            [(f"cs{_hex16(f'colourway-{n}-{c}')}", c.title()) for c in ("standard", "limited")],
            "product",
        )
        for n in range(1, BIG_STACK_GROUP_COUNT)
    ]
    big.append(
        plain_group(
            BIG_VARIANT_GROUP_UID,
            "Regional price points",
            [(f"cs{_hex16(f'price-point-{n}')}", f"Price point {n:03d}") for n in range(1, BIG_VARIANT_COUNT + 1)],
            "product",
        )
    )
    second = [
        linked_group(SECOND_ORG_PROJECT_UID, eu[EU_BANNER_EXPERIENCE_UID], "landing_page", ["Germany", "France"]),
    ]
    return {
        MAIN_STACK_API_KEY: main,
        BIG_STACK_API_KEY: big,
        EMPTY_STACK_API_KEY: [],
        SECOND_STACK_API_KEY: second,
    }


def _build() -> SandboxData:
    main_org = organization(MAIN_ORG_UID, SANDBOX_ORGANIZATION_NAMES[MAIN_ORG_UID], MAIN_USER_UID)
    second_org = organization(SECOND_ORG_UID, SANDBOX_ORGANIZATION_NAMES[SECOND_ORG_UID], SECOND_ORG_USER_UID)
    versions = _versions()
    experiences = _experiences(versions)
    built = SandboxData(
        organizations={MAIN_ORG_UID: main_org, SECOND_ORG_UID: second_org},
        users=_people(main_org, second_org),
        projects=[
            project(
                WEB_PROJECT_UID,
                "Web",
                "Personalization for northwind.example",
                MAIN_ORG_UID,
                MAIN_STACK_API_KEY,
            ),
            project(MOBILE_PROJECT_UID, "Mobile App", "iOS and Android app", MAIN_ORG_UID, None),
            project(SECOND_ORG_PROJECT_UID, "Storefront EU", "", SECOND_ORG_UID, SECOND_STACK_API_KEY),
        ],
        audiences={
            WEB_PROJECT_UID: _web_audiences(),
            MOBILE_PROJECT_UID: _mobile_audiences(),
            SECOND_ORG_PROJECT_UID: _second_org_audiences(),
        },
        experiences=experiences,
        versions=versions,
        stacks=[
            stack(
                "blt4c8e2a6f9d1b3c57",
                MAIN_STACK_API_KEY,
                "Website",
                MAIN_ORG_UID,
                MAIN_USER_UID,
                "Marketing website",
            ),
            stack(
                "blt0d5f7b3e1a9c6d28",
                BIG_STACK_API_KEY,
                "Product Catalog",
                MAIN_ORG_UID,
                MAIN_USER_UID,
                "Every product line and colourway",
            ),
            stack(
                "blt6a2c9e4f7b1d8e39",
                EMPTY_STACK_API_KEY,
                "Brand Guidelines",
                MAIN_ORG_UID,
                MAIN_USER_UID,
                "",
            ),
            stack(
                "blt2e7b1d5a8c3f9e64",
                SECOND_STACK_API_KEY,
                "EU Storefront",
                SECOND_ORG_UID,
                SECOND_ORG_USER_UID,
                "",
            ),
        ],
        variant_groups=_variant_groups(experiences),
        attributes=_attributes(),
        events=_events(),
        priority={
            WEB_PROJECT_UID: [
                PRICING_AB_EXPERIENCE_UID,  # an A/B test above every segmented experience
                HERO_EXPERIENCE_UID,
                LYTICS_EXPERIENCE_UID,
                PROMO_EXPERIENCE_UID,
                CHECKOUT_EXPERIENCE_UID,
                # FOOTER_AB_EXPERIENCE_UID is left out: the server must list it last, flagged.
            ],
            MOBILE_PROJECT_UID: [
                ONBOARDING_EXPERIENCE_UID,
                APP_BANNER_EXPERIENCE_UID,
                PUSH_PROMPT_EXPERIENCE_UID,
                *analytics_data.MOBILE_EXPERIMENT_UIDS,
            ],
            SECOND_ORG_PROJECT_UID: [EU_BANNER_EXPERIENCE_UID],
        },
        geolocation=catalogue_data.geolocation(),
        analytics=analytics_data.build_analytics(
            versions,
            {
                PRICING_ACTIVE_VERSION_UID: analytics_data.PRICING_RESULTS,
                FOOTER_ARCHIVED_VERSION_UID: analytics_data.FOOTER_RESULTS,
                HERO_ACTIVE_VERSION_UID: analytics_data.HERO_RESULTS,
                HERO_ARCHIVED_VERSION_UID: analytics_data.HERO_ARCHIVED_RESULTS,
                CHECKOUT_PAUSED_VERSION_UID: analytics_data.CHECKOUT_RESULTS,
                **analytics_data.MOBILE_RESULTS,
            },
        ),
    )
    audit_data.extend(built)  # the "Audit demo" project and its stack (audit_data.py)
    lytics_data.extend(built)  # the "Lytics demo" project (lytics_data.py)
    return built


def _people(main_org: JSON, second_org: JSON) -> dict[str, JSON]:
    """Every person of the two organisations, each membership with its role (people.py's table)."""
    main, second = MAIN_ORG_UID, SECOND_ORG_UID
    return {
        MAIN_USER_UID: people.with_roles(
            user(MAIN_USER_UID, MAIN_USER_EMAIL, "Dana", "Whitfield", [main_org, second_org]),
            {main: "Owner", second: "Admin"},
        ),
        people.DEVELOPER_USER_UID: people.with_roles(
            user(
                people.DEVELOPER_USER_UID, people.PEOPLE_EMAILS[people.DEVELOPER_USER_UID], "Priya", "Raman", [main_org]
            ),
            {main: "Developer"},
        ),
        people.ANALYST_USER_UID: people.with_roles(
            user(people.ANALYST_USER_UID, people.PEOPLE_EMAILS[people.ANALYST_USER_UID], "Omar", "Haddad", [main_org]),
            {main: "Analyst"},
        ),
        people.EDITOR_USER_UID: people.with_roles(
            user(people.EDITOR_USER_UID, people.PEOPLE_EMAILS[people.EDITOR_USER_UID], "Lena", "Fischer", [main_org]),
            {main: "Content Manager"},
        ),
        SECOND_ORG_USER_UID: people.with_roles(
            user(SECOND_ORG_USER_UID, SECOND_ORG_USER_EMAIL, "Kenji", "Sato", [second_org]), {second: "Owner"}
        ),
    }


def _events() -> dict[str, list[JSON]]:
    events = catalogue_data.events(WEB_PROJECT_UID, MOBILE_PROJECT_UID)
    events[MOBILE_PROJECT_UID] += analytics_data.mobile_events(MOBILE_PROJECT_UID, CREATED)
    return events


def _attributes() -> dict[str, list[JSON]]:
    web = WEB_PROJECT_UID
    return {
        web: [
            attribute(LIFETIME_ORDERS_ATTRIBUTE_UID, web, "Lifetime orders", "lifetime_orders", "Orders ever placed"),
            attribute(LOYALTY_MEMBER_ATTRIBUTE_UID, web, "Loyalty member", "loyalty_member", "In the loyalty club"),
            attribute(LAST_ORDER_VALUE_ATTRIBUTE_UID, web, "Last order value", "last_order_value", "In USD"),
            attribute(NEWSLETTER_OPT_IN_ATTRIBUTE_UID, web, "Newsletter opt-in", "newsletter_opt_in", ""),
            attribute(UNSUBSCRIBED_ATTRIBUTE_UID, web, "Unsubscribed", "unsubscribed", ""),
            attribute(EMAIL_DOMAIN_ATTRIBUTE_UID, web, "Email domain", "email_domain", ""),
            attribute(AVERAGE_ORDER_VALUE_ATTRIBUTE_UID, web, "Average order value", "average_order_value", "In USD"),
            # LOYALTY_TIER is deliberately not listed: a rule whose attribute was deleted keeps its uid.
            *catalogue_data.extra_custom_attributes(web, attribute),
            *catalogue_data.preset_attributes(web),
        ],
        MOBILE_PROJECT_UID: [
            attribute(BETA_TESTER_ATTRIBUTE_UID, MOBILE_PROJECT_UID, "Beta tester", "beta_tester", "Joined TestFlight"),
        ],
    }


_SEED = _build()


def seed_data() -> SandboxData:
    """A fresh, independent copy of the sample account (routes may be pointed at a mutated copy)."""
    return copy.deepcopy(_SEED)
