"""OAuth resource server: JWT access tokens from an existing issuer, RFC 9728 metadata, 401/403.

The issuer is local (`Issuer`: metadata + JWKS through an `httpx2.MockTransport`, tokens signed
with keys made here); the app runs in process against the sandbox served on loopback.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

import httpx2
import pytest
from joserfc.jwk import ECKey, OctKey, RSAKey

from personalize_mcp.sandbox import SANDBOX_ACCESS_TOKEN, data
from personalize_mcp.transport.issuer_keys import IssuerKeys
from personalize_mcp.transport.jwt_verifier import JWTTokenVerifier
from tests.conftest import Sandbox
from tests.helpers import call_ok
from tests.http.support import (
    BASE_URL,
    INITIALIZE,
    MCP_HEADERS,
    RESOURCE_URL,
    SCOPE,
    Issuer,
    RecordingTransport,
    in_process,
    oauth_settings,
)

pytestmark = pytest.mark.anyio

METADATA_URL = f"{BASE_URL}/.well-known/oauth-protected-resource/mcp"


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


async def post_initialize(sandbox: Sandbox, issuer: Issuer, token: str | None, **headers: str) -> httpx2.Response:
    auth = {"authorization": f"Bearer {token}"} if token is not None else {}
    async with in_process(sandbox.connection(), issuer=issuer) as served, served.http() as http:
        return await http.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, **auth, **headers})


def challenge(response: httpx2.Response) -> str:
    return response.headers.get("www-authenticate", "")


@pytest.mark.parametrize("era", ["2025-11-25", "2026-07-28"])
async def test_no_token_is_401_naming_the_metadata_and_scope(sandbox: Sandbox, issuer: Issuer, era: str) -> None:
    response = await post_initialize(sandbox, issuer, None, **{"mcp-protocol-version": era})
    assert response.status_code == 401
    header = challenge(response)
    assert header.startswith("Bearer ")
    assert 'error="invalid_token"' in header
    assert f'resource_metadata="{METADATA_URL}"' in header
    assert f'scope="{SCOPE}"' in header
    assert sandbox.state.request_log() == []


async def test_protected_resource_metadata(sandbox: Sandbox, issuer: Issuer) -> None:
    async with in_process(sandbox.connection(), issuer=issuer) as served, served.http() as http:
        response = await http.get("/.well-known/oauth-protected-resource/mcp")
        health = await http.get("/healthz")  # stays public
    assert response.status_code == 200
    metadata = response.json()
    assert metadata["resource"] == RESOURCE_URL
    assert metadata["authorization_servers"] == [issuer.issuer]
    assert metadata["scopes_supported"] == [SCOPE]
    assert metadata["bearer_methods_supported"] == ["header"]
    assert health.status_code == 200
    assert health.json()["auth"] == "oauth"


def _other_key() -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": "key-1"})  # same kid, not the published key


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda i: i.token(key=_other_key()), id="bad-signature"),
        pytest.param(lambda i: i.token(aud="https://other.example/mcp"), id="wrong-audience"),
        pytest.param(lambda i: i.token(aud=None), id="no-audience"),
        pytest.param(lambda i: i.token(expires_in=-120), id="expired"),
        pytest.param(lambda i: i.token(exp=None), id="no-expiry"),
        pytest.param(lambda i: i.token(iss="https://evil.example/realms/acme"), id="wrong-issuer"),
        pytest.param(lambda i: i.token(nbf=int(time.time()) + 600), id="not-yet-valid"),
        pytest.param(
            lambda i: i.token(key=OctKey.import_key(b"k" * 32, {"kid": "key-1"}), alg="HS256"), id="hs256-forged"
        ),
        pytest.param(lambda i: i.token().rsplit(".", 1)[0] + ".", id="signature-stripped"),
        pytest.param(lambda i: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", id="alg-none"),
        pytest.param(lambda i: "not-a-jwt", id="garbage"),
        pytest.param(lambda i: i.token(kid="unknown-kid"), id="unknown-kid"),
    ],
)
async def test_invalid_tokens_are_401(sandbox: Sandbox, issuer: Issuer, make_token: object) -> None:
    token = make_token(issuer)  # type: ignore[operator]
    response = await post_initialize(sandbox, issuer, token)
    assert response.status_code == 401, response.text
    assert 'error="invalid_token"' in challenge(response)
    assert f'resource_metadata="{METADATA_URL}"' in challenge(response)
    assert sandbox.state.request_log() == []


@pytest.mark.parametrize("era", ["2025-11-25", "2026-07-28"])
async def test_missing_scope_is_403_insufficient_scope(sandbox: Sandbox, issuer: Issuer, era: str) -> None:
    token = issuer.token(scope="openid profile")
    response = await post_initialize(sandbox, issuer, token, **{"mcp-protocol-version": era})
    assert response.status_code == 403
    header = challenge(response)
    assert 'error="insufficient_scope"' in header
    assert f'scope="{SCOPE}"' in header
    assert f'resource_metadata="{METADATA_URL}"' in header


async def test_foreign_origin_is_403_before_authentication(sandbox: Sandbox, issuer: Issuer) -> None:
    response = await post_initialize(sandbox, issuer, None, origin="http://evil.example")
    assert response.status_code == 403
    assert "www-authenticate" not in response.headers


async def test_valid_token_works_in_both_eras_and_is_never_sent_upstream(
    sandbox: Sandbox, issuer: Issuer, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = RecordingTransport()
    connection = replace(sandbox.connection(), transport=recorder)
    token = issuer.token()
    async with in_process(connection, issuer=issuer) as served, served.client(mode, token) as client:
        projects = await call_ok(client, "list_projects")
        assert data.WEB_PROJECT_UID in {p["uid"] for p in projects["projects"]}
        await call_ok(client, "list_stacks")
    # Upstream, every request carried the server's own Contentstack login, never the client's token.
    assert recorder.sent
    for request in recorder.sent:
        assert request.headers["authorization"] == f"Bearer {SANDBOX_ACCESS_TOKEN}"
        assert token not in str(request.url)
        assert all(token not in value for value in request.headers.values())
        assert token.encode() not in request.content
    log = sandbox.state.request_log()
    assert log
    assert {(r.organization, r.status) for r in log} == {(data.MAIN_ORG_UID, 200)}
    # ...and the token appears in no log line, nor in the verified AccessToken (a fingerprint stands in).
    assert token not in caplog.text
    assert token.split(".")[2] not in caplog.text


async def test_token_fingerprint_not_token_reaches_the_server(issuer: Issuer) -> None:
    async with httpx2.AsyncClient(transport=issuer.mock_transport()) as http:
        verifier = JWTTokenVerifier(oauth_settings(issuer), http)
        token = issuer.token(scp=["a", "b"], scope=None, client_id=None, azp="azp-client")
        access = await verifier.verify_token(token)
    assert access is not None
    assert access.token.startswith("sha256:")
    assert token not in access.model_dump_json()
    assert access.scopes == ["a", "b"]  # Entra/Okta `scp` list
    assert access.client_id == "azp-client"
    assert access.subject == "user-1"
    assert access.resource == RESOURCE_URL
    assert access.claims == {"iss": issuer.issuer}


async def test_configured_audience_instead_of_the_resource_url(sandbox: Sandbox, issuer: Issuer) -> None:
    oauth = oauth_settings(issuer, audiences=("https://api.example/personalize",))
    async with in_process(sandbox.connection(), issuer=issuer, oauth=oauth) as served, served.http() as http:
        good = await http.post(
            "/mcp",
            json=INITIALIZE,
            headers={**MCP_HEADERS, "authorization": f"Bearer {issuer.token(aud='https://api.example/personalize')}"},
        )
        resource_aud = await http.post(
            "/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "authorization": f"Bearer {issuer.token()}"}
        )
    assert good.status_code == 200, good.text
    assert resource_aud.status_code == 401  # the configured audience replaces the default


async def test_rsa_keys_and_audience_lists(issuer: Issuer) -> None:
    rsa = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
    issuer.published = [issuer.key, rsa]
    async with httpx2.AsyncClient(transport=issuer.mock_transport()) as http:
        verifier = JWTTokenVerifier(oauth_settings(issuer), http)
        access = await verifier.verify_token(issuer.token(key=rsa, aud=["account", RESOURCE_URL]))
    assert access is not None
    assert access.resource == RESOURCE_URL


async def test_keys_are_discovered_once_cached_and_refetched_for_a_new_kid(issuer: Issuer) -> None:
    async with httpx2.AsyncClient(transport=issuer.mock_transport()) as http:
        verifier = JWTTokenVerifier(oauth_settings(issuer), http)
        verifier.keys.min_refetch_interval = 0
        for _ in range(3):
            assert await verifier.verify_token(issuer.token()) is not None
        # Discovery walked the MCP spec's candidates to the OpenID document under the issuer's path.
        assert issuer.fetches == [
            "https://auth.example/.well-known/oauth-authorization-server/realms/acme",
            "https://auth.example/.well-known/openid-configuration/realms/acme",
            "https://auth.example/realms/acme/.well-known/openid-configuration",
            issuer.jwks_url,
        ]
        # The issuer rotates its key: a token with the new kid triggers one JWKS refetch.
        rotated = ECKey.generate_key("P-256", parameters={"kid": "key-2"})
        issuer.published = [issuer.key, rotated]
        issuer.fetches.clear()
        assert await verifier.verify_token(issuer.token(key=rotated)) is not None
        assert await verifier.verify_token(issuer.token(key=rotated)) is not None
        assert issuer.fetches == [issuer.jwks_url]


async def test_made_up_kids_do_not_turn_requests_into_fetches(issuer: Issuer) -> None:
    async with httpx2.AsyncClient(transport=issuer.mock_transport()) as http:
        verifier = JWTTokenVerifier(oauth_settings(issuer), http)
        assert await verifier.verify_token(issuer.token()) is not None
        issuer.fetches.clear()
        for n in range(5):
            assert await verifier.verify_token(issuer.token(kid=f"made-up-{n}")) is None
        assert issuer.fetches == []  # within the refetch interval: no fetch at all


async def test_keys_expire_after_their_ttl_and_stale_keys_survive_an_issuer_outage(issuer: Issuer) -> None:
    now = [1000.0]
    down = [False]

    def handle(request: httpx2.Request) -> httpx2.Response:
        if down[0]:
            return httpx2.Response(503)
        status, body = issuer.answer(str(request.url))
        return httpx2.Response(status, json=body)

    async with httpx2.AsyncClient(transport=httpx2.MockTransport(handle)) as http:
        keys = IssuerKeys(http, issuer.issuer, issuer.jwks_url, ttl=60, clock=lambda: now[0])
        first = await keys.key_set(None)
        now[0] += 61
        down[0] = True
        assert await keys.key_set(None) is first  # refetch failed: keep the keys we have
        down[0] = False
        now[0] += 6
        issuer.fetches.clear()
        await keys.key_set(None)
        assert issuer.fetches == [issuer.jwks_url]


async def test_unreachable_issuer_means_401_not_a_crash(sandbox: Sandbox, issuer: Issuer) -> None:
    down = Issuer(issuer=issuer.issuer, key=issuer.key)
    down.answer = lambda url: (503, {"error": "unavailable"})  # type: ignore[method-assign]
    response = await post_initialize(sandbox, down, issuer.token())
    assert response.status_code == 401


async def test_refusals_are_logged_without_the_token(issuer: Issuer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = [issuer.token(expires_in=-600), issuer.token(aud="https://other.example"), issuer.token(key=_other_key())]
    async with httpx2.AsyncClient(transport=issuer.mock_transport()) as http:
        verifier = JWTTokenVerifier(oauth_settings(issuer), http)
        for token in tokens:
            assert await verifier.verify_token(token) is None
    refusals = [r.getMessage() for r in caplog.records if "Refused a bearer token" in r.getMessage()]
    assert len(refusals) == 3
    assert "expired" in refusals[0]
    for token in tokens:
        for part in token.split("."):
            assert part not in caplog.text


async def test_jwks_url_skips_discovery(issuer: Issuer) -> None:
    async with httpx2.AsyncClient(transport=issuer.mock_transport()) as http:
        verifier = JWTTokenVerifier(oauth_settings(issuer, jwks_url=issuer.jwks_url), http)
        assert await verifier.verify_token(issuer.token()) is not None
    assert issuer.fetches == [issuer.jwks_url]


async def test_metadata_stating_another_issuer_is_not_used(issuer: Issuer) -> None:
    liar = Issuer(issuer=issuer.issuer, key=issuer.key)
    liar.metadata = lambda: {"issuer": "https://evil.example", "jwks_uri": liar.jwks_url}  # type: ignore[method-assign]
    async with httpx2.AsyncClient(transport=liar.mock_transport()) as http:
        verifier = JWTTokenVerifier(oauth_settings(liar), http)
        assert await verifier.verify_token(liar.token()) is None
    assert liar.jwks_url not in liar.fetches


async def test_sessions_belong_to_the_token_that_opened_them(sandbox: Sandbox, issuer: Issuer) -> None:
    alice = issuer.token(sub="alice")
    bob = issuer.token(sub="bob")
    async with in_process(sandbox.connection(), issuer=issuer) as served, served.http() as http:
        opened = await http.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "authorization": f"Bearer {alice}"})
        session = opened.headers["mcp-session-id"]
        hijack = await http.post(
            "/mcp",
            json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
            headers={
                **MCP_HEADERS,
                "authorization": f"Bearer {bob}",
                "mcp-session-id": session,
                "mcp-protocol-version": "2025-11-25",
            },
        )
    assert opened.status_code == 200
    assert hijack.status_code == 404
