"""Turning upstream JSON into models: tolerant of envelopes and stray items, strict about nonsense."""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from personalize_mcp.contentstack.errors import Api, UnexpectedResponseError

logger = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)


def unexpected(api: Api, what: str) -> UnexpectedResponseError:
    return UnexpectedResponseError(
        f"Contentstack's {api.display_name} returned {what} in an unexpected shape; try again, "
        "and report it if it persists.",
        api=api,
    )


def parse_list(api: Api, body: Any, model: type[ModelT], *, keys: tuple[str, ...], what: str) -> list[ModelT]:
    """Items of a list answer: a bare array, or an object holding one under any of `keys`.

    Items that lack the model's required fields are skipped (and logged) rather than failing
    the whole answer: one odd record should not hide the other ninety-nine.
    """
    items: Any = body
    if isinstance(body, dict):
        items = next((body[k] for k in keys if isinstance(body.get(k), list)), None)
    if not isinstance(items, list):
        raise unexpected(api, what)
    parsed: list[ModelT] = []
    for item in items:
        try:
            parsed.append(model.model_validate(item))
        except ValidationError:
            logger.warning("Skipping one %s item that lacks required fields", what)
    return parsed


def parse_object(api: Api, body: Any, model: type[ModelT], *, keys: tuple[str, ...], what: str) -> ModelT:
    """One object, bare or under any of `keys` (also a one-item list under a key)."""
    candidate: Any = body
    if isinstance(body, dict):
        for key in keys:
            value = body.get(key)
            if isinstance(value, dict):
                candidate = value
                break
            if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
                candidate = value[0]
                break
    try:
        return model.model_validate(candidate)
    except ValidationError:
        raise unexpected(api, what) from None


def count_of(body: Any) -> int | None:
    value = body.get("count") if isinstance(body, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def parse_uid_list(api: Api, body: Any, *, keys: tuple[str, ...], what: str) -> list[str]:
    """Uids in order, from a bare array or one under any of `keys`; items may be strings or objects naming
    one (`uid`, `experienceUid`, `experience`, `id`). Items naming none are skipped (and logged)."""
    items: Any = body
    if isinstance(body, dict):
        items = next((body[k] for k in keys if isinstance(body.get(k), list)), None)
    if not isinstance(items, list):
        raise unexpected(api, what)
    uids: list[str] = []
    for item in items:
        uid = item
        if isinstance(item, dict):
            uid = next(
                (item[f] for f in ("uid", "experienceUid", "experience", "id") if isinstance(item.get(f), str)), None
            )
        if isinstance(uid, str) and uid:
            uids.append(uid)
        else:
            logger.warning("Skipping one item of %s that names no uid", what)
    return list(dict.fromkeys(uids))
