"""What the authorization server refuses: a forged consent, a replayed state or code, a reused refresh
token, a person of another organisation, a sign-in completed in another browser (the confused deputy),
our token sent to Contentstack and Contentstack's sent to us. Each is driven over real HTTP against
the server as a subprocess; the metadata a client discovers it by is checked too."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx2
import pytest

from personalize_mcp.sandbox import SANDBOX_ACCESS_TOKEN, consent_url, s256
from personalize_mcp.sandbox.data import MAIN_USER_UID, SECOND_ORG_UID, SECOND_ORG_USER_UID
from personalize_mcp.sandbox.people import ANALYST_USER_UID
from tests.broker.support import CLIENT_REDIRECT, Broker, Person, form_fields
from tests.conftest import Sandbox
from tests.http.support import INITIALIZE, MCP_HEADERS

pytestmark = pytest.mark.anyio


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def register(broker: Broker) -> dict[str, str]:
    async with httpx2.AsyncClient() as http:
        answer = await http.post(
            f"{broker.origin}/register",
            json={
                "redirect_uris": [CLIENT_REDIRECT],
                "client_name": "Refusal tests",
                "token_endpoint_auth_method": "none",
            },
        )
    assert answer.status_code == 201, answer.text
    registered: dict[str, str] = answer.json()
    return registered


def authorize_url(broker: Broker, client_id: str, challenge: str, *, scope: str = "personalize-mcp:read") -> str:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": CLIENT_REDIRECT,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "client-state-1",
        "scope": scope,
        "resource": broker.url,
    }
    return f"{broker.origin}/authorize?{urlencode(query)}"


async def sign_in(broker: Broker, person: Person, *, scope: str = "personalize-mcp:read") -> tuple[str, str, str]:
    """(client_id, code, verifier): a whole sign-in up to our code, by hand."""
    client = await register(broker)
    verifier = secrets.token_urlsafe(48)
    await person.redirect_handler(authorize_url(broker, client["client_id"], s256(verifier), scope=scope))
    assert person.result is not None
    return client["client_id"], person.result.code, verifier


async def exchange(broker: Broker, form: dict[str, str]) -> httpx2.Response:
    async with httpx2.AsyncClient() as http:
        return await http.post(f"{broker.origin}/token", data=form)


async def mcp_status(broker: Broker, token: str) -> int:
    async with httpx2.AsyncClient() as http:
        answer = await http.post(
            broker.url, json=INITIALIZE, headers={**MCP_HEADERS, "authorization": f"Bearer {token}"}
        )
    return answer.status_code


async def test_the_metadata_a_client_discovers(broker: Broker) -> None:
    async with httpx2.AsyncClient(base_url=broker.origin) as http:
        challenge = await http.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)
        resource = (await http.get("/.well-known/oauth-protected-resource/mcp")).json()
        server = (await http.get("/.well-known/oauth-authorization-server")).json()
    assert challenge.status_code == 401
    assert 'scope="personalize-mcp:read"' in challenge.headers["www-authenticate"]
    assert resource["authorization_servers"] == [broker.origin]
    assert server["issuer"] == broker.origin
    assert server["client_id_metadata_document_supported"] is True
    assert server["authorization_response_iss_parameter_supported"] is True
    assert "none" in server["token_endpoint_auth_methods_supported"]
    assert server["scopes_supported"] == ["personalize-mcp:read", "personalize-mcp:write"]
    assert server["code_challenge_methods_supported"] == ["S256"]


async def test_a_forged_consent_answer_is_refused(broker: Broker) -> None:
    """An attacker's page posting "approve" for the person: without the page's token and the browser's
    cookie it counts for nothing, and the real page can still be answered."""
    client = await register(broker)
    person = Person(MAIN_USER_UID)
    started = await person.browser.get(authorize_url(broker, client["client_id"], s256(secrets.token_urlsafe(48))))
    consent = urljoin(broker.origin, started.headers["location"])
    page = await person.browser.get(consent)
    fields = form_fields(page.text)
    action = urljoin(broker.origin, fields.pop("_action"))
    async with httpx2.AsyncClient() as attacker:  # no cookie of the person's browser
        forged = await attacker.post(action, data={**fields, "decision": "approve"})
        guessed = await person.browser.post(action, data={**fields, "csrf": "guessed", "decision": "approve"})
    assert forged.status_code == 403
    assert "could not be verified" in forged.text
    assert guessed.status_code == 403
    assert forged.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    real = await person.browser.post(action, data={**fields, "decision": "approve"})
    assert real.status_code == 303
    replayed = await person.browser.post(action, data={**fields, "decision": "approve"})
    assert replayed.status_code == 400  # the request was consumed by its one decision


async def test_a_replayed_state_and_another_browser_are_refused(broker: Broker) -> None:
    victim, attacker = Person(MAIN_USER_UID), Person(MAIN_USER_UID)
    client = await register(broker)
    # The attacker approves a request of their own, then lures the victim to Contentstack with it:
    # Contentstack (remembering the victim's consent) sends the victim's browser to our callback.
    approved = await attacker.approve_on_consent_page(authorize_url(broker, client["client_id"], s256("x" * 43)))
    upstream = consent_url(approved.headers["location"], user_uid=MAIN_USER_UID)
    lured = await victim.browser.get(upstream)
    refused = await victim.browser.get(lured.headers["location"])
    assert refused.status_code == 403
    assert "not started in this browser" in refused.text
    # A state is answered once: the same callback again, even from the right browser, is refused.
    again = await attacker.browser.get(lured.headers["location"])
    assert again.status_code == 400
    assert "already completed" in again.text


async def test_a_replayed_code_is_refused_and_ends_what_it_gave(broker: Broker) -> None:
    client_id, code, verifier = await sign_in(broker, Person(MAIN_USER_UID))
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CLIENT_REDIRECT,
        "client_id": client_id,
        "code_verifier": verifier,
    }
    first = await exchange(broker, form)
    assert first.status_code == 200, first.text
    tokens = first.json()
    assert tokens["access_token"].startswith("pmcp_at_")
    assert await mcp_status(broker, tokens["access_token"]) == 200
    replayed = await exchange(broker, form)
    assert replayed.status_code == 400
    assert replayed.json()["error"] == "invalid_grant"
    assert await mcp_status(broker, tokens["access_token"]) == 401  # RFC 6749 §4.1.2: its tokens are revoked


async def test_a_reused_refresh_token_is_refused_and_ends_the_grant(broker: Broker) -> None:
    client_id, code, verifier = await sign_in(broker, Person(ANALYST_USER_UID))
    base = {"client_id": client_id}
    tokens = (
        await exchange(
            broker,
            base
            | {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": CLIENT_REDIRECT,
                "code_verifier": verifier,
            },
        )
    ).json()
    rotated = await exchange(broker, base | {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert rotated.status_code == 200
    fresh = rotated.json()
    assert fresh["refresh_token"] != tokens["refresh_token"]
    assert await mcp_status(broker, fresh["access_token"]) == 200
    reused = await exchange(broker, base | {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    assert await mcp_status(broker, fresh["access_token"]) == 401  # whoever reused it may have stolen it
    after = await exchange(broker, base | {"grant_type": "refresh_token", "refresh_token": fresh["refresh_token"]})
    assert after.status_code == 400


@pytest.mark.parametrize("who", [(MAIN_USER_UID, SECOND_ORG_UID), (SECOND_ORG_USER_UID, None)])
async def test_a_person_of_another_organisation_is_refused(broker: Broker, who: tuple[str, str | None]) -> None:
    person = Person(*who)
    with pytest.raises(RuntimeError, match="access_denied: This server is only for members"):
        await sign_in(broker, person)
    assert person.hops[-1] == "-> client redirect with ['error', 'error_description', 'iss', 'state']"


async def test_tokens_never_cross_between_us_and_contentstack(broker: Broker, sandbox: Sandbox) -> None:
    client_id, code, verifier = await sign_in(broker, Person(MAIN_USER_UID))
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CLIENT_REDIRECT,
        "client_id": client_id,
        "code_verifier": verifier,
    }
    ours = (await exchange(broker, form)).json()["access_token"]
    async with httpx2.AsyncClient() as http:
        to_contentstack = await http.get(
            f"{sandbox.origin}/personalize/projects", headers={"authorization": f"Bearer {ours}"}
        )
    assert to_contentstack.status_code == 401  # Contentstack never issued it
    assert await mcp_status(broker, SANDBOX_ACCESS_TOKEN) == 401  # nor do we accept Contentstack's
    assert await mcp_status(broker, ours) == 200
    assert SANDBOX_ACCESS_TOKEN not in broker.log() and ours not in broker.log()


@pytest.mark.parametrize(
    ("asked", "granted", "upstream_manage"),
    [
        ("personalize-mcp:read", "personalize-mcp:read", False),
        ("personalize-mcp:read personalize-mcp:write", "personalize-mcp:read personalize-mcp:write", True),
    ],
)
async def test_asking_to_write_asks_contentstack_for_manage(
    broker: Broker, asked: str, granted: str, upstream_manage: bool
) -> None:
    person = Person(MAIN_USER_UID)
    client_id, code, verifier = await sign_in(broker, person, scope=asked)
    assert person.upstream_authorize is not None
    fragment_query = parse_qs(person.upstream_authorize.split("?", 1)[1])
    upstream_scopes = fragment_query["scope"][0].split()
    assert ("personalize:manage" in upstream_scopes) is upstream_manage
    assert "personalize:read" in upstream_scopes
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CLIENT_REDIRECT,
        "client_id": client_id,
        "code_verifier": verifier,
    }
    assert (await exchange(broker, form)).json()["scope"] == granted
