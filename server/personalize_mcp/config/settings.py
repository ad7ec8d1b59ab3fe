"""Settings: flags, environment and a stored account's settings folded into one frozen value.

Precedence, per value: command-line flag, then environment, then what the stored account
remembers from its login, then the region's defaults. A stored account keeps only the values
that were set explicitly at login (plus its region), so changing `CONTENTSTACK_REGION` later
still moves every host that was not pinned.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from personalize_mcp.config.regions import DEFAULT_REGION, get_region, normalize_region
from personalize_mcp.config.toolsets import TOOLSET_NAMES, parse_toolsets
from personalize_mcp.runtime.errors import ConfigurationError
from personalize_mcp.runtime.ids import is_identifier

ENV_REGION = "CONTENTSTACK_REGION"
ENV_PERSONALIZE_BASE_URL = "CONTENTSTACK_PERSONALIZE_BASE_URL"
ENV_CMA_BASE_URL = "CONTENTSTACK_CMA_BASE_URL"
ENV_APP_BASE_URL = "CONTENTSTACK_APP_BASE_URL"
ENV_OAUTH_TOKEN_URL = "CONTENTSTACK_OAUTH_TOKEN_URL"
ENV_OAUTH_APP_UID = "CONTENTSTACK_OAUTH_APP_UID"
ENV_OAUTH_CLIENT_ID = "CONTENTSTACK_OAUTH_CLIENT_ID"
ENV_OAUTH_CLIENT_SECRET = "CONTENTSTACK_OAUTH_CLIENT_SECRET"
ENV_OAUTH_REDIRECT_URI = "CONTENTSTACK_OAUTH_REDIRECT_URI"
ENV_OAUTH_SCOPES = "CONTENTSTACK_OAUTH_SCOPES"
ENV_DEFAULT_PROJECT = "CONTENTSTACK_PERSONALIZE_PROJECT_ID"
ENV_HOME = "PERSONALIZE_MCP_HOME"
ENV_ACCOUNT = "PERSONALIZE_MCP_ACCOUNT"
ENV_TOOLSETS = "PERSONALIZE_MCP_TOOLSETS"

# Contentstack's public "Contentstack CLI" app, the one its own SDKs and CLI fall back to.
CLI_APP_UID = "6400aa06db64de001a31c8a9"
CLI_CLIENT_ID = "Ie0FEfTzlfAHL4xM"
DEFAULT_REDIRECT_URI = "http://localhost:8184"
DEFAULT_SCOPES: tuple[str, ...] = (
    "personalize:read",
    "cm.stacks.management:read",
    "organization:read",
    "user:read",
)

APP_DIR_NAME = "contentstack-personalize-mcp"


@dataclass(frozen=True, slots=True)
class ConnectionOverrides:
    """Values a user set explicitly (flag or environment); `None` means "not set".

    This is what a stored account persists, so that `serve` needs no environment after `login`.
    """

    region: str | None = None
    personalize_base_url: str | None = None
    cma_base_url: str | None = None
    app_base_url: str | None = None
    token_url: str | None = None
    app_uid: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    redirect_uri: str | None = None
    scopes: tuple[str, ...] | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ConnectionOverrides:
        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        region = get(ENV_REGION)
        scopes = get(ENV_OAUTH_SCOPES)
        return cls(
            region=normalize_region(region, source=ENV_REGION) if region else None,
            personalize_base_url=_base_url(get(ENV_PERSONALIZE_BASE_URL), ENV_PERSONALIZE_BASE_URL),
            cma_base_url=_cma_base_url(get(ENV_CMA_BASE_URL)),
            app_base_url=_base_url(get(ENV_APP_BASE_URL), ENV_APP_BASE_URL),
            token_url=_base_url(get(ENV_OAUTH_TOKEN_URL), ENV_OAUTH_TOKEN_URL),
            app_uid=get(ENV_OAUTH_APP_UID),
            client_id=get(ENV_OAUTH_CLIENT_ID),
            client_secret=get(ENV_OAUTH_CLIENT_SECRET),
            redirect_uri=get(ENV_OAUTH_REDIRECT_URI),
            scopes=tuple(scopes.split()) if scopes else None,
        )

    def over(self, base: ConnectionOverrides) -> ConnectionOverrides:
        """These values where set, `base`'s elsewhere."""
        updates = {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}
        return replace(base, **updates)

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if v is not None}
        if self.scopes is not None:
            data["scopes"] = list(self.scopes)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ConnectionOverrides:
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known or value is None:
                continue
            if key == "scopes":
                values[key] = tuple(str(s) for s in value) if isinstance(value, list | tuple) else None
            else:
                values[key] = str(value)
        return cls(**values)


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """Fully resolved hosts and OAuth app for one account."""

    region: str
    personalize_base_url: str
    cma_base_url: str
    app_base_url: str
    token_url: str
    app_uid: str
    client_id: str
    client_secret: str | None
    redirect_uri: str
    scopes: tuple[str, ...]
    overrides: ConnectionOverrides = field(default_factory=ConnectionOverrides)

    @classmethod
    def resolve(cls, overrides: ConnectionOverrides) -> ConnectionSettings:
        region = get_region(overrides.region or DEFAULT_REGION)
        return cls(
            region=region.id,
            personalize_base_url=overrides.personalize_base_url or region.personalize_base_url,
            cma_base_url=overrides.cma_base_url or region.cma_base_url,
            app_base_url=overrides.app_base_url or region.app_base_url,
            token_url=overrides.token_url or region.token_url,
            app_uid=overrides.app_uid or CLI_APP_UID,
            client_id=overrides.client_id or CLI_CLIENT_ID,
            client_secret=overrides.client_secret,
            redirect_uri=overrides.redirect_uri or DEFAULT_REDIRECT_URI,
            scopes=overrides.scopes or DEFAULT_SCOPES,
            overrides=overrides,
        )


