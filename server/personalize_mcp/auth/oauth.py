"""Contentstack OAuth (contentstack-api.md §5): the authorize URL, code exchange and refresh.

The token requests go through authlib's `AsyncOAuth2Client` (httpx2 underneath), form-encoded
exactly as Contentstack documents: the code exchange sends `grant_type`, `code`, `redirect_uri`,
`client_id`, `code_verifier` (and `client_secret` when the app has one); a refresh sends
`grant_type=refresh_token`, `refresh_token`, `client_id`, `redirect_uri` (+ `client_secret`).

Every token-endpoint failure becomes a `TokenEndpointError` with one sentence. The response body
is never quoted: only the standard OAuth `error` code (when it looks like one) and the HTTP status,
because a body may echo what was sent, tokens included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

import httpx2
from pydantic import SecretStr

from personalize_mcp.auth.account import utc_now
from personalize_mcp.config.settings import ConnectionSettings
from personalize_mcp.runtime.errors import UserFacingError

if TYPE_CHECKING:
    from authlib.integrations.httpx_client import AsyncOAuth2Client  # type: ignore[import-untyped]

DEFAULT_EXPIRES_IN = 3600
TOKEN_REQUEST_TIMEOUT = 30.0
_OAUTH_ERROR_CODE = re.compile(r"[a-z][a-z0-9_.]{0,63}")


class TokenEndpointError(UserFacingError):
    """The token endpoint refused or failed a request.

    `reason` is the clause saying what happened (callers such as `login` build their own
    sentence around it); the message adds what to do. `error_code` is the OAuth `error` value
    (e.g. `invalid_grant`) when the endpoint sent a well-formed one; `status` the HTTP status.
    """

    def __init__(self, reason: str, advice: str, *, error_code: str | None = None, status: int | None = None) -> None:
        super().__init__(f"{reason}; {advice}.")
        self.reason = reason
        self.error_code = error_code
        self.status = status

    @property
    def grant_is_dead(self) -> bool:
        """The code or refresh token itself was refused (revoked, expired, reused, wrong client):
        retrying cannot help; only a new login can."""
        if self.error_code in {"invalid_grant", "invalid_token", "unauthorized_client", "invalid_client"}:
            return True
        return self.error_code is None and self.status in {400, 401}


@dataclass(frozen=True, slots=True)
class TokenResponse:
    """A successful token response; secrets stay wrapped."""

    access_token: SecretStr
    refresh_token: SecretStr | None
    expires_at: datetime
    token_type: str = "Bearer"
    organization_uid: str | None = None
    user_uid: str | None = None
    location: str | None = None
    authorization_type: str | None = None


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """The URL to send the user to, and the two values only this process may know."""

    url: str
    state: str = field(repr=False)
    code_verifier: str = field(repr=False)


class OAuthClient:
    """Talks to one app's token endpoint. `transport` lets tests route requests in-process."""

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        timeout: float = TOKEN_REQUEST_TIMEOUT,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._settings = settings
        self._transport = transport
        self._timeout = timeout
        self._clock = clock

    @property
    def settings(self) -> ConnectionSettings:
        return self._settings

    def authorization_request(self) -> AuthorizationRequest:
        """A fresh PKCE verifier and `state`, and the authorize URL carrying the S256 challenge.

        The authorize page is a hash-routed single-page app, so the query lives after
        `#!/apps/{uid}/authorize`, which is why the URL is assembled here and not by authlib
        (it would put the query before the fragment). Spaces are encoded `%20`, which every
        parser reads as a space (`+` is not decoded inside a fragment by all of them).
        """
        # authlib is imported by a login, not by `serve` (which starts sooner without it).
        from authlib.common.security import generate_token  # type: ignore[import-untyped]
        from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]

        s = self._settings
        verifier = generate_token(64)  # 64 unreserved characters: within PKCE's 43..128
        state = generate_token(32)
        params = [
            ("response_type", "code"),
            ("client_id", s.client_id),
            ("redirect_uri", s.redirect_uri),
            ("scope", " ".join(s.scopes)),
            ("state", state),
            ("code_challenge", create_s256_code_challenge(verifier)),
            ("code_challenge_method", "S256"),
        ]
        query = urlencode(params, quote_via=quote, safe="")
        url = f"{s.app_base_url.rstrip('/')}/#!/apps/{quote(s.app_uid, safe='')}/authorize?{query}"
        return AuthorizationRequest(url=url, state=state, code_verifier=verifier)

    async def exchange_code(self, code: str, code_verifier: str) -> TokenResponse:
        """Trade the redirect's `code` for tokens (PKCE: the verifier proves we asked)."""
        started = self._clock()
        async with self._client() as client:
            token = await self._call(
                client.fetch_token(
                    self._settings.token_url,
                    grant_type="authorization_code",
                    code=code,
                    redirect_uri=self._settings.redirect_uri,
                    code_verifier=code_verifier,
                )
            )
        return _token_response(token, started, previous_refresh_token=None)

    async def refresh(
        self, refresh_token: str, *, keep: Callable[[TokenResponse], None] | None = None
    ) -> TokenResponse:
        """New tokens for a refresh token; a response without one keeps `refresh_token`.

        `keep` receives the new tokens the moment they are parsed, before anything else is awaited
        (closing the HTTP client included): the refresh token may have rotated, so storing it is
        the first thing that happens. An exception from `keep` propagates.
        """
        started = self._clock()
        async with self._client() as client:
            token = await self._call(
                client.refresh_token(
                    self._settings.token_url,
                    refresh_token=refresh_token,
                    redirect_uri=self._settings.redirect_uri,
                )
            )
            tokens = _token_response(token, started, previous_refresh_token=refresh_token)
            if keep is not None:
                keep(tokens)
        return tokens

    def _client(self) -> AsyncOAuth2Client:
        # Imported when a token request is made: `serve` starts ~50 ms sooner without it.
        from authlib.integrations.httpx_client import AsyncOAuth2Client

        secret = self._settings.client_secret
        client = AsyncOAuth2Client(
            client_id=self._settings.client_id,
            client_secret=secret,
            # §5: credentials go in the form body, never in a Basic header.
            token_endpoint_auth_method="client_secret_post" if secret else "none",
            transport=self._transport,
            timeout=self._timeout,
            follow_redirects=False,
        )
        client.register_compliance_hook("access_token_response", self._check_response)
        client.register_compliance_hook("refresh_token_response", self._check_response)
        return client

    async def _call(self, request: Any) -> dict[str, Any]:
        host = urlsplit(self._settings.token_url).netloc or self._settings.token_url
        try:
            token = await request
        except TokenEndpointError:
            raise
        except httpx2.TimeoutException:
            raise TokenEndpointError(
                f"Contentstack's token endpoint ({host}) did not answer in time", "try again in a moment"
            ) from None
        except httpx2.TransportError as error:
            raise TokenEndpointError(
                f"Could not reach Contentstack's token endpoint ({host}: {type(error).__name__})",
                "check the network connection or CONTENTSTACK_OAUTH_TOKEN_URL",
            ) from None
        except Exception:
            # authlib's own parsing failures; `_check_response` has vetted the response already,
            # so this is unexpected. Keep the sentence, drop the details (they may hold values).
            raise TokenEndpointError(
                f"Contentstack's token endpoint ({host}) sent a response this client cannot use", "try again"
            ) from None
        return dict(token)

    def _check_response(self, response: httpx2.Response) -> httpx2.Response:
        """Turn every unusable token response into one sentence before authlib parses it."""
        status = response.status_code
        try:
            body: Any = json.loads(response.content or b"null")
        except ValueError:
            body = None
        error_code = _error_code(body)
        if status >= 500:
            raise TokenEndpointError(
                f"Contentstack's token endpoint failed (HTTP {status})", "try again in a moment", status=status
            )
        if status >= 300 or error_code is not None:
            detail = f"{error_code}, HTTP {status}" if error_code else f"HTTP {status}"
            raise TokenEndpointError(
                f"Contentstack's token endpoint refused the request ({detail})",
                "check the OAuth app settings (CONTENTSTACK_OAUTH_APP_UID, CONTENTSTACK_OAUTH_CLIENT_ID, "
                "CONTENTSTACK_OAUTH_CLIENT_SECRET, CONTENTSTACK_OAUTH_REDIRECT_URI) and log in again",
                error_code=error_code,
                status=status,
            )
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str) or not body["access_token"]:
            raise TokenEndpointError(
                f"Contentstack's token endpoint answered HTTP {status} without an access token",
                "try again",
                status=status,
            )
        return response


def _error_code(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    code = body.get("error")
    if isinstance(code, str) and _OAUTH_ERROR_CODE.fullmatch(code):
        return code
    if code is not None:
        return "error"
    return None


def _token_response(token: dict[str, Any], started: datetime, *, previous_refresh_token: str | None) -> TokenResponse:
    expires_in = token.get("expires_in")
    try:
        seconds = int(expires_in) if expires_in is not None else DEFAULT_EXPIRES_IN
    except (TypeError, ValueError):
        seconds = DEFAULT_EXPIRES_IN
    refresh = token.get("refresh_token") or previous_refresh_token

    def text(key: str) -> str | None:
        value = token.get(key)
        return str(value) if value not in (None, "") else None

    return TokenResponse(
        access_token=SecretStr(str(token["access_token"])),
        refresh_token=SecretStr(str(refresh)) if refresh else None,
        # Counted from when the request was sent, so latency never makes us late.
        expires_at=started + timedelta(seconds=max(seconds, 0)),
        token_type=text("token_type") or "Bearer",
        organization_uid=text("organization_uid"),
        user_uid=text("user_uid"),
        location=text("location"),
        authorization_type=text("authorization_type"),
    )
