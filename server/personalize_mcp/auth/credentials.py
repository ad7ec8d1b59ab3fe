"""Credentials backed by a stored account: tokens that refresh themselves, once, everywhere.

Refresh happens ahead of expiry (`access_token`: when a quarter of the token's lifetime is left,
at most a minute ahead) and after upstream rejects a token (`refresh`). Both paths are
single-flight:

* within a process, an `anyio.Lock`: the first caller refreshes, the others wait and then find a
  token that is fresh and not one they saw rejected, and use it;
* across processes sharing the account, the account's file lock. Holding it, the refresher
  RE-READS the account file: if another process has already stored a fresh token that is neither
  the one held here nor one this process saw rejected, it is adopted without calling the token
  endpoint. Otherwise this process refreshes with the refresh token *from the file* (the newest
  one) and writes the result before letting go of the lock. Because Contentstack may rotate
  refresh tokens, using a stale one could revoke the whole grant; with this order no two
  processes ever send the same refresh token.

A renewal, once begun, runs to its end in a worker thread (with an event loop of its own for the
token request), whatever happens to the call that began it: a deadline or a client's cancel makes
the caller stop waiting, but the token endpoint's answer is still received and written. Were it
dropped, the rotated refresh token would be lost and the next refresh would replay the old one.
The thread is not a daemon, so a server that is shutting down still finishes the write before the
process exits. The answer is stored before anything else is awaited (`OAuthClient.refresh(keep=)`).

A write that fails (full disk, read-only home) keeps the renewed tokens in memory. Every later call
first tries to store them again and, until that succeeds, answers with one sentence saying the
stored login will be lost unless space is made: the file on disk now holds a refresh token that
Contentstack may already have retired, so carrying on quietly would lose the login at the next
restart (and other processes sharing the file would replay it).
"""

from __future__ import annotations

import contextvars
import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

import anyio
import anyio.to_thread
import httpx2

from personalize_mcp.auth.account import StoredAccount, utc_now
from personalize_mcp.auth.atomic_files import AccountWriteError
from personalize_mcp.auth.oauth import OAuthClient, TokenEndpointError, TokenResponse
from personalize_mcp.auth.protocol import ConnectionFacts
from personalize_mcp.auth.store import AccountStore
from personalize_mcp.config.settings import ConnectionSettings
from personalize_mcp.runtime.errors import AccountStoreError, ReauthenticationRequiredError

REFRESH_MARGIN = timedelta(seconds=60)
"""The most a token is refreshed ahead of its expiry."""
REFRESH_FRACTION = 0.25
"""...and the share of its lifetime it may have left when refreshed: a 30 s token is renewed with
7.5 s to go, not on every request."""
REMEMBERED_REJECTIONS = 8
"""Tokens upstream rejected that this process will not adopt again from the file."""

logger = logging.getLogger(__name__)


