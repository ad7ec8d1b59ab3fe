"""The paging mechanism on its own: budget shortening, cursors, selections (no MCP, no HTTP)."""

from __future__ import annotations

import pytest

from personalize_mcp.answers.paging import DEFAULT_BUDGET_BYTES, Catalogue, list_args
from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.runtime.errors import InvalidInputError


class Item(ResultModel):
    uid: str
    name: str
    blob: str


def catalogue(sizes: list[int]) -> Catalogue[Item]:
    return Catalogue(
        (Item(uid=f"u{n:04d}", name=f"item {n}", blob="x" * size) for n, size in enumerate(sizes)),
        key=lambda item: item.uid,
        search=lambda item: (item.name, item.uid),
    )


def test_a_page_the_budget_shortens_says_so_and_loses_nothing() -> None:
    items = catalogue([2000] * 120)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = items.page(list_args("t", cursor=cursor), "items", tool="tool")
        pages += 1
        assert sum(items.sizes[items.position(k) or 0] for k in page.keys) <= DEFAULT_BUDGET_BYTES
        seen += [i.uid for i in page.items]
        if page.next_cursor is None:
            assert page.note is None or "holds" in page.note
            break
        assert "shortened from limit 50 to keep the answer under 32 KiB" in (page.note or "")
        assert f"of {len(items)} matching items" in (page.note or "")
        cursor = page.next_cursor
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 120
    assert pages == -(-120 // len(items.page(list_args("t"), "items", tool="tool").items))


def test_a_list_that_fits_says_nothing_extra() -> None:
    page = catalogue([10] * 30).page(list_args("t"), "items", tool="tool")
    assert len(page.items) == page.total == 30 and page.next_cursor is None and page.note is None


def test_one_oversized_item_is_still_returned_alone() -> None:
    page = catalogue([DEFAULT_BUDGET_BYTES * 2, 10]).page(list_args("t"), "items", tool="tool")
    assert [i.uid for i in page.items] == ["u0000"] and page.next_cursor


def test_queries_are_remembered_per_catalogue_and_match_case_insensitively() -> None:
    items = catalogue([1] * 20)
    assert items.select("ITEM 1".casefold()) == [1, *range(10, 20)]
    assert items.select("item 1") is items.select("item 1")


@pytest.mark.parametrize("cursor", ["", None])
def test_an_empty_cursor_is_the_first_page(cursor: str | None) -> None:
    assert list_args("t", cursor=cursor).after is None


def test_cursors_are_bound_to_their_listing_and_checksummed() -> None:
    page = catalogue([1] * 80).page(list_args("t:a"), "items", tool="tool")
    assert page.next_cursor
    assert list_args("t:a", cursor=page.next_cursor).after == page.keys[-1]
    with pytest.raises(InvalidInputError, match="another listing"):
        list_args("t:b", cursor=page.next_cursor)
    with pytest.raises(InvalidInputError, match="another listing"):
        list_args("t:a", cursor=page.next_cursor, query="x")
    with pytest.raises(InvalidInputError, match="not one this server gave out"):
        list_args("t:a", cursor=page.next_cursor.replace(".", "x.", 1))
