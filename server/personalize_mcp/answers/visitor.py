"""The `visitor` argument of simulate_visitor and explain_audience_match: checked, bounded, and read once.

A visitor is a JSON object (or the same as a JSON string, which some clients send); every field is optional:

| field | meaning |
|---|---|
| `country`, `region`, `city` | where the Edge places the IP (`AU`, `New South Wales`, `Sydney`) |
| `device_type`, `operating_system` | from the user agent (`MOBILE` / `DESKTOP` / `TABLET`, `iOS`) |
| `referrer` | the page the visitor came from |
| `url` | the page URL; its query parameters feed query-parameter rules |
| `query_parameters` | {name: text or [text]}: explicit query parameters (win over the URL's, name by name) |
| `datetime` | ISO 8601 with an offset or `Z` (`2025-11-28T09:00:00+11:00`); default: now, in UTC |
| `attributes` | {custom attribute key: scalar}: keys are case-sensitive, values typed (5 is not "5") |
| `lytics_audiences` | [Lytics audience slug]: the visitor's memberships |
| `lytics_flows` | {Lytics flow id: state}: the flow states the visitor is in |

A field left out is unknown (rules on it are undecided); a field given as `null` is known to be absent
(say, an IP the Edge cannot place), so rules on it fail instead. Sizes are bounded so that one call
stays cheap, and every mistake is one sentence naming the field.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from personalize_mcp.rules.visitor import PRESET_FIELDS, Scalar, Visitor
from personalize_mcp.runtime.errors import InvalidInputError, quoted

TEXT_FIELDS = tuple(PRESET_FIELDS.values())
FIELDS = (*TEXT_FIELDS, "url", "query_parameters", "datetime", "attributes", "lytics_audiences", "lytics_flows")

MAX_JSON_CHARS = 64 * 1024
MAX_TEXT_CHARS = 500
MAX_URL_CHARS = 4096
MAX_ATTRIBUTES = 200
MAX_KEY_CHARS = 200
MAX_VALUE_CHARS = 1000
MAX_LIST_ITEMS = 200
MAX_FLOWS = 100
MAX_PARAMETERS = 100
MAX_PARAMETER_VALUES = 20
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.$-]{1,60}")
"""A key or name shown as is after its field's dotted path; any other is quoted (shortened, escaped)."""


def parse_visitor(raw: object, now: datetime | None = None) -> Visitor:
    """The visitor to evaluate, or one sentence saying what is wrong with it."""
    data = _object(raw)
    unknown = [key for key in data if key not in FIELDS]
    if unknown:
        shown = ", ".join(repr(k[:40]) for k in unknown[:5])
        noun = "an unknown field" if len(unknown) == 1 else "unknown fields"
        raise InvalidInputError(f"visitor has {noun} {shown}; the fields are: {', '.join(FIELDS)}.")
    presets: dict[str, str | None] = {}
    for name in TEXT_FIELDS:
        if name in data:
            presets[name] = _text(f"visitor.{name}", data[name], MAX_TEXT_CHARS)
    moment_given = data.get("datetime") is not None
    moment = _moment(data["datetime"]) if moment_given else (now or datetime.now(UTC))
    return Visitor(
        moment=moment,
        moment_given=moment_given,
        presets=presets,
        attributes=_attributes(data.get("attributes")),
        query=_query(data.get("url"), data.get("query_parameters"), given="url" in data or "query_parameters" in data),
        lytics_audiences=_slugs(data["lytics_audiences"]) if data.get("lytics_audiences") is not None else None,
        lytics_flows=_flows(data["lytics_flows"]) if data.get("lytics_flows") is not None else None,
    )


def _object(raw: object) -> Mapping[str, object]:
    if isinstance(raw, str):
        if len(raw) > MAX_JSON_CHARS:
            raise InvalidInputError(f"visitor is {len(raw):,} characters long; keep it under {MAX_JSON_CHARS:,}.")
        try:
            raw = json.loads(raw)
        except ValueError:
            raise InvalidInputError(
                'visitor must be a JSON object such as {"country": "AU", "device_type": "MOBILE"}.'
            ) from None
        except RecursionError:  # brackets nested thousands deep: the decoder gives up
            raise InvalidInputError(
                'visitor nests too deeply; it must be a flat JSON object such as {"country": "AU"}.'
            ) from None
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not all(isinstance(k, str) for k in raw):
        raise InvalidInputError('visitor must be an object such as {"country": "AU", "device_type": "MOBILE"}.')
    return raw


