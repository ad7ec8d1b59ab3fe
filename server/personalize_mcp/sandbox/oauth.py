"""OAuth 2.0 of a Developer Hub app (contentstack-api.md §5): consent, codes, tokens, refresh.

The real authorize page lives in a URL fragment (`{app host}/#!/apps/{uid}/authorize?...`) that never
reaches a server, so `GET /app/` serves a page whose script forwards the fragment to
`/app/sandbox/consent?app_uid={uid}&...`; tests call that directly (`consent_url()` builds it from
an authorize URL; `app_uid` may be left out; `/app/sandbox/apps/{uid}/authorize?...` is an alias).
Consent is automatic, as the person `user_uid` (default: MAIN_USER_UID, people.py lists the others)
in the organisation `organization_uid` (default: the person's first one), as if they had signed in
and picked it; `deny=1` refuses.

Choices where the docs are silent: redirect URIs must be registered, or loopback (RFC 8252 §7.3: any
port, any path) for a public app; an organisation's own app (people.BROKER_*) takes registered ones
only; problems with client or redirect URI answer 400 JSON, every other consent problem is redirected
as `?error=` (RFC 6749 §4.1.2.1); without `scope` the app's default scopes are granted; client secrets
travel only in the form body; errors are 400 (`invalid_client` included); a code is
spent by its successful redemption, and a replayed code revokes what it produced; a refresh must
repeat the grant's `redirect_uri`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from personalize_mcp.sandbox.data import DEFAULT_SCOPES, MAIN_USER_UID, OAuthApp
from personalize_mcp.sandbox.errors import oauth_error
from personalize_mcp.sandbox.gate import state_of
from personalize_mcp.sandbox.state import SandboxState
from personalize_mcp.sandbox.tokens import Grant, Principal

_PKCE_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_PKCE_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")

AUTHORIZE_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Contentstack sandbox: authorize</title></head>
<body><p id="msg">Forwarding to the sandbox consent step&hellip;</p>
<script>
var m = location.hash.match(/^#!\\/apps\\/([^\\/?]+)\\/authorize\\?(.*)$/);
if (m) { location.replace("sandbox/consent?app_uid=" + encodeURIComponent(m[1]) + "&" + m[2]); }
else { document.getElementById("msg").textContent = "No authorize request in the URL fragment: expected "
  + "#!/apps/{app_uid}/authorize?response_type=code&... (the query belongs inside the fragment)."; }
</script></body></html>
"""


def consent_url(
    authorize_url: str, *, organization_uid: str | None = None, deny: bool = False, user_uid: str | None = None
) -> str:
    """Turn `{app}/#!/apps/{uid}/authorize?q` into `{app}/sandbox/consent?app_uid={uid}&q`: what a
    test GETs instead of a browser (the answer is the 302 to the redirect URI)."""
    base, _, fragment = authorize_url.partition("#!/")
    match = re.fullmatch(r"apps/([A-Za-z0-9_-]+)/authorize\?(.+)", fragment, flags=re.DOTALL)
    if match is None or "?" in base:
        raise ValueError(
            "not a Contentstack authorize URL: expected {app}/#!/apps/{app_uid}/authorize?<query>, "
            "with the query inside the #! fragment"
        )
    params = [("app_uid", match.group(1)), *parse_qsl(match.group(2), keep_blank_values=True)]
    if organization_uid is not None:
        params.append(("organization_uid", organization_uid))
    if user_uid is not None:
        params.append(("user_uid", user_uid))
    if deny:
        params.append(("deny", "1"))
    return f"{base.rstrip('/')}/sandbox/consent?{urlencode(params)}"


def redirect_allowed(app: OAuthApp, redirect_uri: str) -> bool:
    """Registered exactly, or (public apps) any http loopback redirect (RFC 8252 §7.3)."""
    if redirect_uri in app.redirect_uris:
        return True
    if not app.any_loopback_redirect:
        return False
    parts = urlsplit(redirect_uri)
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return False
    return parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS and not parts.fragment


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


async def authorize_page(request: Request) -> HTMLResponse:
    return HTMLResponse(AUTHORIZE_PAGE)


