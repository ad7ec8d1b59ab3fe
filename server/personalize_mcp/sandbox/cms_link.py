"""The job Contentstack runs after an experience is created or a version changes: its CMS variant group.

Contentstack links every Personalize experience to a variant group on the project's connected stack,
with one CMS variant per variant short uid, and names them on the experience (`_cms`) -- "within seconds
to a minute" of a create or an activation, by a background job (contentstack-api.md §8). The sandbox
runs it at once after each write, so the read tools (`list_variant_groups`, `get_variant_audiences`) see
a written experience as they see a seeded one. A project with no connected stack gets no group. Names
and aliases follow the seed's linked groups; a deleted experience leaves its group behind (the audit's
`cms_group_orphaned` case).
"""

from __future__ import annotations

import hashlib
from typing import Any

from personalize_mcp.sandbox.shapes import MAIN_USER_UID, SandboxData
from personalize_mcp.sandbox.write_rules import NOW

JSON = dict[str, Any]


def _cms_uid(*parts: str) -> str:
    """`cs` and 16 hex digits, as the CMS's variant and group uids are; the same parts give the same uid."""
    return "cs" + hashlib.sha256("/".join(parts).encode()).hexdigest()[:16]


def link_experience(data: SandboxData, project: JSON, experience: JSON) -> None:
    """Give `experience` its variant group and one CMS variant per short uid its versions name (idempotent)."""
    stack = project.get("connectedStackApiKey")
    if not isinstance(stack, str) or not stack:
        return
    groups = data.variant_groups.setdefault(stack, [])
    cms = experience.setdefault("_cms", {"variantGroup": _cms_uid(experience["uid"], "group"), "variants": {}})
    group = next((g for g in groups if g.get("uid") == cms["variantGroup"]), None)
    metadata = {
        "project_uid": project["uid"],
        "experience_uid": experience["uid"],
        "experience_short_uid": experience["shortUid"],
        "status": "linked",
    }
    if group is None:
        group = {
            "uid": cms["variantGroup"],
            "name": experience["name"],
            "description": "",
            "personalize_metadata": metadata,
            "content_types": [],
            "created_by": MAIN_USER_UID,
            "updated_by": MAIN_USER_UID,
            "created_at": NOW,
            "updated_at": NOW,
            "variants": [],
        }
        groups.append(group)
    for version in data.versions.get(experience["uid"], []):
        for variant in version.get("variants", []):
            short = str(variant.get("shortUid", ""))
            if not short or short in cms["variants"]:
                continue
            variant_uid = _cms_uid(experience["uid"], "variant", short)
            cms["variants"][short] = variant_uid
            group["variants"].append(
                {
                    "uid": variant_uid,
                    "name": str(variant.get("name") or f"Variant {short}"),
                    "variant_group_uid": group["uid"],
                    "alias": f"cs_personalize_{experience['shortUid']}_{short}",
                    "personalize_metadata": {**metadata, "variant_short_uid": short},
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
