"""The sandbox's experiment results: its calendar, three new Mobile A/B tests, and the analytics of each case.

The sandbox's calendar stands still at SANDBOX_NOW (2025-06-20 12:00 UTC, a fortnight after the
seed's latest edit): the server's sandbox connection reads its "now" from here, so "days since
activation" -- and with it every verdict -- is the same in every test, demo and year.

New objects (Mobile App project, AB_TEST, ACTIVE, no CMS link, listed in `priority` after the seed's),
each with one ACTIVE version carrying `activatedAt` and a 50/50 split:

| constant (shortUid) | name | activatedAt | variants (traffic) | metric |
|---|---|---|---|---|
| PAYWALL_EXPERIENCE_UID ("2") | Paywall headline test | 2025-06-12 09:00 | "0" Control, "1" Save 20 % | SUBSCRIBE |
| ORDER_BUTTON_EXPERIENCE_UID ("3") | Order button colour | 2025-05-30 08:00 | "0" Green button, "1" Control | ORDER |
| SKIP_EXPERIENCE_UID ("4") | Onboarding skip button | 2025-06-17 10:00 | "0" With skip, "1" Without skip | APP_OPEN |

Results by version (the summary in the §6.1 shape; the hourly time series is spread from it over its
window, so its points add up to the summary exactly). Impressions/conversions per variant:

| version | counts | the case | verdict |
|---|---|---|---|
| PRICING_ACTIVE (Web) | 10,480/419, 6,270/339, 4,195/176 | clear winner, 22 days (updatedAt) | winner "1" |
| PAYWALL_ACTIVE | 2,400/96, 2,380/127 | P2BB >= 95 % but 8 days; upstream P2BB off by > 0.02 | leader "1" |
| SKIP_ACTIVE | 318/5, 322/6 | too little data (640 impressions, 11 conversions) | insufficient_data |
| ORDER_BUTTON_ACTIVE | 4,588/284, 5,412/271 | SRM on 50/50; the control is named, not first | winner "0" + SRM |
| FOOTER_ARCHIVED (Web) | 4,100/205, 4,080/207 | no ACTIVE version: the latest that ran; no leader | inconclusive |
| HERO_ACTIVE (Web) | 8,120, 3,455 | segmented: impressions only | impressions_only |
| HERO_ARCHIVED (Web) | 2,210, 1,904 | segmented, archived | impressions_only |
| CHECKOUT_PAUSED (Web) | 1,530, 2,210 | a paused version (the latest that ran) | impressions_only |

Any other activated version answers zeros; a DRAFT (PROMO, PUSH_PROMPT, HERO_DRAFT) never ran: 400.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

JSON = dict[str, Any]

SANDBOX_NOW = datetime(2025, 6, 20, 12, 0, tzinfo=UTC)
"""The sandbox's "now": it never moves, so results never age."""


def sandbox_now() -> datetime:
    return SANDBOX_NOW


PAYWALL_EXPERIENCE_UID = "6652d1e3c4a8b1f027000023"
ORDER_BUTTON_EXPERIENCE_UID = "6652d1e3c4a8b1f027000024"
SKIP_EXPERIENCE_UID = "6652d1e3c4a8b1f027000025"
PAYWALL_ACTIVE_VERSION_UID = "6653e2f4d9b3c2a6e1000231"
ORDER_BUTTON_ACTIVE_VERSION_UID = "6653e2f4d9b3c2a6e1000241"
SKIP_ACTIVE_VERSION_UID = "6653e2f4d9b3c2a6e1000251"
MOBILE_EXPERIMENT_UIDS = (PAYWALL_EXPERIENCE_UID, ORDER_BUTTON_EXPERIENCE_UID, SKIP_EXPERIENCE_UID)

SUBSCRIBE_EVENT_UID = "6655a4b6f2d8e5c3b0000012"
ORDER_EVENT_UID = "6655a4b6f2d8e5c3b0000013"


@dataclass(frozen=True)
class Results:
    """One version's summary: short uid -> (impressions, conversions or None, Contentstack's P2BB or None)."""

    counts: Mapping[str, tuple[int, int | None, float | None]]
    start: str | None = None
    """Start of the data; default the version's activatedAt, else its updatedAt."""
    end: str = SANDBOX_NOW.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    leader: str | None = None
    winner: str | None = None
    extra: JSON = field(default_factory=dict)


