"""Personalize writes (contentstack-api.md §8) through our write client, against the sandbox's semantics.

The write client (`PersonalizeWrites` over `ContentstackHTTP`) is what the apply engine uses, so each test
checks both sides: the body and the typed failure we make, and what the sandbox stores and refuses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest

from personalize_mcp.auth.protocol import StaticCredentials
from personalize_mcp.config.settings import ConnectionOverrides, ConnectionSettings
from personalize_mcp.contentstack.http import ContentstackHTTP
from personalize_mcp.contentstack.models.versions import Version
from personalize_mcp.contentstack.personalize import PersonalizeAPI
from personalize_mcp.contentstack.personalize_writes import PersonalizeWrites
from personalize_mcp.contentstack.write_bodies import (
    AudienceDraft,
    ExperienceDraft,
    VariantDraft,
    VersionDraft,
)
from personalize_mcp.contentstack.write_failures import (
    DraftExistsError,
    LockedVersionError,
    MissingExperiencesError,
    RuleCountExceededError,
    WriteOutcomeUnknownError,
    WriteRejectedError,
    WriteScopeMissingError,
)
from personalize_mcp.sandbox import SANDBOX_ACCESS_TOKEN, SandboxState, create_sandbox_app, sandbox_base_urls
from personalize_mcp.sandbox.data import (
    HERO_ACTIVE_VERSION_UID,
    HERO_EXPERIENCE_UID,
    LYTICS_AUDIENCE_UID,
    MAIN_ORG_UID,
    MAIN_USER_UID,
    WEB_PROJECT_UID,
)

pytestmark = pytest.mark.anyio
WEB = WEB_PROJECT_UID
COUNTRY_SE = {
    "__type": "RuleCombination",
    "combinationType": "AND",
    "rules": [
        {
            "__type": "Rule",
            "attribute": {"__type": "PresetAttributeReference", "ref": "COUNTRY"},
            "attributeMatchCondition": "STRING_EQUALS",
            "attributeMatchOptions": {"__type": "StringMatchOptions", "value": "SE"},
            "invertCondition": False,
        }
    ],
}


class Clients:
    def __init__(self, http: ContentstackHTTP) -> None:
        self.reads = PersonalizeAPI(http)
        self.writes = PersonalizeWrites(http)


async def _clients(state: SandboxState, token: str = SANDBOX_ACCESS_TOKEN) -> tuple[Clients, ContentstackHTTP]:
    urls = sandbox_base_urls("http://sandbox")
    settings = ConnectionSettings.resolve(
        ConnectionOverrides(personalize_base_url=urls.personalize, cma_base_url=urls.cma)
    )
    http = ContentstackHTTP(
        settings,
        StaticCredentials(token, organization_uid=MAIN_ORG_UID),
        transport=httpx2.ASGITransport(app=create_sandbox_app(state)),
    )
    return Clients(http), http


@pytest.fixture
async def api(state: SandboxState) -> AsyncIterator[Clients]:
    clients, http = await _clients(state)
    try:
        yield clients
    finally:
        await http.aclose()


def _writes(state: SandboxState) -> list[tuple[str, str, int]]:
    return [(r.method, r.path, r.status) for r in state.request_log() if r.method != "GET"]


async def test_a_created_audience_is_listed_and_too_many_rules_is_a_typed_refusal(
    api: Clients, state: SandboxState
) -> None:
    created = await api.writes.create_audience(WEB, AudienceDraft("Swedish visitors", "", COUNTRY_SE))
    assert created is not None and created.name == "Swedish visitors"
    assert created.uid in {a.uid for a in await api.reads.list_audiences(WEB)}
    too_many = {**COUNTRY_SE, "rules": COUNTRY_SE["rules"] * 51}
    with pytest.raises(RuleCountExceededError, match=r"code personalize\.AUDIENCES\.RULE_COUNT_EXCEEDED"):
        await api.writes.create_audience(WEB, AudienceDraft("Too many", "", too_many))
    with pytest.raises(WriteRejectedError, match="CANNOT_UPDATE_LYTICS_AUDIENCE"):
        await api.writes.update_audience(WEB, LYTICS_AUDIENCE_UID, AudienceDraft("Lytics", "", COUNTRY_SE))
    assert _writes(state) == [
        ("POST", "/audiences", 201),
        ("POST", "/audiences", 400),
        ("PUT", f"/audiences/{LYTICS_AUDIENCE_UID}", 400),
    ]


async def test_a_new_experience_comes_with_an_empty_draft_configured_by_put(api: Clients) -> None:
    experience = await api.writes.create_experience(WEB, ExperienceDraft("Checkout test", "", "AB_TEST"))
    assert experience is not None and experience.status == "DRAFT" and experience.latest_version
    variants = (VariantDraft("Control", True, traffic=50), VariantDraft("Blue", True, traffic=50))
    with pytest.raises(DraftExistsError):
        await api.writes.create_version(WEB, experience.uid, VersionDraft("DRAFT", variants))
    written = await api.writes.update_version(
        WEB, experience.uid, experience.latest_version, VersionDraft("DRAFT", variants)
    )
    assert written.short_uids_sent and written.version is not None
    assert [(v.short_uid, v.name, v.traffic_distribution) for v in written.version.variants] == [
        ("0", "Control", 50),
        ("1", "Blue", 50),
    ]
    assert experience.uid in await api.reads.get_experiences_priority(WEB)


async def test_activation_archives_the_active_version_which_is_locked(api: Clients, state: SandboxState) -> None:
    versions = await api.reads.list_versions(WEB, HERO_EXPERIENCE_UID)
    active = next(v for v in versions if v.status == "ACTIVE")
    draft = next(v for v in versions if v.status == "DRAFT")
    with pytest.raises(LockedVersionError, match="CANNOT_UPDATE_LOCKED_VERSION"):
        await api.writes.update_version(WEB, HERO_EXPERIENCE_UID, active.uid, VersionDraft.of("ACTIVE", draft.variants))
    await api.writes.update_version(WEB, HERO_EXPERIENCE_UID, draft.uid, VersionDraft.of("ACTIVE", draft.variants))
    after = {v.uid: v.status for v in await api.reads.list_versions(WEB, HERO_EXPERIENCE_UID)}
    assert after[HERO_ACTIVE_VERSION_UID] == "ARCHIVED" and after[draft.uid] == "ACTIVE"
    # A pause sends the version as read with another status; a resume sends it back.
    now_active = _by_uid(await api.reads.list_versions(WEB, HERO_EXPERIENCE_UID), draft.uid)
    await api.writes.update_version(WEB, HERO_EXPERIENCE_UID, draft.uid, VersionDraft.of("PAUSED", now_active.variants))
    assert (await api.reads.get_experience(WEB, HERO_EXPERIENCE_UID)).status == "PAUSED"
    await api.writes.update_version(WEB, HERO_EXPERIENCE_UID, draft.uid, VersionDraft.of("ACTIVE", now_active.variants))
    assert (await api.reads.get_experience(WEB, HERO_EXPERIENCE_UID)).status == "ACTIVE"


async def test_a_put_refusing_short_uids_is_sent_again_without_them(api: Clients, state: SandboxState) -> None:
    state.short_uid_on_put = "refuse"
    draft = next(v for v in await api.reads.list_versions(WEB, HERO_EXPERIENCE_UID) if v.status == "DRAFT")
    renamed = [v.model_copy(update={"name": f"{v.name}!"}) if n == 0 else v for n, v in enumerate(draft.variants)]
    written = await api.writes.update_version(WEB, HERO_EXPERIENCE_UID, draft.uid, VersionDraft.of("DRAFT", renamed))
    assert not written.short_uids_sent
    puts = [(m, s) for m, p, s in _writes(state)]
    assert puts == [("PUT", 400), ("PUT", 200)]
    after = _by_uid(await api.reads.list_versions(WEB, HERO_EXPERIENCE_UID), draft.uid)
    assert [v.short_uid for v in after.variants][1:] == [v.short_uid for v in draft.variants][1:]


async def test_priority_must_name_every_experience(api: Clients) -> None:
    order = await api.reads.get_experiences_priority(WEB)
    unlisted = [e.uid for e in await api.reads.list_experiences(WEB) if e.uid not in order]
    assert unlisted, "the seed leaves an experience out of the priority list"
    with pytest.raises(MissingExperiencesError):
        await api.writes.set_priority(WEB, order)
    await api.writes.set_priority(WEB, [*unlisted, *order])
    assert await api.reads.get_experiences_priority(WEB) == [*unlisted, *order]


async def test_a_write_is_retried_after_429_but_never_after_a_5xx(api: Clients, state: SandboxState) -> None:
    state.rate_limit_next("personalize", retry_after=0)
    await api.writes.create_audience(WEB, AudienceDraft("Once", "", COUNTRY_SE))
    state.fail_next("personalize", 503)
    with pytest.raises(WriteOutcomeUnknownError, match="whether it took effect is unknown"):
        await api.writes.create_audience(WEB, AudienceDraft("Twice", "", COUNTRY_SE))
    assert [s for _, _, s in _writes(state)] == [429, 201, 503]
    assert [a.name for a in await api.reads.list_audiences(WEB)].count("Once") == 1


async def test_the_write_fault_fails_the_second_call_without_its_effect(api: Clients, state: SandboxState) -> None:
    state.fail_write_after(1)
    experience = await api.writes.create_experience(WEB, ExperienceDraft("Half", "", "SEGMENTED"))
    assert experience is not None and experience.latest_version
    with pytest.raises(WriteOutcomeUnknownError):
        await api.writes.update_version(WEB, experience.uid, experience.latest_version, VersionDraft("DRAFT", ()))
    versions = await api.reads.list_versions(WEB, experience.uid)
    assert [(v.status, v.variants) for v in versions] == [("DRAFT", [])]


async def test_a_login_without_personalize_manage_cannot_write(state: SandboxState) -> None:
    token = state.issue_access_token(MAIN_ORG_UID, MAIN_USER_UID, scopes=frozenset({"personalize:read"}))
    clients, http = await _clients(state, token)
    try:
        with pytest.raises(WriteScopeMissingError, match="personalize-mcp login --writes"):
            await clients.writes.create_audience(WEB, AudienceDraft("No", "", COUNTRY_SE))
        assert len(await clients.reads.list_audiences(WEB)) == 14
    finally:
        await http.aclose()


def _by_uid(versions: list[Version], uid: str) -> Version:
    return next(v for v in versions if v.uid == uid)