async def consent(request: Request) -> Response:
    """Validate an authorize request and redirect with a code (or an error), as the consent page does."""
    state = state_of(request)
    query = request.query_params
    app = state.oauth_apps.get(query.get("client_id", ""))
    app_uid = request.path_params.get("app_uid") or query.get("app_uid")
    if app is None or (app_uid is not None and app_uid != app.app_uid):
        return oauth_error("invalid_client", "Unknown app uid or client_id.")
    redirect_uri = query.get("redirect_uri", "")
    if not redirect_allowed(app, redirect_uri):
        return oauth_error("invalid_request", "redirect_uri is not registered for this app.")
    client_state = query.get("state")

    def redirect(params: dict[str, str]) -> RedirectResponse:
        if client_state is not None:
            params["state"] = client_state
        return RedirectResponse(_with_query(redirect_uri, params), status_code=302)

    def fail(error: str, description: str) -> RedirectResponse:
        return redirect({"error": error, "error_description": description})

    if query.get("response_type") != "code":
        return fail("unsupported_response_type", "response_type must be code.")
    challenge = query.get("code_challenge")
    method = query.get("code_challenge_method")
    if challenge is not None:
        if method != "S256":
            return fail("invalid_request", "code_challenge_method must be S256.")
        if not _PKCE_CHALLENGE.fullmatch(challenge):
            return fail("invalid_request", "code_challenge must be a base64url SHA-256 (43 characters).")
    elif app.client_secret is None:
        return fail("invalid_request", "code_challenge is required: this app uses PKCE.")
    if query.get("deny", "").lower() in ("1", "true"):
        return fail("access_denied", "The user denied access.")
    user_uid = query.get("user_uid") or MAIN_USER_UID
    user = state.data.users.get(user_uid)
    if user is None:
        return fail("access_denied", "No such user can sign in.")
    member_of = [org["uid"] for org in user["organizations"]]
    org_uid = query.get("organization_uid") or member_of[0]
    if org_uid not in member_of:
        return fail("access_denied", "The user is not a member of that organization.")
    scope = query.get("scope")
    scopes = frozenset(scope.split() if scope is not None else DEFAULT_SCOPES)
    with state.lock:
        code = state.tokens.create_code(
            client_id=app.client_id,
            redirect_uri=redirect_uri,
            code_challenge=challenge,
            principal=Principal(org_uid, user_uid, scopes),
            ttl=state.code_ttl,
        )
    return redirect({"code": code, "location": state.location})