PRICING_RESULTS = Results(
    {"0": (10480, 419, 0.0), "1": (6270, 339, 0.9977), "2": (4195, 176, 0.0023)}, leader="1", winner="1"
)
PAYWALL_RESULTS = Results({"0": (2400, 96, 0.047), "1": (2380, 127, 0.953)}, leader="1")
SKIP_RESULTS = Results({"0": (318, 5, 0.4), "1": (322, 6, 0.6)})
ORDER_BUTTON_RESULTS = Results({"0": (4588, 284, 0.9998), "1": (5412, 271, 0.0002)}, leader="0", winner="0")
FOOTER_RESULTS = Results(
    {"0": (4100, 205, 0.44), "1": (4080, 207, 0.56)}, start="2025-02-11T12:00:00.000Z", end="2025-03-11T12:00:00.000Z"
)
HERO_RESULTS = Results({"0": (8120, None, None), "1": (3455, None, None)})
HERO_ARCHIVED_RESULTS = Results(
    {"0": (2210, None, None), "1": (1904, None, None)},
    start="2025-05-24T09:30:00.000Z",
    end="2025-05-28T11:05:00.000Z",
)
CHECKOUT_RESULTS = Results({"0": (1530, None, None), "1": (2210, None, None)}, end="2025-06-05T09:00:00.000Z")
MOBILE_RESULTS = {
    PAYWALL_ACTIVE_VERSION_UID: PAYWALL_RESULTS,
    ORDER_BUTTON_ACTIVE_VERSION_UID: ORDER_BUTTON_RESULTS,
    SKIP_ACTIVE_VERSION_UID: SKIP_RESULTS,
}


def mobile_versions(version: Callable[..., JSON], ab: Callable[[str, str, int], JSON]) -> dict[str, list[JSON]]:
    """`version`, `ab`: data.py's builders of a version and of an A/B variant."""

    def activated(uid: str, experience: str, variants: list[JSON], when: str) -> JSON:
        return {**version(uid, experience, "ACTIVE", variants, when), "activatedAt": when}

    return {
        PAYWALL_EXPERIENCE_UID: [
            activated(
                PAYWALL_ACTIVE_VERSION_UID,
                PAYWALL_EXPERIENCE_UID,
                [ab("0", "Control", 50), ab("1", "Save 20 %", 50)],
                "2025-06-12T09:00:00.000Z",
            )
        ],
        ORDER_BUTTON_EXPERIENCE_UID: [
            activated(
                ORDER_BUTTON_ACTIVE_VERSION_UID,
                ORDER_BUTTON_EXPERIENCE_UID,
                [ab("0", "Green button", 50), ab("1", "Control", 50)],
                "2025-05-30T08:00:00.000Z",
            )
        ],
        SKIP_EXPERIENCE_UID: [
            activated(
                SKIP_ACTIVE_VERSION_UID,
                SKIP_EXPERIENCE_UID,
                [ab("0", "With skip", 50), ab("1", "Without skip", 50)],
                "2025-06-17T10:00:00.000Z",
            )
        ],
    }


def mobile_experiences(
    experience: Callable[..., JSON],
    versions: Mapping[str, list[JSON]],
    metrics: Callable[..., list[JSON]],
    app_open_event_uid: str,
) -> list[JSON]:
    """`experience`, `metrics`: data.py's and catalogue_data's builders."""

    def ab_test(uid: str, name: str, short: str, event: str) -> JSON:
        return experience(uid, name, "", "AB_TEST", short, "ACTIVE", versions[uid], None, [], metrics(event))

    return [
        ab_test(PAYWALL_EXPERIENCE_UID, "Paywall headline test", "2", SUBSCRIBE_EVENT_UID),
        ab_test(ORDER_BUTTON_EXPERIENCE_UID, "Order button colour", "3", ORDER_EVENT_UID),
        ab_test(SKIP_EXPERIENCE_UID, "Onboarding skip button", "4", app_open_event_uid),
    ]


