"""The built-in sandbox as a `Connection`: its fixed demo login, reached over HTTP.

`serve --sandbox` and `demo` talk to the sandbox in-process through `httpx2.ASGITransport`;
tests pass the origin of a sandbox served on loopback instead. Either way every request goes
through the same `ContentstackHTTP` code that talks to Contentstack.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import httpx2

from personalize_mcp.auth.protocol import WRITE_SCOPE, ConnectionFacts, StaticCredentials
from personalize_mcp.config.settings import ConnectionOverrides, ConnectionSettings
from personalize_mcp.connection.stack import Connection
from personalize_mcp.sandbox import SANDBOX_ACCESS_TOKEN, create_sandbox_app, sandbox_base_urls
from personalize_mcp.sandbox.analytics_data import sandbox_now
from personalize_mcp.sandbox.data import MAIN_ORG_UID, SANDBOX_ORGANIZATION_NAMES, SANDBOX_USER_EMAILS

IN_PROCESS_ORIGIN = "http://sandbox.invalid"
SANDBOX_SCOPES = ("personalize:read", WRITE_SCOPE, "cm.stacks.management:read", "organization:read", "user:read")
"""The sandbox's demo login may do everything, writes included (`serve --sandbox --writes all`)."""


def sandbox_connection(
    origin: str | None = None,
    *,
    token: str = SANDBOX_ACCESS_TOKEN,
    organization_uid: str = MAIN_ORG_UID,
    account_name: str = "sandbox",
    now: Callable[[], datetime] = sandbox_now,
    scopes: tuple[str, ...] = SANDBOX_SCOPES,
) -> Connection:
    """In-process when `origin` is None, else the sandbox served at `origin` (e.g. on loopback).

    `now`: the sandbox's calendar (it stands still, so days since activation and verdicts never drift).
    """
    urls = sandbox_base_urls(origin or IN_PROCESS_ORIGIN)
    settings = ConnectionSettings.resolve(
        ConnectionOverrides(
            personalize_base_url=urls.personalize,
            cma_base_url=urls.cma,
            app_base_url=urls.app,
            token_url=urls.token_url,
        )
    )
    transport = httpx2.ASGITransport(app=create_sandbox_app()) if origin is None else None
    credentials = StaticCredentials(
        token,
        organization_uid=organization_uid,
        account_name=account_name,
        facts=sandbox_facts(account_name, organization_uid, scopes),
    )
    return Connection(settings=settings, credentials=credentials, transport=transport, now=now)


def sandbox_facts(account_name: str, organization_uid: str, scopes: tuple[str, ...] = ()) -> ConnectionFacts:
    """The sandbox says it is the sandbox: sample data, not the user's account."""
    return ConnectionFacts(
        connected=True,
        sandbox=True,
        account=account_name,
        organization_uid=organization_uid,
        organization_name=SANDBOX_ORGANIZATION_NAMES.get(organization_uid),
        region="sandbox",
        user=SANDBOX_USER_EMAILS.get(organization_uid),
        scopes=scopes or SANDBOX_SCOPES,
    )
