"""`serve --transport http` flags: what is refused (one sentence each) and what they turn into."""

from __future__ import annotations

import socket

import pytest

from personalize_mcp.cli import build_parser, main
from personalize_mcp.runtime.errors import ConfigurationError
from personalize_mcp.transport.http_options import HTTPOptions
from personalize_mcp.transport.rebinding import transport_security
from personalize_mcp.transport.uvicorn_server import listen
from tests.helpers import assert_one_sentence


def options(*flags: str) -> HTTPOptions:
    return HTTPOptions.from_args(build_parser().parse_args(["serve", "--transport", "http", *flags]))


def refusal(*flags: str) -> str:
    with pytest.raises(ConfigurationError) as caught:
        options(*flags)
    assert_one_sentence(caught.value.message)
    return caught.value.message


def test_defaults_are_loopback_without_auth() -> None:
    chosen = options()
    assert (chosen.host, chosen.port, chosen.oauth, chosen.stateless) == ("127.0.0.1", 8000, None, False)
    assert chosen.local_url == "http://127.0.0.1:8000/mcp"


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "mcp.example.com"])
def test_non_loopback_without_auth_is_refused_saying_how_to_configure_it(host: str) -> None:
    message = refusal("--host", host)
    assert message.startswith(f"Refusing to serve on {host} without authentication")
    assert "--oauth-issuer" in message
    assert "--resource-url" in message


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_needs_no_auth(host: str) -> None:
    assert options("--host", host).oauth is None


@pytest.mark.parametrize("entry", ["mcp.example.com", "mcp.example.com:443", "10.0.0.7:*"])
def test_a_public_allowed_host_without_auth_is_refused_too(entry: str) -> None:
    """Loopback bind behind a proxy that passes the public Host: as exposed as a public bind."""
    message = refusal("--allowed-host", entry)
    assert message.startswith(f"Refusing to accept Host {entry} without authentication")


@pytest.mark.parametrize("entry", ["localhost:8000", "[::1]:*", "dev.localhost"])
def test_loopback_allowed_hosts_need_no_auth(entry: str) -> None:
    assert options("--allowed-host", entry).allowed_hosts == (entry,)


def test_insecure_no_auth_is_an_explicit_opt_out() -> None:
    assert options("--host", "0.0.0.0", "--insecure-no-auth").insecure_no_auth


def test_oauth_on_a_public_address_needs_the_resource_url() -> None:
    message = refusal("--host", "0.0.0.0", "--oauth-issuer", "https://auth.example/realms/acme")
    assert "--resource-url" in message


def test_oauth_settings_from_flags() -> None:
    chosen = options(
        "--host",
        "0.0.0.0",
        "--oauth-issuer",
        "https://auth.example/realms/acme",
        "--resource-url",
        "https://mcp.example.com/mcp",
        "--required-scope",
        "personalize-mcp:read",
        "--oauth-audience",
        "api://personalize",
        "--oauth-jwks-url",
        "https://auth.example/keys",
    )
    assert chosen.oauth is not None
    assert chosen.oauth.accepted_audiences == ("api://personalize",)
    assert chosen.oauth.required_scopes == ("personalize-mcp:read",)
    settings = chosen.oauth.auth_settings()
    assert str(settings.resource_server_url) == "https://mcp.example.com/mcp"
    assert str(settings.issuer_url) == "https://auth.example/realms/acme"
    # The public name is an allowed Host and Origin without further flags.
    security = transport_security(chosen)
    assert "mcp.example.com" in security.allowed_hosts
    assert "https://mcp.example.com" in security.allowed_origins


def test_oauth_on_loopback_defaults_the_resource_url() -> None:
    chosen = options("--port", "9000", "--oauth-issuer", "http://127.0.0.1:8080/realms/dev")
    assert chosen.oauth is not None
    assert chosen.oauth.resource_url == "http://127.0.0.1:9000/mcp"
    assert chosen.oauth.accepted_audiences == ("http://127.0.0.1:9000/mcp",)


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        (["--oauth-issuer", "http://auth.example/realms/acme"], "--oauth-issuer must use https"),
        (
            ["--oauth-issuer", "https://auth.example", "--resource-url", "http://mcp.example.com/mcp"],
            "--resource-url must use https",
        ),
        (["--oauth-issuer", "https://auth.example", "--oauth-jwks-url", "ftp://x/keys"], "--oauth-jwks-url must be"),
        (["--required-scope", "read"], "only apply with --oauth-issuer"),
        (["--resource-url", "https://mcp.example.com/mcp"], "only apply with --oauth-issuer"),
        (["--oauth-issuer", "https://auth.example", "--required-scope", "a b"], "--required-scope takes one scope"),
        (["--allowed-host", "https://mcp.example.com"], "--allowed-host takes"),
        (["--allowed-origin", "https://app.example.com/path"], "--allowed-origin takes"),
        (["--max-body-bytes", "0"], "--max-body-bytes"),
        (["--request-timeout", "-1"], "--request-timeout"),
        (["--port", "70000"], "--port"),
    ],
)
def test_inconsistent_flags_are_refused(flags: list[str], needle: str) -> None:
    assert needle in refusal(*flags)


def test_cli_refuses_before_touching_any_account(capsys: pytest.CaptureFixture[str]) -> None:
    # No stored account and no --sandbox: the HTTP refusal comes first, as one line, exit status 2.
    assert main(["serve", "--transport", "http", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("personalize-mcp: Refusing to serve on 0.0.0.0 without authentication")
    assert "\n" not in err


def test_a_taken_port_is_one_sentence() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigurationError) as caught:
            listen(HTTPOptions(port=port))
    assert_one_sentence(caught.value.message)
    assert f"127.0.0.1:{port}" in caught.value.message
    assert "--port" in caught.value.message


def test_listen_binds_before_anything_starts() -> None:
    with listen(HTTPOptions(port=0)) as sock:
        assert sock.getsockname()[0] == "127.0.0.1"
        assert sock.getsockname()[1] > 0
