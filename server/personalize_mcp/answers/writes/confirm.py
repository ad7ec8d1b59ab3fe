"""How a plan is confirmed (CONTRACT.md "Confirmation of apply_change"), and the check at apply time.

A client that declares form elicitation is asked, whatever the era: a plan's summary and warnings, and for
a destructive plan the subject's name to type. Without elicitation, a non-destructive plan is confirmed by
its token; a destructive one needs a person's approval from a terminal (`personalize-mcp approve PLAN_ID`),
or, with `serve --confirm token`, its token. A decline or cancel writes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from personalize_mcp.answers.writes.plans import ConfirmationKind, StoredPlan
from personalize_mcp.config.writes import ConfirmMode
from personalize_mcp.runtime.errors import InvalidInputError, quoted
from personalize_mcp.store.protocol import KeyValueStore

APPROVE = "personalize-mcp approve"
MAX_QUESTION = 1200


class ConfirmChange(BaseModel):
    """What a client shows for a plan that is not destructive."""

    confirm: bool = Field(description="Apply this change?")


class TypeName(BaseModel):
    """What a client shows for a destructive plan: the person types the subject's name."""

    name: str = Field(description="Type the name shown in the question to confirm")


@dataclass(frozen=True, slots=True)
class Question:
    message: str
    schema: type[BaseModel]


@dataclass(frozen=True, slots=True)
class Answer:
    """What the face learned: the person's answer (elicited), a decline, or no question (then the token)."""

    kind: Literal["elicited", "declined", "cancelled", "not_asked"]
    data: BaseModel | None = None
    token: str | None = None


def confirmation_kind(destructive: bool, elicitable: bool, mode: ConfirmMode) -> ConfirmationKind:
    if elicitable:
        return "elicitation"
    if not destructive or mode == "token":
        return "token"
    return "approval"


def question_for(plan: StoredPlan) -> Question:
    """The same text for the same plan in every round (the 2026 era re-asks a question whose text changed)."""
    result = plan.result
    project = f"'{plan.project_name}' ({result.project_uid})" if plan.project_name else result.project_uid
    text = f"Apply this change to project {project}? {result.summary}"
    if result.warnings:
        text += " Note: " + " ".join(result.warnings)
    if not result.destructive:
        return Question(text[:MAX_QUESTION], ConfirmChange)
    ask = f" This is destructive: to confirm, type the name {plan.confirm_name!r}."
    return Question(text[: MAX_QUESTION - len(ask)] + ask, TypeName)


def approval_key(plan_id: str) -> str:
    return f"approvals/{plan_id}"


async def approve(store: KeyValueStore, plan: StoredPlan, by: str) -> None:
    """Record a person's approval (the `approve` command), for as long as the plan lives."""
    left = (plan.result.expires_at - datetime.now(UTC)).total_seconds()
    if left <= 0:
        raise InvalidInputError(f"Plan {plan.plan_id} has expired; plan the change again.")
    record = json.dumps({"by": by, "at": datetime.now(UTC).isoformat()}).encode()
    await store.set(approval_key(plan.plan_id), record, ttl=left)


async def check(store: KeyValueStore, plan: StoredPlan, answer: Answer, mode: ConfirmMode) -> str:
    """How the plan was confirmed (for the journal); one sentence when it was not."""
    plan_id = plan.plan_id
    if answer.kind in ("declined", "cancelled"):
        raise InvalidInputError(f"The change was {answer.kind} when asked, so nothing was written; plan {plan_id} "
                                "can still be applied later.")  # fmt: skip
    if answer.kind == "elicited":
        if isinstance(answer.data, TypeName):
            typed = answer.data.name.strip().casefold()
            if typed != plan.confirm_name.strip().casefold():
                raise InvalidInputError(f"The name typed, {quoted(answer.data.name)}, is not "
                                        f"{quoted(plan.confirm_name)}, so nothing was written.")  # fmt: skip
            return "elicitation (name typed)"
        if isinstance(answer.data, ConfirmChange) and answer.data.confirm:
            return "elicitation"
        raise InvalidInputError("The change was not confirmed when asked, so nothing was written.")
    token_ok = answer.token is not None and answer.token == plan.token
    if token_ok and (not plan.result.destructive or mode == "token"):
        return "token"
    approval = await store.get(approval_key(plan_id))
    if approval is not None:
        return f"approval by {json.loads(approval).get('by', 'a person')}"
    if not plan.result.destructive:
        raise InvalidInputError(f"apply_change needs the confirmation_token that plan_change gave for plan {plan_id} "
                                "(this client cannot be asked).")  # fmt: skip
    raise InvalidInputError(
        f"Plan {plan_id} is destructive and this client cannot ask the person; run `{APPROVE} {plan_id}` in a terminal "
        "(same PERSONALIZE_MCP_HOME), then call apply_change again."
    )
