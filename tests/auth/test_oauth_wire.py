"""The token requests on the wire (§5), and token-endpoint failures as one sentence.

The sandbox proves the flows work; these tests pin down the exact form bodies and that no
response body (which may echo secrets) ever reaches a message. A recording transport is the
right tool for that: it sees the bytes we send.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import httpx2
import pytest

from personalize_mcp.auth.oauth import OAuthClient, TokenEndpointError
from personalize_mcp.config.settings import ConnectionOverrides, ConnectionSettings

pytestmark = pytest.mark.anyio

TOKEN_URL = "https://developerhub.example/token"
NOW = datetime(2030, 1, 1, tzinfo=UTC)


class Recorder:
    def __init__(self, status: int = 200, body: bytes | None = None, content_type: str = "application/json") -> None:
        self.requests: list[httpx2.Request] = []
        self.status = status
        self.body = body if body is not None else b'{"access_token": "new-access", "expires_in": 3600}'
        self.content_type = content_type

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        return httpx2.Response(self.status, content=self.body, headers={"content-type": self.content_type})

    def form(self) -> dict[str, str]:
        request = self.requests[-1]
        assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
        assert "authorization" not in request.headers  # client credentials travel in the body only
        return dict(parse_qsl(request.content.decode(), keep_blank_values=True))


def client(recorder: Recorder, **overrides: object) -> OAuthClient:
    settings = ConnectionSettings.resolve(
        ConnectionOverrides(token_url=TOKEN_URL, redirect_uri="http://localhost:8184", **overrides)  # type: ignore[arg-type]
    )
    return OAuthClient(settings, transport=httpx2.MockTransport(recorder), clock=lambda: NOW)


async def test_code_exchange_body_with_pkce() -> None:
    recorder = Recorder(
        body=b'{"access_token": "a", "refresh_token": "r", "expires_in": 120, "organization_uid": "org1",'
        b' "user_uid": "u1", "location": "EU", "authorization_type": "oauth", "token_type": "Bearer"}'
    )
    tokens = await client(recorder).exchange_code("the-code", "the-verifier")
    assert recorder.requests[0].method == "POST"
    assert str(recorder.requests[0].url) == TOKEN_URL
    assert recorder.form() == {
        "grant_type": "authorization_code",
        "code": "the-code",
        "redirect_uri": "http://localhost:8184",
        "code_verifier": "the-verifier",
        "client_id": "Ie0FEfTzlfAHL4xM",
    }
    assert tokens.access_token.get_secret_value() == "a"
    assert tokens.refresh_token is not None
    assert tokens.refresh_token.get_secret_value() == "r"
    assert tokens.expires_at == NOW + timedelta(seconds=120)
    assert (tokens.organization_uid, tokens.user_uid, tokens.location) == ("org1", "u1", "EU")
    assert "'a'" not in repr(tokens)


async def test_code_exchange_body_with_client_secret() -> None:
    recorder = Recorder()
    await client(recorder, client_id="cid", client_secret="shh").exchange_code("c", "v")
    assert recorder.form() == {
        "grant_type": "authorization_code",
        "code": "c",
        "redirect_uri": "http://localhost:8184",
        "code_verifier": "v",
        "client_id": "cid",
        "client_secret": "shh",
    }


async def test_refresh_body() -> None:
    recorder = Recorder()
    await client(recorder).refresh("old-refresh")
    assert recorder.form() == {
        "grant_type": "refresh_token",
        "refresh_token": "old-refresh",
        "redirect_uri": "http://localhost:8184",
        "client_id": "Ie0FEfTzlfAHL4xM",
    }
    await client(recorder, client_secret="shh", scopes=("x:read",)).refresh("old-refresh")
    form = recorder.form()
    assert form["client_secret"] == "shh"
    assert "scope" not in form


async def test_refresh_without_refresh_token_keeps_the_old_one() -> None:
    tokens = await client(Recorder()).refresh("old-refresh")
    assert tokens.refresh_token is not None
    assert tokens.refresh_token.get_secret_value() == "old-refresh"


async def test_missing_expiry_defaults_to_an_hour() -> None:
    tokens = await client(Recorder(body=b'{"access_token": "a"}')).refresh("r")
    assert tokens.expires_at == NOW + timedelta(hours=1)


@pytest.mark.parametrize(
    ("status", "body", "content_type", "expected", "code", "dead"),
    [
        (
            400,
            b'{"error": "invalid_grant", "error_description": "ECHO r-secret"}',
            "application/json",
            "refused the request (invalid_grant, HTTP 400)",
            "invalid_grant",
            True,
        ),
        (
            401,
            b'{"error_message": "ECHO r-secret", "error_code": 105}',
            "application/json",
            "refused the request (HTTP 401)",
            None,
            True,
        ),
        (
            400,
            b'{"error": "invalid_request"}',
            "application/json",
            "(invalid_request, HTTP 400)",
            "invalid_request",
            False,
        ),
        (400, b'{"error": "<script>ECHO r-secret</script>"}', "application/json", "(error, HTTP 400)", "error", False),
        (
            500,
            b'{"error": "server_error", "message": "ECHO r-secret"}',
            "application/json",
            "failed (HTTP 500)",
            None,
            False,
        ),
        (502, b"<html>ECHO r-secret</html>", "text/html", "failed (HTTP 502)", None, False),
        (200, b"<html>ECHO r-secret</html>", "text/html", "answered HTTP 200 without an access token", None, False),
        (200, b'{"error": "invalid_grant"}', "application/json", "(invalid_grant, HTTP 200)", "invalid_grant", True),
        (200, b'["ECHO r-secret"]', "application/json", "without an access token", None, False),
        (302, b"", "text/plain", "refused the request (HTTP 302)", None, False),
    ],
)
async def test_failures_are_one_sentence_without_the_body(
    status: int, body: bytes, content_type: str, expected: str, code: str | None, dead: bool
) -> None:
    with pytest.raises(TokenEndpointError) as caught:
        await client(Recorder(status, body, content_type)).refresh("r-secret")
    message = str(caught.value)
    assert expected in message
    assert "ECHO" not in message
    assert "r-secret" not in message
    assert "\n" not in message
    assert message.endswith(".")
    assert caught.value.error_code == code
    assert caught.value.grant_is_dead is dead


async def test_unreachable_endpoint() -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused")

    settings = ConnectionSettings.resolve(ConnectionOverrides(token_url=TOKEN_URL))
    oauth = OAuthClient(settings, transport=httpx2.MockTransport(refuse))
    with pytest.raises(TokenEndpointError, match=r"Could not reach .*developerhub\.example: ConnectError"):
        await oauth.refresh("r")


async def test_slow_endpoint() -> None:
    def slow(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("timed out")

    settings = ConnectionSettings.resolve(ConnectionOverrides(token_url=TOKEN_URL))
    with pytest.raises(TokenEndpointError, match="did not answer in time; try again in a moment"):
        await OAuthClient(settings, transport=httpx2.MockTransport(slow)).exchange_code("c", "v")
