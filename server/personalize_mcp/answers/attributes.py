"""Attributes: what audiences can target -- preset (country, device type, ...) and custom (by key)."""

from __future__ import annotations

from pydantic import Field

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.paging import Catalogue, Paged, list_args
from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.contentstack.models.audiences import Attribute
from personalize_mcp.runtime.ids import validate_choice

KINDS = ("PRESET", "CUSTOM")


class AttributeInfo(ResultModel):
    uid: str = Field(description="Attribute uid (custom attributes: what rules reference; find_usage takes it).")
    key: str | None = Field(default=None, description="The key a visitor's attributes are sent under (case-sensitive).")
    name: str | None = Field(default=None, description="Attribute name.")
    description: str | None = Field(default=None, description="Attribute description, if any.")
    kind: str = Field(
        description="PRESET (built in: country, device type, ...) or CUSTOM (the project's own). When "
        "Contentstack does not say, an attribute whose key is a preset ref (COUNTRY, ...) is PRESET."
    )


class AttributesResult(Paged):
    project_uid: str = Field(description="The project the attributes belong to.")
    attributes: list[AttributeInfo] = Field(description="The project's attributes (this page, by uid).")


def attribute_view(attribute: Attribute) -> AttributeInfo:
    return AttributeInfo(
        uid=attribute.uid,
        key=attribute.key,
        name=attribute.name,
        description=attribute.description or None,
        kind=attribute.kind,
    )


async def attribute_catalogue(lookups: Lookups, project: str) -> Catalogue[AttributeInfo]:
    attributes = await lookups.attributes(project)
    return lookups.derived(
        ("attribute-catalogue", project),
        (attributes,),
        lambda: Catalogue(
            (attribute_view(a) for a in attributes), key=lambda v: v.uid, search=lambda v: (v.name, v.key, v.uid)
        ),
    )


async def list_attributes(
    lookups: Lookups,
    project_uid: str | None,
    *,
    kind: str | None = None,
    query: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> AttributesResult:
    wanted = validate_choice("kind", kind, KINDS, expected="PRESET or CUSTOM")
    project = await lookups.resolve_project(project_uid)
    args = list_args(f"list_attributes:{project}", query=query, limit=limit, cursor=cursor, filters={"kind": wanted})
    catalogue = await attribute_catalogue(lookups, project)
    selection = catalogue.select(args.query, ("kind", wanted), lambda v: v.kind == wanted) if wanted else None
    page = catalogue.page(args, "attributes", tool="list_attributes", selection=selection)
    return AttributesResult(project_uid=project, attributes=page.items, **page.fields())
