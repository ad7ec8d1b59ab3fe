"""CMS Management API: stacks, variant groups, variants, the user and the organisation (§3)."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from personalize_mcp.contentstack.errors import (
    Api,
    UnexpectedResponseError,
    UpstreamError,
    UpstreamNotFoundError,
    is_definite_refusal,
)
from personalize_mcp.contentstack.http import ContentstackHTTP, url_path
from personalize_mcp.contentstack.models.account import Organization, Stack, User
from personalize_mcp.contentstack.models.cms_variants import CMSVariant, VariantGroup
from personalize_mcp.contentstack.parsing import count_of, parse_list, parse_object
from personalize_mcp.runtime import progress
from personalize_mcp.runtime.concurrency import gather_all

OnPage = Callable[[Sequence[Any]], None]
"""Called with each page's items as it arrives (in any order), e.g. to offer completions before the end."""
PAGE_SIZE = 100  # the CMS's largest page
MAX_PAGES = 1000
"""100,000 items: a list the CMS says is longer is refused in one sentence, never cut silently (and a walk
without a count stops here too: a server that never says "done")."""

ModelT = TypeVar("ModelT", bound=BaseModel)


class CMSAPI:
    """Reads the CMS side of the join; ids must already be validated."""

    def __init__(self, http: ContentstackHTTP) -> None:
        self._http = http

    async def list_stacks(self, organization_uid: str) -> list[Stack]:
        """`GET /v3/stacks`, else the organisation's route: contentstack-api.md §3 documents both,
        under different scopes, so a login (or an API) without the first may have the second."""
        headers = {"organization_uid": organization_uid}
        try:
            return await self._paged("/stacks", headers, Stack, key="stacks", what="stacks", params={})
        except UpstreamError as first:
            if not is_definite_refusal(first):
                raise
            org_route = url_path("organizations", organization_uid, "stacks")
            try:
                return await self._paged(org_route, headers, Stack, key="stacks", what="stacks", params={})
            except UpstreamError as second:
                if is_definite_refusal(second):
                    raise first from None  # refused both ways: the first route's refusal says it best
                raise

    async def list_variant_groups(self, stack_api_key: str, *, on_page: OnPage | None = None) -> list[VariantGroup]:
        return await self._paged(
            "/variant_groups",
            {"api_key": stack_api_key},
            VariantGroup,
            key="variant_groups",
            what="variant groups",
            params={"include_variant_info": "true"},  # the documented call (contentstack-api.md §3)
            on_page=on_page,
        )

    async def list_variants(
        self, stack_api_key: str, variant_group_uid: str, *, on_page: OnPage | None = None
    ) -> list[CMSVariant]:
        return await self._paged(
            url_path("variant_groups", variant_group_uid, "variants"),
            {"api_key": stack_api_key},
            CMSVariant,
            key="variants",
            what="variants",
            params={},
            on_page=on_page,
        )

    async def get_variant(self, stack_api_key: str, variant_group_uid: str, variant_uid: str) -> CMSVariant:
        """One variant. The response key is unconfirmed (`variant` or `variants`), so both are read."""
        body = await self._http.get_json(
            Api.CMA,
            url_path("variant_groups", variant_group_uid, "variants", variant_uid),
            headers={"api_key": stack_api_key},
        )
        variant = parse_object(Api.CMA, body, CMSVariant, keys=("variant", "variants"), what="a variant")
        if variant.uid != variant_uid:
            raise UpstreamNotFoundError("The variant answered is not the one asked for.", api=Api.CMA, status=200)
        return variant

    async def get_user(self) -> User:
        body = await self._http.get_json(Api.CMA, "/user")
        return parse_object(Api.CMA, body, User, keys=("user",), what="the user")

    async def get_organization(self, organization_uid: str) -> Organization:
        body = await self._http.get_json(
            Api.CMA, url_path("organizations", organization_uid), headers={"organization_uid": organization_uid}
        )
        return parse_object(Api.CMA, body, Organization, keys=("organization",), what="the organisation")

    async def _paged(
        self,
        path: str,
        headers: dict[str, str],
        model: type[ModelT],
        *,
        key: str,
        what: str,
        params: dict[str, str | int],
        on_page: OnPage | None = None,
    ) -> list[ModelT]:
        """Every item of a `skip`/`limit` list: the first page tells the count, the rest run in parallel.

        Pages are reported as progress (`runtime.progress`) and, when asked, to `on_page` as they come.
        """
        pages_done = 0
        pages_expected: int | None = None

        async def page(skip: int) -> tuple[list[ModelT], Any]:
            nonlocal pages_done
            body = await self._http.get_json(
                Api.CMA,
                path,
                headers=headers,
                params={**params, "include_count": "true", "limit": PAGE_SIZE, "skip": skip},
            )
            items = parse_list(Api.CMA, body, model, keys=(key, "items"), what=what)
            pages_done += 1
            if on_page is not None:
                on_page(items)
            if pages_expected is not None and pages_expected > 1:
                await progress.advance(pages_done, pages_expected, f"Reading {what} from the CMS")
            return items, body

        items, body = await page(0)
        total = count_of(body)
        if total is not None:
            if len(items) >= total or not items:
                return items
            # Step by what the server actually returned, in case it caps pages below our limit.
            step = len(items)
            pages_expected = -(-total // step)
            if pages_expected > MAX_PAGES:
                raise UnexpectedResponseError(
                    f"Contentstack's CMS Management API reports {total:,} {what}, more than this server reads "
                    f"({step * MAX_PAGES:,}); narrow the request in Contentstack, or report it if it seems wrong.",
                    api=Api.CMA,
                )
            skips = range(step, total, step)
            rest = await gather_all([functools.partial(_items, page, skip) for skip in skips])
            return _distinct([items, *rest])
        # No count: walk until a short page, or a page with nothing new (a server ignoring `skip`).
        pages = [items]
        seen = {_identity(item) for item in items}
        for number in range(1, MAX_PAGES):
            if len(pages[-1]) < PAGE_SIZE:
                break
            last = (await page(number * PAGE_SIZE))[0]
            fresh = {_identity(item) for item in last} - seen
            if not fresh:
                break
            seen |= fresh
            pages.append(last)
        return _distinct(pages)


def _identity(item: BaseModel) -> object:
    """What tells two listed items apart: the uid (a stack's api_key); the item itself without one."""
    return getattr(item, "uid", None) or getattr(item, "api_key", None) or id(item)


def _distinct(pages: list[list[ModelT]]) -> list[ModelT]:
    """The pages' items in order, each once: overlapping pages (a server ignoring `skip`, or items
    added between two requests) must not list an item twice."""
    seen: set[object] = set()
    items: list[ModelT] = []
    for item in itertools.chain.from_iterable(pages):
        key = _identity(item)
        if key not in seen:
            seen.add(key)
            items.append(item)
    return items


async def _items(page: Callable[[int], Awaitable[tuple[list[ModelT], Any]]], skip: int) -> list[ModelT]:
    return (await page(skip))[0]
