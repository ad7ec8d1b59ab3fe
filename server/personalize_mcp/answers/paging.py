"""Paging, filtering and the size budget: one mechanism for every list answer, tool and resource.

A cached upstream list becomes a `Catalogue` once (views in key order, each view's JSON size and
search text), so a paged call costs time in proportion to its page, not to the account.

Order and cursors (keyset paging): items are sorted by a unique key -- the uid, which Contentstack
never reuses -- and a cursor names the last key a page held; the next page starts after it. While
the upstream list changes between two pages, this guarantees: an item present for the whole walk is
returned exactly once, in key order; an item added or removed during the walk appears at most once;
`total` is the number of matches when that page was made. Cursors are opaque, checksummed, and bound
to the listing they came from (tool, project or stack, query and filters).

Budget: an answer holds at most `DEFAULT_BUDGET_BYTES` of compact JSON when `limit` is left at its
default, and at most `EXPLICIT_BUDGET_BYTES` when a larger page is asked for. A page the budget
shortens says so in its `note` (how many it holds, how many match, how to get the rest); a page that
holds every match says nothing extra. Nothing is ever cut silently.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypedDict, TypeVar

from pydantic import BaseModel, Field

from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.runtime.errors import InvalidInputError

V = TypeVar("V", bound=BaseModel)

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
DEFAULT_BUDGET_BYTES = 32 * 1024
"""With default arguments no answer is larger (≈ 10k tokens: under the clients' warning thresholds)."""
EXPLICIT_BUDGET_BYTES = 256 * 1024
"""An explicit `limit` may ask for more, up to this (a script walking a big list in fewer calls)."""
ENVELOPE_BYTES = 1024
"""Kept free in the budget for what surrounds the items (ids, total, cursor, note)."""
MAX_QUERY_CHARS = 200
_MAX_CURSOR_CHARS = 600
_CURSOR_VERSION = 1
_MAX_SELECTIONS = 16


class Paged(ResultModel):
    """The fields every list answer adds to its items."""

    total: int = Field(description="How many items match (before paging).")
    next_cursor: str | None = Field(
        default=None, description="Pass as cursor to get the next page; null on the last page."
    )
    note: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="Only when this page does not hold every match: how many it holds, and how to get the rest.",
    )


@dataclass(frozen=True, slots=True)
class ListArgs:
    """`query`, `limit` and `cursor`, checked, with the listing the cursor must belong to."""

    query: str | None
    limit: int
    after: str | None
    """The last key of the previous page (from the cursor), or None for the first page."""
    listing: str
    """What is listed, with its scope and filters: a cursor from another listing is refused."""
    explicit_limit: bool

    @property
    def budget(self) -> int:
        return EXPLICIT_BUDGET_BYTES if self.explicit_limit and self.limit > DEFAULT_LIMIT else DEFAULT_BUDGET_BYTES


def list_args(
    listing: str,
    *,
    query: object = None,
    limit: object = None,
    cursor: object = None,
    filters: Mapping[str, object] | None = None,
) -> ListArgs:
    """Validate the list arguments of one call; one sentence for whatever is wrong.

    `listing` names the tool and its scope (e.g. `audiences:<project uid>`); `filters` are the other
    arguments that narrow it. Both are bound into the cursor.
    """
    text = _query(query)
    size = _limit(limit)
    scope = json.dumps([listing, text, sorted((k, str(v)) for k, v in (filters or {}).items() if v is not None)])
    fingerprint = hashlib.sha256(scope.encode()).hexdigest()[:16]
    after = _decode_cursor(cursor, fingerprint) if cursor not in (None, "") else None
    return ListArgs(query=text, limit=size, after=after, listing=fingerprint, explicit_limit=limit is not None)


def _query(query: object) -> str | None:
    if query is None:
        return None
    if not isinstance(query, str):
        raise InvalidInputError("query must be a string (a part of a name, key or uid).")
    text = query.strip()
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInputError(f"query is {len(text)} characters long; use at most {MAX_QUERY_CHARS}.")
    return text.casefold() or None


def _limit(limit: object) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        shown = repr(limit) if isinstance(limit, int | float) and not isinstance(limit, bool) else type(limit).__name__
        raise InvalidInputError(f"limit must be a whole number from 1 to {MAX_LIMIT}, not {shown[:20]}.")
    return limit


def encode_cursor(fingerprint: str, after: str) -> str:
    payload = json.dumps({"v": _CURSOR_VERSION, "l": fingerprint, "a": after}, separators=(",", ":")).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{hashlib.sha256(body.encode()).hexdigest()[:8]}"


_BAD_CURSOR = (
    "cursor is not one this server gave out (pass the next_cursor of the previous page unchanged, "
    "or leave cursor out to start from the first page)."
)
_OTHER_LISTING = (
    "cursor belongs to another listing (a different tool, project, stack, query or filter); "
    "pass the same arguments as the call that gave it, or leave cursor out to start over."
)


def _decode_cursor(cursor: object, fingerprint: str) -> str:
    if not isinstance(cursor, str) or len(cursor) > _MAX_CURSOR_CHARS or cursor.count(".") != 1:
        raise InvalidInputError(_BAD_CURSOR)
    body, check = cursor.split(".")
    if hashlib.sha256(body.encode()).hexdigest()[:8] != check:
        raise InvalidInputError(_BAD_CURSOR)
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise InvalidInputError(_BAD_CURSOR) from None
    if not isinstance(payload, dict) or payload.get("v") != _CURSOR_VERSION or not isinstance(payload.get("a"), str):
        raise InvalidInputError(_BAD_CURSOR)
    if payload.get("l") != fingerprint:
        raise InvalidInputError(_OTHER_LISTING)
    return str(payload["a"])


