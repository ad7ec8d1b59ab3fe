"""`serve --auth broker` as a real subprocess against the sandbox on loopback, and a headless person.

`start_broker` starts `personalize-mcp serve --transport http --auth broker` pointed at the sandbox
(its hosts through the CONTENTSTACK_*_URL variables, the organisation's app from people.py) and
registers the server's `/oauth/callback` with the sandbox's app, as an admin would in Developer Hub.

`Person` plays one person's browser for the SDK client's `OAuthClientProvider`: its redirect handler
follows `/authorize` to our consent page, submits the form (`decision=approve`), takes Contentstack's
authorize URL to the sandbox's consent as that person, and follows the callback back to the client's
redirect URI, whose code, state and `iss` the callback handler returns. Every hop is recorded.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from pydantic import AnyUrl

from personalize_mcp.sandbox import consent_url, sandbox_base_urls
from personalize_mcp.sandbox.data import MAIN_ORG_UID
from personalize_mcp.sandbox.people import BROKER_APP_UID, BROKER_CLIENT_ID, BROKER_CLIENT_SECRET
from tests.core.test_stdio_end_to_end import subprocess_env
from tests.http.support import Served, free_port

SECRET_KEYS = "test-key-0123456789abcdefghijklmnopqrstuvwxyz"
CLIENT_REDIRECT = "http://127.0.0.1:33418/callback"


def broker_env(sandbox_origin: str, home: str, **extra: str) -> dict[str, str]:
    urls = sandbox_base_urls(sandbox_origin)
    return subprocess_env(
        CONTENTSTACK_PERSONALIZE_BASE_URL=urls.personalize,
        CONTENTSTACK_CMA_BASE_URL=urls.cma,
        CONTENTSTACK_APP_BASE_URL=urls.app,
        CONTENTSTACK_OAUTH_TOKEN_URL=urls.token_url,
        CONTENTSTACK_OAUTH_APP_UID=BROKER_APP_UID,
        CONTENTSTACK_OAUTH_CLIENT_ID=BROKER_CLIENT_ID,
        CONTENTSTACK_OAUTH_CLIENT_SECRET=BROKER_CLIENT_SECRET,
        PERSONALIZE_MCP_SECRET_KEYS=SECRET_KEYS,
        PERSONALIZE_MCP_HOME=home,
        **extra,
    )


Broker = Served
"""`serve --auth broker` as a subprocess (the HTTP tests' `Served`)."""


def launch_broker(
    sandbox_origin: str, *flags: str, home: str | None = None, public_origin: str | None = None, **env: str
) -> Broker:
    """Start the process (not waiting for it): `public_origin` is the URL people reach every replica at."""
    port = free_port()
    origin = public_origin or f"http://127.0.0.1:{port}"
    registered = httpx2.post(
        f"{sandbox_origin}/_sandbox/apps/{BROKER_CLIENT_ID}/redirect-uris",
        json={"redirect_uri": f"{origin}/oauth/callback"},
    )
    assert registered.status_code == 200, registered.text
    stderr = tempfile.TemporaryFile()  # noqa: SIM115 - the caller closes it
    command = [sys.executable, "-m", "personalize_mcp", "serve", "--transport", "http", "--port", str(port)]
    command += ["--auth", "broker", "--public-url", origin, "--organization-uid", MAIN_ORG_UID, *flags]
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        env=broker_env(sandbox_origin, home or tempfile.mkdtemp(prefix="broker-home-"), **env),
    )
    return Broker(process, port, stderr)


def wait_until_serving(broker: Broker) -> Broker:
    deadline = time.monotonic() + 60
    while True:
        if broker.process.poll() is not None:
            raise AssertionError(f"broker exited with {broker.process.returncode}: {broker.log()[-3000:]}")
        try:
            if httpx2.get(f"{broker.origin}/healthz", timeout=1).status_code == 200:
                return broker
        except httpx2.HTTPError:
            pass
        if time.monotonic() > deadline:
            broker.stop(signal.SIGKILL)
            raise AssertionError(f"broker did not start: {broker.log()[-3000:]}")
        time.sleep(0.05)


def start_broker(sandbox_origin: str, *flags: str, **options: str) -> Broker:
    return wait_until_serving(launch_broker(sandbox_origin, *flags, **options))


