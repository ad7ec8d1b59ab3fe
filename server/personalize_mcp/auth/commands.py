"""The `login`, `accounts` and `logout` subcommands (argument handling and printing only).

A `UserFacingError` escaping these is printed by `cli.main` as one line with exit code 2.
Nothing here ever prints a token: accounts are shown through `format_accounts`, which reads
names, region, organisation, user and expiry only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import datetime
from typing import TextIO

from personalize_mcp.auth.account import DEFAULT_ACCOUNT_NAME, StoredAccount, utc_now, validate_account_name
from personalize_mcp.auth.login import LoginRequest, describe_organization, describe_user, login
from personalize_mcp.auth.store import AccountStore, UnreadableAccount
from personalize_mcp.config.settings import default_home
from personalize_mcp.runtime.errors import UserFacingError


def _store() -> AccountStore:
    return AccountStore(default_home(os.environ))


def run_login(args: argparse.Namespace) -> int:
    request = LoginRequest(
        account=args.account or DEFAULT_ACCOUNT_NAME,
        region=args.region,
        open_browser=not args.no_browser,
        timeout=args.timeout,
        writes=args.writes,
    )
    asyncio.run(login(request, env=os.environ, store=_store()))
    return 0


def run_accounts(args: argparse.Namespace) -> int:
    store = _store()
    if args.make_default:
        name = validate_account_name(args.make_default)
        store.set_default(name)
        print(f"The default account is now '{name}'.")
        return 0
    for warning in store.tighten_permissions():
        print(f"personalize-mcp: warning: {warning}", file=sys.stderr)
    entries = store.list_accounts()
    if not entries:
        print("No accounts are stored; run `personalize-mcp login` to add one.")
        return 0
    default = _default_or_none(store, sys.stderr)
    print(format_accounts(entries, default=default))
    unreadable = [e for e in entries if isinstance(e, UnreadableAccount)]
    for entry in unreadable:
        print(f"personalize-mcp: {entry.error}", file=sys.stderr)
    return 1 if unreadable else 0


def run_logout(args: argparse.Namespace) -> int:
    store = _store()
    name = args.account or _default_or_none(store, sys.stderr)
    if name is None:
        names = store.names()
        if not names:
            print("No accounts are stored; nothing to forget.", file=sys.stderr)
            return 1
        raise UserFacingError(
            f"No default account is set (stored: {', '.join(names)}); name the one to forget with "
            "`personalize-mcp logout --account NAME`."
        )
    name = validate_account_name(name)
    was_default = _default_or_none(store, None) == name
    if not store.delete(name):
        print(f"No stored account named '{name}'; nothing to forget.", file=sys.stderr)
        return 1
    message = f"Forgot account '{name}'."
    if was_default:
        others = store.names()
        successor = _default_or_none(store, None)
        if successor is not None:
            message += f" It was the default account; the default is now '{successor}'."
        elif others:
            message += (
                " It was the default account; choose another with `personalize-mcp accounts --default NAME` "
                f"(stored: {', '.join(others)})."
            )
    print(message)
    return 0


def _default_or_none(store: AccountStore, err: TextIO | None) -> str | None:
    try:
        return store.default_name()
    except UserFacingError as error:
        if err is not None:
            print(f"personalize-mcp: {error}", file=err)
        return None


def format_accounts(
    entries: list[StoredAccount | UnreadableAccount], *, default: str | None, now: datetime | None = None
) -> str:
    """A table of accounts: name, region, organisation, user, access-token expiry; `*` = default."""
    now = now or utc_now()
    rows = [("", "NAME", "REGION", "ORGANISATION", "USER", "ACCESS TOKEN")]
    for entry in entries:
        marker = "*" if entry.name == default else ""
        if isinstance(entry, UnreadableAccount):
            rows.append((marker, entry.name, "?", "?", "?", f"unreadable file {entry.path}"))
            continue
        org = entry.organization
        organisation = describe_organization(org.uid, org.name)
        rows.append(
            (
                marker,
                entry.name,
                entry.region or "na",
                organisation,
                describe_user(entry.user),
                _expiry(entry, now),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    if default is not None:
        lines.append("(* = default account)")
    return "\n".join(lines)


def _expiry(account: StoredAccount, now: datetime) -> str:
    when = account.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    if account.expires_at > now:
        return f"valid until {when}"
    if account.refresh_token is not None:
        return f"expired {when} (renewed on next use)"
    return f"expired {when} (run login again)"
