"""`personalize-mcp login`: authorization code + PKCE, from the authorize URL to a stored account.

Order matters for "existing accounts untouched": the target account file is checked (a corrupt
one stops the login before the browser opens), the listener binds before the URL is shown, and
nothing is written until the code has been exchanged. Any failure is a `LoginError` (one
sentence) and leaves the store as it was.
"""

from __future__ import annotations

import asyncio
import os
import sys
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TextIO

import anyio.to_thread
import httpx2

from personalize_mcp.auth.account import (
    StoredAccount,
    StoredConnection,
    UserInfo,
    utc_now,
    validate_account_name,
)
from personalize_mcp.auth.identity import who_logged_in
from personalize_mcp.auth.listener import Outcome, RedirectListener, RedirectTarget
from personalize_mcp.auth.oauth import OAuthClient, TokenEndpointError
from personalize_mcp.auth.protocol import WRITE_SCOPE
from personalize_mcp.auth.store import AccountStore
from personalize_mcp.config.regions import DEFAULT_REGION, normalize_region
from personalize_mcp.config.settings import ConnectionOverrides, ConnectionSettings
from personalize_mcp.runtime.errors import ConfigurationError, UserFacingError

DEFAULT_TIMEOUT_SECONDS = 300.0


class LoginError(UserFacingError):
    """The login did not complete; nothing was stored."""


@dataclass(frozen=True, slots=True)
class LoginRequest:
    account: str
    region: str | None = None
    open_browser: bool = True
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    writes: bool = False
    """Also ask for `personalize:manage` (`login --writes`), which `serve --writes` needs."""


def open_in_browser(url: str) -> bool:
    """The system browser; False when none could be started (the URL is printed anyway).

    On Linux and the BSDs without a graphical session, `webbrowser` falls back to console browsers
    (lynx, w3m) that take over the terminal and cannot run the consent page; there we only print
    the URL, unless the user chose a browser with `BROWSER`.
    """
    if _headless():
        return False
    try:
        return webbrowser.open(url, new=2)
    except Exception:
        return False


