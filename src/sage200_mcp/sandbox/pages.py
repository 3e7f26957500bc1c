"""The sandbox's HTML pages: Sage ID sign-in and consent, device activation, errors, a home page.

Every value shown is HTML-escaped; the sign-in form carries only an opaque transaction id, never
the client's parameters, so nothing the caller sent can be replayed through the form.
"""

from __future__ import annotations

from html import escape

from sage200_mcp.sandbox.identity import Client

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f2f5f6;margin:0;
color:#1f2933}main{max-width:28rem;margin:4rem auto;background:#fff;border-radius:8px;
padding:2rem 2.25rem;box-shadow:0 1px 4px rgba(0,0,0,.12)}h1{font-size:1.35rem;margin:0 0 .25rem}
.brand{color:#00815d;font-weight:700;letter-spacing:.02em;margin-bottom:1.25rem}
label{display:block;margin:.9rem 0 .3rem;font-weight:600}input{width:100%;box-sizing:border-box;
padding:.6rem;border:1px solid #9aa5b1;border-radius:4px;font-size:1rem}.actions{display:flex;
gap:.75rem;margin-top:1.5rem}button{flex:1;padding:.7rem;border-radius:4px;font-size:1rem;
cursor:pointer;border:1px solid #00815d}#approve{background:#00815d;color:#fff}
#deny{background:#fff;color:#00815d}
.error{background:#fde8e8;color:#9b1c1c;padding:.6rem .8rem;border-radius:4px;margin-top:1rem}
.hint{color:#52606d;font-size:.9rem}ul{padding-left:1.2rem}
code{background:#eef2f3;padding:.1rem .3rem;border-radius:3px}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body><main>"
        f'<div class="brand">Sage ID &middot; sandbox</div>{body}</main></body></html>'
    )


def _error(message: str | None) -> str:
    return f'<p class="error" role="alert">{escape(message)}</p>' if message else ""


_SCOPES = {
    "openid": "Confirm who you are",
    "profile": "See your name",
    "email": "See your email address",
    "offline_access": "Stay signed in (refresh tokens)",
}


def sign_in(
    transaction: str, client_id: str, scope: str, *, error: str | None = None, username: str = ""
) -> str:
    permissions = "".join(
        f"<li>{escape(_SCOPES.get(item, item))}</li>" for item in scope.split() if item
    )
    return _page(
        "Sign in - Sage ID sandbox",
        f"<h1>Sign in to continue</h1>"
        f'<p class="hint"><code>{escape(client_id)}</code> wants to read your Sage 200 books'
        f" and:</p><ul>{permissions}<li>Use Sage 200 on your behalf</li></ul>"
        f"{_error(error)}"
        f'<form method="post" action="/authorize">'
        f'<input type="hidden" name="transaction" value="{escape(transaction)}">'
        f'<label for="username">Email</label>'
        f'<input id="username" name="username" type="email" autocomplete="username"'
        f' value="{escape(username)}" required>'
        f'<label for="password">Password</label>'
        f'<input id="password" name="password" type="password"'
        f' autocomplete="current-password" required>'
        f'<div class="actions">'
        f'<button id="deny" name="action" value="deny" type="submit" formnovalidate>'
        f"Deny</button>"
        f'<button id="approve" name="action" value="approve" type="submit">'
        f"Allow</button></div></form>"
        f'<p class="hint">Sandbox users: <code>demo@example.com</code> / <code>demo</code>'
        f" (three companies), <code>single@example.com</code> / <code>single</code> (one),"
        f" <code>pat@example.com</code> / <code>pat</code> (two).</p>",
    )


def error_page(title: str, message: str) -> str:
    return _page(title, f"<h1>{escape(title)}</h1>{_error(message)}")


def message_page(title: str, message: str) -> str:
    return _page(title, f"<h1>{escape(title)}</h1><p>{escape(message)}</p>")


def activate(user_code: str = "", *, error: str | None = None) -> str:
    return _page(
        "Activate a device - Sage ID sandbox",
        "<h1>Activate a device</h1>"
        '<p class="hint">Enter the code your application shows, then sign in.</p>'
        f"{_error(error)}"
        '<form method="post" action="/activate">'
        '<label for="user_code">Code</label>'
        f'<input id="user_code" name="user_code" value="{escape(user_code)}" required>'
        '<label for="username">Email</label>'
        '<input id="username" name="username" type="email" required>'
        '<label for="password">Password</label>'
        '<input id="password" name="password" type="password" required>'
        '<div class="actions">'
        '<button id="deny" name="action" value="deny" type="submit" formnovalidate>'
        "Deny</button>"
        '<button id="approve" name="action" value="approve" type="submit">Allow</button>'
        "</div></form>",
    )


def home(origin: str, clients: list[Client]) -> str:
    rows = "".join(_client_row(client) for client in clients)
    return _page(
        "Sage 200 sandbox",
        "<h1>Sage 200 sandbox</h1>"
        "<p>A local emulator of Sage ID and the Sage 200 API with seeded books.</p>"
        f"<p>Registered applications and their redirect URIs:</p><ul>{rows}</ul>"
        f"<p>API: <code>{escape(origin)}/uk/sage200extra/accounts/v1/</code> (Professional) and"
        f" <code>{escape(origin)}/uk/sage200/accounts/v1/</code> (Standard).</p>"
        "<p>Controls: <code>GET /_sandbox/stats</code>, <code>POST /_sandbox/faults</code>,"
        " <code>POST /_sandbox/reset</code>.</p>",
    )


def _client_row(client: Client) -> str:
    secret = (
        f"secret <code>{escape(client.secret)}</code>" if client.secret else "no secret (PKCE only)"
    )
    uris = ", ".join(f"<code>{escape(uri)}</code>" for uri in client.redirect_uris)
    return (
        f"<li><code>{escape(client.client_id)}</code>, a {client.kind} application,"
        f" {secret}: {uris}</li>"
    )
