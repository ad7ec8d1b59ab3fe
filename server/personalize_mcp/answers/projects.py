"""Projects: the organisation's Personalize projects (the `list_projects` lookup)."""

from __future__ import annotations

from pydantic import Field

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.paging import Catalogue, Paged, list_args
from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.contentstack.models.account import Project


class ProjectInfo(ResultModel):
    uid: str = Field(description="Project uid: pass it as project_uid to the other tools.")
    name: str | None = Field(default=None, description="Project name.")
    description: str | None = Field(default=None, description="Project description, if any.")
    connected_stack_api_key: str | None = Field(
        default=None, description="API key of the CMS stack connected to this project, if any."
    )


class ProjectsResult(Paged):
    projects: list[ProjectInfo] = Field(description="The organisation's Personalize projects (this page), by uid.")


def project_view(project: Project) -> ProjectInfo:
    return ProjectInfo(
        uid=project.uid,
        name=project.name,
        description=project.description or None,
        connected_stack_api_key=project.connected_stack_api_key,
    )


async def project_catalogue(lookups: Lookups) -> Catalogue[ProjectInfo]:
    projects = await lookups.projects()
    return lookups.derived(
        ("project-catalogue",),
        (projects,),
        lambda: Catalogue((project_view(p) for p in projects), key=lambda v: v.uid, search=lambda v: (v.name, v.uid)),
    )


async def list_projects(
    lookups: Lookups, *, query: str | None = None, limit: int | None = None, cursor: str | None = None
) -> ProjectsResult:
    args = list_args("list_projects", query=query, limit=limit, cursor=cursor)
    page = (await project_catalogue(lookups)).page(args, "projects", tool="list_projects")
    return ProjectsResult(projects=page.items, **page.fields())
