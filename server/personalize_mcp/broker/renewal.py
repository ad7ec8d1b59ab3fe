"""Renewing a person's Contentstack login once, across every replica, never replaying a refresh token.

Contentstack rotates refresh tokens, and sending one that a newer one replaced may revoke the whole
grant (contentstack-api.md §9). So a renewal:

1. reads the stored login; a token that is fresh and not one this process saw rejected is used as is
   (another replica renewed it already);
2. takes the login's lease in the store (`add` with an expiry: one holder across replicas) and, while
   it runs, extends it every `HEARTBEAT` seconds — a replica killed mid-renewal stops extending it,
   and another takes over within `LEASE` seconds;
3. holding the lease, reads the login again (the newest refresh token is the stored one), asks
   Contentstack, and writes the answer with compare-and-set against what it read. The request and the
   write are shielded from cancellation: once sent, the answer is always stored;
4. the others poll the store until the login changes, then use it.

In one process, callers for one login share one renewal task (`renewals` task group, owned by the
server), so a caller's deadline or cancel stops only its wait. A refresh token Contentstack refuses
as dead makes the login forgotten: every token of ours for that grant then answers 401, and the
client sends the person through sign-in again. fastmcp's OAuthProxy locks a refresh per process
only; two replicas there may both send one refresh token.
"""

from __future__ import annotations

import logging
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

import anyio
import httpx2
from anyio.abc import TaskGroup

from personalize_mcp.auth.oauth import OAuthClient, TokenEndpointError
from personalize_mcp.broker.records import Login, utc_now
from personalize_mcp.broker.settings import BrokerSettings
from personalize_mcp.broker.storage import BrokerStorage
from personalize_mcp.runtime.errors import ReauthenticationRequiredError, UserFacingError

logger = logging.getLogger(__name__)

LEASE = 5.0
HEARTBEAT = 1.5
POLL = 0.1
RENEWAL_TIMEOUT = 60.0
REMEMBERED_REJECTIONS = 8

SIGNED_OUT = (
    "Your sign-in to this server has ended (revoked or replaced); your MCP client will ask you to sign in again."
)
GRANT_DEAD = (
    "Contentstack no longer accepts your login (it was revoked or has expired); your MCP client will ask you to "
    "sign in again."
)
TOO_LONG = "Your Contentstack login is being renewed and it is taking long; try again in a moment."


@dataclass(eq=False)
class _Renewal:
    done: anyio.Event = field(default_factory=anyio.Event)
    result: Login | None = None
    error: Exception | None = None


