"""The sandbox's analytics routes: §6.1 shapes, refusals, and hourly series that add up to the summary."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from personalize_mcp.sandbox import SandboxState, data

from .helpers import bearer

pytestmark = pytest.mark.anyio

WEB = bearer(**{"x-project-uid": data.WEB_PROJECT_UID})


def experience_of(version_uid: str) -> tuple[str, dict[str, str]]:
    seed = data.seed_data()
    for experience, versions in seed.versions.items():
        if any(v["uid"] == version_uid for v in versions):
            project = next(p for p, listed in seed.experiences.items() if any(e["uid"] == experience for e in listed))
            return experience, bearer(**{"x-project-uid": project})
    raise AssertionError(version_uid)


async def get(client: httpx2.AsyncClient, version_uid: str, kind: str = "summary") -> httpx2.Response:
    experience, headers = experience_of(version_uid)
    return await client.get(
        f"/personalize/experiences/{experience}/analytics/{kind}", params={"version": version_uid}, headers=headers
    )


@pytest.mark.parametrize("version_uid", list(data.seed_data().analytics))
async def test_hourly_points_add_up_to_the_summary(client: httpx2.AsyncClient, version_uid: str) -> None:
    summary = (await get(client, version_uid)).json()
    series = (await get(client, version_uid, "time-series")).json()
    assert series["granularity"] == "HOUR" and series["versionUid"] == version_uid
    totals: dict[str, list[int]] = {}
    for point in series["points"]:
        assert point["timestamp"].endswith(":00:00.000Z")
        assert summary["from"][:13] <= point["timestamp"][:13] < summary["to"][:16]
        for cell in point["variants"]:
            seen = totals.setdefault(cell["variantShortUid"], [0, 0])
            seen[0] += cell["impressions"]
            seen[1] += cell.get("conversions", 0)
    assert totals == {v["variantShortUid"]: [v["impressions"], v.get("conversions", 0)] for v in summary["variants"]}


async def test_summary_is_the_documented_shape(client: httpx2.AsyncClient) -> None:
    body = (await get(client, data.PRICING_ACTIVE_VERSION_UID)).json()
    assert set(body) == {"experienceUid", "versionUid", "from", "to", "variants", "leader", "winner"}
    assert body["variants"][1] == {
        "variantShortUid": "1",
        "impressions": 6270,
        "conversions": 339,
        "probabilityToBeBest": 0.9977,
    }
    segmented = (await get(client, data.HERO_ACTIVE_VERSION_UID)).json()
    assert all(set(v) == {"variantShortUid", "impressions"} for v in segmented["variants"])


async def test_an_activated_version_without_results_answers_zeros(client: httpx2.AsyncClient) -> None:
    response = await client.get(
        f"/personalize/experiences/{data.LYTICS_EXPERIENCE_UID}/analytics/summary",
        params={"version": data.LYTICS_ACTIVE_VERSION_UID},
        headers=WEB,
    )
    assert [v["impressions"] for v in response.json()["variants"]] == [0, 0]


@pytest.mark.parametrize(
    ("experience", "params", "status"),
    [
        (data.HERO_EXPERIENCE_UID, {"version": data.HERO_DRAFT_VERSION_UID}, 400),  # never ran
        (data.HERO_EXPERIENCE_UID, {}, 400),
        (data.HERO_EXPERIENCE_UID, {"version": data.PRICING_ACTIVE_VERSION_UID}, 404),  # another experience's
        ("6652d1e3c4a8b1f027ffffff", {"version": data.HERO_ACTIVE_VERSION_UID}, 404),
    ],
    ids=["draft", "no-version", "other-experience", "unknown-experience"],
)
async def test_refusals(client: httpx2.AsyncClient, experience: str, params: dict[str, Any], status: int) -> None:
    for kind in ("summary", "time-series"):
        response = await client.get(
            f"/personalize/experiences/{experience}/analytics/{kind}", params=params, headers=WEB
        )
        assert response.status_code == status and "message" in response.json()


async def test_a_stored_time_series_is_served_as_stored(client: httpx2.AsyncClient, state: SandboxState) -> None:
    state.data.analytics[data.PRICING_ACTIVE_VERSION_UID]["timeSeries"] = {"points": []}
    assert (await get(client, data.PRICING_ACTIVE_VERSION_UID, "time-series")).json() == {"points": []}
