"""Personalize experience analytics (contentstack-api.md §6, shapes of §6.1): a version's summary and its
hourly time series.

Choices where the reference is silent: `version` is required (400 without it); a version of another
experience, or none, is 404; a DRAFT never ran, so it is 400 ("only for activated versions"); an
activated version without stored results answers zeros. Stored results hold the summary, and
optionally a `timeSeries` body; without one the series is the summary spread hour by hour.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from personalize_mcp.sandbox.analytics_data import empty_summary, hourly_series
from personalize_mcp.sandbox.errors import generic_error, personalize_error
from personalize_mcp.sandbox.gate import Refusal, state_of
from personalize_mcp.sandbox.personalize import experience_of


async def analytics(request: Request) -> Response:
    experience = experience_of(request)
    kind = request.path_params["kind"]
    if kind not in ("summary", "time-series"):
        return generic_error("personalize", 404)
    version_uid = request.query_params.get("version", "").strip()
    if not version_uid:
        raise Refusal(personalize_error(400, "version query parameter is required"))
    state = state_of(request)
    version = next((v for v in state.data.versions.get(experience["uid"], []) if v["uid"] == version_uid), None)
    if version is None:
        raise Refusal(personalize_error(404, f"Version {version_uid} not found"))
    if version.get("status") == "DRAFT":
        raise Refusal(personalize_error(400, "Analytics are available only for activated versions"))
    stored = state.data.analytics.get(version_uid) or {}
    summary = stored.get("summary", empty_summary(version))
    if kind == "summary":
        return JSONResponse(summary)
    series = stored.get("timeSeries")
    return JSONResponse(series if series is not None else hourly_series(summary))


def analytics_routes() -> list[BaseRoute]:
    return [Route("/experiences/{experience_uid}/analytics/{kind}", analytics, methods=["GET"])]
