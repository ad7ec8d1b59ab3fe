"""The authorize URL (§5) and the loopback listener that receives the redirect."""

from __future__ import annotations

import asyncio
import socket
from urllib.parse import parse_qsl

import httpx2
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from personalize_mcp.auth.listener import (
    ListenerError,
    Outcome,
    RedirectListener,
    RedirectTarget,
    classify,
)
from personalize_mcp.auth.oauth import OAuthClient
from personalize_mcp.config.settings import ConnectionOverrides, ConnectionSettings
from personalize_mcp.runtime.errors import ConfigurationError

pytestmark = pytest.mark.anyio


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_authorize_url_has_the_documented_shape() -> None:
    settings = ConnectionSettings.resolve(ConnectionOverrides(region="eu"))
    request = OAuthClient(settings).authorization_request()

    prefix = "https://eu-app.contentstack.com/#!/apps/6400aa06db64de001a31c8a9/authorize?"
    assert request.url.startswith(prefix)
    query = request.url[len(prefix) :]
    params = parse_qsl(query, keep_blank_values=True)
    assert [k for k, _ in params] == [
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    ]
    values = dict(params)
    assert values["response_type"] == "code"
    assert values["client_id"] == "Ie0FEfTzlfAHL4xM"
    assert values["redirect_uri"] == "http://localhost:8184"
    assert values["scope"] == "personalize:read cm.stacks.management:read organization:read user:read"
    assert "%20" in query
    assert "+" not in query
    assert values["state"] == request.state
    assert values["code_challenge_method"] == "S256"
    assert values["code_challenge"] == create_s256_code_challenge(request.code_verifier)
    assert 43 <= len(request.code_verifier) <= 128
    assert request.code_verifier not in repr(request)


def test_each_authorize_request_is_fresh() -> None:
    client = OAuthClient(ConnectionSettings.resolve(ConnectionOverrides()))
    first, second = client.authorization_request(), client.authorization_request()
    assert first.state != second.state
    assert first.code_verifier != second.code_verifier


def test_custom_app_host_and_scopes() -> None:
    overrides = ConnectionOverrides(
        app_base_url="http://127.0.0.1:9999/app",
        app_uid="myapp",
        client_id="cid",
        scopes=("a:read", "b:read"),
    )
    request = OAuthClient(ConnectionSettings.resolve(overrides)).authorization_request()
    assert request.url.startswith("http://127.0.0.1:9999/app/#!/apps/myapp/authorize?response_type=code&client_id=cid&")
    assert "scope=a%3Aread%20b%3Aread" in request.url


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("http://localhost:8184", RedirectTarget("localhost", 8184, "/")),
        ("http://127.0.0.1:5000/callback", RedirectTarget("127.0.0.1", 5000, "/callback")),
        ("http://[::1]:5000/cb", RedirectTarget("::1", 5000, "/cb")),
        ("http://localhost/cb", RedirectTarget("localhost", 80, "/cb")),
    ],
)
def test_redirect_targets(uri: str, expected: RedirectTarget) -> None:
    assert RedirectTarget.parse(uri) == expected


@pytest.mark.parametrize("uri", ["https://localhost:8184", "http://example.com:8184/cb", "http://10.0.0.1/cb", "x"])
def test_non_loopback_redirects_are_refused(uri: str) -> None:
    with pytest.raises(ConfigurationError, match="CONTENTSTACK_OAUTH_REDIRECT_URI must be an http:// loopback"):
        RedirectTarget.parse(uri)


@pytest.mark.parametrize(
    ("params", "outcome"),
    [
        ({"code": "c", "state": "s"}, Outcome.OK),
        ({"code": "c", "state": "other"}, Outcome.STATE_MISMATCH),
        ({"code": "c"}, Outcome.STATE_MISMATCH),
        ({"error": "access_denied", "state": "s"}, Outcome.DENIED),
        ({"error": "access_denied", "state": "x"}, Outcome.STATE_MISMATCH),
        ({"error": "server_error", "state": "s"}, Outcome.ERROR),
        ({"state": "s"}, None),
        ({}, None),
    ],
)
def test_classify(params: dict[str, str], outcome: Outcome | None) -> None:
    assert classify(params, "s") is outcome


async def test_listener_ignores_other_paths_and_takes_the_first_redirect() -> None:
    port = free_port()
    target = RedirectTarget("127.0.0.1", port, "/callback")
    async with RedirectListener(target, "the-state") as listener, httpx2.AsyncClient() as http:
        base = f"http://127.0.0.1:{port}"
        assert (await http.get(f"{base}/favicon.ico")).status_code == 404
        assert (await http.get(f"{base}/callback")).status_code == 400
        response = await http.get(f"{base}/callback", params={"code": "abc", "state": "the-state", "location": "EU"})
        assert response.status_code == 200
        assert "close this tab" in response.text
        assert response.headers["referrer-policy"] == "no-referrer"
        redirect = await asyncio.wait_for(listener.wait(), 5)
    assert redirect.outcome is Outcome.OK
    assert redirect.code == "abc"
    assert redirect.location == "EU"


async def test_listener_reports_a_wrong_state_and_never_hands_out_its_code() -> None:
    port = free_port()
    async with RedirectListener(RedirectTarget("127.0.0.1", port, "/cb"), "good") as listener:
        async with httpx2.AsyncClient() as http:
            response = await http.get(f"http://127.0.0.1:{port}/cb?code=stolen&state=evil")
        assert response.status_code == 400
        assert "does not belong" in response.text
        redirect = await asyncio.wait_for(listener.wait(), 5)
    assert redirect.outcome is Outcome.STATE_MISMATCH
    assert redirect.code is None


async def test_listener_on_localhost_answers_on_ipv4() -> None:
    port = free_port()
    async with RedirectListener(RedirectTarget("localhost", port, "/"), "s") as listener:
        async with httpx2.AsyncClient() as http:
            response = await http.get(f"http://127.0.0.1:{port}/?error=access_denied&state=s")
        assert response.status_code == 200
        redirect = await asyncio.wait_for(listener.wait(), 5)
    assert redirect.outcome is Outcome.DENIED


async def test_port_in_use_is_one_sentence() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ListenerError) as caught:
            async with RedirectListener(RedirectTarget("127.0.0.1", port, "/cb"), "s"):
                pass
    message = str(caught.value)
    assert f"Port {port}" in message
    assert "already in use" in message
    assert "\n" not in message


async def test_listener_closes_its_port() -> None:
    port = free_port()
    async with RedirectListener(RedirectTarget("127.0.0.1", port, "/cb"), "s"):
        pass
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))


async def test_silent_connections_do_not_block_the_redirect() -> None:
    port = free_port()
    async with RedirectListener(RedirectTarget("127.0.0.1", port, "/cb"), "s") as listener:
        _reader, idle = await asyncio.open_connection("127.0.0.1", port)  # a browser pre-connect
        async with httpx2.AsyncClient() as http:
            await http.get(f"http://127.0.0.1:{port}/cb?code=c&state=s")
        redirect = await asyncio.wait_for(listener.wait(), 5)
        idle.close()
    assert redirect.outcome is Outcome.OK
