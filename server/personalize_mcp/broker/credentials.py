"""`Credentials` that are whoever the current MCP request signed in as.

The HTTP core and the answer layers take one `Credentials` and never learn whose login it is: this
one reads the request's access token (the SDK sets it per request, from our bearer check, in a
context variable that follows the call into the tool) and answers with that person's Contentstack
login. Everything keyed by `account_name` — the lookup cache, its single-flight, derived views,
partial walks, remembered refusals — is therefore per person (`person:{user}@{organisation}`), and
the rate limiter's key is the organisation's (one budget for the organisation, as Contentstack
counts). Outside a signed-in request (start-up, a background task) nothing is answered: there is
no server-wide login to fall back to, ever.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from mcp.server.auth.middleware.auth_context import get_access_token

from personalize_mcp.auth.protocol import ConnectionFacts
from personalize_mcp.broker.records import Login, utc_now
from personalize_mcp.broker.renewal import LoginRenewal
from personalize_mcp.broker.settings import UPSTREAM_MANAGE, WRITE_SCOPE
from personalize_mcp.broker.tokens import BrokerAccessToken
from personalize_mcp.contentstack.errors import Api, AuthenticationFailedError, PermissionDeniedError, UpstreamError
from personalize_mcp.runtime.errors import NotConnectedError

NOT_SIGNED_IN = "Nobody is signed in on this request; connect through an MCP client, which will ask you to sign in."
_REMEMBERED_LOGINS = 4096


def upstream_scopes(token: BrokerAccessToken, login: Login | None) -> tuple[str, ...]:
    """The Contentstack scopes this request may use: `personalize:manage` only with our write scope too."""
    granted = login.upstream_scopes if login is not None else ("personalize:read", UPSTREAM_MANAGE)
    return granted if WRITE_SCOPE in token.scopes else tuple(s for s in granted if s != UPSTREAM_MANAGE)


class PersonCredentials:
    """The `auth.protocol.Credentials` of the person behind the current request."""

    def __init__(self, renewal: LoginRenewal, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._renewal = renewal
        self._clock = clock
        self._latest: OrderedDict[str, Login] = OrderedDict()
        """The newest login this process has seen per grant, so a call needs no store read for it: the
        bearer check already proved the grant alive, and a token Contentstack refuses is renewed from
        the store (where another replica may have put a newer one)."""

    def __repr__(self) -> str:
        return "PersonCredentials()"

    @staticmethod
    def _token() -> BrokerAccessToken | None:
        token = get_access_token()
        return token if isinstance(token, BrokerAccessToken) else None

    def _required(self) -> BrokerAccessToken:
        token = self._token()
        if token is None:
            raise NotConnectedError(NOT_SIGNED_IN)
        return token

    @property
    def account_name(self) -> str:
        """The cache's key for the person (never shared by two people, nor by one person in two organisations)."""
        token = self._token()
        return f"person:{token.subject}" if token is not None else "nobody"

    @property
    def organization_uid(self) -> str | None:
        token = self._token()
        return token.organization_uid if token is not None else None

    def _remember(self, login: Login) -> None:
        self._latest[login.grant_id] = login
        self._latest.move_to_end(login.grant_id)
        while len(self._latest) > _REMEMBERED_LOGINS:
            self._latest.popitem(last=False)

    async def access_token(self) -> str:
        token = self._required()
        login = self._latest.get(token.grant_id)
        if login is None:  # the first call of this grant in this process: read it once
            login = await self._renewal.stored(token.grant_id)
            self._remember(login)
        if not self._renewal.usable(login, token.grant_id):
            login = await self._renewal.renew(token.grant_id)
            self._remember(login)
        return login.access_token

    async def refresh(self, rejected_token: str) -> str:
        token = self._required()
        login = await self._renewal.renew(token.grant_id, rejected=rejected_token)
        self._remember(login)
        return login.access_token

    def facts(self) -> ConnectionFacts:
        token = self._token()
        if token is None:
            return ConnectionFacts(connected=False, problem=NOT_SIGNED_IN)
        login = self._latest.get(token.grant_id)
        return ConnectionFacts(
            connected=True,
            account=token.person.shown,
            organization_uid=token.organization_uid,
            organization_name=token.organization_name,
            user=token.person.shown,
            token_expires_at=login.expires_at if login is not None else None,
            scopes=upstream_scopes(token, login),
        )

    def refusal(self, api: Api, status: int) -> UpstreamError | None:
        """401 and 403 in the person's words: their role, their login (never the operator's or an account's)."""
        token = self._token()
        who = token.person.shown if token is not None else "you"
        if status == 403:
            return PermissionDeniedError(
                f"Your Contentstack role does not allow this ({who}: the {api.display_name} answered HTTP 403); "
                "ask an organisation admin for access to this project or stack.",
                api=api,
                status=status,
            )
        if status == 401:
            return AuthenticationFailedError(
                f"Contentstack's {api.display_name} rejected your login ({who}) even after renewing it; sign in "
                "again through your MCP client.",
                api=api,
                status=status,
            )
        return None
