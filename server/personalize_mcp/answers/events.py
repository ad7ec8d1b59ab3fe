"""Events: the conversion goals an A/B test counts (an experience's `metrics[].event`)."""

from __future__ import annotations

from pydantic import Field

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.paging import Catalogue, Paged, list_args
from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.contentstack.models.experiences import Event


class EventInfo(ResultModel):
    uid: str = Field(description="Event uid (what an experience's metrics name; find_usage takes it).")
    key: str | None = Field(default=None, description="The key the event is triggered with.")
    name: str | None = Field(default=None, description="Event name, when it has one.")
    description: str | None = Field(default=None, description="Event description, if any.")


class EventsResult(Paged):
    project_uid: str = Field(description="The project the events belong to.")
    events: list[EventInfo] = Field(description="The project's events (this page, by uid).")


def event_view(event: Event) -> EventInfo:
    return EventInfo(uid=event.uid, key=event.key, name=event.name, description=event.description or None)


async def event_catalogue(lookups: Lookups, project: str) -> Catalogue[EventInfo]:
    events = await lookups.events(project)
    return lookups.derived(
        ("event-catalogue", project),
        (events,),
        lambda: Catalogue(
            (event_view(e) for e in events), key=lambda v: v.uid, search=lambda v: (v.key, v.name, v.uid)
        ),
    )


async def list_events(
    lookups: Lookups,
    project_uid: str | None,
    *,
    query: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> EventsResult:
    project = await lookups.resolve_project(project_uid)
    args = list_args(f"list_events:{project}", query=query, limit=limit, cursor=cursor)
    page = (await event_catalogue(lookups, project)).page(args, "events", tool="list_events")
    return EventsResult(project_uid=project, events=page.items, **page.fields())
