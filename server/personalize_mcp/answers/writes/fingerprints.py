"""What a plan touches, read fresh, and a fingerprint of each: the optimistic lock of every write.

No `ETag`/`If-Match` is known for the Personalize API (contentstack-api.md §8), so the server compares
before writing: plan_change reads every object it will touch without the cache (`FreshReads`, each list
once per plan), records a fingerprint per object, and apply_change reads them again the same way and
refuses when one differs. A key names one object and says which list it comes from:

| key | read | fingerprint of |
|---|---|---|
| `audience:<uid>`, `attribute:<uid>`, `event:<uid>` | the project's list | that object (or its absence) |
| `experience:<uid>` | `GET /experiences/{uid}` | the experience summary |
| `versions:<experience uid>` | its versions | every version, variants included |
| `priority` | `GET /experiences-priority` and the experience list | the order and the set of experiences |
| `uses-audience:<uid>`, `uses-event:<uid>` | the experience list | which experiences name it |
| `uses-attribute:<uid>` | the audience list | which audiences' rules test it |

Reads made fresh also refresh the lookup cache, so the read tools see them too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.contentstack.models.audiences import Attribute, Audience
from personalize_mcp.contentstack.models.experiences import Event, Experience
from personalize_mcp.contentstack.models.versions import Version
from personalize_mcp.rules.model import attribute_refs, parse_audience
from personalize_mcp.runtime.errors import NotFoundError

T = TypeVar("T")
ABSENT = "absent"


def dumped(value: BaseModel | None) -> dict[str, Any] | None:
    """An upstream object as JSON (its API spelling), for fingerprints, the journal and undo."""
    return None if value is None else value.model_dump(mode="json", by_alias=True)


def fingerprint(value: object) -> str:
    if value is None:
        return ABSENT
    if isinstance(value, BaseModel):
        value = dumped(value)
    elif isinstance(value, list | tuple):
        value = [dumped(v) if isinstance(v, BaseModel) else v for v in value]
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class FreshReads:
    """One plan's (or apply's) reads of one project, each made once, never from the cache."""

    def __init__(self, lookups: Lookups, project: str) -> None:
        self.lookups = lookups
        self.project = project
        self._memo: dict[tuple[str, ...], Any] = {}
        self.count = 0
        """Upstream reads made (the bench compares them with what the API needs)."""

    async def _once(self, key: tuple[str, ...], read: Callable[[], Awaitable[T]]) -> T:
        if key not in self._memo:
            self.count += 1
            self._memo[key] = await read()
        value: T = self._memo[key]
        return value

    async def audiences(self) -> list[Audience]:
        return await self._once(("audiences",), lambda: self.lookups.audiences(self.project, fresh=True))

    async def attributes(self) -> list[Attribute]:
        return await self._once(("attributes",), lambda: self.lookups.attributes(self.project, fresh=True))

    async def events(self) -> list[Event]:
        return await self._once(("events",), lambda: self.lookups.events(self.project, fresh=True))

    async def experiences(self) -> list[Experience]:
        return await self._once(("experiences",), lambda: self.lookups.experiences(self.project, fresh=True))

    async def experience(self, uid: str) -> Experience | None:
        """One experience (None when it does not exist): from the fresh list when it was read, else its GET."""
        if ("experiences",) in self._memo:
            return next((e for e in await self.experiences() if e.uid == uid), None)

        async def read() -> Experience | None:
            try:
                return await self.lookups.experience(self.project, uid, fresh=True)
            except NotFoundError:
                return None

        return await self._once(("experience", uid), read)

    async def versions(self, experience_uid: str) -> list[Version]:
        return await self._once(
            ("versions", experience_uid), lambda: self.lookups.versions(self.project, experience_uid, fresh=True)
        )

    async def priority(self) -> list[str]:
        return await self._once(("priority",), lambda: self.lookups.priority(self.project, fresh=True))

    async def value_of(self, key: str) -> object:
        """What the fingerprint of `key` is taken of (see the module docstring)."""
        kind, _, uid = key.partition(":")
        if kind == "audience":
            return _find(await self.audiences(), uid)
        if kind == "attribute":
            return _find(await self.attributes(), uid)
        if kind == "event":
            return _find(await self.events(), uid)
        if kind == "experience":
            return await self.experience(uid)
        if kind == "versions":
            try:
                return await self.versions(uid)
            except NotFoundError:
                return None
        if kind == "priority":
            return [await self.priority(), sorted(e.uid for e in await self.experiences())]
        if kind in ("uses-audience", "uses-event"):
            field = "referred_audiences" if kind == "uses-audience" else "event_uids"
            return sorted(e.uid for e in await self.experiences() if uid in getattr(e, field))
        if kind == "uses-attribute":
            return sorted(a.uid for a in await self.audiences() if _tests(a, uid))
        raise ValueError(f"unknown fingerprint key {key}")

    async def fingerprints(self, keys: Iterable[str]) -> dict[str, str]:
        return {key: fingerprint(await self.value_of(key)) for key in keys}


def _find(items: list[T], uid: str) -> T | None:
    return next((item for item in items if getattr(item, "uid", None) == uid), None)


def _tests(audience: Audience, attribute: str) -> bool:
    return any(ref == attribute for _, ref in attribute_refs(parse_audience(audience.definition)))


def changed_subjects(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The keys whose fingerprint moved, in the plan's order."""
    return [key for key, value in before.items() if after.get(key) != value]
