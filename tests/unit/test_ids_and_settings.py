"""Identifier validation and the settings precedence rules."""

from __future__ import annotations

import pytest

from personalize_mcp.config.regions import normalize_region
from personalize_mcp.config.settings import (
    CLI_APP_UID,
    CLI_CLIENT_ID,
    DEFAULT_REDIRECT_URI,
    DEFAULT_SCOPES,
    ConnectionOverrides,
    ConnectionSettings,
)
from personalize_mcp.runtime.errors import ConfigurationError, InvalidInputError
from personalize_mcp.runtime.ids import validate_identifier


@pytest.mark.parametrize("good", ["a", "iphone_color_white", "blt3d7a1c9e5f2b8d40", "A-b_9", "x" * 64])
def test_valid_identifiers(good: str) -> None:
    assert validate_identifier("variant_uid", good) == good


@pytest.mark.parametrize("bad", ["", "../etc", "a/b", "a b", "%2F", "a?b", "a#b", "x" * 65, "é", "a.b", "a\nb"])
def test_invalid_identifiers_are_one_sentence_naming_the_argument(bad: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        validate_identifier("variant_uid", bad)
    message = str(caught.value)
    assert message.startswith("variant_uid ") and "list_variants" in message and "\n" not in message


def test_non_string_identifier() -> None:
    with pytest.raises(InvalidInputError, match="of type int"):
        validate_identifier("project_uid", 5)


@pytest.mark.parametrize(
    ("spelling", "region"),
    [("NA", "na"), ("us", "na"), ("aws_na", "na"), ("AZURE_EU", "azure-eu"), ("gcp-na", "gcp-na"), ("AU", "au")],
)
def test_region_aliases(spelling: str, region: str) -> None:
    assert normalize_region(spelling) == region


def test_unknown_region_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="Unknown Contentstack region 'mars'"):
        normalize_region("mars")


def test_defaults_are_the_public_cli_app_and_na_hosts() -> None:
    settings = ConnectionSettings.resolve(ConnectionOverrides.from_env({}))
    assert settings.region == "na"
    assert settings.personalize_base_url == "https://personalize-api.contentstack.com"
    assert settings.cma_base_url == "https://api.contentstack.io"
    assert settings.app_base_url == "https://app.contentstack.com"
    assert settings.token_url == "https://developerhub-api.contentstack.com/token"
    assert (settings.app_uid, settings.client_id) == (CLI_APP_UID, CLI_CLIENT_ID)
    assert settings.redirect_uri == DEFAULT_REDIRECT_URI and settings.scopes == DEFAULT_SCOPES
    assert settings.client_secret is None


def test_region_moves_every_host_that_is_not_pinned() -> None:
    env = {"CONTENTSTACK_REGION": "EU", "CONTENTSTACK_CMA_BASE_URL": "https://cma.example.com/v3/"}
    settings = ConnectionSettings.resolve(ConnectionOverrides.from_env(env))
    assert settings.personalize_base_url == "https://eu-personalize-api.contentstack.com"
    assert settings.cma_base_url == "https://cma.example.com"
    assert settings.token_url == "https://eu-developerhub-api.contentstack.com/token"


def test_environment_wins_over_stored_and_stored_over_defaults() -> None:
    stored = ConnectionOverrides(region="au", client_id="stored-client", token_url="https://stored.example/token")
    env = ConnectionOverrides.from_env({"CONTENTSTACK_OAUTH_CLIENT_ID": "env-client"})
    settings = ConnectionSettings.resolve(env.over(stored))
    assert settings.client_id == "env-client"
    assert settings.token_url == "https://stored.example/token"
    assert settings.personalize_base_url == "https://au-personalize-api.contentstack.com"


def test_overrides_round_trip_through_json() -> None:
    overrides = ConnectionOverrides(region="eu", scopes=("a", "b"), client_secret="s")
    assert ConnectionOverrides.from_json(overrides.to_json()) == overrides


def test_bad_base_url_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="CONTENTSTACK_PERSONALIZE_BASE_URL must be an http"):
        ConnectionOverrides.from_env({"CONTENTSTACK_PERSONALIZE_BASE_URL": "ftp://x"})
