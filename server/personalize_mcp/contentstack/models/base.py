"""What every upstream model shares: fields it does not know are ignored, odd values become None or empty."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict


class UpstreamModel(BaseModel):
    """Ignores fields it does not know, accepts the API's spelling or ours, and never changes."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


def _str_list(value: Any) -> list[str]:
    """A list of uids, also when items are objects like `{"uid": ...}` (unconfirmed shapes)."""
    if not isinstance(value, list):
        return []
    out: list[str] = []
    for item in value:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            uid = item.get("uid") or item.get("id")
            if isinstance(uid, str):
                out.append(uid)
    return out


def optional_str(value: Any) -> str | None:
    """A string as given, a number as its text, anything else None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


OptionalStr = Annotated[str | None, BeforeValidator(optional_str)]
UidList = Annotated[list[str], BeforeValidator(_str_list)]
