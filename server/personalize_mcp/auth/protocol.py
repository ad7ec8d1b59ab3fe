"""What the HTTP core needs from a login: a bearer token, a way to renew it, and its organisation.

The HTTP core depends only on this protocol, so stored OAuth accounts, the sandbox's fixed token
and "nobody is logged in" are interchangeable without the core knowing which it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from personalize_mcp.runtime.errors import NotConnectedError, ReauthenticationRequiredError

NOT_CONNECTED_MESSAGE = "No Contentstack account is connected; run `personalize-mcp login`."
WRITE_SCOPE = "personalize:manage"


@dataclass(frozen=True, slots=True)
class ConnectionFacts:
    """Which connection answers, for `get_connection` and the start-up line: never a token."""

    connected: bool
    sandbox: bool = False
    account: str | None = None
    organization_uid: str | None = None
    organization_name: str | None = None
    region: str | None = None
    user: str | None = None
    token_expires_at: datetime | None = None
    problem: str | None = None
    """Why nothing is connected (the sentence every tool answers with), when `connected` is false."""
    scopes: tuple[str, ...] | None = None
    """The OAuth scopes the login asked for (None: not known); writes need `personalize:manage`."""

    @property
    def can_write(self) -> bool:
        """True when the login was granted `personalize:manage` (`personalize-mcp login --writes`)."""
        return self.connected and self.scopes is not None and WRITE_SCOPE in self.scopes


class Credentials(Protocol):
    """A source of OAuth access tokens for one Contentstack account."""

    @property
    def account_name(self) -> str:
        """The stored account's name, for messages (never a secret)."""
        ...

    @property
    def organization_uid(self) -> str | None:
        """The organisation the token was granted for (sent as `organization_uid`)."""
        ...

    async def access_token(self) -> str:
        """A token that is valid now, refreshed ahead of expiry when needed."""
        ...

    def facts(self) -> ConnectionFacts:
        """Who and where this login is (account, organisation, region, user, expiry), never its tokens."""
        ...

    async def refresh(self, rejected_token: str) -> str:
        """Renew after upstream rejected `rejected_token` (HTTP 401).

        If the current token already differs from `rejected_token` (someone else refreshed in
        the meantime), return the current one without another refresh. Raises
        `ReauthenticationRequiredError` when the login can no longer be renewed.
        """
        ...


class StaticCredentials:
    """A fixed token that cannot be renewed (the built-in sandbox)."""

    def __init__(
        self,
        token: str,
        *,
        organization_uid: str | None,
        account_name: str = "sandbox",
        facts: ConnectionFacts | None = None,
    ) -> None:
        self._token = token
        self._organization_uid = organization_uid
        self._account_name = account_name
        self._facts = facts or ConnectionFacts(connected=True, account=account_name, organization_uid=organization_uid)

    @property
    def account_name(self) -> str:
        return self._account_name

    @property
    def organization_uid(self) -> str | None:
        return self._organization_uid

    async def access_token(self) -> str:
        return self._token

    def facts(self) -> ConnectionFacts:
        return self._facts

    async def refresh(self, rejected_token: str) -> str:
        raise ReauthenticationRequiredError(
            f"Contentstack rejected the access token of account '{self._account_name}', "
            "and it cannot be renewed; check the token or run `personalize-mcp login`."
        )


class MissingCredentials:
    """No account is stored (or it was logged out): every call explains how to connect one."""

    def __init__(self, message: str = NOT_CONNECTED_MESSAGE) -> None:
        self._message = message

    @property
    def message(self) -> str:
        """The sentence every call answers with (for `serve`'s start-up line too)."""
        return self._message

    @property
    def account_name(self) -> str:
        return "none"

    @property
    def organization_uid(self) -> str | None:
        return None

    async def access_token(self) -> str:
        raise NotConnectedError(self._message)

    def facts(self) -> ConnectionFacts:
        return ConnectionFacts(connected=False, problem=self._message)

    async def refresh(self, rejected_token: str) -> str:
        raise NotConnectedError(self._message)
