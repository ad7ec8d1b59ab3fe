"""How a write fails: typed errors for Contentstack's dotted codes, and for an answer that never came.

Error bodies of the Personalize API are undocumented (contentstack-api.md §8): official code reads, in order,
`errors` (field -> message or list), `error`, `error_message`, `message`. The code is looked for in all of
them and shown only when it is one (`personalize.EXPERIENCES.VERSIONS.CANNOT_UPDATE_LOCKED_VERSION`, or a
bare `MISSING_EXPERIENCES`): a strict pattern, so no upstream prose ever reaches a sentence. The fields an
`errors` object blames are kept (names only), e.g. to notice a PUT that refuses `shortUid`.

A write is never retried blindly (`http`): only what certainly did not reach the service (a refused
connection, a 429, a 401 before renewal) is sent again. Anything else that leaves the outcome open -- a
timeout, a dropped connection, a 5xx -- is a `WriteOutcomeUnknownError`, which the apply
engine answers by reading what now exists.
"""

from __future__ import annotations

import json
import re
from typing import Any

from personalize_mcp.contentstack.errors import (
    Api,
    PermissionDeniedError,
    UpstreamError,
    UpstreamNotFoundError,
    UpstreamRejectedError,
    UpstreamUnavailableError,
)

_DOTTED = re.compile(r"\bpersonalize(?:\.[A-Z0-9_]{1,64}){1,5}\b")
_BARE = re.compile(r"^[A-Z][A-Z0-9_]{2,63}$")
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]{0,63}$")
LOGIN_WITH_WRITES = "personalize-mcp login --writes"


class WriteRejectedError(UpstreamRejectedError):
    """A write refused with 400/409/412/422; `code` is the dotted code when the body names one."""

    def __init__(self, message: str, *, api: Api, status: int, code: str | None, fields: tuple[str, ...]) -> None:
        super().__init__(message, api=api, status=status)
        self.code = code
        self.fields = fields


class LockedVersionError(WriteRejectedError):
    """`CANNOT_UPDATE_LOCKED_VERSION`: an ACTIVE (or otherwise locked) version cannot be edited."""


class DraftExistsError(WriteRejectedError):
    """`CANNOT_CREATE_VERSION_AS_DRAFT_ALREADY_EXISTS`: one draft per experience."""


class MissingExperiencesError(WriteRejectedError):
    """`MISSING_EXPERIENCES`: a priority order must name every experience."""


class RuleCountExceededError(WriteRejectedError):
    """`RULE_COUNT_EXCEEDED`: an audience holds at most 50 rules by default."""


class WriteScopeMissingError(PermissionDeniedError):
    """403 on a write: the login lacks `personalize:manage` (or access to the project)."""


class WriteOutcomeUnknownError(UpstreamUnavailableError):
    """The write was sent but no answer says whether it took effect."""


_TYPED: dict[str, tuple[type[WriteRejectedError], str]] = {
    "CANNOT_UPDATE_LOCKED_VERSION": (LockedVersionError, "that version is locked (an ACTIVE version cannot be edited)"),
    "CANNOT_CREATE_VERSION_AS_DRAFT_ALREADY_EXISTS": (DraftExistsError, "the experience already has a draft"),
    "MISSING_EXPERIENCES": (MissingExperiencesError, "a priority order must name every experience of the project"),
    "RULE_COUNT_EXCEEDED": (RuleCountExceededError, "the audience has more rules than Contentstack allows"),
}


def error_code(body: Any) -> str | None:
    """The first dotted code (else a bare CODE) anywhere in the fields official code reads."""
    candidates: list[str] = []

    def walk(value: Any, depth: int = 0) -> None:
        if depth > 4:
            return
        if isinstance(value, str):
            candidates.append(value.strip())
        elif isinstance(value, list):
            for item in value[:20]:
                walk(item, depth + 1)
        elif isinstance(value, dict):
            for item in list(value.values())[:20]:
                walk(item, depth + 1)

    if isinstance(body, dict):
        for key in ("errors", "error", "error_message", "message", "code", "errorCode", "error_code"):
            walk(body.get(key))
    for text in candidates:
        found = _DOTTED.search(text)
        if found:
            return found.group(0)
    return next((text for text in candidates if _BARE.match(text)), None)


def blamed_fields(body: Any) -> tuple[str, ...]:
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, dict):
        return ()
    return tuple(str(name) for name in list(errors)[:20] if _FIELD.match(str(name)))


def write_failure(api: Api, method: str, status: int, content: bytes, account: str) -> UpstreamError:
    """The typed failure of a write's final answer (after renewals and the retries that are safe)."""
    try:
        body = json.loads(content) if content else None
    except (ValueError, RecursionError):
        body = None
    code = error_code(body)
    shown = f", code {code}" if code else ""
    if status == 403:
        return WriteScopeMissingError(
            f"Contentstack's {api.display_name} refused the change (HTTP 403): the login of account '{account}' may "
            f"lack personalize:manage or access to this project; run `{LOGIN_WITH_WRITES}`.",
            api=api,
            status=status,
        )
    if status == 404:
        return UpstreamNotFoundError(
            f"Contentstack's {api.display_name} found nothing to change there (HTTP 404{shown}).",
            api=api,
            status=status,
        )
    if status >= 500:
        return WriteOutcomeUnknownError(
            f"Contentstack's {api.display_name} answered the {method} with HTTP {status}, so whether it took effect is "
            "unknown.",
            api=api,
            status=status,
        )
    if 400 <= status < 500 and status not in (401, 408, 429):
        suffix = code.rsplit(".", 1)[-1] if code else ""
        kind, words = _TYPED.get(suffix, (WriteRejectedError, "it was refused"))
        return kind(
            f"Contentstack's {api.display_name} refused the change: {words} (HTTP {status}{shown}).",
            api=api,
            status=status,
            code=code,
            fields=blamed_fields(body),
        )
    return UpstreamRejectedError(
        f"Contentstack's {api.display_name} answered the {method} with unexpected HTTP status {status}.",
        api=api,
        status=status,
    )


def outcome_unknown(api: Api, method: str, why: str) -> WriteOutcomeUnknownError:
    return WriteOutcomeUnknownError(
        f"The {method} to Contentstack's {api.display_name} {why}, so whether it took effect is unknown.", api=api
    )
