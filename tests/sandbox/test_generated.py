"""Generated large accounts (sandbox/generated.py): counts, shapes, determinism, and that the sandbox
serves them — CMS paging included — to raw HTTP and to our own client stack."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter

import httpx2
import pytest

from personalize_mcp.contentstack.cms import CMSAPI
from personalize_mcp.contentstack.http import ContentstackHTTP
from personalize_mcp.contentstack.models.audiences import Audience
from personalize_mcp.contentstack.models.cms_variants import CMSVariant, VariantGroup
from personalize_mcp.contentstack.models.experiences import Experience
from personalize_mcp.contentstack.models.versions import Version
from personalize_mcp.contentstack.personalize import PersonalizeAPI
from personalize_mcp.runtime.ids import is_identifier
from personalize_mcp.sandbox import SandboxState, create_sandbox_app
from personalize_mcp.sandbox.data import BIG_STACK_API_KEY, MAIN_STACK_API_KEY, WEB_PROJECT_UID
from personalize_mcp.sandbox.generated import GeneratedAccount, ScaleSpec, fingerprint, generate
from tests.conftest import Sandbox

from .helpers import bearer

pytestmark = pytest.mark.anyio

HEX24 = re.compile(r"[0-9a-f]{24}")
HEX32 = re.compile(r"[0-9a-f]{32}")
CMS_UID = re.compile(r"cs[0-9a-f]{16}")
WEB = {"x-project-uid": WEB_PROJECT_UID}


@pytest.fixture(scope="module")
def account() -> GeneratedAccount:
    return generate(ScaleSpec.of(20))


def test_counts_follow_k_and_can_be_overridden(account: GeneratedAccount) -> None:
    data, counts = account.data, account.counts
    assert len(data.audiences[WEB_PROJECT_UID]) == counts["audiences"] == 100
    assert counts["lytics_audiences"] == 5
    assert len(data.experiences[WEB_PROJECT_UID]) == counts["experiences"] == 40
    assert len(data.variant_groups[MAIN_STACK_API_KEY]) == counts["variant_groups"] == 96
    big = next(
        g for g in data.variant_groups[BIG_STACK_API_KEY] if g["uid"] == account.notable["big_variant_group_uid"]
    )
    assert len(big["variants"]) == 500
    assert counts["catalog_groups"] == len(data.variant_groups[BIG_STACK_API_KEY]) == 24 + 1
    assert len(data.projects) == counts["projects"] == 5 + 2  # the seed's five (Audit and Lytics demo too), k / 10
    small = generate(ScaleSpec.of(20, audiences=7, experiences=3, big_group_variants=1)).counts
    assert (small["audiences"], small["experiences"], small["big_group_variants"]) == (7, 3, 1)
    with pytest.raises(ValueError, match="unknown counts"):
        ScaleSpec.of(2, audience=3)
    with pytest.raises(ValueError, match="at least 1"):
        ScaleSpec.of(0)


def test_same_seed_same_bytes_in_any_process_and_another_seed_another_account(account: GeneratedAccount) -> None:
    assert fingerprint(generate(ScaleSpec.of(20)).data) == fingerprint(account.data)
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "from personalize_mcp.sandbox.generated import ScaleSpec, fingerprint, generate; "
            "print(fingerprint(generate(ScaleSpec.of(20)).data))",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},  # set and dict order must not matter
    )
    assert child.stdout.strip() == fingerprint(account.data)
    other = generate(ScaleSpec.of(20, seed=1))
    assert {**other.counts, "versions": 0} == {**account.counts, "versions": 0}  # 3-5 each, drawn
    assert fingerprint(other.data) != fingerprint(account.data)


def test_uids_are_valid_and_unique(account: GeneratedAccount) -> None:
    data = account.data
    audiences = data.audiences[WEB_PROJECT_UID]
    for audience in audiences:
        pattern = HEX32 if audience["source"] == "LYTICS" else HEX24
        assert pattern.fullmatch(audience["uid"]), audience["uid"]
    experiences = data.experiences[WEB_PROJECT_UID]
    versions = [v for e in experiences for v in data.versions[e["uid"]]]
    groups = [g for key in (MAIN_STACK_API_KEY, BIG_STACK_API_KEY) for g in data.variant_groups[key]]
    variants = [v for g in groups for v in g["variants"]]
    assert all(HEX24.fullmatch(x["uid"]) for x in [*experiences, *versions, *data.attributes[WEB_PROJECT_UID]])
    assert all(CMS_UID.fullmatch(x["uid"]) for x in [*groups, *variants])
    assert all(p["uid"] and is_identifier(p["uid"]) for p in data.projects)
    assert all(s["api_key"].startswith("blt") and is_identifier(s["api_key"]) for s in data.stacks)
    every = [x["uid"] for x in [*audiences, *experiences, *versions, *groups, *variants, *data.projects]]
    assert len(every) == len(set(every))


def test_shapes_are_the_upstream_ones_and_hang_together(account: GeneratedAccount) -> None:
    data, notable = account.data, account.notable
    audiences = {a["uid"]: a for a in data.audiences[WEB_PROJECT_UID]}
    for audience in audiences.values():
        Audience.model_validate(audience)
        assert audience["definition"]["__type"] == "RuleCombination"
    listed = {a["uid"] for a in data.attributes[WEB_PROJECT_UID]}
    referred = {ref for a in audiences.values() for ref in _custom_refs(a["definition"])}
    assert referred - listed, "one custom attribute is referenced but deleted, as in the seed"
    assert len(referred - listed) == 1
    by_uid = {g["uid"]: g for g in data.variant_groups[MAIN_STACK_API_KEY]}
    statuses: Counter[str] = Counter()
    for experience in data.experiences[WEB_PROJECT_UID]:
        Experience.model_validate(experience)
        versions = data.versions[experience["uid"]]
        states = [Version.model_validate(v).status for v in versions]
        assert 3 <= len(versions) <= 5
        assert states.count("DRAFT") <= 1 and states.count("ACTIVE") + states.count("PAUSED") <= 1
        assert experience["latestVersion"] == versions[-1]["uid"]
        statuses[experience["status"]] += 1
        for version in versions:
            if experience["__type"] == "AB_TEST":
                assert sum(v["trafficDistribution"] for v in version["variants"]) == 100
            else:
                for variant in version["variants"]:
                    assert set(variant["audiences"] + variant["lyticsAudiences"]) <= audiences.keys()
        if "_cms" in experience:
            group = by_uid[experience["_cms"]["variantGroup"]]
            VariantGroup.model_validate(group)
            assert group["personalize_metadata"]["experience_uid"] == experience["uid"]
            linked = {v["personalize_metadata"]["variant_short_uid"]: v["uid"] for v in group["variants"]}
            assert linked == experience["_cms"]["variants"]
    assert set(statuses) == {"ACTIVE", "DRAFT", "PAUSED", "ARCHIVED"}
    broad = next(e for e in data.experiences[WEB_PROJECT_UID] if e["uid"] == notable["broad_experience_uid"])
    assert len(set(broad["referredAudiences"])) == account.counts["broad_audiences"] == 20
    ab = next(e for e in data.experiences[WEB_PROJECT_UID] if e["uid"] == notable["ab_experience_uid"])
    assert (ab["__type"], ab["status"]) == ("AB_TEST", "ACTIVE")
    big = next(g for g in data.variant_groups[BIG_STACK_API_KEY] if g["uid"] == notable["big_variant_group_uid"])
    CMSVariant.model_validate(big["variants"][-1])
    assert "personalize_metadata" not in big


def _custom_refs(node: object) -> list[str]:
    if not isinstance(node, dict):
        return []
    if node.get("__type") == "Rule":
        attribute = node["attribute"]
        return [attribute["ref"]] if attribute["__type"] == "CustomAttributeReference" else []
    return [ref for child in node.get("rules", []) for ref in _custom_refs(child)]


async def test_the_sandbox_serves_it_page_by_page(state: SandboxState, client: httpx2.AsyncClient) -> None:
    account = state.load_generated(ScaleSpec.of(2, big_group_variants=250, catalog_groups=120))
    notable = account.notable
    big = {"api_key": BIG_STACK_API_KEY}
    path = f"/cma/v3/variant_groups/{notable['big_variant_group_uid']}/variants"
    walked: list[str] = []
    for skip in range(0, 300, 100):
        page = (
            await client.get(path, params={"limit": 100, "skip": skip, "include_count": "true"}, headers=bearer(**big))
        ).json()
        assert page["count"] == 250
        walked += [v["uid"] for v in page["variants"]]
    big_group = next(
        g for g in state.data.variant_groups[BIG_STACK_API_KEY] if g["uid"] == notable["big_variant_group_uid"]
    )
    assert walked == [v["uid"] for v in big_group["variants"]]
    assert (await client.get(path, params={"limit": 101}, headers=bearer(**big))).status_code == 400
    groups = await client.get(
        "/cma/v3/variant_groups", params={"skip": 100, "include_count": "true"}, headers=bearer(**big)
    )
    body = groups.json()
    assert body["count"] == 121 and len(body["variant_groups"]) == 21
    assert not any("variants" in g for g in body["variant_groups"])
    audiences = (await client.get("/personalize/audiences", headers=bearer(**WEB))).json()
    assert len(audiences) == 10
    state.reset()
    assert state.generated is None
    assert len((await client.get("/personalize/audiences", headers=bearer(**WEB))).json()) == 14


async def test_a_scaled_sandbox_renders_each_body_once_and_alike() -> None:
    scaled = SandboxState(scale=ScaleSpec.of(2))
    plain = SandboxState()
    plain.load_generated(ScaleSpec.of(2))
    assert scaled.render_once and not plain.render_once
    bodies = []
    for state in (scaled, plain):
        state.rate_limit_per_second = None
        transport = httpx2.ASGITransport(app=create_sandbox_app(state))
        async with httpx2.AsyncClient(transport=transport, base_url="http://sandbox") as http:
            bodies.append(
                [
                    (await http.get(path, params=params, headers=bearer(**headers))).content
                    for path, params, headers in [
                        ("/personalize/audiences", {}, WEB),
                        ("/cma/v3/variant_groups", {"limit": 3}, {"api_key": MAIN_STACK_API_KEY}),
                        ("/cma/v3/variant_groups", {"limit": 3, "skip": 3}, {"api_key": MAIN_STACK_API_KEY}),
                        (
                            "/cma/v3/variant_groups",
                            {"limit": 3, "include_variant_info": "true"},
                            {"api_key": MAIN_STACK_API_KEY},
                        ),
                    ]
                ]
            )
    assert bodies[0] == bodies[1]
    assert len(set(bodies[0])) == 4, "each key is its own body"
    assert len(scaled.rendered) == 4
    scaled.reset()
    assert scaled.rendered == {} and scaled.generated is not None


async def test_the_control_endpoint_loads_one(client: httpx2.AsyncClient) -> None:
    assert (await client.get("/_sandbox/scale")).json() is None
    loaded = await client.post("/_sandbox/scale", json={"k": 3, "seed": 7, "audiences": 4})
    assert loaded.status_code == 200, loaded.text
    summary = loaded.json()
    assert summary["counts"]["audiences"] == 4 and summary["spec"]["seed"] == 7
    assert (await client.get("/_sandbox/scale")).json() == summary
    assert len((await client.get("/personalize/audiences", headers=bearer(**WEB))).json()) == 4
    for bad in ({"k": 0}, {"k": 2, "audience": 1}, {"k": 2, "experiences": 1}):
        assert (await client.post("/_sandbox/scale", json=bad)).status_code == 400, bad
    await client.post("/_sandbox/reset")
    assert (await client.get("/_sandbox/scale")).json() is None


async def test_our_client_stack_reads_it_whole(sandbox: Sandbox) -> None:
    """Through the same HTTP client code as production (contentstack/): every audience parsed, the
    broad experience's versions, and a 600-variant group walked in six CMS pages."""
    account = sandbox.state.load_generated(ScaleSpec.of(4, big_group_variants=600))
    notable = account.notable
    connection = sandbox.connection()
    http = ContentstackHTTP(connection.settings, connection.credentials, transport=connection.transport)
    try:
        audiences = await PersonalizeAPI(http).list_audiences(WEB_PROJECT_UID)
        versions = await PersonalizeAPI(http).list_versions(WEB_PROJECT_UID, notable["broad_experience_uid"])
        variants = await CMSAPI(http).list_variants(BIG_STACK_API_KEY, notable["big_variant_group_uid"])
    finally:
        await http.aclose()
    assert [a.uid for a in audiences] == [a["uid"] for a in account.data.audiences[WEB_PROJECT_UID]]
    active = next(v for v in versions if v.status == "ACTIVE")
    targeted = {uid for variant in active.variants for uid in [*variant.audiences, *variant.lytics_audiences]}
    assert len(targeted) == account.counts["broad_audiences"] == 4
    assert len({v.uid for v in variants}) == 600
    pages = [r for r in sandbox.state.request_log() if r.path.endswith("/variants")]
    assert len(pages) == 6