def _headless() -> bool:
    if sys.platform in ("darwin", "win32") or os.environ.get("BROWSER"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


async def login(
    request: LoginRequest,
    *,
    env: Mapping[str, str],
    store: AccountStore,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    transport: httpx2.AsyncBaseTransport | None = None,
    open_url: Callable[[str], bool] = open_in_browser,
) -> StoredAccount:
    """Run the whole login and return the stored account."""
    name = validate_account_name(request.account)
    if not request.timeout > 0:
        raise ConfigurationError("--timeout must be a positive number of seconds.")
    previous = store.load(name)  # an unreadable file stops here, untouched

    region_flag = normalize_region(request.region, source="--region") if request.region else None
    explicit = ConnectionOverrides(region=region_flag).over(ConnectionOverrides.from_env(env))
    if request.writes:
        asked = ConnectionSettings.resolve(explicit).scopes
        explicit = replace(explicit, scopes=tuple(dict.fromkeys([*asked, WRITE_SCOPE])))
    settings = ConnectionSettings.resolve(explicit)
    target = RedirectTarget.parse(settings.redirect_uri)
    authorization = OAuthClient(settings, transport=transport).authorization_request()

    async with RedirectListener(target, authorization.state) as listener:
        _say(err, "Open this URL in a browser to log in to Contentstack and choose the organisation:")
        print(authorization.url, file=out, flush=True)
        _say(err, f"Waiting up to {request.timeout:g} s for the redirect to {settings.redirect_uri} ...")
        if request.open_browser and not await anyio.to_thread.run_sync(open_url, authorization.url):
            _say(err, "Could not open a browser; open the URL above yourself.")
        try:
            async with asyncio.timeout(request.timeout):
                redirect = await listener.wait()
        except TimeoutError:
            raise LoginError(
                f"No login redirect arrived within {request.timeout:g} seconds; run `personalize-mcp login` "
                "again (use --timeout to wait longer)."
            ) from None

    if redirect.outcome is Outcome.STATE_MISMATCH:
        raise LoginError(
            "The login redirect did not carry this login's state, so it was rejected and its code was not "
            "used; run `personalize-mcp login` again."
        )
    if redirect.outcome is Outcome.DENIED:
        raise LoginError(
            "Access was denied on Contentstack's consent page (access_denied); run `personalize-mcp login` "
            "again and allow access."
        )
    if redirect.outcome is Outcome.ERROR:
        raise LoginError(
            f"Contentstack ended the login with error {_safe_code(redirect.error)}; check the app's settings "
            "and run `personalize-mcp login` again."
        )
    code = redirect.code
    assert code is not None

    region = _final_region(region_flag, explicit.region, redirect.location, err)
    settings = ConnectionSettings.resolve(replace(explicit, region=region))
    try:
        tokens = await OAuthClient(settings, transport=transport).exchange_code(code, authorization.code_verifier)
    except TokenEndpointError as error:
        raise LoginError(
            f"Login failed and no account was stored: {error.reason}; run `personalize-mcp login` again."
        ) from None

    if not (region_flag or explicit.region or redirect.location) and tokens.location:
        # No one said where the account lives but the token response does: its APIs are there.
        token_region = _known_region(tokens.location)
        if token_region is not None and token_region != region:
            settings = ConnectionSettings.resolve(replace(explicit, region=token_region))

    access_token = tokens.access_token.get_secret_value()
    organization_uid = tokens.organization_uid
    user, organization = await who_logged_in(
        settings,
        access_token,
        organization_uid=organization_uid,
        user_uid=tokens.user_uid,
        transport=transport,
    )
    now = utc_now()
    account = StoredAccount(
        name=name,
        connection=StoredConnection.from_overrides(_persisted(explicit, settings)),
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        token_type=tokens.token_type,
        expires_at=tokens.expires_at,
        organization=organization,
        user=user,
        authorization_type=tokens.authorization_type,
        created_at=previous.created_at if previous is not None else now,
        updated_at=now,
    )
    await anyio.to_thread.run_sync(store.save, account)
    is_default = await anyio.to_thread.run_sync(store.default_name) == name
    print(_summary(account, replaced=previous is not None, is_default=is_default), file=out, flush=True)
    return account


def _persisted(explicit: ConnectionOverrides, settings: ConnectionSettings) -> ConnectionOverrides:
    """What the account remembers: every value set explicitly, plus the region and the OAuth app
    the tokens are bound to (a refresh must use the same client id and redirect URI)."""
    return replace(
        explicit,
        region=settings.region,
        app_uid=settings.app_uid,
        client_id=settings.client_id,
        redirect_uri=settings.redirect_uri,
        scopes=settings.scopes,
    )


def _final_region(flag: str | None, explicit: str | None, location: str | None, err: TextIO) -> str:
    """`--region` > `CONTENTSTACK_REGION` > the redirect's `location` > na (which the token
    response's `location` may still correct, see `login`)."""
    if flag or explicit:
        return flag or explicit or DEFAULT_REGION
    if location:
        if (region := _known_region(location)) is not None:
            return region
        _say(err, f"Ignoring the unknown region {_safe_code(location)} in the redirect; using '{DEFAULT_REGION}'.")
    return DEFAULT_REGION


def _known_region(location: str) -> str | None:
    """The region a `location` code names, or None for a code we do not know."""
    try:
        return normalize_region(location)
    except ConfigurationError:
        return None


def _summary(account: StoredAccount, *, replaced: bool, is_default: bool) -> str:
    org = account.organization
    organisation = describe_organization(org.uid, org.name)
    stored = "replaced the stored account" if replaced else "stored as account"
    default = " (the default account)" if is_default else ""
    writes = " with write access (personalize:manage)" if WRITE_SCOPE in (account.connection.scopes or ()) else ""
    return (
        f"Logged in as {describe_user(account.user)} to organisation {organisation} in region "
        f"{account.region or DEFAULT_REGION}{writes}; {stored} '{account.name}'{default}."
    )


def describe_organization(uid: str | None, name: str | None) -> str:
    if name and uid:
        return f"{name} ({uid})"
    return uid or name or "an unknown organisation"


def describe_user(user: UserInfo) -> str:
    if user.name and user.email:
        return f"{user.name} <{user.email}>"
    return user.email or user.name or (f"user {user.uid}" if user.uid else "an unknown user")


def _safe_code(value: str | None) -> str:
    """An upstream-supplied code, shown only if it looks like one (never arbitrary text)."""
    if value and len(value) <= 40 and all(c.isalnum() or c in "_-." for c in value):
        return repr(value)
    return "(unrecognised)"


def _say(err: TextIO, message: str) -> None:
    print(message, file=err, flush=True)
