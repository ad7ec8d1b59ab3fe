"""Child process for the cross-process refresh test: one `serve`-like process using an account.

Usage: python refresh_child.py START_AT MODE  (MODE: `expiry` or `401`)
Loads the account from PERSONALIZE_MCP_HOME alone, waits until the wall clock reaches START_AT
(so two children refresh at the same moment), gets a working token the way the HTTP core would,
calls `GET /v3/user` with it and prints one JSON line: status and a digest of the token.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
import time

import httpx2

from personalize_mcp.auth import load_credentials
from personalize_mcp.config.settings import ServerSettings


async def main(start_at: float, mode: str) -> None:
    creds, settings = load_credentials(ServerSettings.from_env(os.environ), os.environ)
    token = await creds.access_token() if mode == "401" else None
    await asyncio.sleep(max(0.0, start_at - time.time()))
    if mode == "401":
        assert token is not None
        token = await creds.refresh(token)  # upstream said 401 to the token we held
    else:
        token = await creds.access_token()  # expired on disk: refresh ahead of use
    async with httpx2.AsyncClient() as client:
        response = await client.get(f"{settings.cma_base_url}/v3/user", headers={"authorization": f"Bearer {token}"})
    digest = hashlib.sha256(token.encode()).hexdigest()
    print(json.dumps({"status": response.status_code, "token": digest}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]), sys.argv[2]))