class LoginNotStoredError(AccountStoreError):
    """A renewed login is held in memory only: the account file could not be written."""


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
        refresh_fraction: float = REFRESH_FRACTION,
    ) -> None:
        self._store = store
        self._account = account
        self._oauth = OAuthClient(settings, transport=transport, clock=clock)
        self._clock = clock
        self._margin = refresh_margin
        self._fraction = refresh_fraction
        self._lock = anyio.Lock()
        self._rejected: deque[str] = deque(maxlen=REMEMBERED_REJECTIONS)
        # Written by the renewal thread, read here; each is one attribute store, so no torn reads.
        self._unsaved: StoredAccount | None = None
        """Renewed tokens the account file does not hold yet (its write failed)."""
        self._unsaved_base: str | None = None
        """The refresh token of the file content `_unsaved` replaces (to notice someone else's write)."""

    def __repr__(self) -> str:
        return f"StoredAccountCredentials(account={self._account.name!r})"

    @property
    def account_name(self) -> str:
        return self._account.name

    @property
    def organization_uid(self) -> str | None:
        return self._account.organization_uid

    def facts(self) -> ConnectionFacts:
        account = self._account
        user = account.user
        return ConnectionFacts(
            connected=True,
            account=account.name,
            organization_uid=account.organization.uid,
            organization_name=account.organization.name,
            region=account.region,
            user=user.email or user.name or user.uid,
            token_expires_at=account.expires_at,
            scopes=account.connection.scopes,
        )

    async def access_token(self) -> str:
        """The current token, refreshed first when little of its lifetime is left."""
        account = self._account
        if self._unsaved is None and not self._is_stale(account):
            return account.access_token.get_secret_value()
        async with self._lock:
            account = self._account
            if self._unsaved is not None or self._is_stale(account):
                account = await self._renew(held=account.access_token.get_secret_value())
            return account.access_token.get_secret_value()

    async def refresh(self, rejected_token: str) -> str:
        """Renew after a 401 on `rejected_token`; a token that already moved on is returned as is."""
        async with self._lock:
            if rejected_token not in self._rejected:
                self._rejected.append(rejected_token)
            account = self._account
            if self._unsaved is None and self._usable(account, frozenset(self._rejected)):
                return account.access_token.get_secret_value()
            account = await self._renew(held=rejected_token)
            return account.access_token.get_secret_value()

    def lifetime_margin(self, account: StoredAccount) -> timedelta:
        """How long before expiry `account`'s token is renewed: a share of its lifetime, capped."""
        lifetime = account.expires_at - account.updated_at
        if lifetime <= timedelta(0):
            return timedelta(0)
        return min(self._margin, lifetime * self._fraction)

    def _is_stale(self, account: StoredAccount) -> bool:
        return account.expires_within(self.lifetime_margin(account), now=self._clock())

    def _usable(self, account: StoredAccount, rejected: frozenset[str]) -> bool:
        return account.access_token.get_secret_value() not in rejected and not self._is_stale(account)

    async def _renew(self, *, held: str) -> StoredAccount:
        """Called with the in-process lock held: run the renewal in its own thread and wait for it.

        A cancelled caller stops waiting (and releases the in-process lock); the thread carries on
        to the end. A caller that comes next runs its own renewal, which waits on the file lock
        until the first one has written, then finds and adopts what it wrote.
        """
        rejected = frozenset(self._rejected)
        fresh_context = contextvars.Context()  # the caller's deadline is no business of the renewal
        return await anyio.to_thread.run_sync(
            fresh_context.run, self._renew_locked, held, rejected, abandon_on_cancel=True
        )

    def _renew_locked(self, held: str, rejected: frozenset[str]) -> StoredAccount:
        """In a worker thread: take the file lock, store what is unsaved, re-read, refresh if needed."""
        name = self._account.name
        lock = self._store.acquire(name)
        try:
            if self._unsaved is not None:
                self._store_unsaved()
                if self._usable(self._account, rejected):
                    return self._account
            current = self._store.load(name)
            if current is None:
                raise ReauthenticationRequiredError(
                    f"Account '{name}' was logged out; "
                    f"run `personalize-mcp login --account {name}` to connect it again."
                )
            stored = current.access_token.get_secret_value()
            if stored != held and self._usable(current, rejected):
                # Another process (or an earlier login) already stored a newer token: use it.
                logger.info("Using the access token another process stored for account '%s'.", name)
                self._account = current
                return current
            refresh_token = current.refresh_token
            if refresh_token is None:
                raise _reauthenticate(name, "it has no refresh token")
            try:
                anyio.run(self._refresh_and_store, current, refresh_token.get_secret_value())
            except TokenEndpointError as error:
                if error.grant_is_dead:
                    logger.warning("Contentstack no longer accepts the refresh token of account '%s'.", name)
                    raise _reauthenticate(name, "Contentstack no longer accepts its refresh token") from None
                logger.warning("Could not renew the login of account '%s': %s", name, error.message)
                raise
            return self._account
        finally:
            lock.release()

    async def _refresh_and_store(self, current: StoredAccount, refresh_token: str) -> None:
        def keep(tokens: TokenResponse) -> None:
            # No await between the token endpoint's answer and this write: it is the first thing
            # done with the answer, so the window in which a killed process loses it stays minimal.
            renewed = current.with_tokens(
                access_token=tokens.access_token.get_secret_value(),
                refresh_token=tokens.refresh_token.get_secret_value() if tokens.refresh_token else None,
                expires_at=tokens.expires_at,
                now=self._clock(),
            )
            self._account = renewed  # in memory first: the old refresh token may be dead now
            try:
                self._write_twice(renewed)
            except AccountWriteError as error:
                self._unsaved, self._unsaved_base = renewed, refresh_token
                raise _not_stored(renewed.name, error) from None
            logger.info(
                "Renewed the access token of account '%s'; it is valid until %s.",
                renewed.name,
                renewed.expires_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            )

        await self._oauth.refresh(refresh_token, keep=keep)

    def _write_twice(self, account: StoredAccount) -> None:
        """The write, and at once a second try when it fails (a momentary hiccup costs nothing)."""
        try:
            self._store.write_locked(account)
        except AccountWriteError:
            self._store.write_locked(account)

    def _store_unsaved(self) -> None:
        """With the file lock held: write the renewed tokens that are only in memory, or say why not.

        If the file changed meanwhile (a new `login`, another process's write), what it holds is
        newer and safely stored: it is adopted and the unsaved tokens are dropped. A logout
        meanwhile is respected.
        """
        unsaved = self._unsaved
        assert unsaved is not None
        name = unsaved.name
        current = self._store.load(name)
        if current is None:
            self._unsaved = None
            raise ReauthenticationRequiredError(
                f"Account '{name}' was logged out; run `personalize-mcp login --account {name}` to connect it again."
            )
        base = current.refresh_token.get_secret_value() if current.refresh_token else None
        if base != self._unsaved_base:
            logger.warning("Account '%s' was stored anew by another process; using what it stored.", name)
            self._unsaved, self._account = None, current
            return
        try:
            self._store.write_locked(unsaved)
        except AccountWriteError as error:
            raise _not_stored(name, error) from None
        self._unsaved = None
        logger.warning("Stored the renewed login of account '%s' that could not be written before.", name)


def _not_stored(name: str, error: AccountWriteError) -> LoginNotStoredError:
    logger.error(
        "The renewed login of account '%s' is held in memory only: %s could not be written (%s).",
        name,
        error.path,
        error.reason,
    )
    return LoginNotStoredError(
        f"Account '{name}' was renewed but cannot be saved to {error.path} ({error.reason}); the stored login "
        f"will be lost unless you free space or fix permissions (each call retries), else run "
        f"`personalize-mcp login --account {name}`."
    )


def _reauthenticate(name: str, why: str) -> ReauthenticationRequiredError:
    return ReauthenticationRequiredError(
        f"The login of account '{name}' has expired or was revoked ({why}); "
        f"run `personalize-mcp login --account {name}` to log in again."
    )
