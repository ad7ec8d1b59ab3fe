"""Which connection answers: the built-in sandbox's sample data, or whose Contentstack account (never a token)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import Field

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.shapes import ResultModel, omitted_when_none


class ConnectionResult(ResultModel):
    connected: bool = Field(description="false: no account is connected (note says what to run).")
    sandbox: bool = Field(description="true: the built-in sandbox's sample data, not a real Contentstack account.")
    account: str | None = Field(default=None, description="The stored account's name (personalize-mcp accounts).")
    organization_uid: str | None = Field(default=None, description="The organisation the login is for.")
    organization_name: str | None = Field(default=None, description="Its name, when known.")
    region: str | None = Field(default=None, description="Contentstack region (na, eu, au, azure-na, ...).")
    user: str | None = Field(default=None, description="Who logged in (email, else name or uid), when known.")
    token_expires_at: datetime | None = Field(
        default=None, description="When the current access token expires (it renews itself); null for the sandbox."
    )
    writes: str = Field(default="off", description="serve --writes: off, drafts (only what no visitor sees) or all.")
    can_write: bool = Field(default=False, description="true: the login may write (it holds personalize:manage).")
    note: str | None = Field(default=None, exclude_if=omitted_when_none, description="What to know or do.")
    toolsets: list[str] = Field(
        default_factory=list,
        description="The toolsets this server offers (serve --toolsets): core, catalogue, results, simulation, "
        "insights; a tool of another one is not available here.",
    )


def get_connection(lookups: Lookups, toolsets: Sequence[str] = ()) -> ConnectionResult:
    facts = lookups.connection_facts()
    note = facts.problem
    if facts.sandbox:
        note = "This is the built-in sandbox: sample data, not your Contentstack account."
    return ConnectionResult(
        connected=facts.connected,
        sandbox=facts.sandbox,
        account=facts.account,
        organization_uid=facts.organization_uid,
        organization_name=facts.organization_name,
        region=facts.region,
        user=facts.user,
        token_expires_at=facts.token_expires_at,
        writes=lookups.write_mode,
        can_write=facts.can_write,
        note=note,
        toolsets=list(toolsets),
    )
