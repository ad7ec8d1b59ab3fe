"""`--auth none|resource|broker`: which authentication the HTTP server uses, checked against the other flags.

`resource` is the JWT resource server (`--oauth-issuer`, answering with the stored account); `broker`
makes the server the MCP authorization server with each person signed in to Contentstack as
themselves (`personalize_mcp.broker`); `none` is for loopback. Without `--auth`, `--oauth-issuer`
means `resource`, else `none`.
"""

from __future__ import annotations

import argparse
import os

from personalize_mcp.broker.settings import BrokerSettings
from personalize_mcp.runtime.errors import ConfigurationError


def auth_mode(args: argparse.Namespace) -> str:
    chosen = getattr(args, "auth", None)
    return str(chosen) if chosen else ("resource" if args.oauth_issuer else "none")


def broker_settings(args: argparse.Namespace) -> BrokerSettings | None:
    """The broker's settings with `--auth broker`, else None; contradicting flags are one sentence."""
    mode = auth_mode(args)
    public_url = getattr(args, "public_url", None)
    organization_uid = getattr(args, "organization_uid", None)
    if mode == "broker":
        if args.oauth_issuer:
            raise ConfigurationError(
                "--auth broker is its own authorization server: drop --oauth-issuer (that is --auth resource)."
            )
        if getattr(args, "sandbox", False):
            raise ConfigurationError(
                "--auth broker signs people in to Contentstack, which the in-process sandbox cannot show a browser; "
                "serve it with `python -m personalize_mcp.sandbox` and point the CONTENTSTACK_*_URL variables at it."
            )
        return BrokerSettings.resolve(public_url, organization_uid, os.environ)
    given = [flag for flag, value in (("--public-url", public_url), ("--organization-uid", organization_uid)) if value]
    if given:
        raise ConfigurationError(f"{', '.join(given)} only apply with --auth broker.")
    if mode == "resource" and not args.oauth_issuer:
        raise ConfigurationError(
            "--auth resource needs --oauth-issuer URL (the authorization server whose tokens this server accepts)."
        )
    if mode == "none" and args.oauth_issuer:
        raise ConfigurationError("--auth none contradicts --oauth-issuer; drop one of them.")
    return None
