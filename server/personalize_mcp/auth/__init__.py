"""Accounts: OAuth login with PKCE, stored tokens that refresh themselves, several accounts.

Modules, one job each:

* `account`        — the stored account's schema (`StoredAccount`), secrets wrapped in `SecretStr`;
* `store`          — `AccountStore`: one file per account (read, list, save, delete, the default);
* `atomic_files`   — a file replaced whole or not at all, symbolic links written through;
* `file_locks`     — cross-process locks whose failures are one sentence, not a hang;
* `permissions`    — the folder 0700 and files 0600, and tightening what others could read;
* `default_marker` — the file naming the default account;
* `oauth`          — Contentstack's authorize URL, code exchange and refresh (authlib + httpx2);
* `listener`       — the loopback listener that receives the OAuth redirect;
* `identity`       — who a fresh token belongs to (`/v3/user`, `/v3/organizations/{uid}`);
* `login`          — the login flow, from authorize URL to stored account;
* `credentials`    — `StoredAccountCredentials`: single-flight refresh, in and across processes;
* `session`        — `load_credentials`, which `serve` calls;
* `commands`       — the `login` / `accounts` / `logout` subcommands;
* `protocol`       — `Credentials`, what the HTTP core needs from a login (and the sandbox's and
  "nobody" stand-ins).

May import: `config`, `runtime` -- never `mcp`, never the Contentstack clients.

`load_credentials` is imported on first use, so that the many importers of `protocol` (the HTTP
core, the lookups, the sandbox mode) do not load the account store and OAuth with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from personalize_mcp.auth.session import load_credentials

__all__ = ["load_credentials"]


def __getattr__(name: str) -> Any:
    if name == "load_credentials":
        from personalize_mcp.auth.session import load_credentials

        return load_credentials
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
