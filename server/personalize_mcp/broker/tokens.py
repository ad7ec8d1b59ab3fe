"""Our codes and tokens as the SDK's handlers and middleware pass them on: each names its grant."""

from __future__ import annotations

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