def _text(name: str, value: object, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInputError(f"{name} must be text or null, not {_kind(value)}.")
    if len(value) > limit:
        raise InvalidInputError(f"{name} is {len(value):,} characters long; use at most {limit:,}.")
    return value


def _moment(value: object) -> datetime:
    example = "2025-11-28T09:00:00+11:00 or 2025-11-27T22:00:00Z"
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidInputError(f"visitor.datetime must be an ISO 8601 date-time with its offset, e.g. {example}.")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInputError(
            f"visitor.datetime {value[:40]!r} is not an ISO 8601 date-time; write it like {example}."
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInputError(
            f"visitor.datetime {value[:40]!r} names no time zone; add its offset or Z, e.g. {example}."
        )
    return moment


def _attributes(value: object) -> dict[str, Scalar]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInputError('visitor.attributes must be an object of custom attribute keys, e.g. {"plan": "gold"}.')
    if len(value) > MAX_ATTRIBUTES:
        raise InvalidInputError(f"visitor.attributes holds {len(value)} keys; use at most {MAX_ATTRIBUTES}.")
    out: dict[str, Scalar] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key or len(key) > MAX_KEY_CHARS:
            raise InvalidInputError(f"visitor.attributes keys must be 1-{MAX_KEY_CHARS} characters of text.")
        where = _named("visitor.attributes", key)
        if isinstance(item, str):
            if len(item) > MAX_VALUE_CHARS:
                raise InvalidInputError(f"{where} is {len(item):,} characters long; use at most {MAX_VALUE_CHARS:,}.")
        elif isinstance(item, float) and not math.isfinite(item):
            raise InvalidInputError(f"{where} must be a finite number.")
        elif isinstance(item, int) and not isinstance(item, bool) and item.bit_length() > 64:
            raise InvalidInputError(f"{where} is too large a number.")
        elif item is not None and not isinstance(item, bool | int | float):
            raise InvalidInputError(
                f"{where} must be a scalar (text, number, true/false or null), not {_kind(item)}: custom "
                "attributes hold one scalar value."
            )
        out[key] = item
    return out


def _slugs(value: object) -> frozenset[str]:
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, str) and 0 < len(v) <= MAX_TEXT_CHARS for v in value
    ):
        raise InvalidInputError(
            'visitor.lytics_audiences must be a list of Lytics audience slugs, e.g. ["high_intent"].'
        )
    if len(value) > MAX_LIST_ITEMS:
        raise InvalidInputError(f"visitor.lytics_audiences holds {len(value)} slugs; use at most {MAX_LIST_ITEMS}.")
    return frozenset(value)


def _flows(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and 0 < len(k) <= MAX_KEY_CHARS and len(v) <= MAX_TEXT_CHARS
        for k, v in value.items()
    ):
        raise InvalidInputError(
            'visitor.lytics_flows must be an object of flow id -> state, e.g. {"onboarding": "active"}.'
        )
    if len(value) > MAX_FLOWS:
        raise InvalidInputError(f"visitor.lytics_flows holds {len(value)} flows; use at most {MAX_FLOWS}.")
    return dict(value)


def _query(url: object, explicit: object, *, given: bool) -> dict[str, tuple[str, ...]] | None:
    if not given:
        return None
    found: dict[str, list[str]] = {}
    text = _text("visitor.url", url, MAX_URL_CHARS)
    if text:
        try:
            query = urlsplit(text.strip()).query
        except ValueError:
            raise InvalidInputError(f"visitor.url {text[:60]!r} is not a URL.") from None
        try:
            pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_PARAMETERS)
        except ValueError:  # more fields than max_num_fields
            raise InvalidInputError(
                f"visitor.url has more than {MAX_PARAMETERS} query parameters; use at most {MAX_PARAMETERS}."
            ) from None
        for name, item in pairs:
            found.setdefault(name, []).append(item)
    if explicit is not None:
        if not isinstance(explicit, Mapping):
            raise InvalidInputError('visitor.query_parameters must be an object, e.g. {"utm_campaign": "summer_sale"}.')
        if len(explicit) > MAX_PARAMETERS:
            raise InvalidInputError(
                f"visitor.query_parameters holds {len(explicit)} names; use at most {MAX_PARAMETERS}."
            )
        for name, item in explicit.items():
            items = item if isinstance(item, list | tuple) else [item]
            if (
                not isinstance(name, str)
                or not name
                or len(items) > MAX_PARAMETER_VALUES
                or not all(isinstance(v, str) and len(v) <= MAX_VALUE_CHARS for v in items)
            ):
                raise InvalidInputError(
                    f"{_named('visitor.query_parameters', str(name))} must be text or a list of at most "
                    f"{MAX_PARAMETER_VALUES} texts (query parameters are text)."
                )
            found[name] = list(items)
    return {name: tuple(items) for name, items in found.items()}


def _named(path: str, key: str) -> str:
    """`path.key` for a plain key, else `path[<key quoted>]`: caller text never enters a sentence raw."""
    return f"{path}.{key}" if _PLAIN_NAME.fullmatch(key) else f"{path}[{quoted(key, 40)}]"


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__
