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