class PagedFields(TypedDict):
    total: int
    next_cursor: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class Page(Generic[V]):
    items: list[V]
    keys: list[str]
    total: int
    next_cursor: str | None
    note: str | None

    def fields(self) -> PagedFields:
        """The `Paged` fields, for a result model's constructor."""
        return PagedFields(total=self.total, next_cursor=self.next_cursor, note=self.note)


def json_size(view: BaseModel) -> int:
    """Bytes of the view as compact JSON, as the tools send it."""
    return len(json.dumps(view.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")).encode())


class Catalogue(Generic[V]):
    """One cached list, ready for paging: views in key order, their sizes and search text.

    Built once per cached upstream list (see `Lookups.derived`); selections (the matches of a query
    and filters) are remembered per catalogue, so only the first call with a query scans the list.
    """

    __slots__ = ("_haystacks", "_selections", "keys", "sizes", "views")

    def __init__(
        self,
        views: Iterable[V],
        *,
        key: Callable[[V], str],
        search: Callable[[V], Iterable[str | None]],
    ) -> None:
        self._fill(sorted(((key(view), view) for view in views), key=lambda pair: pair[0]), search)

    @classmethod
    def in_key_order(cls, pairs: Iterable[tuple[str, V]], search: Callable[[V], Iterable[str | None]]) -> Catalogue[V]:
        """A catalogue of (key, view) pairs already in key order (e.g. positions in a version)."""
        catalogue: Catalogue[V] = cls.__new__(cls)
        catalogue._fill(list(pairs), search)
        return catalogue

    def _fill(self, pairs: list[tuple[str, V]], search: Callable[[V], Iterable[str | None]]) -> None:
        self.keys: list[str] = [k for k, _ in pairs]
        self.views: list[V] = [v for _, v in pairs]
        self.sizes: list[int] = [json_size(v) for v in self.views]
        self._haystacks = ["\x00".join(s.casefold() for s in search(v) if s) for v in self.views]
        self._selections: OrderedDict[Hashable, list[int]] = OrderedDict()

    def in_order(self, positions: Sequence[int]) -> Catalogue[V]:
        """The views at `positions`, in that order (keyed by their place in it), e.g. the uids a caller named."""
        chosen: Catalogue[V] = Catalogue.__new__(Catalogue)
        chosen.keys = [f"{n:06d}" for n in range(len(positions))]
        chosen.views = [self.views[at] for at in positions]
        chosen.sizes = [self.sizes[at] for at in positions]
        chosen._haystacks = [self._haystacks[at] for at in positions]
        chosen._selections = OrderedDict()
        return chosen

    def __len__(self) -> int:
        return len(self.views)

    def position(self, key: str) -> int | None:
        """Where the view with this key is, if there is one (keys are sorted)."""
        at = bisect.bisect_left(self.keys, key)
        return at if at < len(self.keys) and self.keys[at] == key else None

    def select(self, query: str | None, name: Hashable = None, keep: Callable[[V], bool] | None = None) -> list[int]:
        """Indices of the views matching `query` (a case-folded substring) and `keep` (named `name`)."""
        if query is None and keep is None:
            return list(range(len(self.views)))
        memo = (query, name)
        found = self._selections.get(memo)
        if found is None:
            found = [
                i
                for i, view in enumerate(self.views)
                if (query is None or query in self._haystacks[i]) and (keep is None or keep(view))
            ]
            self._selections[memo] = found
            while len(self._selections) > _MAX_SELECTIONS:
                self._selections.popitem(last=False)
        self._selections.move_to_end(memo)
        return found

    def page(
        self,
        args: ListArgs,
        noun: str,
        *,
        tool: str,
        selection: Sequence[int] | None = None,
        taken: int = 0,
        narrow: str | None = "query",
    ) -> Page[V]:
        """The page `args` asks for among `selection` (default: the matches of `args.query`).

        `taken`: bytes of the answer already spent outside the items (say, a summary beside them).
        `narrow`: the argument the note suggests to narrow the list with (None: the tool has none).
        """
        chosen = self.select(args.query) if selection is None else selection
        start = 0
        if args.after is not None:
            start = bisect.bisect_right(chosen, args.after, key=lambda i: self.keys[i])
        room = args.budget - ENVELOPE_BYTES - taken
        items: list[V] = []
        end = start
        while end < len(chosen) and len(items) < args.limit:
            size = self.sizes[chosen[end]] + 1
            if items and size > room:
                break
            room -= size
            items.append(self.views[chosen[end]])
            end += 1
        total = len(chosen)
        more = end < total
        next_cursor = encode_cursor(args.listing, self.keys[chosen[end - 1]]) if more and items else None
        note = None
        if more:
            shortened = len(items) < args.limit
            why = f" (shortened from limit {args.limit} to keep the answer under {args.budget // 1024} KiB)"
            note = (
                f"This page holds {len(items)} of {total} matching {noun}"
                f"{why if shortened else ''}, {start} came before it; call {tool} again with the same arguments "
                f"and cursor=next_cursor for the next page{f', or narrow it with {narrow}' if narrow else ''}."
            )
        keys = [self.keys[chosen[at]] for at in range(start, end)]
        return Page(items=items, keys=keys, total=total, next_cursor=next_cursor, note=note)
