"""All mutable sandbox state behind one object, so tests can drive it in-process or over HTTP.

The HTTP control endpoints (`/_sandbox/...`) call exactly these methods.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from personalize_mcp.sandbox.clock import Clock, system_clock
from personalize_mcp.sandbox.data import (
    MAIN_ORG_UID,
    MAIN_USER_UID,
    OAUTH_APPS,
    SECOND_ORG_UID,
    SECOND_ORG_USER_UID,
    OAuthApp,
    seed_data,
)
from personalize_mcp.sandbox.faults import (
    DEFAULT_SLOW_SECONDS,
    FaultBoard,
    FaultTarget,
    HugeFault,
    InvalidJsonFault,
    RateLimitFault,
    ResetFault,
    StatusFault,
    TrickleFault,
    TruncateFault,
)
from personalize_mcp.sandbox.generated import GeneratedAccount, ScaleSpec, generate
from personalize_mcp.sandbox.ratelimit import RateLimiter
from personalize_mcp.sandbox.shapes import SandboxData
from personalize_mcp.sandbox.tokens import Principal, TokenStore

SANDBOX_ACCESS_TOKEN = "sandbox-northwind-access-token-0001"
"""Permanent token of MAIN_USER_UID in MAIN_ORG_UID: what `serve --sandbox` and `demo` use."""
SANDBOX_SECOND_ORG_ACCESS_TOKEN = "sandbox-contoso-access-token-0002"
"""Permanent token of SECOND_ORG_USER_UID in SECOND_ORG_UID."""

SingleVariantKey = Literal["variant", "variants"]


@dataclass(frozen=True)
class RequestRecord:
    """One API request as the sandbox saw it. Holds no token values, by construction."""

    time: float
    api: str
    method: str
    path: str
    """Path on the API's own host (without the sandbox prefix), e.g. `/v3/stacks`."""
    query: str
    organization: str | None
    """The organisation of the caller's token (None when unauthenticated)."""
    project: str | None
    """The `x-project-uid` header."""
    api_key: str | None
    """The `api_key` header (a stack key, not a secret)."""
    status: int
    fault: str | None = None
    """The injected fault kind that answered, if any."""
    user: str | None = None
    """The person whose token made the request (None when unauthenticated): whose login a call used."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SandboxState:
    """Data, tokens, faults, switches, counters and the request log of one sandbox."""

    def __init__(self, clock: Clock | None = None, *, scale: ScaleSpec | None = None) -> None:
        """`scale`: serve a generated large account (generated.py) instead of the seed, also after `reset`."""
        self.clock: Clock = clock or system_clock
        self.lock = threading.RLock()
        self.tokens = TokenStore(clock=self.now)
        self.faults = FaultBoard()
        self.rate_limiter = RateLimiter()
        self.oauth_apps: dict[str, OAuthApp] = {app.client_id: app for app in OAUTH_APPS}
        self.requests: list[RequestRecord] = []
        self.token_requests: Counter[str] = Counter()
        """Token-endpoint requests by `grant_type` as sent (failed ones included)."""
        self.base_scale = scale
        self.render_once = scale is not None
        """Data is read-only (`--scale`): list bodies are rendered once each (gate.json_response)."""
        self.rendered: dict[tuple[object, ...], bytes] = {}
        self.generated: GeneratedAccount | None = None
        """The generated account being served, if any (its notable uids and counts)."""
        self.data: SandboxData = self._base_data()
        self._default_switches()
        self.tokens.add_permanent(SANDBOX_ACCESS_TOKEN, Principal(MAIN_ORG_UID, MAIN_USER_UID))
        self.tokens.add_permanent(SANDBOX_SECOND_ORG_ACCESS_TOKEN, Principal(SECOND_ORG_UID, SECOND_ORG_USER_UID))

    def _default_switches(self) -> None:
        self.rate_limit_per_second: int | None = 10
        """Requests per second per organisation per API (Personalize, CMS); None turns limiting off."""
        self.access_token_ttl: int = 3600
        self.code_ttl: int = 60
        self.rotate_refresh_tokens: bool = True
        self.omit_refresh_token_on_refresh: bool = False
        """When True a refresh answers without `refresh_token`, and the presented one stays valid."""
        self.location: str = "NA"
        self.single_variant_key: SingleVariantKey = "variant"
        self.enforce_scopes: bool = True
        """OAuth tokens may only call what their scopes allow (seeded tokens allow everything)."""
        self.serve_attributes: bool = True
        """False: `GET /attributes` answers 404, as an API built from contentstack-api.md alone would."""
        self.short_uid_on_put: Literal["accept", "refuse"] = "accept"
        """"refuse": a version PUT naming `shortUid` is a 400 blaming that field (the disputed answer of §8);
        variants then sent without it keep their short uid by name."""
        self.write_fault: tuple[int, int] | None = None
        """(writes still to succeed, status of the one to fail): see `fail_write_after`."""

    SWITCHES = (
        "rate_limit_per_second",
        "access_token_ttl",
        "code_ttl",
        "rotate_refresh_tokens",
        "omit_refresh_token_on_refresh",
        "location",
        "single_variant_key",
        "enforce_scopes",
        "serve_attributes",
        "short_uid_on_put",
    )

    def now(self) -> float:
        return self.clock()

    def switches(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.SWITCHES}

    def _base_data(self) -> SandboxData:
        self.rendered = {}
        if self.base_scale is None:
            self.generated = None
            return seed_data()
        self.generated = generate(self.base_scale)
        return self.generated.data

    def load_generated(self, spec: ScaleSpec) -> GeneratedAccount:
        """Serve a generated large account until the next `reset` (which returns to the seed, or to the
        account the sandbox was started with): a test can use one without changing the next test's."""
        account = generate(spec)
        with self.lock:
            self.data = account.data
            self.generated = account
            self.rendered = {}
        return account

    def reset(self) -> None:
        """Back to the seed (or the generated account of `scale`): data, switches, faults, request log,
        counters, rate windows.

        Tokens and grants are kept, so a login made before the reset still works.
        """
        with self.lock:
            self.data = self._base_data()
            self._default_switches()
            self.faults.clear()
            self.requests.clear()
            self.token_requests.clear()
            self.rate_limiter.clear()

    # ------------------------------------------------------------------ request log
    def record(self, record: RequestRecord) -> None:
        with self.lock:
            self.requests.append(record)

    def request_log(self) -> list[RequestRecord]:
        with self.lock:
            return list(self.requests)

    def clear_requests(self) -> None:
        with self.lock:
            self.requests.clear()

    # ------------------------------------------------------------------ tokens
    def issue_access_token(
        self, org_uid: str, user_uid: str, *, ttl: float | None = None, scopes: frozenset[str] | None = None
    ) -> str:
        """A token for any organisation/user without the OAuth dance (default ttl: `access_token_ttl`)."""
        with self.lock:
            return self.tokens.issue_access_token(
                Principal(org_uid, user_uid, scopes), self.access_token_ttl if ttl is None else ttl
            )

    def expire_access_tokens(self) -> int:
        """Expire every access token now (except the seeded permanent ones); returns how many."""
        with self.lock:
            return self.tokens.expire_access_tokens()

    def revoke_grant_of(self, token: str) -> bool:
        """Revoke the grant behind an access or refresh token, and all its tokens."""
        with self.lock:
            grant = self.tokens.grant_of(token)
            return grant is not None and self.tokens.revoke_grant(grant.uid)

    def revoke_user_grants(self, user_uid: str) -> int:
        with self.lock:
            return self.tokens.revoke_user(user_uid)

    def revoke_all_grants(self) -> int:
        with self.lock:
            return self.tokens.revoke_all()

    def register_redirect_uri(self, client_id: str, redirect_uri: str) -> bool:
        """Register one more redirect URI for an app, as its owner would in Developer Hub (kept across
        resets, like logins); False for an unknown client id."""
        with self.lock:
            app = self.oauth_apps.get(client_id)
            if app is None:
                return False
            if redirect_uri not in app.redirect_uris:
                self.oauth_apps[client_id] = replace(app, redirect_uris=(*app.redirect_uris, redirect_uri))
            return True

    # ------------------------------------------------------------------ faults
    def fail_next(self, api: FaultTarget, status: int = 500, count: int = 1, *, path: str | None = None) -> None:
        """Answer the next `count` requests (whose path ends with `path`, if given) with `status`
        (500 JSON; 502/503/504 gateway HTML)."""
        self.faults.add(api, StatusFault(status), count, path=path)

    def rate_limit_next(self, api: FaultTarget, count: int = 1, retry_after: int = 1) -> None:
        """Answer the next `count` requests with 429 and `Retry-After: retry_after`."""
        self.faults.add(api, RateLimitFault(retry_after), count)

    def invalid_json_next(self, api: FaultTarget, count: int = 1) -> None:
        """Answer the next `count` requests with 200 and a truncated JSON body."""
        self.faults.add(api, InvalidJsonFault(), count)

    def reset_next(self, api: FaultTarget, count: int = 1) -> None:
        """Reset the connection (TCP RST) of the next `count` requests instead of answering."""
        self.faults.add(api, ResetFault(), count)

    def truncate_next(self, api: FaultTarget, count: int = 1) -> None:
        """Answer the next `count` requests with 200 and part of a body, then close the connection."""
        self.faults.add(api, TruncateFault(), count)

    def huge_next(self, api: FaultTarget, mb: int = 100, *, gzip: bool = False, count: int = 1) -> None:
        """Answer the next `count` requests with 200 and `mb` MiB of valid JSON (gzip: a bomb)."""
        self.faults.add(api, HugeFault(mb=mb, gzip=gzip), count)

    def trickle_next(self, api: FaultTarget, seconds: int = 60, interval_ms: int = 100, count: int = 1) -> None:
        """Answer the next `count` requests with 200 and a body sent a byte per `interval_ms` for `seconds`."""
        self.faults.add(api, TrickleFault(seconds=seconds, interval_ms=interval_ms), count)

    def set_latency(self, api: FaultTarget, ms: int) -> None:
        """Delay every response of `api` by `ms` milliseconds (0 = off)."""
        self.faults.set_latency(api, ms)

    def set_slow(self, api: FaultTarget, enabled: bool = True, seconds: float = DEFAULT_SLOW_SECONDS) -> None:
        """Send headers at once but hold every body back `seconds` (read-timeout tests)."""
        self.faults.set_slow(api, seconds if enabled else 0.0)

    def clear_faults(self) -> None:
        self.faults.clear()
        self.write_fault = None

    def fail_write_after(self, successes: int = 1, status: int = 500) -> None:
        """Let the next `successes` Personalize writes through, then fail the one after with `status`
        (its effect not applied): a failure between the calls of a multi-call change."""
        with self.lock:
            self.write_fault = (successes, status)

    def take_write_fault(self) -> int | None:
        """Count one write against the switch: the status to fail it with when it is the one (then disarmed)."""
        with self.lock:
            if self.write_fault is None:
                return None
            remaining, status = self.write_fault
            if remaining > 0:
                self.write_fault = (remaining - 1, status)
                return None
            self.write_fault = None
            return status
