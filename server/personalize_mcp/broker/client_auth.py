"""Client authentication at `/token` and `/revoke` against a secret kept only as its digest.

The SDK's `ClientAuthenticator` compares the presented secret with the stored one in plain text;
ours are never stored, so this subclass reads the secret the same ways (`client_secret_post` in
the form, `client_secret_basic` in the header, nothing for public clients) and compares digests in
constant time.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from urllib.parse import unquote

from mcp.server.auth.middleware.client_auth import AuthenticationError, ClientAuthenticator
from mcp.shared.auth import OAuthClientInformationFull
from starlette.requests import Request

from personalize_mcp.broker.clients import BrokerClient
from personalize_mcp.store.sealing import digest


class DigestClientAuthenticator(ClientAuthenticator):
    async def authenticate_request(self, request: Request) -> OAuthClientInformationFull:
        form = await request.form()
        client_id = form.get("client_id")
        if not isinstance(client_id, str) or not client_id:
            raise AuthenticationError("Missing client_id")
        client = await self.provider.get_client(client_id)
        if not isinstance(client, BrokerClient):
            raise AuthenticationError("Invalid client_id")
        method = client.token_endpoint_auth_method or "client_secret_post"
        if method == "none":
            return client
        presented: str | None
        if method == "client_secret_basic":
            presented = _basic_secret(request.headers.get("authorization", ""), client_id)
        else:
            posted = form.get("client_secret")
            presented = posted if isinstance(posted, str) else None
        stored = client.client_secret_digest
        if not stored or not presented:
            raise AuthenticationError("Client secret is required")
        if not hmac.compare_digest(digest(presented), stored):
            raise AuthenticationError("Invalid client_secret")
        if client.client_secret_expires_at and client.client_secret_expires_at < int(time.time()):
            raise AuthenticationError("Client secret has expired")
        return client


def _basic_secret(header: str, client_id: str) -> str:
    if not header.startswith("Basic "):
        raise AuthenticationError("Missing or invalid Basic authentication in Authorization header")
    try:
        decoded = base64.b64decode(header[6:], validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise AuthenticationError("Invalid Basic authentication header") from None
    user, separator, secret = decoded.partition(":")
    if not separator:
        raise AuthenticationError("Invalid Basic authentication header")
    if unquote(user) != client_id:
        raise AuthenticationError("Client ID mismatch in Basic auth")
    return unquote(secret)
