"""A large account put into the sandbox for one test: hundreds of audiences with long rules, experiences,
variant groups, a group of 1,200 variants, and a variant that targets 1,000 audiences.

Test-sized on purpose (the scale benchmark in bench/ goes to thousands): big enough that every default
answer would blow the 32 KiB budget without paging, small enough to build in milliseconds.
"""

from __future__ import annotations

from typing import Any

from personalize_mcp.sandbox import data
from tests.conftest import Sandbox

PROJECT = "6650b8f1a3c94e2d17000b16"
STACK = "bltb16b16b16b16b16b1"
GROUP_OF_MANY = "csbigbigbigbigbig0001"
BROAD_EXPERIENCE = "6652d1e3c4a8b1f0270b0000"
AUDIENCES, EXPERIENCES, GROUPS, VARIANTS = 1100, 300, 500, 1200


def _uid(prefix: str, n: int) -> str:
    return f"{prefix}{n:08x}"


def _rule(n: int) -> dict[str, Any]:
    """Nested rules that render to a few hundred characters."""
    country = {"__type": "PresetAttributeReference", "ref": "COUNTRY"}
    return {
        "__type": "RuleCombination",
        "combinationType": "AND",
        "rules": [
            {
                "__type": "RuleCombination",
                "combinationType": "OR",
                "rules": [
                    {
                        "__type": "Rule",
                        "attribute": country,
                        "attributeMatchCondition": "STRING_EQUALS",
                        "attributeMatchOptions": {"__type": "StringMatchOptions", "value": f"C{(n + k) % 97:02d}"},
                        "invertCondition": False,
                    }
                    for k in range(20)
                ],
            },
            {
                "__type": "Rule",
                "attribute": {"__type": "CustomAttributeReference", "ref": data.LIFETIME_ORDERS_ATTRIBUTE_UID},
                "attributeMatchCondition": "NUMBER_GREATER_THAN",
                "attributeMatchOptions": {"__type": "NumberMatchOptions", "value": n % 50},
                "invertCondition": False,
            },
        ],
    }


def load_large_account(sandbox: Sandbox) -> None:
    audiences = [
        {
            "uid": _uid("6651c0a2b7d2e4f9", n),
            "name": f"Segment {n:04d} of the large account",
            "description": "x" * 60,
            "project": PROJECT,
            "source": "PERSONALIZE",
            "definition": _rule(n),
        }
        for n in range(AUDIENCES)
    ]
    broad_variants = [
        {
            "__type": "SegmentedVariant",
            "shortUid": str(v),
            "name": f"Broad {v}",
            "audienceCombinationType": "OR",
            "audiences": [a["uid"] for a in audiences[v * 400 : v * 400 + 500]],
            "lyticsAudiences": [],
        }
        for v in range(3)
    ]
    versions = {
        BROAD_EXPERIENCE: [
            {
                "uid": _uid("6653e2f4d9b3c2a6", 9_000 + s),
                "experienceUid": BROAD_EXPERIENCE,
                "status": status,
                "variants": broad_variants,
            }
            for s, status in enumerate(("ACTIVE", "DRAFT", "ARCHIVED", "ARCHIVED"))
        ]
    }
    experiences = [
        {
            "uid": BROAD_EXPERIENCE,
            "name": "Broad targeting",
            "description": "",
            "__type": "SEGMENTED",
            "shortUid": "0",
            "status": "ACTIVE",
            "latestVersion": versions[BROAD_EXPERIENCE][1]["uid"],
            "referredAudiences": [a["uid"] for a in audiences[:1000]],
            "referredEvents": [],
            "tags": [],
        }
    ] + [
        {
            "uid": _uid("6652d1e3c4a8b1f0", n),
            "name": f"Experience {n:04d}",
            "description": "d" * 80,
            "__type": "AB_TEST" if n % 3 else "SEGMENTED",
            "shortUid": str(n + 1),
            "status": ("ACTIVE", "DRAFT", "PAUSED", "ARCHIVED")[n % 4],
            "latestVersion": _uid("6653e2f4d9b3c2a6", n),
            "referredAudiences": [audiences[(n * 7 + k) % AUDIENCES]["uid"] for k in range(20)],
            "referredEvents": [],
            "tags": [],
        }
        for n in range(EXPERIENCES)
    ]
    many = [
        {
            "uid": f"csv{n:08d}",
            "name": f"Colour {n}",
            "variant_group_uid": GROUP_OF_MANY,
            "alias": f"cs_personalize_9_{n}",
        }
        for n in range(VARIANTS)
    ]
    groups = [{"uid": GROUP_OF_MANY, "name": "Many colours", "content_types": [], "variants": many}] + [
        {
            "uid": f"csg{n:08d}",
            "name": f"Group {n}",
            "content_types": [{"uid": "page", "status": "linked"}],
            "variants": [],
        }
        for n in range(GROUPS)
    ]
    state = sandbox.state
    with state.lock:
        state.data.projects.append(
            {"uid": PROJECT, "name": "Large", "description": "", "organizationUid": data.MAIN_ORG_UID}
        )
        state.data.audiences[PROJECT] = audiences
        state.data.experiences[PROJECT] = experiences
        state.data.versions.update(versions)
        state.data.stacks.append(
            {"uid": "bltstackb16", "api_key": STACK, "name": "Large stack", "org_uid": data.MAIN_ORG_UID}
        )
        state.data.variant_groups[STACK] = groups
