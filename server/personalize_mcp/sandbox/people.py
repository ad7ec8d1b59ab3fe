"""The people of the sample organisations, their Contentstack roles, and the organisation's own app.

A shared server acts as each person (`serve --auth broker`), so the sandbox has several people whose
roles differ, as a real organisation's do. A role decides what Personalize lets its holder do:

| constant | person | memberships (role) | Personalize |
|---|---|---|---|
| MAIN_USER_UID | Dana Whitfield | Northwind (Owner), Contoso (Admin) | manage in both |
| DEVELOPER_USER_UID | Priya Raman | Northwind (Developer) | manage |
| ANALYST_USER_UID | Omar Haddad | Northwind (Analyst) | read only: every change is 403 |
| EDITOR_USER_UID | Lena Fischer | Northwind (Content Manager) | none: every Personalize call is 403 |
| SECOND_ORG_USER_UID | Kenji Sato | Contoso (Owner) | manage (another organisation) |

`GET /v3/user` shows each membership with its `org_roles`, as Contentstack does. A token of someone
the table does not know (minted through `/_sandbox/tokens` for any uid) may do everything, as the
seeded tokens may.

BROKER_APP_* is the organisation's own Developer Hub app that a shared server signs people in with
(contentstack-api.md §9): confidential (a client secret, PKCE too) and, unlike the public CLI app, it
accepts only the redirect URIs registered for it — `https://mcp.northwind.example/oauth/callback`,
plus any a test registers through `POST /_sandbox/apps/{client_id}/redirect-uris` (kept across
resets, like logins).
"""

from __future__ import annotations

from typing import Any, Literal

Access = Literal["manage", "read", "none"]

DEVELOPER_USER_UID = "blt3c9a5e1d7f2b4a68"
ANALYST_USER_UID = "blt4d1b6f8a2c9e3b79"
EDITOR_USER_UID = "blt5e2c7a9b3d1f4c80"

PEOPLE_EMAILS = {
    DEVELOPER_USER_UID: "priya.raman@northwind.example",
    ANALYST_USER_UID: "omar.haddad@northwind.example",
    EDITOR_USER_UID: "lena.fischer@northwind.example",
}

ROLE_ACCESS: dict[str, Access] = {
    "Owner": "manage",
    "Admin": "manage",
    "Developer": "manage",
    "Analyst": "read",
    "Content Manager": "none",
}
"""What each organisation role may do in Personalize."""

BROKER_APP_UID = "6655a4b6f2d8e5c3b1000002"
BROKER_CLIENT_ID = "Nw7bRk3xQ9mV2pL5"
BROKER_CLIENT_SECRET = "sandbox-broker-secret-4e7a1c9d2b6f8e3a"
BROKER_REDIRECT_URI = "https://mcp.northwind.example/oauth/callback"


def membership(org: dict[str, Any], role: str) -> dict[str, Any]:
    """One entry of a user's `organizations`, as `GET /v3/user` shows it."""
    return {
        "uid": org["uid"],
        "name": org["name"],
        "is_owner": role == "Owner",
        "org_roles": [{"uid": f"role_{role.lower().replace(' ', '_')}", "name": role}],
    }


def with_roles(user: dict[str, Any], roles: dict[str, str]) -> dict[str, Any]:
    """`user` whose memberships carry their roles (organisation uid -> role name)."""
    return {
        **user,
        "organizations": [{**entry, **membership(entry, roles[entry["uid"]])} for entry in user["organizations"]],
    }


def personalize_access(users: dict[str, dict[str, Any]], org_uid: str, user_uid: str) -> Access:
    """What the person's role in `org_uid` lets them do in Personalize ("manage" for unknown people)."""
    user = users.get(user_uid)
    if user is None:
        return "manage"
    for entry in user.get("organizations", []):
        if entry.get("uid") == org_uid:
            names = [role.get("name") for role in entry.get("org_roles", [])]
            granted = [ROLE_ACCESS.get(str(name), "none") for name in names]
            if "manage" in granted or not granted:
                return "manage"
            return "read" if "read" in granted else "none"
    return "none"


def is_member(user: dict[str, Any], org_uid: str) -> bool:
    return any(entry.get("uid") == org_uid for entry in user.get("organizations", []))
