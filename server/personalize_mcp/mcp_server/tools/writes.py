"""Tools: plan_change, apply_change, undo_change, list_changes -- listed only with `serve --writes drafts|all`.

Confirmation uses the SDK's capability-aware resolver pattern only: `apply_change`'s `answer` is filled by
`ask`, which returns `Elicit(...)` when the client declared form elicitation (and the request can carry it:
always from 2026-07-28, through a back-channel before), else a plain value -- then the plan's token or a
person's approval confirms it (`answers.writes.confirm`). Never a bare `Elicit`, never `ctx.elicit`, never a
hand-made input_required result: those fail with protocol errors on clients without elicitation.
No `from __future__ import annotations` here: the resolver is a closure, so the annotation naming it must
be evaluated where it is written.
"""

from typing import Annotated, Any, Protocol, runtime_checkable

from mcp.server import MCPServer
from mcp.server.elicitation import AcceptedElicitation, DeclinedElicitation
from mcp.server.mcpserver import Context, Elicit, ElicitationResult, Resolve
from mcp_types import CallToolResult, ToolAnnotations
from mcp_types.version import is_version_at_least
from pydantic import BaseModel, Field

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.writes import engine, history, inverse, planner
from personalize_mcp.answers.writes.confirm import Answer
from personalize_mcp.answers.writes.history import ChangesResult
from personalize_mcp.answers.writes.plans import ApplyResult, PlanResult
from personalize_mcp.answers.writes.service import WriteService
from personalize_mcp.mcp_server.tools.common import READ_ONLY, Cursor, Limit, ProjectUid, Query, as_tool_result
from personalize_mcp.runtime.errors import ConfigurationError

APPLY = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=True)
NOT_ASKED = "not-asked"
_INPUT_REQUIRED_ERA = "2026-07-28"

CHANGE = (
    "{action, ...fields}; * = required. create_audience name* description rules*; update_audience audience_uid* name "
    "description rules; delete_audience audience_uid*; create_attribute key* name* description; update_attribute "
    "attribute_uid* key name description; delete_attribute attribute_uid*; create_event key* description; "
    "update_event event_uid* key description; delete_event event_uid*; create_experience name* description type* "
    "(SEGMENTED|AB_TEST) variants* metrics (event uids/keys, A/B); update_experience experience_uid* name "
    "description; delete_experience|delete_draft|activate_draft|pause_experience|resume_experience experience_uid*; "
    "edit_draft experience_uid* variants* (the full list in match order; an existing variant by its short_uid) "
    "metrics; set_priority experience_uid* rank* (1 = highest); promote_winner experience_uid* variant_short_uid. "
    "variant: {short_uid, name*, audience_uids, audience_combination AND|OR, traffic_distribution (A/B %)}. rules: "
    '{"all": [node]} or {"any": [node]}; node: rules or {attribute* (preset e.g. COUNTRY, DEVICE_TYPE, or a custom '
    "attribute key/uid), operator* (equals contains has_value is_true is_false greater_than less_than equal_to "
    "before after between), value, negate}."
)


def elicitable(ctx: Context[Any, Any]) -> bool:
    """The client declared form elicitation, and this request can carry a question (the test the SDK applies)."""
    capabilities = ctx.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    if elicitation is None or (elicitation.form is None and elicitation.url is not None):
        return False
    version = ctx.protocol_version
    if version is not None and is_version_at_least(version, _INPUT_REQUIRED_ERA):
        return True
    return bool(ctx.session.can_send_request)


def client_name(ctx: Context[Any, Any]) -> str | None:
    params = ctx.session.client_params
    info = params.client_info if params is not None else None
    return f"{info.name} {info.version}"[:80] if info is not None else None


@runtime_checkable
class HoldsWrites(Protocol):
    """A server that holds the write service (`PersonalizeMCPServer`, set by `build_server`)."""

    write_service: WriteService | None


