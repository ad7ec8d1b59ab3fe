"""Where the broker's records live: keys in the one `KeyValueStore`, sealed or hashed as they must be.

| key | holds | kept |
|---|---|---|
| `broker:client:{client_id}` | a registered client (its secret only as a digest) | 90 days after registering |
| `broker:pending:{digest(txn)}` | an `/authorize` waiting for consent | 10 minutes |
| `broker:flow:{digest(state)}` | an approved flow gone to Contentstack, sealed | 10 minutes, taken once |
| `broker:code:{digest(code)}` | our authorization code | 5 minutes (then kept spent) |
| `broker:access:{grant_id}:{digest(token)}` | our access token (who it speaks for) | its lifetime |
| `broker:refresh:{grant_id}:{digest(token)}` | our refresh token (kept rotated) | its lifetime |
| `broker:login:{grant_id}` | a person's Contentstack login, sealed | 30 days after its last renewal |
| `broker:lease:{grant_id}` | who is renewing that login right now | a few seconds, renewed while alive |

Only digests of our own tokens, codes, client secrets, consent transactions and states are used as
keys or stored: a copy of the store grants nothing. A token of ours names its grant
(`pmcp_at_{grant_id}.{random}`), so accepting it is one read, and ending a grant (`forget_grant`)
finds and deletes every token issued for it. Contentstack's tokens and PKCE verifiers are
sealed with the record's key bound in (`store.sealing`).
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from personalize_mcp.broker.records import IssuedCode, IssuedToken, Login, PendingAuthorization, UpstreamFlow
from personalize_mcp.store.protocol import KeyValueStore, StoreError
from personalize_mcp.store.sealing import Sealer, digest

M = TypeVar("M", bound=BaseModel)

PREFIX = "broker:"
CLIENT_TTL = 90 * 24 * 3600.0
PENDING_TTL = 600.0
FLOW_TTL = 600.0
LOGIN_TTL = 30 * 24 * 3600.0
TOKEN_PREFIXES = {"access": "pmcp_at_", "refresh": "pmcp_rt_"}


class Stored(Generic[M]):
    """A record as read, and its exact bytes (what a compare-and-set must name)."""

    __slots__ = ("raw", "record")

    def __init__(self, raw: bytes, record: M) -> None:
        self.raw = raw
        self.record = record


class BrokerStorage:
    """Typed access to the broker's records over any `KeyValueStore` backend."""

    def __init__(self, store: KeyValueStore, sealer: Sealer) -> None:
        self.store = store
        self._sealer = sealer

    # ---- clients (registered or fetched metadata documents), as the SDK's JSON -------------------

    async def save_client(self, client_id: str, document: bytes, *, ttl: float = CLIENT_TTL) -> None:
        await self.store.set(f"{PREFIX}client:{client_id}", document, ttl=ttl)

    async def client(self, client_id: str) -> bytes | None:
        return await self.store.get(f"{PREFIX}client:{client_id}")

    async def save_fetched_client(self, url: str, document: bytes, *, ttl: float) -> None:
        await self.store.set(f"{PREFIX}cimd:{digest(url)}", document, ttl=ttl)

    async def fetched_client(self, url: str) -> bytes | None:
        return await self.store.get(f"{PREFIX}cimd:{digest(url)}")

    # ---- consent transactions and flows ---------------------------------------------------------

    @staticmethod
    def _pending_key(txn: str) -> str:
        return f"{PREFIX}pending:{digest(txn)}"

    async def save_pending(self, txn: str, pending: PendingAuthorization) -> None:
        await self.store.set(self._pending_key(txn), _json(pending), ttl=PENDING_TTL)

    async def pending(self, txn: str) -> Stored[PendingAuthorization] | None:
        raw = await self.store.get(self._pending_key(txn))
        return None if raw is None else Stored(raw, _parse(PendingAuthorization, raw))

    async def replace_pending(self, txn: str, seen: bytes, pending: PendingAuthorization) -> bool:
        return await self.store.compare_and_set(self._pending_key(txn), seen, _json(pending), ttl=PENDING_TTL)

    async def decide_pending(self, txn: str, seen: bytes) -> bool:
        """Consume the transaction: of two decisions (a double submit, a replay), one wins."""
        return await self.store.compare_and_set(self._pending_key(txn), seen, None)

    async def save_flow(self, state: str, flow: UpstreamFlow) -> None:
        key = f"{PREFIX}flow:{digest(state)}"
        await self.store.set(key, self._sealer.seal(_json(flow), bound_to=key), ttl=FLOW_TTL)

    async def take_flow(self, state: str) -> UpstreamFlow | None:
        """The flow `state` names, deleted as it is read: a state is answered once."""
        key = f"{PREFIX}flow:{digest(state)}"
        sealed = await self.store.take(key)
        return None if sealed is None else _parse(UpstreamFlow, self._sealer.open(sealed, bound_to=key))

    # ---- our codes and tokens, by digest ----------------------------------------------------------

    async def save_code(self, code: str, issued: IssuedCode, *, ttl: float) -> None:
        await self.store.set(f"{PREFIX}code:{digest(code)}", _json(issued), ttl=ttl)

    async def code(self, code: str) -> Stored[IssuedCode] | None:
        raw = await self.store.get(f"{PREFIX}code:{digest(code)}")
        return None if raw is None else Stored(raw, _parse(IssuedCode, raw))

    async def spend_code(self, code: str, seen: Stored[IssuedCode], *, ttl: float) -> bool:
        spent = seen.record.model_copy(update={"spent": True})
        return await self.store.compare_and_set(f"{PREFIX}code:{digest(code)}", seen.raw, _json(spent), ttl=ttl)

    @staticmethod
    def token_key(kind: str, token: str) -> str | None:
        """`broker:{kind}:{grant_id}:{digest}` for a token of ours (`pmcp_at_{grant}.{random}`); None otherwise.

        The grant in the key lets one prefix scan find every token of a grant when it ends."""
        grant_id, separator, _ = token.removeprefix(TOKEN_PREFIXES[kind]).partition(".")
        if not token.startswith(TOKEN_PREFIXES[kind]) or not separator or not grant_id:
            return None
        return f"{PREFIX}{kind}:{grant_id}:{digest(token)}"

    async def save_token(self, kind: str, token: str, issued: IssuedToken, *, ttl: float) -> None:
        key = self.token_key(kind, token)
        assert key is not None
        await self.store.set(key, _json(issued), ttl=ttl)

    async def token(self, kind: str, token: str) -> Stored[IssuedToken] | None:
        key = self.token_key(kind, token)
        raw = await self.store.get(key) if key is not None else None
        return None if raw is None else Stored(raw, _parse(IssuedToken, raw))

    async def rotate_refresh(self, token: str, seen: Stored[IssuedToken], *, ttl: float) -> bool:
        """Mark a refresh token used; only one of two concurrent exchanges succeeds."""
        rotated = seen.record.model_copy(update={"rotated": True})
        key = self.token_key("refresh", token)
        return key is not None and await self.store.compare_and_set(key, seen.raw, _json(rotated), ttl=max(ttl, 1.0))

    # ---- logins --------------------------------------------------------------------------------

    @staticmethod
    def login_key(grant_id: str) -> str:
        return f"{PREFIX}login:{grant_id}"

    async def save_login(self, login: Login) -> None:
        key = self.login_key(login.grant_id)
        await self.store.set(key, self._sealer.seal(_json(login), bound_to=key), ttl=LOGIN_TTL)

    async def login(self, grant_id: str) -> Stored[Login] | None:
        key = self.login_key(grant_id)
        raw = await self.store.get(key)
        return None if raw is None else Stored(raw, _parse(Login, self._sealer.open(raw, bound_to=key)))

    async def replace_login(self, seen: Stored[Login], login: Login | None) -> Stored[Login] | None:
        """Write `login` (None: forget it) only if the stored one is still `seen`; the new record, or None."""
        key = self.login_key(seen.record.grant_id)
        if login is None:
            await self.store.compare_and_set(key, seen.raw, None)
            return None
        sealed = self._sealer.seal(_json(login), bound_to=key)
        if await self.store.compare_and_set(key, seen.raw, sealed, ttl=LOGIN_TTL):
            return Stored(sealed, login)
        return None

    async def forget_grant(self, grant_id: str) -> bool:
        """End a grant: its login and every token of ours issued for it (True when the login was there)."""
        present = await self.store.delete(self.login_key(grant_id))
        for kind in ("access", "refresh"):
            for key in await self.store.keys(f"{PREFIX}{kind}:{grant_id}:"):
                await self.store.delete(key)
        return present

    # ---- the renewal lease ----------------------------------------------------------------------

    async def take_lease(self, grant_id: str, owner: str, *, ttl: float) -> bool:
        return await self.store.add(f"{PREFIX}lease:{grant_id}", owner.encode(), ttl=ttl)

    async def extend_lease(self, grant_id: str, owner: str, *, ttl: float) -> bool:
        mine = owner.encode()
        return await self.store.compare_and_set(f"{PREFIX}lease:{grant_id}", mine, mine, ttl=ttl)

    async def release_lease(self, grant_id: str, owner: str) -> None:
        await self.store.compare_and_set(f"{PREFIX}lease:{grant_id}", owner.encode(), None)

    # ---- limits --------------------------------------------------------------------------------

    async def count(self, name: str, *, window: float) -> int:
        """Add one to a counter that starts afresh every `window` seconds (registrations per address)."""
        return await self.store.increment(f"{PREFIX}count:{name}", ttl=window)


def _json(record: BaseModel) -> bytes:
    return record.model_dump_json().encode()


def _parse(model: type[M], raw: bytes) -> M:
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise StoreError(f"A stored {model.__name__} record cannot be read ({error.error_count()} problems).") from None