def _base_url(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    if not value.startswith(("https://", "http://")):
        raise ConfigurationError(f"{name} must be an http(s) URL, got {value!r}.")
    return value.rstrip("/")


def _cma_base_url(value: str | None) -> str | None:
    url = _base_url(value, ENV_CMA_BASE_URL)
    # People paste the documented base URL with its version; the client adds `/v3` itself.
    if url is not None and url.endswith("/v3"):
        url = url[: -len("/v3")]
    return url


def default_home(env: Mapping[str, str] | None = None) -> Path:
    """The folder holding stored accounts: `PERSONALIZE_MCP_HOME`, else the user's config folder."""
    env = os.environ if env is None else env
    configured = env.get(ENV_HOME, "").strip()
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_config_dir(APP_DIR_NAME, appauthor=False))


def default_project_uid(env: Mapping[str, str]) -> str | None:
    value = env.get(ENV_DEFAULT_PROJECT, "").strip()
    if not value:
        return None
    if not is_identifier(value):
        shown = value if len(value) <= 40 else value[:37] + "..."
        raise ConfigurationError(
            f"{ENV_DEFAULT_PROJECT} {shown!r} is not a project uid (1-64 letters, digits, '_' or '-'); "
            "set it to a project's uid or remove it from the server's environment."
        )
    return value


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """What `serve` runs with, beyond the account's connection."""

    default_project_uid: str | None = None
    account_name: str | None = None
    home: Path = field(default_factory=default_home)
    sandbox: bool = False
    toolsets: tuple[str, ...] = TOOLSET_NAMES
    """The toolsets to offer (`--toolsets`, else `PERSONALIZE_MCP_TOOLSETS`, else all)."""

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str],
        *,
        account: str | None = None,
        sandbox: bool = False,
        toolsets: str | None = None,
    ) -> ServerSettings:
        chosen = account or env.get(ENV_ACCOUNT, "").strip() or None
        return cls(
            default_project_uid=default_project_uid(env),
            account_name=chosen,
            home=default_home(env),
            sandbox=sandbox,
            toolsets=_toolsets(toolsets, env),
        )


def _toolsets(flag: str | None, env: Mapping[str, str]) -> tuple[str, ...]:
    if flag is not None:
        return parse_toolsets(flag, source="--toolsets")
    return parse_toolsets(env.get(ENV_TOOLSETS), source=ENV_TOOLSETS)
