"""A plan: what plan_change and undo_change answer (`PlanResult`) and what the store keeps (`StoredPlan`).

The answer is the contract's (CONTRACT.md "Guarded writes"); the stored plan adds what only the server
needs: the steps it will send (each an upstream call with its draft), the fingerprint of every object it
touches, the objects as they were (for the journal and an undo), who made it and the token that
confirms it. A step may name an object an earlier step creates (`$0`: its uid; `$0.draft`: the draft an
experience is created with).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from personalize_mcp.answers.shapes import ResultModel, SubjectRef

ConfirmationKind = Literal["elicitation", "token", "approval"]
Call = Literal[
    "create_audience", "update_audience", "delete_audience", "create_attribute", "update_attribute",
    "delete_attribute", "create_event", "update_event", "delete_event", "create_experience", "update_experience",
    "delete_experience", "create_version", "update_version", "delete_version", "set_priority",
]  # fmt: skip


class ChangeRow(ResultModel):
    subject: SubjectRef = Field(description="What changes: kind (audience, attribute, event, experience, version, "
                                "variant, priority), uid (or null for one to be created) and name.")  # fmt: skip
    change: str = Field(description="What happens to it, e.g. create, delete, rename, rules, variant_added, status.")
    before: str | None = Field(description="How it is now, in the words the read tools use (null: it does not exist).")
    after: str | None = Field(description="How it will be (null: it will be gone).")


class Confirmation(ResultModel):
    kind: ConfirmationKind = Field(
        description="elicitation: apply_change asks the person; token: pass token to apply_change; approval: a "
        "person runs `personalize-mcp approve PLAN_ID` in a terminal first."
    )
    token: str | None = Field(default=None, description="The confirmation_token for apply_change (kind token).")


class PlanResult(ResultModel):
    plan_id: str = Field(description="Pass to apply_change.")
    project_uid: str = Field(description="The project the change is in.")
    action: str = Field(description="The change's action (an undo: the action that undoes it).")
    summary: str = Field(description="The change in one sentence.")
    changes: list[ChangeRow] = Field(description="Each object it changes, with before and after in words.")
    warnings: list[str] = Field(description="What to know before applying (live effects, what cannot be undone).")
    destructive: bool = Field(description="true: a delete, activation, pause, priority change, promotion or an "
                              "update of something a running version uses; confirmed more strictly.")  # fmt: skip
    confirmation: Confirmation = Field(description="How apply_change will be confirmed.")
    expires_at: datetime = Field(description="The plan cannot be applied after this (10 minutes).")
    undoes: str | None = Field(default=None, description="For an undo: the change_id it undoes.")


class Step(BaseModel):
    """One upstream call of a plan."""

    model_config = ConfigDict(frozen=True)

    call: Call
    words: str
    """What it does, for a report when it fails ("create the experience 'Hero test'")."""
    subject: SubjectRef
    uid: str | None = None
    """The object it writes (audience, attribute, event, experience uid), or `$n` for one step n creates."""
    version_uid: str | None = None
    """Version calls: the version (or `$n` / `$n.draft`)."""
    draft: dict[str, Any] | None = None
    """The draft to send (`contentstack.write_bodies`, as JSON)."""
    order: list[str] | None = None


class Actor(BaseModel):
    """Who makes and applies plans: the login's account, organisation and user (never a token)."""

    model_config = ConfigDict(frozen=True)

    account: str | None = None
    organization_uid: str | None = None
    user: str | None = None

    def words(self) -> str:
        who = self.user or "an unknown user"
        return f"{who} (account {self.account or '?'}, organisation {self.organization_uid or '?'})"


class StoredPlan(BaseModel):
    """Everything apply_change needs, kept in the store under `plans/<plan_id>` until it expires."""

    model_config = ConfigDict(frozen=True)

    result: PlanResult
    token: str
    confirm_name: str
    """What the person types to confirm a destructive plan (the subject's name, else its uid)."""
    needs_all: str | None = None
    """Why `serve --writes all` is needed (None: `drafts` allows it)."""
    actor: Actor
    client: str | None = None
    steps: list[Step]
    fingerprints: dict[str, str]
    before: dict[str, Any] = Field(default_factory=dict)
    """The objects the plan touches as they were (journal, undo): key -> upstream JSON."""
    stale: list[list[str]] = Field(default_factory=list)
    """Cache keys the change makes stale (dropped after the apply)."""
    cannot_undo: str | None = None
    evidence: dict[str, Any] | None = None
    """promote_winner: the results that made the winner (counts, P2BB, days)."""
    project_name: str | None = None
    """For the person's question: a project they know by name."""

    @property
    def plan_id(self) -> str:
        return self.result.plan_id

    @property
    def project_uid(self) -> str:
        return self.result.project_uid


class ApplyResult(ResultModel):
    change_id: str = Field(description="The journal entry of this change (undo_change, list_changes).")
    plan_id: str = Field(description="The plan applied.")
    applied: bool = Field(description="true: every call of the plan succeeded.")
    summary: str = Field(description="What was done, in one sentence (and, when undo is null, why).")
    subjects: list[SubjectRef] = Field(description="The objects written, with their uids (new ones included).")
    undo: str | None = Field(description="How to undo it (undo_change with change_id), or null when it cannot be.")
