"""The CMS side: the organisation's stacks, a stack's variant groups, a group's variants (lookup lists)."""

from __future__ import annotations

from pydantic import Field

from personalize_mcp.answers.lookups import Lookups
from personalize_mcp.answers.paging import Catalogue, Paged, list_args
from personalize_mcp.answers.shapes import ResultModel
from personalize_mcp.contentstack.models.account import Stack
from personalize_mcp.contentstack.models.cms_variants import CMSVariant, VariantGroup
from personalize_mcp.runtime.ids import validate_identifier


class StackInfo(ResultModel):
    api_key: str = Field(description="Stack API key: pass it as stack_api_key.")
    name: str | None = Field(default=None, description="Stack name.")
    uid: str | None = Field(default=None, description="Stack uid.")
    master_locale: str | None = Field(default=None, description="The stack's master locale.")


class StacksResult(Paged):
    stacks: list[StackInfo] = Field(description="The stacks of the account's organisation (this page, by API key).")


class VariantGroupInfo(ResultModel):
    uid: str = Field(description="Variant group uid: pass it as variant_group_uid.")
    name: str | None = Field(default=None, description="Variant group name.")
    experience_uid: str | None = Field(
        description="The linked Personalize experience; null for a plain CMS variant group."
    )
    project_uid: str | None = Field(default=None, description="The linked Personalize project, if linked.")
    content_type_uids: list[str] = Field(default_factory=list, description="Content types the group applies to.")


class VariantGroupsResult(Paged):
    stack_api_key: str = Field(description="The stack the groups belong to.")
    variant_groups: list[VariantGroupInfo] = Field(description="The stack's variant groups (this page, by uid).")


class VariantInfo(ResultModel):
    uid: str = Field(description="CMS variant uid: pass it as variant_uid.")
    name: str | None = Field(default=None, description="Variant name.")
    alias: str | None = Field(default=None, description="Variant alias, e.g. cs_personalize_0_1.")
    variant_short_uid: str | None = Field(
        default=None, description="Short uid of the linked Personalize variant, if linked."
    )


class VariantsResult(Paged):
    stack_api_key: str = Field(description="The stack of the group.")
    variant_group_uid: str = Field(description="The variant group.")
    variants: list[VariantInfo] = Field(description="The group's variants (this page, by uid).")


def stack_view(stack: Stack) -> StackInfo:
    return StackInfo(api_key=stack.api_key, name=stack.name, uid=stack.uid, master_locale=stack.master_locale)


def variant_group_view(group: VariantGroup) -> VariantGroupInfo:
    meta = group.personalize_metadata
    return VariantGroupInfo(
        uid=group.uid,
        name=group.name,
        experience_uid=meta.experience_uid if meta else None,
        project_uid=meta.project_uid if meta else None,
        content_type_uids=[link.uid for link in group.content_types],
    )


def variant_view(variant: CMSVariant) -> VariantInfo:
    meta = variant.personalize_metadata
    return VariantInfo(
        uid=variant.uid,
        name=variant.name,
        alias=variant.alias,
        variant_short_uid=meta.variant_short_uid if meta else None,
    )


async def list_stacks(
    lookups: Lookups, *, query: str | None = None, limit: int | None = None, cursor: str | None = None
) -> StacksResult:
    args = list_args("list_stacks", query=query, limit=limit, cursor=cursor)
    stacks = await lookups.stacks()
    catalogue = lookups.derived(
        ("stack-catalogue",),
        (stacks,),
        lambda: Catalogue(
            (stack_view(s) for s in stacks), key=lambda v: v.api_key, search=lambda v: (v.name, v.api_key, v.uid)
        ),
    )
    page = catalogue.page(args, "stacks", tool="list_stacks")
    return StacksResult(stacks=page.items, **page.fields())


async def variant_group_catalogue(lookups: Lookups, stack: str) -> Catalogue[VariantGroupInfo]:
    groups = await lookups.variant_groups(stack)
    return lookups.derived(
        ("variant-group-catalogue", stack),
        (groups,),
        lambda: Catalogue(
            (variant_group_view(g) for g in groups), key=lambda v: v.uid, search=lambda v: (v.name, v.uid)
        ),
    )


async def list_variant_groups(
    lookups: Lookups,
    stack_api_key: str,
    *,
    query: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> VariantGroupsResult:
    stack = validate_identifier("stack_api_key", stack_api_key)
    args = list_args(f"list_variant_groups:{stack}", query=query, limit=limit, cursor=cursor)
    page = (await variant_group_catalogue(lookups, stack)).page(args, "variant groups", tool="list_variant_groups")
    return VariantGroupsResult(stack_api_key=stack, variant_groups=page.items, **page.fields())


async def list_variants(
    lookups: Lookups,
    stack_api_key: str,
    variant_group_uid: str,
    *,
    query: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> VariantsResult:
    stack = validate_identifier("stack_api_key", stack_api_key)
    group = validate_identifier("variant_group_uid", variant_group_uid)
    args = list_args(f"list_variants:{stack}:{group}", query=query, limit=limit, cursor=cursor)
    variants = await lookups.variants(stack, group)
    catalogue = lookups.derived(
        ("variant-catalogue", stack, group),
        (variants,),
        lambda: Catalogue(
            (variant_view(v) for v in variants), key=lambda v: v.uid, search=lambda v: (v.name, v.uid, v.alias)
        ),
    )
    page = catalogue.page(args, "variants", tool="list_variants")
    return VariantsResult(stack_api_key=stack, variant_group_uid=group, variants=page.items, **page.fields())