class _Refused(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.response = oauth_error(error, description)


def _form(body: bytes) -> dict[str, str]:
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _Refused("invalid_request", "The body is not form-encoded.") from exc
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise _Refused("invalid_request", f"{key} is repeated.")
        if value:
            form[key] = value
    return form


def _required(form: dict[str, str], name: str) -> str:
    if name not in form:
        raise _Refused("invalid_request", f"{name} is required.")
    return form[name]


def _client(state: SandboxState, form: dict[str, str], *, secret_required: bool) -> OAuthApp:
    app = state.oauth_apps.get(_required(form, "client_id"))
    if app is None:
        raise _Refused("invalid_client", "Unknown client_id.")
    secret = form.get("client_secret")
    if secret is not None and app.client_secret is None:
        raise _Refused("invalid_client", "This app has no client secret; use PKCE.")
    if app.client_secret is not None:
        if secret is None and secret_required:
            raise _Refused("invalid_client", "client_secret is required (in the form body).")
        if secret is not None and not hmac.compare_digest(secret, app.client_secret):
            raise _Refused("invalid_client", "client_secret is wrong.")
    return app


def _token_response(state: SandboxState, grant: Grant, refresh_token: str | None) -> JSONResponse:
    access_token = state.tokens.issue_access_token(grant.principal, state.access_token_ttl, grant.uid)
    body: dict[str, Any] = {"access_token": access_token}
    if refresh_token is not None:
        body["refresh_token"] = refresh_token
    body |= {
        "token_type": "Bearer",
        "expires_in": state.access_token_ttl,
        "location": state.location,
        "organization_uid": grant.principal.org_uid,
        "authorization_type": "oauth",
        "user_uid": grant.principal.user_uid,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def _exchange_code(state: SandboxState, form: dict[str, str]) -> JSONResponse:
    code_value = _required(form, "code")
    redirect_uri = _required(form, "redirect_uri")
    verifier = form.get("code_verifier")
    code = state.tokens.codes.get(code_value)
    app = _client(state, form, secret_required=code is None or code.code_challenge is None)
    if code is None:
        raise _Refused("invalid_grant", "The authorization code is unknown.")
    if code.used:
        if code.grant_uid is not None:
            state.tokens.revoke_grant(code.grant_uid)
        raise _Refused("invalid_grant", "The authorization code was already used; its tokens are revoked.")
    if state.tokens.code_expired(code):
        raise _Refused("invalid_grant", "The authorization code has expired.")
    if code.client_id != app.client_id:
        raise _Refused("invalid_grant", "The authorization code was issued to another client.")
    if code.redirect_uri != redirect_uri:
        raise _Refused("invalid_grant", "redirect_uri does not match the authorization request.")
    if code.code_challenge is not None:
        if verifier is None:
            raise _Refused("invalid_grant", "code_verifier is required.")
        if not _PKCE_VERIFIER.fullmatch(verifier):
            raise _Refused("invalid_request", "code_verifier must be 43-128 unreserved characters.")
        if not hmac.compare_digest(s256(verifier), code.code_challenge):
            raise _Refused("invalid_grant", "code_verifier does not match the code_challenge.")
    grant = state.tokens.open_grant(client_id=app.client_id, redirect_uri=redirect_uri, principal=code.principal)
    code.used = True
    code.grant_uid = grant.uid
    return _token_response(state, grant, state.tokens.issue_refresh_token(grant))


def _refresh(state: SandboxState, form: dict[str, str]) -> JSONResponse:
    presented = _required(form, "refresh_token")
    redirect_uri = _required(form, "redirect_uri")
    app = _client(state, form, secret_required=True)
    record = state.tokens.refresh_tokens.get(presented)
    grant = state.tokens.grants.get(record.grant_uid) if record else None
    if record is None or grant is None:
        raise _Refused("invalid_grant", "The refresh token is unknown.")
    if grant.revoked:
        raise _Refused("invalid_grant", "The refresh token has been revoked.")
    if record.rotated:
        state.tokens.revoke_grant(grant.uid)
        raise _Refused("invalid_grant", "The refresh token was already used; the whole grant is now revoked.")
    if grant.client_id != app.client_id:
        raise _Refused("invalid_grant", "The refresh token was issued to another client.")
    if grant.redirect_uri != redirect_uri:
        raise _Refused("invalid_grant", "redirect_uri does not match the one the grant was made with.")
    if state.omit_refresh_token_on_refresh:
        return _token_response(state, grant, None)
    if not state.rotate_refresh_tokens:
        return _token_response(state, grant, presented)
    record.rotated = True
    return _token_response(state, grant, state.tokens.issue_refresh_token(grant))


async def token(request: Request) -> Response:
    """`POST /token` (Developer Hub) and `POST /apps-api/token` (app host): form-encoded grants."""
    state = state_of(request)
    body = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type != "application/x-www-form-urlencoded":
            raise _Refused("invalid_request", "The body must be application/x-www-form-urlencoded.")
        form = _form(body)
    except _Refused as refused:
        with state.lock:
            state.token_requests[""] += 1
        return refused.response
    grant_type = form.get("grant_type", "")
    basic_auth = request.headers.get("authorization", "").lower().startswith("basic ")
    with state.lock:
        state.token_requests[grant_type] += 1
        try:
            if basic_auth and "client_secret" not in form:
                raise _Refused(
                    "invalid_client",
                    "Send client_id and client_secret in the form body (client_secret_post); "
                    "HTTP Basic client authentication is not accepted.",
                )
            if grant_type == "authorization_code":
                return _exchange_code(state, form)
            if grant_type == "refresh_token":
                return _refresh(state, form)
            if not grant_type:
                raise _Refused("invalid_request", "grant_type is required.")
            raise _Refused("unsupported_grant_type", "grant_type must be authorization_code or refresh_token.")
        except _Refused as refused:
            return refused.response


def app_host_routes() -> list[BaseRoute]:
    """Routes of the App UI host, token endpoint excepted (that one is wrapped as the oauth API)."""
    return [
        Route("/", authorize_page, methods=["GET"]),
        Route("/sandbox/consent", consent, methods=["GET"]),
        Route("/sandbox/apps/{app_uid}/authorize", consent, methods=["GET"]),
    ]
