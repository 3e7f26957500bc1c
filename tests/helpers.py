"""Helpers shared by the tests: a fake clock, a free port, and a scripted Sage ID sign-in.

The scripted sign-in is deliberately written here rather than borrowed from the package: it plays
the part of a careful, independent client, so the sandbox and the product are checked against
something other than themselves. It signs in as Sage would let it: as the sandbox's desktop
application (a loopback redirect, no secret, PKCE). The web application (a secret, https redirects
only) is there for the tests that need it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

CLIENT_ID = "sandbox-desktop"  # a public client: no secret
REDIRECT_URI = "http://localhost:8765/callback"
WEB_CLIENT_ID = "sandbox-client"
WEB_CLIENT_SECRET = "sandbox-secret"
WEB_REDIRECT_URI = "https://sage200-mcp.example/callback"
SCOPE = "openid profile email offline_access"
AUDIENCE = "s200ukipd/sage200"
PRO = "/uk/sage200extra/accounts/v1"
STD = "/uk/sage200/accounts/v1"
TODAY = "2026-11-28"
TOOL_SNAPSHOTS = Path(__file__).resolve().parent / "snapshots" / "tools"  # <tool>.json each


# The unknowns of the real API, played one way for a whole run (`make test-variants`): the
# integration tests of the product must pass against each, as they must against real Sage.
VARIANT_ENV = "SAGE200_TEST_SANDBOX"


def sandbox_variant() -> dict[str, Any]:
    """The sandbox settings of this run's variant: ``count_style=odata,error_style=gateway``."""
    text = os.environ.get(VARIANT_ENV, "").strip()
    variant: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, value = item.partition("=")
        variant[name.strip()] = int(value) if value.strip().isdigit() else value.strip()
    return variant


def tool_snapshots() -> list[dict[str, Any]]:
    """Every tool as its snapshot pins it (tests/snapshots/tools/), in name order: what
    test_tool_schemas keeps equal to the live server's."""
    return [json.loads(path.read_text()) for path in sorted(TOOL_SNAPSHOTS.glob("*.json"))]


def loopback_redirect(server: Any) -> str:
    """A redirect URI on a free loopback port, registered with the sandbox ``server``: a test
    that may start a sign-in must not share the default port 8765 with one running beside it."""
    uri = f"http://127.0.0.1:{free_port()}/callback"
    server.sandbox.identity.add_redirect_uri(uri)
    return uri


def sandbox_requests(url: str) -> int:
    """How many requests the sandbox at ``url`` has had from clients, to Sage ID's token endpoint
    and the Sage 200 API (its own control endpoints are not counted): read before and after a
    call, the difference is what that call sent."""
    stats = httpx.get(f"{url}/_sandbox/stats", timeout=30).json()
    total: int = stats["api_requests_total"] + sum(stats["token_requests"].values())
    return total


def free_port() -> int:
    """A port nothing listens on right now (for redirect URIs and servers started by port)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class FakeClock:
    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(challenge: str | None, **overrides: str) -> dict[str, str]:
    params = {
        "client_id": CLIENT_ID,
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "audience": AUDIENCE,
        "scope": SCOPE,
        "state": secrets.token_urlsafe(16),
    }
    if challenge is not None:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    params.update(overrides)
    return params


def transaction_of(page: str) -> str:
    match = re.search(r'name="transaction" value="([^"]+)"', page)
    assert match, "the sign-in page has no transaction field"
    return match.group(1)


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@dataclass
class SignIn:
    code: str
    verifier: str
    state: str
    redirect_uri: str = REDIRECT_URI
    extra: dict[str, Any] = field(default_factory=dict)


def get_code(
    http: httpx.Client, user: str = "demo@example.com", password: str = "demo", **overrides: str
) -> SignIn:
    """Walk /authorize as a person would, and return the code from the redirect."""
    verifier, challenge = pkce_pair()
    params = authorize_params(challenge, **overrides)
    page = http.get("/authorize", params=params)
    assert page.status_code == 200, page.text
    answer = http.post(
        "/authorize",
        data={
            "transaction": transaction_of(page.text),
            "username": user,
            "password": password,
            "action": "approve",
        },
    )
    assert answer.status_code == 302, answer.text
    query = query_of(answer.headers["location"])
    assert query["state"] == params["state"]
    return SignIn(query["code"], verifier, params["state"], params["redirect_uri"])


def exchange(http: httpx.Client, sign_in: SignIn, **overrides: str) -> httpx.Response:
    """The code exchange of the desktop client (no secret); a web client's tests add theirs."""
    data = {
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "code": sign_in.code,
        "redirect_uri": sign_in.redirect_uri,
        "code_verifier": sign_in.verifier,
    }
    data.update(overrides)
    return http.post("/oauth/token", data=data)


def refresh(http: httpx.Client, token: str, **overrides: str) -> httpx.Response:
    data = {
        "grant_type": "refresh_token",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "refresh_token": token,
    }
    data.update(overrides)
    return http.post("/oauth/token", data=data)


def tokens_for(
    http: httpx.Client, user: str = "demo@example.com", password: str = "demo"
) -> dict[str, Any]:
    response = exchange(http, get_code(http, user, password))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def jwt_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


class RedirectCatcher:
    """A one-page HTTP server on 127.0.0.1 that records the query of each request it gets.

    It stands where an application's loopback redirect listener would be, for tests of Sage ID
    itself (the product's own listener has its own tests).
    """

    def __init__(self) -> None:
        import http.server
        import threading

        self.queries: list[dict[str, str]] = []
        caught = self.queries

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                caught.append(query_of(self.path))
                body = b"<p id=done>Signed in</p>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.uri = f"http://127.0.0.1:{self._server.server_address[1]}/callback"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def terminate(process: subprocess.Popen[bytes] | None) -> None:
    """Stop a service a test started: SIGTERM, then SIGKILL if it has not gone in 10 s."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
