"""`/oauth/callback`: Contentstack's answer, checked, turned into the person's login and our code.

In order: the `state` is taken from the store (so it is answered once: a replay finds nothing); the
browser must carry the flow's cookie (the one that approved on our consent page); Contentstack's
code is exchanged with the PKCE verifier and the app's secret; `GET /v3/user` names the person, who
must belong to `--organization-uid`; only then is their login stored and our own code sent to the
client's redirect URI, with `iss`. Contentstack's tokens never leave the server, and ours never go
to Contentstack. A refusal at any step goes back to the client as an OAuth error in one sentence.
"""

from __future__ import annotations

import logging
import secrets

import httpx2
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from personalize_mcp.auth.oauth import OAuthClient, TokenEndpointError
from personalize_mcp.broker.consent import ConsentEndpoint, cookie_name, digest_matches
from personalize_mcp.broker.pages import problem_page
from personalize_mcp.broker.person import PersonRefused, identify
from personalize_mcp.broker.provider import BrokerProvider
from personalize_mcp.broker.records import Login, utc_now
from personalize_mcp.broker.settings import BrokerSettings

logger = logging.getLogger(__name__)

ANSWERED = "This sign-in was already completed, or has expired; start again from your MCP client."
OTHER_BROWSER = "This sign-in was not started in this browser; start again from your MCP client."
_OAUTH_ERRORS = frozenset({"access_denied", "invalid_scope", "server_error", "temporarily_unavailable"})


class CallbackEndpoint:
    """`GET /oauth/callback`."""

    def __init__(
        self,
        settings: BrokerSettings,
        provider: BrokerProvider,
        consent: ConsentEndpoint,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._provider = provider
        self._consent = consent
        self._transport = transport

    async def handle(self, request: Request) -> Response:
        query = request.query_params
        state = query.get("state", "")
        flow = await self._provider.storage.take_flow(state) if state else None
        if flow is None:
            logger.warning("A Contentstack callback named an unknown or already answered state.")
            return problem_page(ANSWERED)
        cookie = cookie_name(self._settings, "flow", state)
        browser = request.cookies.get(cookie)

        if not digest_matches(browser, flow.browser_digest):
            logger.warning(
                "A Contentstack callback for client %s came back in another browser.", flow.pending.client_id[:80]
            )
            return problem_page(OTHER_BROWSER, status=403)
        pending = flow.pending
        if "error" in query or not query.get("code"):
            error = query.get("error", "access_denied")
            return self._consent.back_to_client(
                pending, error if error in _OAUTH_ERRORS else "access_denied", "Contentstack did not grant access."
            )
        oauth = OAuthClient(self._settings.app_for(pending.scopes), transport=self._transport)
        try:
            tokens = await oauth.exchange_code(query["code"], flow.code_verifier)
            person, organization_name = await identify(
                self._settings.app, tokens, self._settings.organization_uid, transport=self._transport
            )
        except TokenEndpointError as error:
            logger.warning("Could not exchange a Contentstack code: %s", error.message)
            return self._consent.back_to_client(pending, "temporarily_unavailable", error.reason + ".")
        except PersonRefused as refused:
            logger.warning("Refused a sign-in for client %s: %s", pending.client_id[:80], refused.description)
            return self._consent.back_to_client(pending, refused.error, refused.description)
        login = Login(
            grant_id=secrets.token_urlsafe(18),
            client_id=pending.client_id,
            scopes=pending.scopes,
            person=person,
            organization_uid=self._settings.organization_uid,
            organization_name=organization_name,
            location=tokens.location or query.get("location"),
            upstream_scopes=flow.upstream_scopes,
            access_token=tokens.access_token.get_secret_value(),
            refresh_token=tokens.refresh_token.get_secret_value() if tokens.refresh_token else None,
            expires_at=tokens.expires_at,
            updated_at=utc_now(),
        )
        url = await self._provider.complete(flow, login)
        logger.info("%s signed in for client %s.", person.shown, pending.client_id[:80])
        response = RedirectResponse(url, status_code=302, headers={"cache-control": "no-store"})
        response.delete_cookie(cookie, path="/")
        return response
