"""Our codes and tokens as the SDK's handlers and middleware pass them on: each names its grant."""

from __future__ import annotations

import time
from collections import OrderedDict

from mcp.server.auth.provider import AccessToken, AuthorizationCode, RefreshToken

from personalize_mcp.broker.records import Login, Person


class BrokerAuthorizationCode(AuthorizationCode):
    grant_id: str


class BrokerRefreshToken(RefreshToken):
    grant_id: str


class BrokerAccessToken(AccessToken):
    """Our access token as the bearer middleware hands it on: whose grant, person and organisation."""

    grant_id: str
    person: Person
    organization_uid: str
    organization_name: str | None = None


def subject_of(login: Login) -> str:
    """Who a token speaks for, unique at this issuer: the person within the organisation."""
    return f"{login.person.user_uid}@{login.organization_uid}"


def same_resource(asked: str, ours: str) -> bool:
    return asked.rstrip("/") == ours.rstrip("/")


ACCEPTED_SECONDS = 5.0
"""How long an accepted access token is believed without reading the store again."""
MAX_ACCEPTED = 4096


class AcceptedTokens:
    """Access tokens accepted in the last few seconds: a burst of calls costs one store read."""

    def __init__(self, seconds: float = ACCEPTED_SECONDS) -> None:
        self._seconds = seconds
        self._accepted: OrderedDict[str, tuple[float, BrokerAccessToken]] = OrderedDict()

    def get(self, token: str, *, now: float) -> BrokerAccessToken | None:
        """The token as accepted, while remembered and not expired (`now`: the wall clock)."""
        remembered = self._accepted.get(token)
        if remembered is None:
            return None
        until, accepted = remembered
        if until > time.monotonic() and (accepted.expires_at or 0) >= now:
            return accepted
        del self._accepted[token]
        return None

    def keep(self, token: str, accepted: BrokerAccessToken) -> None:
        self._accepted[token] = (time.monotonic() + self._seconds, accepted)
        while len(self._accepted) > MAX_ACCEPTED:
            self._accepted.popitem(last=False)

    def forget_grant(self, grant_id: str) -> None:
        """A grant this process ended: none of its tokens is believed any more."""
        for token in [t for t, (_, accepted) in self._accepted.items() if accepted.grant_id == grant_id]:
            del self._accepted[token]
