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
    Field(description="Version uid (get_all_versions); default: the ACTIVE version, else the latest that ran."),
]


def register(server: MCPServer[Any], lookups: Lookups) -> None:
    @server.tool(
        name="get_experiment_results",
        title="Get Experiment Results",
        annotations=READ_ONLY,
        description="Is an experiment working, can its winner ship? Per variant: impressions, conversions, "
        "conversion rate, uplift against the control, probability to be best; a sample-ratio check; and a verdict "
        "(winner, leader, inconclusive, insufficient_data, impressions_only) with its reason.",
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
        description="An experiment's impressions and conversions per variant over time, by UTC day or hour, "
        "with totals.",
    )
    async def get_experiment_timeseries(
        experience_uid: ExperienceUid,
        project_uid: ProjectUid = None,
        version_uid: VersionUid = None,
        granularity: Annotated[
            str | None,
            Field(description="Default: day.", json_schema_extra={"enum": list(timeseries.GRANULARITIES)}),
        ] = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, TimeSeriesResult]:
        return as_tool_result(
            await timeseries.get_experiment_timeseries(
                lookups, project_uid, experience_uid, version_uid, granularity, limit=limit, cursor=cursor
            )
        )
