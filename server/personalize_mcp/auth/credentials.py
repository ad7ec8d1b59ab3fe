"""Credentials backed by a stored account: tokens that refresh themselves, once, everywhere.

Refresh happens a minute before expiry (`access_token`) and after upstream rejects a token
(`refresh`). Both paths are single-flight:

* within a process, an `anyio.Lock`: the first caller refreshes, the others wait and then find a
  token that is fresh (or different from the one they saw rejected) and use it;
* across processes sharing the account, the account's file lock. Holding it, the refresher
  RE-READS the account file: if another process has already stored a different, fresh token it
  is adopted without calling the token endpoint. Otherwise this process refreshes with the
  refresh token *from the file* (the newest one) and writes the result before letting go of the
  lock. Because Contentstack may rotate refresh tokens, using a stale one could revoke the whole
  grant; with this order no two processes ever send the same refresh token.

The file lock is blocking, so it is taken and released in a worker thread; the event loop never
waits on it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

import anyio
import anyio.to_thread
import httpx2

from personalize_mcp.auth.account import StoredAccount, utc_now
from personalize_mcp.auth.oauth import OAuthClient, TokenEndpointError
from personalize_mcp.auth.store import AccountStore
from personalize_mcp.config.settings import ConnectionSettings
from personalize_mcp.runtime.errors import ReauthenticationRequiredError

REFRESH_MARGIN = timedelta(seconds=60)

logger = logging.getLogger(__name__)


class StoredAccountCredentials:
    """The `personalize_mcp.auth.protocol.Credentials` protocol over one stored account."""

    def __init__(
        self,
        store: AccountStore,
        account: StoredAccount,
        settings: ConnectionSettings,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime] = utc_now,
        refresh_margin: timedelta = REFRESH_MARGIN,
    ) -> None:
        self._store = store
        self._account = account
        self._oauth = OAuthClient(settings, transport=transport, clock=clock)
        self._clock = clock
        self._margin = refresh_margin
        self._lock = anyio.Lock()

    def __repr__(self) -> str:
        return f"StoredAccountCredentials(account={self._account.name!r})"

    @property
    def account_name(self) -> str:
        return self._account.name

    @property
    def organization_uid(self) -> str | None:
        return self._account.organization_uid

    @property
    def organization_name(self) -> str | None:
        """The organisation's name as `login` found it (for `serve`'s start-up line), if known."""
        return self._account.organization.name

    async def access_token(self) -> str:
        """The current token, refreshed first when it expires within the margin."""
        account = self._account
        if not self._is_stale(account):
            return account.access_token.get_secret_value()
        async with self._lock:
            account = self._account
            if self._is_stale(account):
                account = await self._renew(held=account.access_token.get_secret_value())
            return account.access_token.get_secret_value()

    async def refresh(self, rejected_token: str) -> str:
        """Renew after a 401 on `rejected_token`; a token that already moved on is returned as is."""
        async with self._lock:
            account = self._account
            held = account.access_token.get_secret_value()
            if held != rejected_token and not self._is_stale(account):
                return held
            account = await self._renew(held=rejected_token)
            return account.access_token.get_secret_value()

    def _is_stale(self, account: StoredAccount) -> bool:
        return account.expires_within(self._margin, now=self._clock())

    async def _renew(self, *, held: str) -> StoredAccount:
        """Called with the in-process lock held: take the file lock, re-read, refresh if needed."""
        name = self._account.name
        async with self._file_lock(name):
            current = await anyio.to_thread.run_sync(self._store.load, name)
            if current is None:
                raise ReauthenticationRequiredError(
                    f"Account '{name}' was logged out; "
                    f"run `personalize-mcp login --account {name}` to connect it again."
                )
            moved_on = current.access_token.get_secret_value() != held
            if moved_on and not self._is_stale(current):
                # Another process (or an earlier login) already stored a newer token: use it.
                logger.info("Using the access token another process stored for account '%s'.", name)
                self._account = current
                return current
            refresh_token = current.refresh_token
            if refresh_token is None:
                raise _reauthenticate(name, "it has no refresh token")
            try:
                tokens = await self._oauth.refresh(refresh_token.get_secret_value())
            except TokenEndpointError as error:
                if error.grant_is_dead:
                    raise _reauthenticate(name, "Contentstack no longer accepts its refresh token") from None
                raise
            renewed = current.with_tokens(
                access_token=tokens.access_token.get_secret_value(),
                refresh_token=tokens.refresh_token.get_secret_value() if tokens.refresh_token else None,
                expires_at=tokens.expires_at,
                now=self._clock(),
            )
            # Held in memory first (the old refresh token may be dead now), then persisted before
            # the lock is released: a rotated refresh token is on disk before any other process looks.
            self._account = renewed
            await anyio.to_thread.run_sync(self._store.write_locked, renewed)
            logger.info(
                "Renewed the access token of account '%s'; it is valid until %s.",
                name,
                renewed.expires_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            )
            return renewed

    @contextlib.asynccontextmanager
    async def _file_lock(self, name: str) -> AsyncIterator[None]:
        # The worker thread is not abandoned on cancellation: its acquire completes and the
        # `finally` below releases, so a cancelled caller never leaves the lock held.
        lock = await anyio.to_thread.run_sync(self._store.acquire, name)
        try:
            yield
        finally:
            lock.release()  # a non-blocking unlock: fine on the event loop


def _reauthenticate(name: str, why: str) -> ReauthenticationRequiredError:
    return ReauthenticationRequiredError(
        f"The login of account '{name}' has expired or was revoked ({why}); "
        f"run `personalize-mcp login --account {name}` to log in again."
    )
