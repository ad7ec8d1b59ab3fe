"""The demo's CMS section: stacks, variant groups, a group's variants and each variant's audiences,
and the clear error a plain (unlinked) variant group gets."""

from __future__ import annotations

from typing import Any

from mcp import Client

from personalize_mcp.demo.calls import call, shown_call, shown_result, text_of
from personalize_mcp.demo.context import Demo
from personalize_mcp.demo.printer import Printer


async def show_cms(demo: Demo) -> None:
    """The stack is the project's connected one; the group, the one linked to the demo's experience if any."""
    p, client, experience = demo.p, demo.client, demo.experience
    stacks = (await shown_call(p, client, "List Stacks", "list_stacks"))["stacks"]
    p.table(["API KEY", "NAME", "MASTER LOCALE"], [[s["api_key"], s["name"], s.get("master_locale")] for s in stacks])
    stack_key = demo.project.get("connected_stack_api_key") or stacks[0]["api_key"]

    arguments: dict[str, Any] = {"stack_api_key": stack_key}
    groups = (await shown_call(p, client, "List Variant Groups", "list_variant_groups", arguments))["variant_groups"]
    p.table(["UID", "NAME", "EXPERIENCE"], [[g["uid"], g["name"], g.get("experience_uid")] for g in groups])
    group = next((g for g in groups if g.get("experience_uid") == experience["uid"]), None)
    group = group or next(g for g in groups if g.get("experience_uid"))

    arguments = {"stack_api_key": stack_key, "variant_group_uid": group["uid"]}
    variants = await shown_call(p, client, "List Variants", "list_variants", arguments)
    p.table(
        ["UID", "NAME", "ALIAS", "SHORT UID"],
        [[v["uid"], v["name"], v.get("alias"), v.get("variant_short_uid")] for v in variants["variants"]],
    )

    asks = [(variant, False) for variant in variants["variants"]]
    asks += [(variant, True) for variant in variants["variants"][:1]]  # draft vs active, once
    for variant, draft in asks:
        await _variant_audiences(p, client, stack_key, group["uid"], variant, draft=draft)

    plain = next((g for g in groups if not g.get("experience_uid")), None)
    if plain is not None:
        plain_variants = (
            await call(client, "list_variants", {"stack_api_key": stack_key, "variant_group_uid": plain["uid"]})
        )["variants"]
        if plain_variants:
            arguments = {
                "stack_api_key": stack_key,
                "variant_group_uid": plain["uid"],
                "variant_uid": plain_variants[0]["uid"],
            }
            title = "A clear error — a plain CMS variant group"
            result = await shown_result(p, client, title, "get_variant_audiences", arguments)
            p.text(text_of(result))


async def _variant_audiences(
    p: Printer, client: Client, stack_key: str, group_uid: str, variant: dict[str, Any], *, draft: bool
) -> None:
    arguments: dict[str, Any] = {
        "stack_api_key": stack_key,
        "variant_group_uid": group_uid,
        "variant_uid": variant["uid"],
    }
    if draft:
        arguments["draft"] = True
    title = f"Get Audience(s) of a Variant — {variant['name']}{' (draft)' if draft else ''}"
    result = await shown_result(p, client, title, "get_variant_audiences", arguments)
    if result.is_error:
        p.text(f"(tool error) {text_of(result)}")
        return
    answer = result.structured_content or {}
    p.text(
        f"Experience {answer.get('experience_name')!r}, {answer['version']['status']} version "
        f"{answer['version']['uid']}, variant {answer['variant']['name']!r}; audiences combined with "
        f"{answer.get('audience_combination') or '-'}:"
    )
    p.audiences(answer["audiences"])
