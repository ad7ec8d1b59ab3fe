"""The `change` argument of plan_change: one pydantic model per `action`, a discriminated union (CONTRACT.md).

The tool's schema names `change` as an object and its description lists the actions compactly (a full
schema of nineteen actions would cost a model's context on every call); the shape is checked here, and a
wrong one is one sentence naming each bad field. Ids are checked by the planners (`validate_identifier`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from personalize_mcp.runtime.errors import InvalidInputError, bounded

Text = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConditionIn(_Strict):
    attribute: Annotated[str, Field(min_length=1, max_length=100)]
    operator: Annotated[str, Field(min_length=1, max_length=30)]
    value: Any = None
    negate: bool = False


class RuleTreeIn(_Strict):
    """`{"all": [node, ...]}` or `{"any": [node, ...]}`; a node is a tree or a condition."""

    all: list[RuleTreeIn | ConditionIn] | None = Field(default=None, min_length=1)
    any: list[RuleTreeIn | ConditionIn] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_of(self) -> RuleTreeIn:
        if (self.all is None) == (self.any is None):
            raise ValueError("a rule tree is exactly one of all or any")
        return self

    @property
    def children(self) -> list[RuleTreeIn | ConditionIn]:
        return self.all if self.all is not None else self.any or []


class VariantSpec(_Strict):
    short_uid: Annotated[str, Field(min_length=1, max_length=10)] | None = None
    name: Text
    audience_uids: list[str] | None = Field(default=None, max_length=50)
    audience_combination: Literal["AND", "OR"] | None = None
    traffic_distribution: Annotated[float, Field(ge=0, le=100)] | None = None


Variants = Annotated[list[VariantSpec], Field(min_length=1, max_length=20)]
Metrics = Annotated[list[str], Field(max_length=10)]


class CreateAudience(_Strict):
    action: Literal["create_audience"]
    name: Text
    description: Description = ""
    rules: RuleTreeIn


class UpdateAudience(_Strict):
    action: Literal["update_audience"]
    audience_uid: str
    name: Text | None = None
    description: Description | None = None
    rules: RuleTreeIn | None = None


class DeleteAudience(_Strict):
    action: Literal["delete_audience"]
    audience_uid: str


class CreateAttribute(_Strict):
    action: Literal["create_attribute"]
    key: Text
    name: Text
    description: Description = ""


class UpdateAttribute(_Strict):
    action: Literal["update_attribute"]
    attribute_uid: str
    key: Text | None = None
    name: Text | None = None
    description: Description | None = None


class DeleteAttribute(_Strict):
    action: Literal["delete_attribute"]
    attribute_uid: str


class CreateEvent(_Strict):
    action: Literal["create_event"]
    key: Text
    description: Description = ""


class UpdateEvent(_Strict):
    action: Literal["update_event"]
    event_uid: str
    key: Text | None = None
    description: Description | None = None


class DeleteEvent(_Strict):
    action: Literal["delete_event"]
    event_uid: str


class CreateExperience(_Strict):
    action: Literal["create_experience"]
    name: Text
    description: Description = ""
    type: Literal["SEGMENTED", "AB_TEST"]
    variants: Variants
    metrics: Metrics | None = None


class UpdateExperience(_Strict):
    action: Literal["update_experience"]
    experience_uid: str
    name: Text | None = None
    description: Description | None = None


class EditDraft(_Strict):
    action: Literal["edit_draft"]
    experience_uid: str
    variants: Variants
    metrics: Metrics | None = None


class OnExperience(_Strict):
    """The actions that name an experience and nothing else."""

    action: Literal["delete_experience", "delete_draft", "activate_draft", "pause_experience", "resume_experience"]
    experience_uid: str


class SetPriority(_Strict):
    action: Literal["set_priority"]
    experience_uid: str
    rank: Annotated[int, Field(ge=1, le=10_000)]


class PromoteWinner(_Strict):
    action: Literal["promote_winner"]
    experience_uid: str
    variant_short_uid: Annotated[str, Field(min_length=1, max_length=10)] | None = None


Change = Annotated[
    CreateAudience
    | UpdateAudience
    | DeleteAudience
    | CreateAttribute
    | UpdateAttribute
    | DeleteAttribute
    | CreateEvent
    | UpdateEvent
    | DeleteEvent
    | CreateExperience
    | UpdateExperience
    | EditDraft
    | OnExperience
    | SetPriority
    | PromoteWinner,
    Field(discriminator="action"),
]
ACTIONS = (
    "create_audience", "update_audience", "delete_audience", "create_attribute", "update_attribute",
    "delete_attribute", "create_event", "update_event", "delete_event", "create_experience", "update_experience",
    "delete_experience", "edit_draft", "delete_draft", "activate_draft", "pause_experience", "resume_experience",
    "set_priority", "promote_winner",
)  # fmt: skip
_ADAPTER: TypeAdapter[Change] = TypeAdapter(Change)


def parse_change(raw: object) -> Change:
    """The change as its action's model; one sentence naming what is wrong otherwise."""
    if not isinstance(raw, dict):
        raise InvalidInputError("change must be an object with an action and its fields; see plan_change.")
    action = raw.get("action")
    if action not in ACTIONS:
        shown = repr(action)[:40] if action is not None else "missing"
        raise InvalidInputError(bounded(f"change.action is {shown}; it must be one of: {', '.join(ACTIONS)}."))
    try:
        return _ADAPTER.validate_python(raw)
    except ValidationError as error:
        raise InvalidInputError(bounded(f"Invalid {action} change: {_problems(error)}; see plan_change.")) from None


def _problems(error: ValidationError) -> str:
    problems: list[str] = []
    for item in error.errors()[:4]:
        location = [str(part) for part in item["loc"][1:] if not str(part).endswith("In") and part != "function-after"]
        where = ".".join(location) or "change"
        kind = item["type"]
        if kind == "missing":
            problems.append(f"{where} is required")
        elif kind == "extra_forbidden":
            problems.append(f"{where} is not a field of this action")
        elif kind == "value_error":
            problems.append(f"{where}: {str(item.get('ctx', {}).get('error', 'invalid'))[:80]}")
        else:
            problems.append(f"{where} {str(item['msg'])[:80].lower()}")
    return "; ".join(problems)
