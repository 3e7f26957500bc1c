"""A team server on a real socket, signing people in through the sandbox as Sage ID.

It runs in a thread with its own event loop (uvicorn, the store and its HTTP client all live
there), as a replica would run; the tests reach it over HTTP only, and read the same SQLite
database through a store of their own where they must look behind the server's back.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn

from sage200_mcp.commands.team_serve import team_app
from sage200_mcp.config import Settings
from sage200_mcp.listener import tcp_listener
from sage200_mcp.sandbox.server import SandboxServer
from sage200_mcp.server import TOOLSETS
from sage200_mcp.serving.limits import HttpLimits
from sage200_mcp.team.settings import open_store
from sage200_mcp.team.store import TeamStore
from sage200_mcp.teamserver.options import AllowList, DocumentLimits, TeamServerOptions
from tests.helpers import CLIENT_ID, PRO, TODAY, pkce_pair, query_of, transaction_of
from tests.postgres import PostgresServer, postgres_server

KEY = base64.b64encode(b"t" * 32).decode()
ALLOWED = "demo@example.com"  # single@example.com, the sandbox's other user, is not


class TeamServer:
    def __init__(
        self,
        sandbox: SandboxServer,
        directory: Path,
        options: TeamServerOptions,
        database_url: str,
        *,
        limits: HttpLimits | None = None,
        public: str | None = None,
        key: str = KEY,
    ) -> None:
        """``public`` is the address the server says it is at (another replica's, as behind a
        load balancer), rather than its own socket's."""
        self.sandbox = sandbox
        self._socket = tcp_listener("127.0.0.1", 0)
        self.own_url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self.url = public or self.own_url
        self.mcp_url = f"{self.url}/mcp"
        self.environ = {
            "SAGE200_CONFIG_DIR": str(directory),
            "SAGE200_DATABASE_URL": database_url,
            "SAGE200_TOKEN_KEY": key,
        }
        self.limits = limits or HttpLimits()
        sandbox.sandbox.identity.add_redirect_uri(f"{self.url}/sage/callback")
        self.settings = Settings.load(
            environ={
                **self.environ,
                "SAGE200_ID_URL": sandbox.url,
                "SAGE200_API_URL": sandbox.url + PRO,
                "SAGE200_CLIENT_ID": CLIENT_ID,
                "SAGE200_TODAY": TODAY,
            }
        )
        self.options = options
        self._server: uvicorn.Server | None = None
        self._failed: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="team-server", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # reported by start(), which waits for this thread
            self._failed = error

    async def _serve(self) -> None:
        store = await open_store(self.environ)
        try:
            async with httpx.AsyncClient(timeout=30) as http:
                app = team_app(
                    self.settings,
                    tuple(TOOLSETS),
                    store,
                    self.options,
                    self.url,
                    self.limits,
                    http,
                )
                config = uvicorn.Config(
                    app, log_level="warning", access_log=False, timeout_graceful_shutdown=1
                )
                self._server = uvicorn.Server(config)
                await self._server.serve(sockets=[self._socket])
        finally:
            await store.close()

    def start(self) -> TeamServer:
        self._thread.start()
        deadline = time.monotonic() + 15
        while self._server is None or not self._server.started:
            if self._failed is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the team server did not start: {self._failed!r}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


def options(**overrides: Any) -> TeamServerOptions:
    return TeamServerOptions(
        allow=AllowList.parse(ALLOWED),
        documents=DocumentLimits(allow_loopback_http=True),
        **overrides,
    )


@pytest.fixture
def team_options() -> TeamServerOptions:
    return options()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite; a module parametrizes this to run on PostgreSQL too (``on_both_databases``)."""
    return f"sqlite:///{tmp_path / 'team.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def on_both_databases(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'team.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()


@pytest.fixture
def team_server(
    sandbox_server: SandboxServer,
    tmp_path: Path,
    team_options: TeamServerOptions,
    database_url: str,
) -> Iterator[TeamServer]:
    server = TeamServer(sandbox_server, tmp_path, team_options, database_url).start()
    yield server
    server.stop()


@pytest.fixture
async def team_store(team_server: TeamServer) -> AsyncIterator[TeamStore]:
    """The server's database, opened beside it: what an admin or an attacker with a copy sees."""
    store = await open_store(team_server.environ)
    yield store
    await store.close()


async def sage_sign_in(
    http: httpx.AsyncClient, authorize_url: str, user: str, password: str
) -> httpx.Response:
    """A person at the browser: from the server's /authorize, through Sage ID's form, to the
    server's /sage/callback; its answer (the redirect to the MCP client, or a page)."""
    to_sage = await http.get(authorize_url)
    assert to_sage.status_code == 302, to_sage.text
    sage_page = await http.get(to_sage.headers["location"])
    assert sage_page.status_code == 200, sage_page.text
    sage_origin = "{0.scheme}://{0.netloc}".format(urlsplit(to_sage.headers["location"]))
    approved = await http.post(
        f"{sage_origin}/authorize",
        data={
            "transaction": transaction_of(sage_page.text),
            "username": user,
            "password": password,
            "action": "approve",
        },
    )
    assert approved.status_code == 302, approved.text
    return await http.get(approved.headers["location"])


@dataclass
class ManualClient:
    """An MCP client written out by hand, for the steps the SDK's client never gets wrong."""

    server: TeamServer
    client_id: str
    redirect_uri: str = "http://127.0.0.1:9/callback"
    verifier: str = ""
    state: str = "client-state"
    extra: dict[str, str] = field(default_factory=dict)

    def authorize_url(self, **overrides: str) -> str:
        self.verifier, challenge = pkce_pair()
        params = {
            "client_id": self.client_id,
            "response_type": "code",
            "redirect_uri": self.redirect_uri,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": self.state,
            "resource": self.server.mcp_url,
            **overrides,
        }
        return str(httpx.URL(f"{self.server.url}/authorize", params=params))

    async def code(
        self, http: httpx.AsyncClient, user: str = ALLOWED, password: str = "demo"
    ) -> str:
        answer = await sage_sign_in(http, self.authorize_url(), user, password)
        assert answer.status_code == 302, answer.text
        query = query_of(answer.headers["location"])
        assert answer.headers["location"].startswith(self.redirect_uri)
        assert query["state"] == self.state
        return query["code"]

    async def exchange(
        self, http: httpx.AsyncClient, code: str, **overrides: str
    ) -> httpx.Response:
        data = {
            "grant_type": "authorization_code",
            "client_id": self.client_id,
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": self.verifier,
            "resource": self.server.mcp_url,
            **overrides,
        }
        return await http.post(f"{self.server.url}/token", data=data)

    async def refresh(self, http: httpx.AsyncClient, token: str) -> httpx.Response:
        data = {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "refresh_token": token,
            "resource": self.server.mcp_url,
        }
        return await http.post(f"{self.server.url}/token", data=data)


async def register(http: httpx.AsyncClient, server: TeamServer, **metadata: Any) -> ManualClient:
    body = {
        "redirect_uris": ["http://127.0.0.1:9/callback"],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        **metadata,
    }
    answer = await http.post(f"{server.url}/register", json=body)
    assert answer.status_code == 201, answer.text
    return ManualClient(server, answer.json()["client_id"])


def mcp_initialize(token: str | None = None) -> dict[str, Any]:
    """The arguments of a POST to /mcp that opens a session, as any client's first request."""
    headers = {"Accept": "application/json, text/event-stream"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return {
        "headers": headers,
        "json": {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "test", "version": "1"},
            },
        },
    }
