"""One stored account: what a login leaves behind so later processes need nothing else.

The model is the account file's schema (see `store.py` for where and how it is written). Tokens
and the client secret are `SecretStr`, so printing, logging or raising with an account in hand
never shows them; only `to_file_json()` reveals them, for the 0600 file itself.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from personalize_mcp.config.settings import ConnectionOverrides
from personalize_mcp.runtime.errors import ConfigurationError
from personalize_mcp.runtime.plurals import is_are

FILE_FORMAT = 1
DEFAULT_ACCOUNT_NAME = "default"
ACCOUNT_NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def validate_account_name(name: str) -> str:
    """Account names become file names, so only a safe alphabet is accepted."""
    if ACCOUNT_NAME_PATTERN.fullmatch(name) is None:
        shown = name if len(name) <= 40 else name[:37] + "..."
        raise ConfigurationError(f"Account name {shown!r} is not valid; use 1-64 letters, digits, '_' or '-'.")
    return name


def utc_now() -> datetime:
    return datetime.now(UTC)


class OrganizationInfo(BaseModel):
    """The organisation the token was granted for (the user picks it on the consent page)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    uid: str | None = None
    name: str | None = None


class UserInfo(BaseModel):
    """Who logged in; any part may be unknown when the token may not read `/v3/user`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    uid: str | None = None
    email: str | None = None
    name: str | None = None


class StoredConnection(BaseModel):
    """`ConnectionOverrides` as stored: the region and OAuth app in effect at login, plus every
    host the user overrode. Kept as its own model so the secret stays a `SecretStr` at rest in
    memory; `to_overrides()` hands the plain value to settings when it is needed."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    region: str | None = None
    personalize_base_url: str | None = None
    cma_base_url: str | None = None
    app_base_url: str | None = None
    token_url: str | None = None
    app_uid: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    redirect_uri: str | None = None
    scopes: tuple[str, ...] | None = None

    @classmethod
    def from_overrides(cls, overrides: ConnectionOverrides) -> StoredConnection:
        data = overrides.to_json()
        return cls.model_validate(data)

    def to_overrides(self) -> ConnectionOverrides:
        data: dict[str, Any] = self.model_dump(exclude={"client_secret"}, exclude_none=True)
        if self.client_secret is not None:
            data["client_secret"] = self.client_secret.get_secret_value()
        return ConnectionOverrides.from_json(data)


class StoredAccount(BaseModel):
    """Everything one login produced. Immutable: refreshing builds a new value (`with_tokens`)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    format: int = FILE_FORMAT
    name: str
    connection: StoredConnection = Field(default_factory=StoredConnection)
    access_token: SecretStr
    refresh_token: SecretStr | None = None
    token_type: str = "Bearer"
    expires_at: AwareDatetime
    organization: OrganizationInfo = Field(default_factory=OrganizationInfo)
    user: UserInfo = Field(default_factory=UserInfo)
    authorization_type: str | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime

    @field_validator("name")
    @classmethod
    def _name_is_safe(cls, value: str) -> str:
        if ACCOUNT_NAME_PATTERN.fullmatch(value) is None:
            raise ValueError("not a valid account name")
        return value

    @field_validator("expires_at", "created_at", "updated_at")
    @classmethod
    def _as_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @property
    def organization_uid(self) -> str | None:
        return self.organization.uid

    @property
    def region(self) -> str | None:
        return self.connection.region

    def expires_within(self, margin: timedelta, *, now: datetime | None = None) -> bool:
        """True when the access token is expired or will be within `margin`."""
        return (now or utc_now()) + margin >= self.expires_at

    def with_tokens(
        self,
        *,
        access_token: str,
        refresh_token: str | None,
        expires_at: datetime,
        now: datetime | None = None,
    ) -> StoredAccount:
        """A renewed copy. A refresh response without a refresh token keeps the old one."""
        kept = SecretStr(refresh_token) if refresh_token else self.refresh_token
        return self.model_copy(
            update={
                "access_token": SecretStr(access_token),
                "refresh_token": kept,
                "expires_at": expires_at.astimezone(UTC),
                "updated_at": now or utc_now(),
            }
        )

    def to_file_json(self) -> dict[str, Any]:
        """The account file's JSON, secrets revealed (only ever written to the 0600 file)."""
        data: dict[str, Any] = self.model_dump(mode="json", exclude_none=True)
        data["access_token"] = self.access_token.get_secret_value()
        if self.refresh_token is not None:
            data["refresh_token"] = self.refresh_token.get_secret_value()
        if self.connection.client_secret is not None:
            data["connection"]["client_secret"] = self.connection.client_secret.get_secret_value()
        for key in ("expires_at", "created_at", "updated_at"):
            data[key] = _iso(getattr(self, key))
        return data

    @classmethod
    def from_file_json(cls, data: object) -> StoredAccount:
        """Parse an account file's JSON; raises `AccountFileInvalid` with a reason free of values."""
        if not isinstance(data, dict):
            raise AccountFileInvalid("it does not hold a JSON object")
        version = data.get("format", FILE_FORMAT)
        if version != FILE_FORMAT:
            raise AccountFileInvalid(f"it has format {version!r}, which this version does not read")
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            # The validation message would quote the offending input, which may be a token:
            # name the fields only.
            fields = sorted({".".join(str(p) for p in e["loc"]) for e in error.errors()})
            raise AccountFileInvalid(
                f"{'field' if len(fields) == 1 else 'fields'} {', '.join(fields)} {is_are(len(fields))} missing or "
                "invalid"
            ) from None


class AccountFileInvalid(ValueError):
    """An account file's content does not match the schema; the message names no values."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
