"""The SDK's `OAuthAuthorizationServerProvider`, backed by the store: clients, codes, tokens, grants.

`/authorize` never goes to Contentstack directly: it parks the request and sends the browser to our
consent page (`consent`), whose approval goes to Contentstack, whose answer comes back to our
callback (`callback`), which names the person, stores their login and only then issues our code
(`complete`). Our tokens are random strings stored as digests, bound to the grant: an access token
is honoured only while its login is stored, so forgetting a login (revocation, a replayed code or
refresh token, a Contentstack grant that died) ends every token of that grant at once.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable

from mcp.server.auth.provider import (
    AuthorizationParams,
    AuthorizeError,
    OAuthAuthorizationServerProvider,
    TokenError,
    construct_redirect_uri,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyUrl

from personalize_mcp.broker.client_book import ClientBook
from personalize_mcp.broker.client_metadata import (
    ClientMetadataFetcher,
)
from personalize_mcp.broker.clients import BrokerClient
from personalize_mcp.broker.records import IssuedCode, IssuedToken, Login, PendingAuthorization, UpstreamFlow
from personalize_mcp.broker.settings import (
    ACCESS_TOKEN_SECONDS,
    CODE_SECONDS,
    REFRESH_TOKEN_SECONDS,
    SCOPES,
    BrokerSettings,
    granted_scopes,
)
from personalize_mcp.broker.storage import PENDING_TTL, TOKEN_PREFIXES, BrokerStorage
from personalize_mcp.broker.tokens import (
    AcceptedTokens,
    BrokerAccessToken,
    BrokerAuthorizationCode,
    BrokerRefreshToken,
    same_resource,
    subject_of,
)

logger = logging.getLogger(__name__)



class BrokerProvider(OAuthAuthorizationServerProvider[BrokerAuthorizationCode, BrokerRefreshToken, BrokerAccessToken]):
    """The SDK's provider protocol over the store (the identity-assertion grant stays the SDK's refusal)."""

    def __init__(
        self,
        settings: BrokerSettings,
        storage: BrokerStorage,
        *,
        fetcher: ClientMetadataFetcher | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.clients = ClientBook(storage, fetcher or ClientMetadataFetcher())
        self._clock = clock
        self._accepted = AcceptedTokens()

    # ---- clients ---------------------------------------------------------------------------------

    async def get_client(self, client_id: str) -> BrokerClient | None:
        return await self.clients.get(client_id)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        await self.clients.register(client_info)

    # ---- authorize: park the request, show our consent page ---------------------------------------

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        resource = params.resource or self.settings.resource_url
        if not same_resource(resource, self.settings.resource_url):
            raise AuthorizeError("invalid_target", f"This server issues tokens for {self.settings.resource_url} only.")
        txn = secrets.token_urlsafe(32)
        shown = client.display_name if isinstance(client, BrokerClient) else client.client_id
        await self.storage.save_pending(
            txn,
            PendingAuthorization(
                client_id=client.client_id,
                client_name=shown,
                redirect_uri=str(params.redirect_uri),
                redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly,
                scopes=granted_scopes(params.scopes),
                code_challenge=params.code_challenge,
                state=params.state,
                resource=resource,
                expires_at=self._clock() + PENDING_TTL,
            ),
        )
        return construct_redirect_uri(self.settings.consent_url, txn=txn)

    async def complete(self, flow: UpstreamFlow, login: Login) -> str:
        """The person is named and of our organisation: store their login, issue our code, back to the client."""
        await self.storage.save_login(login)
        code = "pmcp_code_" + secrets.token_urlsafe(32)
        pending = flow.pending
        await self.storage.save_code(
            code,
            IssuedCode(
                client_id=pending.client_id,
                grant_id=login.grant_id,
                subject=subject_of(login),
                scopes=login.scopes,
                code_challenge=pending.code_challenge,
                redirect_uri=pending.redirect_uri,
                redirect_uri_provided_explicitly=pending.redirect_uri_provided_explicitly,
                resource=pending.resource,
                expires_at=self._clock() + CODE_SECONDS,
            ),
            ttl=CODE_SECONDS,
        )
        return construct_redirect_uri(pending.redirect_uri, code=code, state=pending.state, iss=self.settings.issuer)

    # ---- codes -----------------------------------------------------------------------------------

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> BrokerAuthorizationCode | None:
        stored = await self.storage.code(authorization_code)
        if stored is None:
            return None
        issued = stored.record
        if issued.spent:
            await self.revoke_grant(issued.grant_id, "an authorization code was presented a second time")
            return None
        if issued.client_id != client.client_id:
            return None
        return BrokerAuthorizationCode(
            code=authorization_code,
            scopes=list(issued.scopes),
            expires_at=issued.expires_at,
            client_id=issued.client_id,
            code_challenge=issued.code_challenge,
            redirect_uri=AnyUrl(issued.redirect_uri),
            redirect_uri_provided_explicitly=issued.redirect_uri_provided_explicitly,
            resource=issued.resource,
            subject=issued.subject,
            grant_id=issued.grant_id,
        )

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: BrokerAuthorizationCode
    ) -> OAuthToken:
        stored = await self.storage.code(authorization_code.code)
        keep = max(authorization_code.expires_at - self._clock(), 1.0)
        if (
            stored is None
            or stored.record.spent
            or not await self.storage.spend_code(authorization_code.code, stored, ttl=keep)
        ):
            raise TokenError("invalid_grant", "The authorization code was already used.")
        login = await self.storage.login(stored.record.grant_id)
        if login is None:
            raise TokenError("invalid_grant", "The sign-in behind this code was revoked.")
        return await self._issue(login.record, client.client_id, stored.record)

    # ---- refresh tokens ----------------------------------------------------------------------------

    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> BrokerRefreshToken | None:
        stored = await self.storage.token("refresh", refresh_token)
        if stored is None or stored.record.client_id != client.client_id:
            return None
        issued = stored.record
        if issued.rotated:
            await self.revoke_grant(issued.grant_id, "a refresh token was presented after it had been used")
            return None
        if issued.person is None:  # issued before tokens named their person: sign in again
            return None
        return BrokerRefreshToken(
            token=refresh_token,
            client_id=issued.client_id,
            scopes=list(issued.scopes),
            expires_at=issued.expires_at,
            resource=issued.resource,
            subject=issued.subject,
            grant_id=issued.grant_id,
        )

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: BrokerRefreshToken, scopes: list[str]
    ) -> OAuthToken:
        stored = await self.storage.token("refresh", refresh_token.token)
        keep = float((refresh_token.expires_at or 0) - self._clock())
        if (
            stored is None
            or stored.record.rotated
            or not await self.storage.rotate_refresh(refresh_token.token, stored, ttl=keep)
        ):
            raise TokenError("invalid_grant", "The refresh token was already used.")
        login = await self.storage.login(stored.record.grant_id)
        if login is None:
            raise TokenError("invalid_grant", "The sign-in behind this refresh token ended.")
        narrowed = stored.record.model_copy(update={"scopes": granted_scopes(scopes)})
        return await self._issue(login.record, client.client_id, narrowed)

    async def _issue(self, login: Login, client_id: str, basis: IssuedCode | IssuedToken) -> OAuthToken:
        """A new access and refresh token for `login`'s grant; each names the grant (`storage.token_key`)."""
        grant_id = login.grant_id
        access = f"{TOKEN_PREFIXES['access']}{grant_id}.{secrets.token_urlsafe(32)}"
        refresh = f"{TOKEN_PREFIXES['refresh']}{grant_id}.{secrets.token_urlsafe(32)}"
        now = int(self._clock())
        scopes = tuple(scope for scope in basis.scopes if scope in SCOPES)
        for kind, value, lifetime in (
            ("access", access, ACCESS_TOKEN_SECONDS),
            ("refresh", refresh, REFRESH_TOKEN_SECONDS),
        ):
            issued = IssuedToken(
                client_id=client_id,
                grant_id=grant_id,
                subject=subject_of(login),
                scopes=scopes,
                resource=basis.resource,
                expires_at=now + lifetime,
                person=login.person,
                organization_uid=login.organization_uid,
                organization_name=login.organization_name,
            )
            await self.storage.save_token(kind, value, issued, ttl=lifetime)
        return OAuthToken(
            access_token=access, expires_in=ACCESS_TOKEN_SECONDS, scope=" ".join(scopes), refresh_token=refresh
        )

    # ---- access tokens and revocation --------------------------------------------------------------

    async def load_access_token(self, token: str) -> BrokerAccessToken | None:
        """One read: a token is stored while its grant lives (`forget_grant` deletes them all).

        A token accepted here is remembered for `ACCEPTED_SECONDS`, so a person's burst of calls costs
        one read; a grant this process ends is forgotten at once, one another replica ends within
        those seconds (a JWT, by comparison, stays valid until it expires).
        """
        remembered = self._accepted.get(token, now=self._clock())
        if remembered is not None:
            return remembered
        found = await self._load_access_token(token)
        if found is not None:
            self._accepted.keep(token, found)
        return found

    async def _load_access_token(self, token: str) -> BrokerAccessToken | None:
        stored = await self.storage.token("access", token)
        if stored is None or stored.record.expires_at < self._clock():
            return None
        issued = stored.record
        if issued.person is None or issued.organization_uid is None:
            return None
        return BrokerAccessToken(
            token=token,
            client_id=issued.client_id,
            scopes=list(issued.scopes),
            expires_at=issued.expires_at,
            resource=issued.resource,
            subject=issued.subject,
            claims={"iss": self.settings.issuer},
            grant_id=issued.grant_id,
            person=issued.person,
            organization_uid=issued.organization_uid,
            organization_name=issued.organization_name,
        )

    async def revoke_token(self, token: BrokerAccessToken | BrokerRefreshToken) -> None:
        await self.revoke_grant(token.grant_id, "its client revoked a token")

    def forget_accepted(self, grant_id: str) -> None:
        """A grant ended elsewhere in this process (a dead Contentstack login): stop believing its tokens."""
        self._accepted.forget_grant(grant_id)

    async def revoke_grant(self, grant_id: str, why: str) -> None:
        """Forget the login behind a grant and every token of ours for it; its codes stop working too."""
        self.forget_accepted(grant_id)
        if await self.storage.forget_grant(grant_id):
            logger.warning("Ended sign-in %s…: %s.", grant_id[:6], why)