def start_replicas(count: int, sandbox_origin: str, *flags: str, **env: str) -> list[Broker]:
    """`count` replicas behind one public URL (the first's), started side by side."""
    first = launch_broker(sandbox_origin, *flags, **env)
    others = [launch_broker(sandbox_origin, *flags, public_origin=first.origin, **env) for _ in range(count - 1)]
    return [wait_until_serving(replica) for replica in (first, *others)]


@dataclass
class MemoryTokens:
    """The client's token storage (the SDK keeps it wherever the client likes)."""

    tokens: OAuthToken | None = None
    client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


def form_fields(html: str) -> dict[str, str]:
    """The hidden inputs of our consent page's form, and its action."""
    fields = {
        unescape(n): unescape(v) for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    }
    action = re.search(r'<form method="post" action="([^"]+)"', html)
    assert action is not None, html[:500]
    return {**fields, "_action": unescape(action.group(1))}


@dataclass
class Person:
    """One person's browser, signing in as `user_uid` (in `organization_uid`) when the client asks."""

    user_uid: str
    organization_uid: str | None = None
    decision: str = "approve"
    hops: list[str] = field(default_factory=list)
    upstream_authorize: str | None = None
    result: AuthorizationCodeResult | None = None
    browser: httpx2.AsyncClient = field(default_factory=lambda: httpx2.AsyncClient(follow_redirects=False, timeout=30))

    async def approve_on_consent_page(self, authorize_url: str) -> httpx2.Response:
        """`/authorize` → our consent page → the form submitted; the answer to the form."""
        started = await self.browser.get(authorize_url)
        self.hops.append(f"GET /authorize -> {started.status_code}")
        assert started.status_code == 302, started.text
        consent = urljoin(authorize_url, started.headers["location"])
        page = await self.browser.get(consent)
        self.hops.append(f"GET {urlsplit(consent).path} -> {page.status_code} (consent page)")
        assert page.status_code == 200, page.text
        fields = form_fields(page.text)
        action = urljoin(consent, fields.pop("_action"))
        answer = await self.browser.post(action, data={**fields, "decision": self.decision})
        self.hops.append(f"POST {urlsplit(action).path} decision={self.decision} -> {answer.status_code}")
        return answer

    async def redirect_handler(self, authorize_url: str) -> None:
        answer = await self.approve_on_consent_page(authorize_url)
        location = answer.headers["location"]
        if self.decision == "approve":
            self.upstream_authorize = location
            self.hops.append("-> Contentstack authorize page (the organisation's app)")
            signed_in = await self.browser.get(
                consent_url(location, user_uid=self.user_uid, organization_uid=self.organization_uid)
            )
            self.hops.append(f"Contentstack consent as {self.user_uid} -> {signed_in.status_code}")
            callback = signed_in.headers["location"]
            back = await self.browser.get(callback)
            self.hops.append(f"GET {urlsplit(callback).path} -> {back.status_code}")
            location = back.headers["location"]
        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        self.hops.append(f"-> client redirect with {sorted(query)}")
        if "code" not in query:
            raise RuntimeError(f"sign-in refused: {query.get('error')}: {query.get('error_description')}")
        self.result = AuthorizationCodeResult(code=query["code"], state=query.get("state"), iss=query.get("iss"))

    async def callback_handler(self) -> AuthorizationCodeResult:
        assert self.result is not None
        return self.result


def oauth_provider(broker: Broker, person: Person, tokens: MemoryTokens | None = None) -> OAuthClientProvider:
    return OAuthClientProvider(
        server_url=broker.url,
        client_metadata=OAuthClientMetadata(
            redirect_uris=[AnyUrl(CLIENT_REDIRECT)],
            client_name="Headless test client",
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="client_secret_post",
        ),
        storage=tokens or MemoryTokens(),
        redirect_handler=person.redirect_handler,
        callback_handler=person.callback_handler,
    )


@asynccontextmanager
async def signed_in(
    broker: Broker, person: Person, *, mode: str = "auto", tokens: MemoryTokens | None = None
) -> AsyncIterator[Client]:
    """An MCP client that signs `person` in on its first request (a 401), then talks as them; with the
    `tokens` of an earlier client it goes on with those (another replica, the same sign-in)."""
    async with (
        httpx2.AsyncClient(auth=oauth_provider(broker, person, tokens), timeout=60) as http,
        Client(streamable_http_client(broker.url, http_client=http), mode=mode) as client,
    ):
        yield client
