"""Two OS processes sharing one account refresh at the same moment, with refresh-token rotation on
(where reusing a rotated refresh token revokes the whole grant): both keep working, and the token
endpoint sees exactly one refresh. This is what the account file lock + re-read guarantees."""

from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import pytest

from personalize_mcp.auth.store import AccountStore
from tests.auth.helpers import PYTHON, Sandbox, login_in_process, subprocess_env

CHILD = Path(__file__).with_name("refresh_child.py")


def test_the_hazard_is_real(sandbox: Sandbox, home: Path) -> None:
    """Control: two refreshes with the same refresh token log the account out (sandbox behaviour
    the product must never trigger)."""
    login_in_process(sandbox, home)
    refresh_token = json.loads((home / "accounts" / "default.json").read_text())["refresh_token"]
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": "Ie0FEfTzlfAHL4xM",
        "redirect_uri": sandbox.redirect_uri,
    }
    with httpx2.Client() as client:
        assert client.post(sandbox.urls.token_url, data=form).status_code == 200
        second = client.post(sandbox.urls.token_url, data=form)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("mode", ["expiry", "401"])
@pytest.mark.parametrize("processes", [2, 4])
def test_processes_sharing_an_account_refresh_once(sandbox: Sandbox, home: Path, mode: str, processes: int) -> None:
    login_in_process(sandbox, home)
    store = AccountStore(home)
    account = store.load("default")
    assert account is not None
    if mode == "expiry":
        store.save(account.model_copy(update={"expires_at": datetime.now(UTC) - timedelta(minutes=1)}))
    else:
        sandbox.state.expire_access_tokens()  # upstream rejects the token both processes hold
    sandbox.state.set_latency("oauth", 300)  # a slow token endpoint: the refreshes would overlap

    start_at = time.time() + 2.0  # after the children have started and loaded the account
    children = [
        subprocess.Popen(
            [PYTHON, str(CHILD), str(start_at), mode],
            env=subprocess_env({"PERSONALIZE_MCP_HOME": str(home)}),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    results = []
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        results.append(json.loads(out))

    assert [r["status"] for r in results] == [200] * processes
    assert len({r["token"] for r in results}) == 1
    assert sandbox.token_requests("refresh_token") == 1

    # The grant survived: the stored (rotated) refresh token still refreshes.
    stored = store.load("default")
    assert stored is not None
    store.save(stored.model_copy(update={"expires_at": datetime.now(UTC) - timedelta(minutes=1)}))
    sandbox.state.set_latency("oauth", 0)
    again = subprocess.run(
        [PYTHON, str(CHILD), "0", "expiry"],
        env=subprocess_env({"PERSONALIZE_MCP_HOME": str(home)}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(again.stdout)["status"] == 200
    assert sandbox.token_requests("refresh_token") == 2
