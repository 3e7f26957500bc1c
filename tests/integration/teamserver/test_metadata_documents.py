"""Clients named by the URL of their metadata document, served here on 127.0.0.1 (which the
test options allow over plain http): a good one signs in; each bad one is an unknown client."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.integration.teamserver.conftest import ManualClient, TeamServer, mcp_initialize

# about signing in and the team layer, which no sandbox variant changes
pytestmark = [pytest.mark.anyio, pytest.mark.same_in_every_variant]
REDIRECT = "http://127.0.0.1:9/callback"


class Documents:
    """A one-thread web server answering each path with a (status, type, body) of the test's."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str, bytes, dict[str, str]]] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, kind, body, headers = pages.get(self.path, (404, "text/plain", b"", {}))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def document(self, path: str, **changes: object) -> str:
        url = f"{self.url}{path}"
        body = {
            "client_id": url,
            "client_name": "A client with a document",
            "redirect_uris": [REDIRECT],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
            **changes,
        }
        self.pages[path] = (200, "application/json", json.dumps(body).encode(), {})
        return url


@pytest.fixture
def documents() -> Iterator[Documents]:
    served = Documents()
    yield served
    served.server.shutdown()
    served.server.server_close()


async def test_a_client_id_metadata_document_is_fetched_and_its_client_signs_in(
    team_server: TeamServer, documents: Documents
) -> None:
    client = ManualClient(team_server, documents.document("/clients/good.json"), REDIRECT)
    async with httpx.AsyncClient(timeout=30) as http:
        tokens = await client.exchange(http, await client.code(http))
        assert tokens.status_code == 200, tokens.text
        opened = await http.post(
            team_server.mcp_url, **mcp_initialize(tokens.json()["access_token"])
        )
    assert opened.status_code == 200


@pytest.mark.parametrize(
    "bad",
    [
        "another-client-id",
        "no-redirect-uris",
        "a-secret",
        "too-large",
        "not-json-typed",
        "a-redirect",
        "not-found",
    ],
)
async def test_a_bad_metadata_document_makes_an_unknown_client(
    team_server: TeamServer, documents: Documents, bad: str
) -> None:
    path = f"/clients/{bad}.json"
    url = f"{documents.url}{path}"
    if bad == "another-client-id":
        documents.document(path, client_id=f"{documents.url}/clients/other.json")
    elif bad == "no-redirect-uris":
        documents.document(path, redirect_uris=[])
    elif bad == "a-secret":
        documents.document(path, token_endpoint_auth_method="client_secret_post")
    elif bad == "too-large":
        documents.document(path, client_name="x" * 6000)
    elif bad == "not-json-typed":
        documents.document(path)
        documents.pages[path] = (200, "text/html", *documents.pages[path][2:])
    elif bad == "a-redirect":
        # to a document that would pass, were the redirect followed
        target = documents.document("/clients/target.json", client_id=url)
        documents.pages[path] = (302, "text/plain", b"", {"Location": target})
    client = ManualClient(team_server, url, REDIRECT)
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.get(client.authorize_url())
    assert answer.status_code == 400
    assert "not found" in answer.json()["error_description"]
