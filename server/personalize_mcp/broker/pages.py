"""The two HTML pages a person sees from the broker: the consent page, and a sentence when a step fails.

Every value shown is escaped; the pages load nothing (no script, no image, no font), may not be
framed (clickjacking a consent button is the oldest trick), are never cached, and send no referrer.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlsplit

from starlette.responses import HTMLResponse

from personalize_mcp.broker.records import PendingAuthorization
from personalize_mcp.broker.settings import SCOPE_WORDS

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
}

_STYLE = """body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1b1b1f}
h1{font-size:1.35rem}code{background:#f1f1f4;padding:.1rem .3rem;border-radius:4px;word-break:break-all}
ul{padding-left:1.2rem}.actions{display:flex;gap:.75rem;margin-top:1.5rem}
button{font:inherit;padding:.55rem 1.2rem;border-radius:6px;border:1px solid #8a8a99;background:#fff;cursor:pointer}
button[value=approve]{background:#3a3af0;color:#fff;border-color:#3a3af0}.note{color:#55556a;font-size:.9rem}"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{_STYLE}</style></head>'
        f"<body>{body}</body></html>"
    )
    return HTMLResponse(document, status_code=status, headers=SECURITY_HEADERS)


def consent_page(
    pending: PendingAuthorization,
    *,
    txn: str,
    csrf: str,
    organization: str,
    upstream_scopes: tuple[str, ...],
    action: str,
) -> HTMLResponse:
    """Which client, which redirect, which scopes, in words; one form whose approval goes to Contentstack."""
    redirect = urlsplit(pending.redirect_uri)
    where = f"{redirect.scheme}://{redirect.netloc}{redirect.path}"
    client = escape(pending.client_name)
    client_id = "" if pending.client_name == pending.client_id else f" (<code>{escape(pending.client_id)}</code>)"
    scopes = "".join(f"<li>{escape(SCOPE_WORDS.get(scope, scope))}</li>" for scope in pending.scopes)
    body = f"""<h1>Allow {client} to use Contentstack Personalize as you?</h1>
<p><strong>{client}</strong>{client_id} is asking to:</p><ul>{scopes}</ul>
<p>When you approve, you are sent on to Contentstack to sign in to organisation <code>{escape(organization)}</code>
and approve <code>{escape(" ".join(upstream_scopes))}</code>. Afterwards your sign-in goes back to
<code>{escape(where)}</code>. If you did not just ask for this from your own MCP client, deny.</p>
<form method="post" action="{escape(action)}">
<input type="hidden" name="txn" value="{escape(txn)}"><input type="hidden" name="csrf" value="{escape(csrf)}">
<div class="actions"><button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button></div></form>
<p class="note">Every request is made with your own Contentstack login and role; you can revoke it in
Contentstack.</p>"""
    return _page(f"Allow {pending.client_name}?", body)


def problem_page(sentence: str, status: int = 400) -> HTMLResponse:
    """A step that cannot go on: what happened and what to do, in one sentence."""
    return _page("Sign-in stopped", f"<h1>Sign-in stopped</h1><p>{escape(sentence)}</p>", status)
