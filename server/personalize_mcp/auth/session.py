"""What `serve` calls to find its account: credentials plus the connection they belong to.

`serve` must start even when no usable account exists (nothing stored, logged out, unknown
name, unreadable file): it then gets `MissingCredentials` whose sentence says what to run, and
every tool answers with that sentence. An account folder or file others could read is tightened
first, with a warning on stderr.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import httpx2

from personalize_mcp.auth.account import validate_account_name
from personalize_mcp.auth.credentials import StoredAccountCredentials
from personalize_mcp.auth.protocol import NOT_CONNECTED_MESSAGE, Credentials, MissingCredentials
from personalize_mcp.auth.store import AccountStore
from personalize_mcp.config.regions import normalize_region
from personalize_mcp.config.settings import ConnectionOverrides, ConnectionSettings, ServerSettings
from personalize_mcp.runtime.errors import AccountStoreError, ConfigurationError

logger = logging.getLogger(__name__)


def load_credentials(
    server: ServerSettings,
    env: Mapping[str, str],
    *,
    region: str | None = None,
    transport: httpx2.AsyncBaseTransport | None = None,
) -> tuple[Credentials, ConnectionSettings]:
    """The chosen account's credentials and its connection settings.

    Account: `server.account_name` (`--account` / `PERSONALIZE_MCP_ACCOUNT`), else the default.
    Connection, per value: the `region` flag, then the environment, then what the account stored
    at login, then the region's defaults. A bad environment value is a `ConfigurationError`
    (raised: that is the operator's to fix before starting); account problems are not.
    """
    flags = ConnectionOverrides(region=normalize_region(region, source="--region") if region else None)
    explicit = flags.over(ConnectionOverrides.from_env(env))

    def connection(stored: ConnectionOverrides) -> ConnectionSettings:
        return ConnectionSettings.resolve(explicit.over(stored))

    store = AccountStore(server.home)
    for warning in store.tighten_permissions():
        logger.warning("%s", warning)
    try:
        name = _chosen_account(store, server.account_name)
        if name is None:
            return MissingCredentials(_nobody_sentence(store)), connection(ConnectionOverrides())
        account = store.load(name)
    except (AccountStoreError, ConfigurationError) as error:
        return MissingCredentials(error.message), connection(ConnectionOverrides())
    if account is None:
        sentence = (
            f"No Contentstack account named '{name}' is stored; "
            f"run `personalize-mcp login --account {name}` to connect it."
        )
        return MissingCredentials(sentence), connection(ConnectionOverrides())
    settings = connection(account.connection.to_overrides())
    return StoredAccountCredentials(store, account, settings, transport=transport), settings


def _chosen_account(store: AccountStore, requested: str | None) -> str | None:
    if requested:
        return validate_account_name(requested)
    return store.default_name()


def _nobody_sentence(store: AccountStore) -> str:
    names = store.names()
    if not names:
        return NOT_CONNECTED_MESSAGE
    return (
        f"No default Contentstack account is set (stored: {', '.join(names)}); run "
        "`personalize-mcp accounts --default NAME` to choose one, or `personalize-mcp login`."
    )
