"""The sandbox's catalogue: preset attributes, events, experience metrics, priority and geolocation.

Scenarios (Web project unless said):
- Preset attributes listed next to the custom ones; some say `__type: "PRESET"`, some carry no type at
  all (the server must infer PRESET from the key); a custom attribute named "country" (its name collides
  with the preset Country, case-insensitively) and "Preferred store", which no audience references.
- Events: PURCHASE_EVENT_UID is counted by both A/B tests (Pricing and Footer); SIGNUP_EVENT_UID by none;
  TRIAL_EVENT_UID by the Pricing test as a second metric. Mobile: APP_OPEN_EVENT_UID counted by Push prompt.
- Priority: the Pricing A/B test above every segmented experience; the archived Footer A/B test left out.
- Geolocation: a few countries, regions and cities, with the codes the audiences' rules use (AU, NL, ...).
"""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]

PURCHASE_EVENT_UID = "6655a4b6f2d8e5c3b0000001"
SIGNUP_EVENT_UID = "6655a4b6f2d8e5c3b0000002"
TRIAL_EVENT_UID = "6655a4b6f2d8e5c3b0000003"
APP_OPEN_EVENT_UID = "6655a4b6f2d8e5c3b0000011"

COUNTRY_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a9000101"
DEVICE_TYPE_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a9000102"
CITY_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a9000103"
REFERRER_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a9000104"
CUSTOM_COUNTRY_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a900000a"
PREFERRED_STORE_ATTRIBUTE_UID = "6654f3a5e1c7d4b2a900000b"

_CREATED = "2025-05-24T09:12:44.512Z"


def preset_attributes(project: str) -> list[JSON]:
    """Preset attributes as `GET /attributes` may list them: two typed, two without any type field."""

    def preset(uid: str, name: str, key: str, description: str, typed: bool) -> JSON:
        attribute: JSON = {"uid": uid, "name": name, "key": key, "description": description, "project": project}
        if typed:
            attribute["__type"] = "PRESET"
        return attribute

    return [
        preset(COUNTRY_ATTRIBUTE_UID, "Country", "COUNTRY", "From the visitor's IP address", True),
        preset(DEVICE_TYPE_ATTRIBUTE_UID, "Device type", "DEVICE_TYPE", "From the user agent", True),
        preset(CITY_ATTRIBUTE_UID, "City", "CITY", "From the visitor's IP address", False),
        preset(REFERRER_ATTRIBUTE_UID, "Referrer", "REFERRER", "The page the visitor came from", False),
    ]


def extra_custom_attributes(project: str, custom: Any) -> list[JSON]:
    """`custom`: data.py's builder of one custom attribute (uid, project, name, key, description)."""
    return [
        custom(CUSTOM_COUNTRY_ATTRIBUTE_UID, project, "country", "country_of_residence", "Billing address country"),
        custom(PREFERRED_STORE_ATTRIBUTE_UID, project, "Preferred store", "preferred_store", "No audience uses it"),
    ]


def events(web_project: str, mobile_project: str) -> dict[str, list[JSON]]:
    def event(uid: str, project: str, key: str, description: str, name: str | None = None) -> JSON:
        body: JSON = {"uid": uid, "key": key, "description": description, "project": project, "createdAt": _CREATED}
        if name is not None:
            body["name"] = name
        return body

    return {
        web_project: [
            event(PURCHASE_EVENT_UID, web_project, "purchase", "An order was placed", "Purchase"),
            event(SIGNUP_EVENT_UID, web_project, "newsletter_signup", "Signed up for the newsletter"),
            event(TRIAL_EVENT_UID, web_project, "trial_started", "Started a free trial", "Trial started"),
        ],
        mobile_project: [event(APP_OPEN_EVENT_UID, mobile_project, "app_open", "Opened the app")],
    }


def metrics(event_uid: str, *more: str) -> list[JSON]:
    """An A/B test's metrics: the first is the primary one."""
    return [
        {"__type": "Primary" if n == 0 else "Secondary", "event": uid, "name": f"metric {n}"}
        for n, uid in enumerate((event_uid, *more))
    ]


COUNTRIES = [
    {"code": "AU", "name": "Australia"},
    {"code": "NZ", "name": "New Zealand"},
    {"code": "US", "name": "United States"},
    {"code": "DE", "name": "Germany"},
    {"code": "FR", "name": "France"},
    {"code": "NL", "name": "Netherlands"},
    {"code": "GB", "name": "United Kingdom"},
]
REGIONS = [
    {"code": "AU-NSW", "name": "New South Wales", "countryCode": "AU"},
    {"code": "AU-VIC", "name": "Victoria", "countryCode": "AU"},
    {"code": "NL-NH", "name": "North Holland", "countryCode": "NL"},
    {"code": "US-CA", "name": "California", "countryCode": "US"},
]
CITIES = [
    {"name": "Sydney", "region": "New South Wales", "countryCode": "AU"},
    {"name": "Melbourne", "region": "Victoria", "countryCode": "AU"},
    {"name": "Amsterdam", "region": "North Holland", "countryCode": "NL"},
    {"name": "San Francisco", "region": "California", "countryCode": "US"},
    {"name": "Paris", "region": "Île-de-France", "countryCode": "FR"},
]


def geolocation() -> dict[str, list[JSON]]:
    return {"countries": COUNTRIES, "regions": REGIONS, "cities": CITIES}
