"""Explain an audience match: does this visitor belong to this audience, and why (not)? Local only.

The audience's rules evaluated for a described visitor, with a trace of one line per rule and
combination (attribute, expected, observed), bounded so the answer stays small.
"""

from __future__ import annotations

from pydantic import Field

from personalize_mcp.answers.audiences import audience_catalogue
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.paging import json_size
from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.answers.simulation.context import SIMULATION, call_context
from personalize_mcp.answers.visitor import parse_visitor
from personalize_mcp.rules.trace import Evaluation
from personalize_mcp.rules.wording import clip
from personalize_mcp.runtime.concurrency import gather
from personalize_mcp.runtime.errors import NotFoundError
from personalize_mcp.runtime.ids import validate_identifier
from personalize_mcp.runtime.plurals import count

_TRACE_BUDGET = 28 * 1024


class TraceLine(ResultModel):
    rule: str = Field(description="The rule or combination in plain words.")
    result: bool | None = Field(description="true, false, or null (undecided from what the visitor gives).")
    because: str = Field(description="Why: the attribute's observed value against the expected one.")
    depth: int = Field(description="Nesting depth (0 = the audience's top combination).")
    attribute: str | None = Field(default=None, description="What the rule tests (rules only).")
    expected: str | None = Field(default=None, description="What the rule wants.")
    observed: str | None = Field(default=None, description="What the visitor gives ((not given) when nothing).")


class MatchedAudience(ResultModel):
    uid: str = Field(description="Audience uid.")
    name: str | None = Field(default=None, description="Audience name.")
    source: str | None = Field(default=None, description="LYTICS for audiences synced from Lytics.")
    rules: str = Field(description="The audience's rules in plain words.")


class AudienceMatchResult(ResultModel):
    project_uid: str = Field(description="The project of the audience.")
    audience: MatchedAudience = Field(description="The audience evaluated.")
    matched: bool | None = Field(description="true / false, or null when the visitor does not give enough to decide.")
    because: str = Field(description="The decisive rules in a few words.")
    trace: list[TraceLine] = Field(description="One line per rule and combination, in reading order.")
    needs: list[str] = Field(description="Visitor fields that would decide an undecided match.")
    simulation: str = Field(description="How this answer was reached: a local simulation, never the Edge API.")
    evaluated_at: str = Field(description="The visit's moment used for time rules (ISO 8601).")
    note: str | None = Field(
        default=None, exclude_if=lambda value: value is None, description="Only when the trace was shortened."
    )


async def explain_audience_match(
    lookups: Lookups, project_uid: str | None, audience_uid: str, visitor: object
) -> AudienceMatchResult:
    uid = validate_identifier("audience_uid", audience_uid)
    described = parse_visitor(visitor)
    project = await lookups.resolve_project(project_uid)
    catalogue, context = await gather(
        lambda: audience_catalogue(lookups, project), lambda: call_context(lookups, project, described)
    )
    at = catalogue.position(uid)
    if at is None or uid not in context.trees:
        raise NotFoundError(
            f"Audience {uid} was not found in project {project}; call get_all_audiences to list the project's "
            "audiences."
        )
    view = catalogue.views[at]
    evaluation = context.audience(uid)
    assert evaluation is not None
    trace, shown = _trace(evaluation)
    note = None
    left_out = len(evaluation.trace) - shown + evaluation.omitted_steps
    if left_out:
        note = (
            f"The trace shows the first {count(shown, 'line')} in reading order; {left_out} more "
            f"{'was' if left_out == 1 else 'were'} left out to keep the answer small (matched, because and needs "
            "still cover every rule)."
        )
    return AudienceMatchResult(
        project_uid=project,
        audience=MatchedAudience(uid=view.uid, name=view.name, source=view.source, rules=view.rules),
        matched=evaluation.result,
        because=evaluation.why,
        trace=trace,
        needs=list(evaluation.needs),
        simulation=SIMULATION,
        evaluated_at=described.moment.isoformat(),
        note=note,
    )


def _trace(evaluation: Evaluation) -> tuple[list[TraceLine], int]:
    lines: list[TraceLine] = []
    room = _TRACE_BUDGET
    for step in evaluation.trace:
        line = TraceLine(
            rule=step.rule,
            result=step.result,
            because=clip(step.because, 400),
            depth=step.depth,
            attribute=step.attribute,
            expected=clip(step.expected, 200) if step.expected else None,
            observed=clip(step.observed, 200) if step.observed else None,
        )
        room -= json_size(line) + 1
        if room < 0 and lines:
            break
        lines.append(line)
    return lines, len(lines)
