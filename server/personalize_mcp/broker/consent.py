"""`/oauth/consent`: the person decides, in the browser that asked, before anything goes to Contentstack.

The confused deputy (MCP authorization spec, "Security Best Practices"): Contentstack may remember a
person's consent to the organisation's app, so without a page of our own an attacker who registered
a client could send a victim a link to `/authorize` and receive a code for the victim's login. So:

* `GET` shows which client, which redirect and which scopes, and sets a cookie (`pmcp_consent_…`,
  HttpOnly, SameSite=Strict) binding this browser to this request; the form carries a CSRF token.
  Only digests of both are stored with the request.
* `POST` counts only with the same browser's cookie and the page's token; the request is consumed
  by the first decision (a replayed or double-submitted form finds nothing).
* Approving stores the flow (PKCE verifier sealed) under the digest of a fresh `state`, sets a second
  cookie (`pmcp_flow_…`, SameSite=Lax so it comes back on Contentstack's redirect) that the callback
  must see, and sends the browser to Contentstack's authorize page for the organisation's app.
"""

from __future__ import annotations

import hmac
import logging
import secrets

from mcp.server.auth.provider import construct_redirect_uri
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from personalize_mcp.auth.oauth import OAuthClient
from personalize_mcp.broker.pages import consent_page, problem_page
from personalize_mcp.broker.records import PendingAuthorization, UpstreamFlow
from personalize_mcp.broker.settings import CONSENT_PATH, BrokerSettings
from personalize_mcp.broker.storage import FLOW_TTL, PENDING_TTL, BrokerStorage
from personalize_mcp.store.sealing import digest

logger = logging.getLogger(__name__)

EXPIRED = "This sign-in request has expired or was already answered; start again from your MCP client."
UNVERIFIED = (
    "This answer could not be verified (it must come from the page this browser was shown); "
    "start again from your MCP client."
)


def cookie_name(settings: BrokerSettings, kind: str, value: str) -> str:
    """One cookie per request (two sign-ins in one browser never overwrite each other); `__Host-` on https."""
    name = f"pmcp_{kind}_{digest(value)[:16]}"
    return f"__Host-{name}" if settings.secure_cookies else name


def set_cookie(
    response: Response, settings: BrokerSettings, name: str, value: str, *, max_age: float, same_site: str
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=int(max_age),
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite=same_site,  # type: ignore[arg-type]  # starlette's Literal
    )


def digest_matches(presented: str | None, stored_digest: str | None) -> bool:
    return bool(presented) and bool(stored_digest) and hmac.compare_digest(digest(str(presented)), str(stored_digest))


class ConsentEndpoint:
    """`GET` and `POST /oauth/consent`."""

    def __init__(self, settings: BrokerSettings, storage: BrokerStorage) -> None:
        self._settings = settings
        self._storage = storage

    async def show(self, request: Request) -> Response:
        txn = request.query_params.get("txn", "")
        stored = await self._storage.pending(txn) if txn else None
        if stored is None:
            return problem_page(EXPIRED)
        csrf, browser = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        pending = stored.record.model_copy(update={"csrf_digest": digest(csrf), "browser_digest": digest(browser)})
        await self._storage.save_pending(txn, pending)
        page = consent_page(
            pending,
            txn=txn,
            csrf=csrf,
            organization=self._settings.organization_uid,
            upstream_scopes=self._settings.upstream_scopes(pending.scopes),
            action=CONSENT_PATH,
        )
        set_cookie(
            page,
            self._settings,
            cookie_name(self._settings, "consent", txn),
            browser,
            max_age=PENDING_TTL,
            same_site="strict",
        )
        return page

    async def decide(self, request: Request) -> Response:
        form = await request.form()
        txn, csrf, decision = (str(form.get(field) or "") for field in ("txn", "csrf", "decision"))
        stored = await self._storage.pending(txn) if txn else None
        if stored is None:
            return problem_page(EXPIRED)
        pending = stored.record
        browser = request.cookies.get(cookie_name(self._settings, "consent", txn))
        if not (digest_matches(csrf, pending.csrf_digest) and digest_matches(browser, pending.browser_digest)):
            logger.warning(
                "A consent answer for client %s came without its page's token or cookie.", pending.client_id[:80]
            )
            return problem_page(UNVERIFIED, status=403)
        if decision not in ("approve", "deny") or not await self._storage.decide_pending(txn, stored.raw):
            return problem_page(EXPIRED)
        if decision == "deny":
            return self.back_to_client(pending, "access_denied", "You denied access.")
        return await self._to_contentstack(pending, txn)

    async def _to_contentstack(self, pending: PendingAuthorization, txn: str) -> Response:
        upstream = self._settings.upstream_scopes(pending.scopes)
        asked = OAuthClient(self._settings.app_for(pending.scopes)).authorization_request()
        browser = secrets.token_urlsafe(24)
        await self._storage.save_flow(
            asked.state,
            UpstreamFlow(
                pending=pending,
                code_verifier=asked.code_verifier,
                browser_digest=digest(browser),
                upstream_scopes=upstream,
            ),
        )
        response = RedirectResponse(asked.url, status_code=303, headers={"cache-control": "no-store"})
        set_cookie(
            response,
            self._settings,
            cookie_name(self._settings, "flow", asked.state),
            browser,
            max_age=FLOW_TTL,
            same_site="lax",
        )
        response.delete_cookie(cookie_name(self._settings, "consent", txn), path="/")
        return response

    def back_to_client(self, pending: PendingAuthorization, error: str, description: str) -> Response:
        """An OAuth error to the client's redirect URI (RFC 6749 §4.1.2.1), with `iss` (RFC 9207)."""
        url = construct_redirect_uri(
            pending.redirect_uri,
            error=error,
            error_description=description,
            state=pending.state,
            iss=self._settings.issuer,
        )
        return RedirectResponse(url, status_code=303, headers={"cache-control": "no-store"})
