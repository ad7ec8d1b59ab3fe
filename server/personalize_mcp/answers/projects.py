"""Projects: the organisation's Personalize projects (the `list_projects` lookup)."""

from __future__ import annotations

from pydantic import Field

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.contentstack.models import Project


class ProjectInfo(ResultModel):
    uid: str = Field(description="Project uid: pass it as project_uid to the other tools.")
    name: str | None = Field(default=None, description="Project name.")
    description: str | None = Field(default=None, description="Project description, if any.")
    connected_stack_api_key: str | None = Field(
        default=None, description="API key of the CMS stack connected to this project, if any."
    )


class ProjectsResult(ResultModel):
    projects: list[ProjectInfo] = Field(description="Every Personalize project of the organisation.")


def project_view(project: Project) -> ProjectInfo:
    return ProjectInfo(
        uid=project.uid,
        name=project.name,
        description=project.description or None,
        connected_stack_api_key=project.connected_stack_api_key,
    )


async def list_projects(lookups: Lookups) -> ProjectsResult:
    return ProjectsResult(projects=[project_view(p) for p in await lookups.projects()])
