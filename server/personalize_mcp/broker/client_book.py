"""Which clients the authorization server knows: registered ones, and those named by a metadata URL.

A registered client is stored with its secret as a digest (`clients.BrokerClient`); a `client_id`
that is an https URL is a Client ID Metadata Document (`client_metadata`), fetched at most 60 times a
minute in all and kept for its `max-age`. A document that cannot identify a client is logged and
answered as an unknown client.
"""

from __future__ import annotations

import logging

from mcp.shared.auth import OAuthClientInformationFull

from personalize_mcp.broker.client_metadata import (
    ClientMetadataError,
    ClientMetadataFetcher,
    client_from_document,
    is_metadata_url,
)
from personalize_mcp.broker.clients import BrokerClient, check_registration
from personalize_mcp.broker.settings import SCOPES
from personalize_mcp.broker.storage import BrokerStorage
from personalize_mcp.store.sealing import digest

logger = logging.getLogger(__name__)

METADATA_FETCHES_PER_MINUTE = 60


class ClientBook:
    def __init__(self, storage: BrokerStorage, fetcher: ClientMetadataFetcher) -> None:
        self.storage = storage
        self._fetcher = fetcher

    async def get(self, client_id: str) -> BrokerClient | None:
        if is_metadata_url(client_id):
            return await self._metadata_client(client_id)
        raw = await self.storage.client(client_id)
        return None if raw is None else BrokerClient.model_validate_json(raw)

    async def _metadata_client(self, url: str) -> BrokerClient | None:
        cached = await self.storage.fetched_client(url)
        if cached is not None:
            return BrokerClient.model_validate_json(cached)
        if await self.storage.count("metadata-fetches", window=60) > METADATA_FETCHES_PER_MINUTE:
            logger.warning("Not fetching client metadata from %s: too many fetches this minute.", url[:200])
            return None
        try:
            document, ttl = await self._fetcher.fetch(url)
            client = client_from_document(url, document, SCOPES)
        except (ClientMetadataError, TimeoutError) as error:
            logger.info("Client metadata at %s refused: %s", url[:200], error or "it took too long")
            return None
        await self.storage.save_fetched_client(url, client.model_dump_json(exclude_none=True).encode(), ttl=ttl)
        return client

    async def register(self, client_info: OAuthClientInformationFull) -> None:
        check_registration(client_info, SCOPES)
        secret = client_info.client_secret
        fields = client_info.model_dump(exclude={"client_secret"})
        # Every scope is open to every client: each sign-in's consent decides, so a client registered
        # while reading may ask for writing later (the step-up after a 403) without registering again.
        fields["scope"] = " ".join(SCOPES)
        record = BrokerClient.model_validate({**fields, "client_secret_digest": digest(secret) if secret else None})
        await self.storage.save_client(client_info.client_id, record.model_dump_json(exclude_none=True).encode())
