"""Tools: get_experiment_results, get_experiment_timeseries (what an A/B test's numbers say)."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server import MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from personalize_mcp.answers import results, timeseries
from personalize_mcp.answers.experiment_result import ExperimentResult
from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.timeseries import TimeSeriesResult
from personalize_mcp.mcp_server.tools.common import READ_ONLY, Cursor, ExperienceUid, Limit, ProjectUid, as_tool_result

VersionUid = Annotated[
    str | None,
    Field(
        description="Version uid, from get_all_versions. Default: the ACTIVE version, else the latest that ran "
        "(results exist only for activated versions)."
    ),
]


def register(server: MCPServer[Any], lookups: Lookups) -> None:
    @server.tool(
        name="get_experiment_results",
        title="Get Experiment Results",
        annotations=READ_ONLY,
        description="Get Experiment Results: is an experiment working, and can the winner ship? For an "
        "experience version: each variant's impressions and conversions as Contentstack counts them, conversion "
        "rate, uplift against the control and probability to be best (computed from the counts; Contentstack's own "
        "figure beside it), the metric (event) counted, days since activation, a sample-ratio-mismatch check "
        "against the traffic split, and a verdict by Contentstack's rules with its reason in one sentence: winner "
        "(P2BB >= 95 % after >= 14 complete days), leader, inconclusive, insufficient_data (under 1,000 "
        "impressions and 30 conversions) or impressions_only (segmented experiences).",
    )
    async def get_experiment_results(
        experience_uid: ExperienceUid,
        project_uid: ProjectUid = None,
        version_uid: VersionUid = None,
    ) -> Annotated[CallToolResult, ExperimentResult]:
        return as_tool_result(await results.get_experiment_results(lookups, project_uid, experience_uid, version_uid))

    @server.tool(
        name="get_experiment_timeseries",
        title="Get Experiment Time Series",
        annotations=READ_ONLY,
        description="Get Experiment Time Series: an experience version's impressions and conversions per variant "
        "over time, by UTC day (default; each day the sum of its hours) or by hour, in time order, with totals. "
        "Same version default as get_experiment_results. Paged: total, next_cursor.",
    )
    async def get_experiment_timeseries(
        experience_uid: ExperienceUid,
        project_uid: ProjectUid = None,
        version_uid: VersionUid = None,
        granularity: Annotated[
            str | None,
            Field(description="day (default) or hour.", json_schema_extra={"enum": list(timeseries.GRANULARITIES)}),
        ] = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, TimeSeriesResult]:
        return as_tool_result(
            await timeseries.get_experiment_timeseries(
                lookups, project_uid, experience_uid, version_uid, granularity, limit=limit, cursor=cursor
            )
        )
