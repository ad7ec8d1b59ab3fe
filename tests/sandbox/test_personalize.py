"""Personalize Management API: auth, headers, organisation isolation, bare arrays, 404s."""

from __future__ import annotations

import httpx2
import pytest

from personalize_mcp.sandbox import SANDBOX_SECOND_ORG_ACCESS_TOKEN
from personalize_mcp.sandbox.data import (
    FOOTER_AB_EXPERIENCE_UID,
    HERO_ACTIVE_VERSION_UID,
    HERO_EXPERIENCE_UID,
    LYTICS_AUDIENCE_UID,
    MAIN_ORG_UID,
    MAIN_STACK_API_KEY,
    MOBILE_PROJECT_UID,
    ONBOARDING_EXPERIENCE_UID,
    SECOND_ORG_PROJECT_UID,
    SECOND_ORG_UID,
    WEB_PROJECT_UID,
)

from .helpers import bearer

pytestmark = pytest.mark.anyio

WEB = {"x-project-uid": WEB_PROJECT_UID}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"authorization": "Bearer not-a-real-token"},
        {"authorization": "Token sandbox-northwind-access-token-0001"},
        {"authorization": "sandbox-northwind-access-token-0001"},
        {"authtoken": "sandbox-northwind-access-token-0001"},
    ],
    ids=["missing", "unknown", "wrong-scheme", "no-scheme", "authtoken-header"],
)
async def test_requests_without_a_valid_bearer_token_get_401(
    client: httpx2.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get("/personalize/projects", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"statusCode": 401, "message": "Unauthorized", "error": "Unauthorized"}


async def test_bearer_scheme_is_case_insensitive(client: httpx2.AsyncClient) -> None:
    token = bearer()["authorization"].split()[1]
    response = await client.get("/personalize/projects", headers={"authorization": f"bearer {token}"})
    assert response.status_code == 200


async def test_projects_are_a_bare_array_of_the_token_organisation(client: httpx2.AsyncClient) -> None:
    response = await client.get("/personalize/projects", headers=bearer())
    assert response.status_code == 200
    projects = response.json()
    assert isinstance(projects, list)
    assert {p["name"] for p in projects} == {"Web", "Mobile App", "Audit demo", "Lytics demo"}
    assert {p["organizationUid"] for p in projects} == {MAIN_ORG_UID}

    second = (await client.get("/personalize/projects", headers=bearer(SANDBOX_SECOND_ORG_ACCESS_TOKEN))).json()
    assert [p["uid"] for p in second] == [SECOND_ORG_PROJECT_UID]


async def test_projects_accept_the_matching_organization_uid_header_and_refuse_another(
    client: httpx2.AsyncClient,
) -> None:
    ok = await client.get("/personalize/projects", headers=bearer(organization_uid=MAIN_ORG_UID))
    assert ok.status_code == 200
    refused = await client.get("/personalize/projects", headers=bearer(organization_uid=SECOND_ORG_UID))
    assert refused.status_code == 403
    assert refused.json()["statusCode"] == 403


async def test_projects_filter_by_connected_stack(client: httpx2.AsyncClient) -> None:
    response = await client.get(
        "/personalize/projects", params={"connectedStackApiKey": MAIN_STACK_API_KEY}, headers=bearer()
    )
    assert [p["uid"] for p in response.json()] == [WEB_PROJECT_UID]
    none = await client.get("/personalize/projects", params={"connectedStackApiKey": "bltnope"}, headers=bearer())
    assert none.json() == []


@pytest.mark.parametrize(
    "path",
    [
        "/audiences",
        "/experiences",
        f"/experiences/{HERO_EXPERIENCE_UID}",
        f"/experiences/{HERO_EXPERIENCE_UID}/versions",
    ],
)
async def test_project_scoped_calls_need_x_project_uid(client: httpx2.AsyncClient, path: str) -> None:
    response = await client.get(f"/personalize{path}", headers=bearer())
    assert response.status_code == 400
    assert "x-project-uid" in response.json()["message"]


@pytest.mark.parametrize(
    "project", ["6650b8f1a3c94e2d17ffffff", SECOND_ORG_PROJECT_UID], ids=["unknown", "other-organisation"]
)
async def test_a_project_outside_the_token_organisation_is_404(client: httpx2.AsyncClient, project: str) -> None:
    response = await client.get("/personalize/audiences", headers=bearer(**{"x-project-uid": project}))
    assert response.status_code == 404
    assert response.json()["error"] == "Not Found"


async def test_audiences_are_a_bare_array_including_lytics(client: httpx2.AsyncClient) -> None:
    audiences = (await client.get("/personalize/audiences", headers=bearer(**WEB))).json()
    assert isinstance(audiences, list)
    assert len(audiences) == 14
    lytics = next(a for a in audiences if a["uid"] == LYTICS_AUDIENCE_UID)
    assert lytics["source"] == "LYTICS"
    assert {a["project"] for a in audiences} == {WEB_PROJECT_UID}


async def test_experiences_list_and_single(client: httpx2.AsyncClient) -> None:
    experiences = (await client.get("/personalize/experiences", headers=bearer(**WEB))).json()
    assert isinstance(experiences, list)
    assert {e["__type"] for e in experiences} == {"SEGMENTED", "AB_TEST"}
    one = (await client.get(f"/personalize/experiences/{HERO_EXPERIENCE_UID}", headers=bearer(**WEB))).json()
    assert one["uid"] == HERO_EXPERIENCE_UID
    assert "variants" not in one
    assert one["_cms"]["variantGroup"]
    footer = await client.get(f"/personalize/experiences/{FOOTER_AB_EXPERIENCE_UID}", headers=bearer(**WEB))
    assert "_cms" not in footer.json()


@pytest.mark.parametrize(
    "uid", ["6652d1e3c4a8b1f027ffffff", ONBOARDING_EXPERIENCE_UID], ids=["unknown", "other-project"]
)
async def test_unknown_experience_is_404(client: httpx2.AsyncClient, uid: str) -> None:
    for path in (f"/personalize/experiences/{uid}", f"/personalize/experiences/{uid}/versions"):
        response = await client.get(path, headers=bearer(**WEB))
        assert response.status_code == 404


async def test_versions_are_a_bare_array_and_there_is_no_per_version_get(client: httpx2.AsyncClient) -> None:
    versions = (
        await client.get(f"/personalize/experiences/{HERO_EXPERIENCE_UID}/versions", headers=bearer(**WEB))
    ).json()
    assert isinstance(versions, list)
    assert {v["status"] for v in versions} == {"ACTIVE", "DRAFT", "ARCHIVED"}
    assert {v["experienceUid"] for v in versions} == {HERO_EXPERIENCE_UID}
    single = await client.get(
        f"/personalize/experiences/{HERO_EXPERIENCE_UID}/versions/{HERO_ACTIVE_VERSION_UID}",
        headers=bearer(**WEB),
    )
    assert single.status_code == 404
    assert single.json()["message"].startswith("Cannot GET /experiences/")


async def test_mobile_project_experiences_have_no_cms_link(client: httpx2.AsyncClient) -> None:
    experiences = (
        await client.get("/personalize/experiences", headers=bearer(**{"x-project-uid": MOBILE_PROJECT_UID}))
    ).json()
    assert experiences
    assert all("_cms" not in e for e in experiences)


@pytest.mark.parametrize(
    "path", ["/personalize/v3/stacks", "/personalize/projects/", "/personalize//projects", "/cma/projects"]
)
async def test_mixed_up_base_urls_and_sloppy_paths_are_404(client: httpx2.AsyncClient, path: str) -> None:
    response = await client.get(path, headers=bearer(organization_uid=MAIN_ORG_UID))
    assert response.status_code == 404


async def test_writes_are_served_and_check_their_body(client: httpx2.AsyncClient) -> None:
    """Writes exist since the third release (tests/sandbox/test_writes.py); an empty body names the field."""
    response = await client.post("/personalize/audiences", headers=bearer(**WEB), json={})
    assert response.status_code == 400
    assert response.json()["errors"] == {"name": ["personalize.AUDIENCES.NAME_REQUIRED"]}
    unknown = await client.patch("/personalize/audiences", headers=bearer(**WEB), json={})
    assert unknown.status_code == 404
    assert unknown.json()["message"] == "Cannot PATCH /audiences"