class LoginRenewal:
    """Single-flight renewal of logins, in this process (one task per login) and across replicas (a lease)."""

    def __init__(
        self,
        settings: BrokerSettings,
        storage: BrokerStorage,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime] = utc_now,
        lease: float = LEASE,
        heartbeat: float = HEARTBEAT,
        grant_ended: Callable[[str], None] = lambda grant_id: None,
    ) -> None:
        """`grant_ended` hears of every grant this renewal forgets (the provider then stops accepting its tokens)."""
        self._settings = settings
        self._storage = storage
        self._transport = transport
        self._clock = clock
        self._lease = lease
        self._heartbeat = heartbeat
        self._grant_ended = grant_ended
        self._owner = uuid.uuid4().hex
        self._running: dict[str, _Renewal] = {}
        self._rejected: dict[str, deque[str]] = {}
        self._group: TaskGroup | None = None

    @asynccontextmanager
    async def renewals(self) -> AsyncIterator[LoginRenewal]:
        """Run renewals while the server runs; on the way out, those under way are finished, not dropped."""
        async with anyio.create_task_group() as group:
            self._group = group
            try:
                yield self
            finally:
                self._group = None

    def usable(self, login: Login, grant_id: str) -> bool:
        """Fresh enough, and not a token this process saw Contentstack reject."""
        return not login.stale(self._clock()) and login.access_token not in self._rejected.get(grant_id, ())

    async def stored(self, grant_id: str) -> Login:
        """The login as stored now (no renewal)."""
        stored = await self._storage.login(grant_id)
        if stored is None:
            raise ReauthenticationRequiredError(SIGNED_OUT)
        return stored.record

    async def renew(self, grant_id: str, *, rejected: str | None = None) -> Login:
        """A usable login for `grant_id`; `rejected`: the access token Contentstack just refused (401)."""
        if rejected is not None:
            seen = self._rejected.setdefault(grant_id, deque(maxlen=REMEMBERED_REJECTIONS))
            if rejected not in seen:
                seen.append(rejected)
        renewal = self._running.get(grant_id)
        if renewal is None:
            if self._group is None:
                raise RuntimeError("LoginRenewal.renewals() is not running")
            renewal = self._running[grant_id] = _Renewal()
            self._group.start_soon(self._run, grant_id, renewal)
        await renewal.done.wait()
        if renewal.error is not None:
            raise renewal.error
        assert renewal.result is not None
        return renewal.result

    async def _run(self, grant_id: str, renewal: _Renewal) -> None:
        try:
            with anyio.fail_after(RENEWAL_TIMEOUT):
                renewal.result = await self._across_replicas(grant_id)
        except TimeoutError:
            renewal.error = UserFacingError(TOO_LONG)
        except UserFacingError as error:
            renewal.error = error
        except Exception as error:  # never leave the waiters hanging
            logger.error("Renewing a login failed unexpectedly", exc_info=error)
            renewal.error = UserFacingError("Your Contentstack login could not be renewed; try again.")
        finally:
            renewal.done.set()
            if self._running.get(grant_id) is renewal:
                del self._running[grant_id]

    async def _across_replicas(self, grant_id: str) -> Login:
        while True:
            stored = await self._storage.login(grant_id)
            if stored is None:
                raise ReauthenticationRequiredError(SIGNED_OUT)
            if self.usable(stored.record, grant_id):
                return stored.record
            if await self._storage.take_lease(grant_id, self._owner, ttl=self._lease):
                try:
                    return await self._refresh_keeping_lease(grant_id)
                finally:
                    with anyio.CancelScope(shield=True):
                        await self._storage.release_lease(grant_id, self._owner)
            await anyio.sleep(POLL)  # another replica holds the lease: wait for what it writes

    async def _refresh_keeping_lease(self, grant_id: str) -> Login:
        """`_refresh` while a heartbeat extends the lease (its failure raised as itself, not as a group)."""
        renewed: Login | None = None
        failure: Exception | None = None
        async with anyio.create_task_group() as group:
            group.start_soon(self._keep_lease, grant_id)
            try:
                renewed = await self._refresh(grant_id)
            except Exception as error:
                failure = error
            finally:
                group.cancel_scope.cancel()
        if failure is not None:
            raise failure
        assert renewed is not None
        return renewed

    async def _forget(self, grant_id: str) -> None:
        self._grant_ended(grant_id)
        await self._storage.forget_grant(grant_id)

    async def _keep_lease(self, grant_id: str) -> None:
        while True:
            await anyio.sleep(self._heartbeat)
            if not await self._storage.extend_lease(grant_id, self._owner, ttl=self._lease):
                logger.warning("Lost the renewal lease of a login (the store was slow or unreachable).")
                return

    async def _refresh(self, grant_id: str) -> Login:
        """Holding the lease: read the newest login, refresh it, write the answer (shielded once sent)."""
        stored = await self._storage.login(grant_id)
        if stored is None:
            raise ReauthenticationRequiredError(SIGNED_OUT)
        login = stored.record
        if self.usable(login, grant_id):
            return login
        if not login.refresh_token:
            await self._forget(grant_id)
            raise ReauthenticationRequiredError(GRANT_DEAD)
        oauth = OAuthClient(self._settings.app_for(login.scopes), transport=self._transport, clock=self._clock)
        with anyio.CancelScope(shield=True):
            try:
                tokens = await oauth.refresh(login.refresh_token)
            except TokenEndpointError as error:
                if not error.grant_is_dead:
                    raise
                logger.warning("Contentstack refused the refresh token of %s: the sign-in ends.", login.person.shown)
                await self._forget(grant_id)
                raise ReauthenticationRequiredError(GRANT_DEAD) from None
            renewed = login.renewed(
                access_token=tokens.access_token.get_secret_value(),
                refresh_token=tokens.refresh_token.get_secret_value() if tokens.refresh_token else None,
                expires_at=tokens.expires_at,
                now=self._clock(),
            )
            written = await self._storage.replace_login(stored, renewed)
        if written is not None:
            logger.info("Renewed the Contentstack login of %s.", login.person.shown)
            return renewed
        current = await self._storage.login(grant_id)  # replaced meanwhile (a new sign-in), or forgotten
        if current is None:
            raise ReauthenticationRequiredError(SIGNED_OUT)
        return current.record