def mobile_events(project: str, created: str) -> list[JSON]:
    def event(uid: str, key: str, description: str, name: str | None) -> JSON:
        body: JSON = {"uid": uid, "key": key, "description": description, "project": project, "createdAt": created}
        return {**body, "name": name} if name else body

    return [
        event(SUBSCRIBE_EVENT_UID, "subscription_started", "Started a paid subscription", "Subscription started"),
        event(ORDER_EVENT_UID, "order_placed", "Placed an order in the app", None),
    ]


def build_analytics(versions: Mapping[str, list[JSON]], results: Mapping[str, Results]) -> dict[str, JSON]:
    """version uid -> `{"summary": <§6.1 body>}` (the time series is derived from it when served)."""
    by_uid = {v["uid"]: v for listed in versions.values() for v in listed}
    out: dict[str, JSON] = {}
    for version_uid, spec in results.items():
        version = by_uid[version_uid]
        rows: list[JSON] = []
        for short, (impressions, conversions, p2bb) in spec.counts.items():
            row: JSON = {"variantShortUid": short, "impressions": impressions}
            if conversions is not None:
                row["conversions"] = conversions
            if p2bb is not None:
                row["probabilityToBeBest"] = p2bb
            rows.append(row)
        summary = {
            "experienceUid": version["experienceUid"],
            "versionUid": version_uid,
            "from": spec.start or version.get("activatedAt") or version["updatedAt"],
            "to": spec.end,
            "variants": rows,
            "leader": spec.leader,
            "winner": spec.winner,
            **spec.extra,
        }
        out[version_uid] = {"summary": summary}
    return out


def empty_summary(version: JSON) -> JSON:
    """What an activated version without stored results answers: every variant at zero."""
    ab = any("trafficDistribution" in v for v in version.get("variants", []))
    return {
        "experienceUid": version.get("experienceUid"),
        "versionUid": version["uid"],
        "from": version.get("activatedAt") or version.get("updatedAt"),
        "to": iso(SANDBOX_NOW),
        "variants": [
            {"variantShortUid": v.get("shortUid"), "impressions": 0, **({"conversions": 0} if ab else {})}
            for v in version.get("variants", [])
        ],
        "leader": None,
        "winner": None,
    }


def hourly_series(summary: JSON) -> JSON:
    """The summary spread over its window hour by hour (a daytime peak), integer counts that add up exactly."""
    start = _parse(summary["from"])
    end = _parse(summary["to"])
    hours: list[datetime] = []
    cursor = start.replace(minute=0, second=0, microsecond=0)
    while cursor < end:
        hours.append(cursor)
        cursor += timedelta(hours=1)

    def weights(peak: int) -> list[float]:
        out = []
        for hour in hours:
            covered = (min(hour + timedelta(hours=1), end) - max(hour, start)) / timedelta(hours=1)
            out.append(max(covered, 0.0) * (1.0 + 0.6 * math.sin(2 * math.pi * (hour.hour - peak + 6) / 24)))
        return out

    seen, converted = weights(14), weights(16)
    columns: list[tuple[str, list[int], list[int] | None]] = []
    for row in summary["variants"]:
        conversions = row.get("conversions")
        columns.append(
            (
                str(row["variantShortUid"]),
                _spread(int(row["impressions"]), seen),
                None if conversions is None else _spread(int(conversions), converted),
            )
        )
    points = []
    for index, hour in enumerate(hours):
        variants = []
        for short, impressions, conversions in columns:
            cell: JSON = {"variantShortUid": short, "impressions": impressions[index]}
            if conversions is not None:
                cell["conversions"] = conversions[index]
            variants.append(cell)
        points.append({"timestamp": iso(hour), "variants": variants})
    return {"versionUid": summary.get("versionUid"), "granularity": "HOUR", "points": points}


def _spread(total: int, weights: Sequence[float]) -> list[int]:
    """`total` over `weights` by largest remainder: whole numbers summing to `total`, the same every time."""
    if not weights:
        return []
    mass = sum(weights) or 1.0
    quotas = [total * w / mass for w in weights]
    counts = [math.floor(q) for q in quotas]
    order = sorted(range(len(quotas)), key=lambda i: (counts[i] - quotas[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
