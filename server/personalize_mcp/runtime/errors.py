"""User-facing errors.

Every failure a person (or a model) may see derives from `UserFacingError`: its message is one
sentence that says what went wrong and what to do next. The MCP layer turns these into tool
errors; the CLI prints them. Nothing else may reach a user, so messages never carry tokens,
raw upstream bodies or tracebacks.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """A failure whose message is fit to show: one actionable sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInputError(UserFacingError):
    """An argument was rejected before any upstream request was made."""


class NotFoundError(UserFacingError):
    """The thing asked for does not exist (or the account cannot see it)."""


class ConfigurationError(UserFacingError):
    """Settings, flags or environment are inconsistent or incomplete."""


class NotConnectedError(UserFacingError):
    """No Contentstack account is available to call the APIs with."""


class ReauthenticationRequiredError(UserFacingError):
    """The stored login can no longer be refreshed; the user must log in again."""


class AccountStoreError(UserFacingError):
    """A stored account file is unreadable or corrupt; it is left untouched."""


MAX_MESSAGE_CHARS = 300
"""No sentence a user or model sees is longer: input and upstream text are quoted shortened."""
_ELLIPSIS = "…"


def quoted(value: str, limit: int = 40) -> str:
    """`value` fit to put in a sentence: at most `limit` characters of it, escaped, in quotes.

    Escaping (`repr`) keeps a newline, a quote or a control character in caller input or upstream
    text from breaking the sentence, faking a new line in a log, or reading as an instruction.
    """
    shown = value if len(value) <= limit else value[: max(1, limit - 1)] + _ELLIPSIS
    return repr(shown)


def bounded(message: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """The last guard on any sentence: one line, at most `limit` characters (cut with an ellipsis,
    still ending as a sentence)."""
    line = " ".join(message.split())
    return line if len(line) <= limit else line[: limit - 2].rstrip() + _ELLIPSIS + "."
