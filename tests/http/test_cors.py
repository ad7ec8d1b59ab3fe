"""CORS for the `--allowed-origin` origins: preflights answered (before the SDK and before auth),
the MCP request headers allowed, the session id and bearer challenge exposed; foreign origins still
403 and no CORS at all without `--allowed-origin`. The same in a real browser: test_browser.py."""

from __future__ import annotations

import pytest

from personalize_mcp.transport.cross_origin import CORS_ALLOWED_HEADERS, origin_pattern
from personalize_mcp.transport.http_options import HTTPOptions
from tests.conftest import Sandbox
from tests.http.support import INITIALIZE, MCP_HEADERS, Issuer, in_process

pytestmark = pytest.mark.anyio

APP = "https://app.example.com"
OPTIONS = HTTPOptions(allowed_origins=(APP, "http://localhost:5173"))


def preflight(origin: str, method: str = "POST", headers: str | None = None) -> dict[str, str]:
    requested = headers or ", ".join(h.lower() for h in CORS_ALLOWED_HEADERS)
    return {"origin": origin, "access-control-request-method": method, "access-control-request-headers": requested}


async def test_a_preflight_from_an_allowed_origin_allows_every_mcp_header(sandbox: Sandbox) -> None:
    async with in_process(sandbox.connection(), OPTIONS) as served, served.http() as http:
        for method in ("POST", "GET", "DELETE"):
            response = await http.options("/mcp", headers=preflight(APP, method))
            assert response.status_code == 200, response.text
            assert response.headers["access-control-allow-origin"] == APP
            assert method in response.headers["access-control-allow-methods"]
            allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
            assert {h.lower() for h in CORS_ALLOWED_HEADERS} <= allowed
            assert "origin" in response.headers["vary"].lower()
            assert "access-control-allow-credentials" not in response.headers  # bearer tokens, no cookies


async def test_a_foreign_origin_is_still_403_even_for_a_preflight(sandbox: Sandbox) -> None:
    async with in_process(sandbox.connection(), OPTIONS) as served, served.http() as http:
        for origin in ("https://evil.example", "https://app.example.com.evil.example"):
            response = await http.options("/mcp", headers=preflight(origin))
            assert response.status_code == 403
            assert "access-control-allow-origin" not in response.headers
            posted = await http.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "origin": origin})
            assert posted.status_code == 403


async def test_answers_name_the_origin_and_expose_the_session_id(sandbox: Sandbox) -> None:
    async with in_process(sandbox.connection(), OPTIONS) as served, served.http() as http:
        response = await http.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "origin": APP})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == APP
        exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
        assert exposed == {"mcp-session-id", "www-authenticate"}
        assert response.headers["mcp-session-id"]


async def test_with_authentication_the_preflight_needs_no_token_and_the_401_is_readable(
    sandbox: Sandbox,
) -> None:
    issuer = Issuer()
    async with in_process(sandbox.connection(), OPTIONS, issuer=issuer) as served, served.http() as http:
        response = await http.options("/mcp", headers=preflight(APP))
        assert response.status_code == 200
        refused = await http.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "origin": APP})
        assert refused.status_code == 401
        assert refused.headers["access-control-allow-origin"] == APP
        assert "www-authenticate" in refused.headers["access-control-expose-headers"].lower()


async def test_without_allowed_origins_there_is_no_cors(sandbox: Sandbox) -> None:
    async with in_process(sandbox.connection()) as served, served.http() as http:
        response = await http.options("/mcp", headers=preflight("http://localhost:5173"))
        assert "access-control-allow-origin" not in response.headers
        posted = await http.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "origin": "http://localhost:5173"})
        assert posted.status_code == 200  # a loopback origin passes the guard, but gets no CORS grant
        assert "access-control-allow-origin" not in posted.headers


async def test_an_unlisted_header_is_not_allowed(sandbox: Sandbox) -> None:
    async with in_process(sandbox.connection(), OPTIONS) as served, served.http() as http:
        response = await http.options("/mcp", headers=preflight(APP, headers="content-type, x-secret"))
        assert response.status_code == 400


def test_origin_entries_match_as_the_rebinding_guard_does() -> None:
    import re

    pattern = re.compile(origin_pattern(["https://app.example.com", "http://localhost:5173", "http://dev.test:*"]))
    for origin in ("https://app.example.com", "https://app.example.com:8443", "HTTPS://APP.EXAMPLE.COM"):
        assert pattern.fullmatch(origin), origin
    for origin in ("http://localhost:5173", "http://dev.test:3000"):
        assert pattern.fullmatch(origin), origin
    for origin in (
        "http://app.example.com",
        "https://app.example.com.evil.test",
        "http://localhost:5174",
        "http://dev.test",
        "https://xapp.example.com",
    ):
        assert not pattern.fullmatch(origin), origin