def register(server: MCPServer[Any], lookups: Lookups) -> None:
    """The four tools (the `writes` toolset, chosen only with `serve --writes`); each call takes the server's
    write service, so the tools can be listed (their schemas measured) before one exists."""

    def service_of() -> WriteService:
        service = server.write_service if isinstance(server, HoldsWrites) else None
        if service is None:
            raise ConfigurationError("Writes are off on this server; start it with `serve --writes drafts` or `all`.")
        return service

    async def ask(plan_id: str, ctx: Context[Any, Any]) -> Elicit[BaseModel] | str:
        question = await engine.question(service_of(), plan_id)
        if question is None or not elicitable(ctx):
            return NOT_ASKED
        return Elicit(question.message, question.schema)

    @server.tool(
        name="plan_change",
        title="Plan a Change",
        annotations=READ_ONLY,
        description="Plan a change to a Personalize project; nothing is written. Reads fresh, refuses in one sentence "
        "what cannot be done, and answers in words: each object's before and after, warnings, whether it is "
        "destructive, how apply_change will be confirmed, and a plan_id valid 10 minutes.",
    )
    async def plan_change(
        change: Annotated[dict[str, Any], Field(description=CHANGE)],
        ctx: Context[Any, Any],
        project_uid: ProjectUid = None,
    ) -> Annotated[CallToolResult, PlanResult]:
        plan = await planner.plan_change(
            service_of(), project_uid, change, elicitable=elicitable(ctx), client=client_name(ctx)
        )
        return as_tool_result(plan)

    @server.tool(
        name="apply_change",
        title="Apply a Change",
        annotations=APPLY,
        description="Apply a plan (from plan_change or undo_change) once, after the person confirms: asked by the "
        "client when it can; else pass confirmation_token, and for a destructive plan a person first runs "
        "`personalize-mcp approve PLAN_ID`. Refused if anything changed since the plan; applying again answers the "
        "recorded result and writes nothing.",
    )
    async def apply_change(
        plan_id: Annotated[str, Field(description="The plan_id of plan_change or undo_change.")],
        answer: Annotated[ElicitationResult[BaseModel], Resolve(ask)],
        ctx: Context[Any, Any],
        confirmation_token: Annotated[str | None, Field(description="The plan's confirmation token.")] = None,
    ) -> Annotated[CallToolResult, ApplyResult]:
        if isinstance(answer, AcceptedElicitation):
            given = answer.data
            confirmed = (
                Answer("elicited", data=given)
                if isinstance(given, BaseModel)
                else Answer("not_asked", token=confirmation_token)
            )
        else:
            confirmed = Answer("declined" if isinstance(answer, DeclinedElicitation) else "cancelled")
        return as_tool_result(await engine.apply_change(service_of(), plan_id, confirmed, client=client_name(ctx)))

    @server.tool(
        name="undo_change",
        title="Undo a Change",
        annotations=READ_ONLY,
        description="Plan the inverse of an applied change (change_id from apply_change or list_changes); apply it "
        "with apply_change. The plan says what cannot be undone (new uids, restarted analytics).",
    )
    async def undo_change(
        change_id: Annotated[str, Field(description="The change to undo.")], ctx: Context[Any, Any]
    ) -> Annotated[CallToolResult, PlanResult]:
        plan = await inverse.plan_undo(service_of(), change_id, elicitable=elicitable(ctx), client=client_name(ctx))
        return as_tool_result(plan)

    @server.tool(
        name="list_changes",
        title="List Changes",
        annotations=READ_ONLY,
        description="The changes applied through this server for the account, newest first: who, when, what, the "
        "outcome and undone_by. Paged: total, next_cursor.",
    )
    async def list_changes(
        project_uid: ProjectUid = None, query: Query = None, limit: Limit = None, cursor: Cursor = None
    ) -> Annotated[CallToolResult, ChangesResult]:
        changes = await history.list_changes(service_of(), project_uid, query=query, limit=limit, cursor=cursor)
        return as_tool_result(changes)
