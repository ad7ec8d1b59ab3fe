"""The project's catalogue through the MCP client: attributes, events, priority, locations, the connection."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from mcp import Client

from personalize_mcp.auth.account import OrganizationInfo, StoredAccount, StoredConnection, UserInfo
from personalize_mcp.auth.credentials import StoredAccountCredentials
from personalize_mcp.auth.protocol import MissingCredentials
from personalize_mcp.auth.store import AccountStore
from personalize_mcp.config.settings import ConnectionOverrides, ConnectionSettings
from personalize_mcp.connection.stack import Connection, open_lookups
from personalize_mcp.mcp_server.server import build_server
from personalize_mcp.sandbox import catalogue_data as catalogue
from personalize_mcp.sandbox import data
from personalize_mcp.sandbox.analytics_data import MOBILE_EXPERIMENT_UIDS
from personalize_mcp.sandbox.simulation_data import APP_BANNER_EXPERIENCE_UID
from tests.conftest import Sandbox
from tests.helpers import call_error, call_ok

pytestmark = pytest.mark.anyio

WEB, MOBILE = data.WEB_PROJECT_UID, data.MOBILE_PROJECT_UID


async def test_list_attributes_gives_preset_and_custom_kinds(client: Client) -> None:
    result = await call_ok(client, "list_attributes", {"project_uid": WEB})
    by_uid = {a["uid"]: a for a in result["attributes"]}
    assert result["total"] == len(by_uid) == 13
    assert by_uid[data.LIFETIME_ORDERS_ATTRIBUTE_UID] == {
        "uid": data.LIFETIME_ORDERS_ATTRIBUTE_UID,
        "key": "lifetime_orders",
        "name": "Lifetime orders",
        "description": "Orders ever placed",
        "kind": "CUSTOM",
    }
    assert by_uid[catalogue.COUNTRY_ATTRIBUTE_UID]["kind"] == "PRESET"  # says so
    assert by_uid[catalogue.CITY_ATTRIBUTE_UID]["kind"] == "PRESET"  # no type: inferred from the key
    # A custom attribute named like a preset one stays custom.
    assert by_uid[catalogue.CUSTOM_COUNTRY_ATTRIBUTE_UID]["kind"] == "CUSTOM"
    presets = await call_ok(client, "list_attributes", {"project_uid": WEB, "kind": "preset"})
    assert {a["key"] for a in presets["attributes"]} == {"COUNTRY", "DEVICE_TYPE", "CITY", "REFERRER"}
    found = await call_ok(client, "list_attributes", {"project_uid": WEB, "query": "COUNTRY"})
    assert {a["uid"] for a in found["attributes"]} == {
        catalogue.COUNTRY_ATTRIBUTE_UID,
        catalogue.CUSTOM_COUNTRY_ATTRIBUTE_UID,
    }
    assert "PRESET or CUSTOM" in await call_error(client, "list_attributes", {"project_uid": WEB, "kind": "system"})


async def test_list_events_keeps_the_uids_metrics_name(client: Client) -> None:
    result = await call_ok(client, "list_events", {"project_uid": WEB})
    assert [e["uid"] for e in result["events"]] == sorted(
        [catalogue.PURCHASE_EVENT_UID, catalogue.SIGNUP_EVENT_UID, catalogue.TRIAL_EVENT_UID]
    )
    purchase = result["events"][0]
    assert purchase == {
        "uid": catalogue.PURCHASE_EVENT_UID,
        "key": "purchase",
        "name": "Purchase",
        "description": "An order was placed",
    }
    mobile = await call_ok(client, "list_events", {"project_uid": MOBILE, "query": "app"})
    assert [e["key"] for e in mobile["events"]] == ["app_open"]


async def test_priority_ranks_every_experience_and_flags_the_one_left_out(client: Client) -> None:
    result = await call_ok(client, "get_experiences_priority", {"project_uid": WEB})
    ranked = [(e["rank"], e["uid"], e["in_priority_list"]) for e in result["experiences"]]
    assert ranked == [
        (1, data.PRICING_AB_EXPERIENCE_UID, True),
        (2, data.HERO_EXPERIENCE_UID, True),
        (3, data.LYTICS_EXPERIENCE_UID, True),
        (4, data.PROMO_EXPERIENCE_UID, True),
        (5, data.CHECKOUT_EXPERIENCE_UID, True),
        (None, data.FOOTER_AB_EXPERIENCE_UID, False),
    ]
    first = result["experiences"][0]
    assert (first["name"], first["type"], first["status"]) == ("Pricing page CTA test", "AB_TEST", "ACTIVE")
    assert "1 experience is not in the priority list" in result["note"]


async def test_priority_accepts_a_bare_array_of_objects(client: Client, sandbox: Sandbox) -> None:
    with sandbox.state.lock:
        sandbox.state.data.priority[MOBILE] = [{"experienceUid": data.PUSH_PROMPT_EXPERIENCE_UID}]
    # The sandbox wraps the list in {"priorityOrder": ...}; the unknown uid and the object items are the point.
    result = await call_ok(client, "get_experiences_priority", {"project_uid": MOBILE})
    assert [(e["rank"], e["uid"]) for e in result["experiences"]] == [
        (1, data.PUSH_PROMPT_EXPERIENCE_UID),
        (None, data.ONBOARDING_EXPERIENCE_UID),
        *[(None, uid) for uid in MOBILE_EXPERIMENT_UIDS],  # issue 13's A/B tests, after the seed's
        (None, APP_BANNER_EXPERIENCE_UID),
    ]


async def test_list_locations_by_kind_and_country(client: Client) -> None:
    countries = await call_ok(client, "list_locations", {"kind": "country"})
    assert {c["code"]: c["name"] for c in countries["locations"]}["AU"] == "Australia"
    assert countries["kind"] == "country" and countries["total"] == 7
    regions = await call_ok(client, "list_locations", {"kind": "region", "country_code": "au"})
    assert [(r["code"], r["country_code"]) for r in regions["locations"]] == [("AU-NSW", "AU"), ("AU-VIC", "AU")]
    cities = await call_ok(client, "list_locations", {"kind": "cities", "query": "syd"})
    assert cities["locations"] == [{"code": None, "name": "Sydney", "country_code": "AU", "region": "New South Wales"}]
    assert "country, region or city" in await call_error(client, "list_locations", {"kind": "planet"})
    assert "country code" in await call_error(client, "list_locations", {"kind": "city", "country_code": "A/U"})


async def test_audiences_filtered_by_the_attribute_their_rules_test(client: Client) -> None:
    by_key = await call_ok(client, "get_all_audiences", {"project_uid": WEB, "attribute": "lifetime_orders"})
    assert [a["uid"] for a in by_key["audiences"]] == [data.RETURNING_CUSTOMERS_AUDIENCE_UID]
    by_uid = await call_ok(
        client, "get_all_audiences", {"project_uid": WEB, "attribute": data.LIFETIME_ORDERS_ATTRIBUTE_UID}
    )
    assert by_uid["audiences"] == by_key["audiences"]
    country = await call_ok(client, "get_all_audiences", {"project_uid": WEB, "attribute": "country"})
    assert {a["uid"] for a in country["audiences"]} == {
        data.AUSTRALIA_AUDIENCE_UID,
        data.EU_DESKTOP_AUDIENCE_UID,
        data.NON_US_AUDIENCE_UID,
    }
    unused = await call_ok(client, "get_all_audiences", {"project_uid": WEB, "attribute": "preferred_store"})
    assert unused["audiences"] == [] and unused["total"] == 0
    message = await call_error(client, "get_all_audiences", {"project_uid": WEB, "attribute": "shoe_size"})
    assert "list_attributes" in message


async def test_the_catalogue_of_an_unknown_project_is_one_sentence(client: Client) -> None:
    for tool in ("list_attributes", "list_events", "get_experiences_priority"):
        message = await call_error(client, tool, {"project_uid": "6650b8f1a3c94e2d17000fff"})
        assert "list_projects" in message, (tool, message)


async def test_get_connection_says_it_is_the_sandbox(client: Client) -> None:
    result = await call_ok(client, "get_connection")
    assert result["sandbox"] is True and result["connected"] is True
    assert result["organization_uid"] == data.MAIN_ORG_UID and result["organization_name"] == "Northwind Retail"
    assert result["user"] == data.MAIN_USER_EMAIL and result["token_expires_at"] is None
    assert "sample data" in result["note"]


@pytest.fixture
async def stored_client(
    sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[tuple[Client, str]]:
    """A server over a stored account (as after `personalize-mcp login`) whose token the sandbox accepts."""
    token = sandbox.state.issue_access_token(data.MAIN_ORG_UID, data.MAIN_USER_UID)
    sandbox_connection = sandbox.connection(token=token)
    now = datetime.now(UTC)
    account = StoredAccount(
        name="work",
        connection=StoredConnection(region="eu"),
        access_token=token,
        refresh_token="refresh-not-used-here",
        expires_at=now + timedelta(hours=1),
        organization=OrganizationInfo(uid=data.MAIN_ORG_UID, name="Northwind Retail"),
        user=UserInfo(uid=data.MAIN_USER_UID, email=data.MAIN_USER_EMAIL),
        created_at=now,
        updated_at=now,
    )
    credentials = StoredAccountCredentials(AccountStore(tmp_path), account, sandbox_connection.settings)
    connection = Connection(settings=sandbox_connection.settings, credentials=credentials)
    with caplog.at_level(logging.DEBUG):
        async with open_lookups(connection) as lookups, Client(build_server(lookups)) as connected:
            yield connected, token


async def test_get_connection_of_a_stored_account_names_it_and_never_the_token(
    stored_client: tuple[Client, str], caplog: pytest.LogCaptureFixture
) -> None:
    client, token = stored_client
    result = await call_ok(client, "get_connection")
    assert result == {
        "connected": True,
        "sandbox": False,
        "account": "work",
        "organization_uid": data.MAIN_ORG_UID,
        "organization_name": "Northwind Retail",
        "region": "eu",
        "user": data.MAIN_USER_EMAIL,
        "token_expires_at": result["token_expires_at"],
        "writes": "off",  # serve --writes (third release): off unless turned on
        "can_write": False,  # the login asked for no personalize:manage (login --writes)
        "toolsets": ["core", "catalogue", "results", "simulation", "insights"],
    }
    assert datetime.fromisoformat(result["token_expires_at"]) > datetime.now(UTC)
    assert await call_ok(client, "list_projects")  # the stored login really answers
    assert token not in str(result) and token not in caplog.text


async def test_get_connection_without_an_account_says_what_to_run(sandbox: Sandbox) -> None:
    connection = Connection(
        settings=ConnectionSettings.resolve(ConnectionOverrides()), credentials=MissingCredentials()
    )
    async with open_lookups(connection) as lookups, Client(build_server(lookups)) as client:
        result = await call_ok(client, "get_connection")
    assert result["connected"] is False and result["sandbox"] is False
    assert "personalize-mcp login" in result["note"]
