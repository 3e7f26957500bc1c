"""Team mode as a team would run it: PostgreSQL, three `serve --team` replicas, nginx round-robin
in front, the sandbox as Sage ID and the API with five-second access tokens. Three people sign in
through real Chromium via the MCP SDK's OAuth client (discovery, registration, PKCE), then load
the replicas at once: each sees only their own company; each expiry of their Sage token costs
exactly one refresh across every replica, and Sage never sees a refresh token twice; a replica
killed mid-load loses no call the client retries, and no token.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import psycopg
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult

from sage200_mcp.sandbox.app import Sandbox, SandboxSettings
from sage200_mcp.sandbox.server import SandboxServer
from sage200_mcp.team.models import Grant, SageSignIn
from sage200_mcp.team.settings import open_store
from sage200_mcp.teamserver.provider import new_token
from tests.browser import require_chromium
from tests.helpers import TODAY
from tests.integration.teamserver.conftest import mcp_initialize, register
from tests.integration.teamserver.test_browser import Chromium
from tests.integration.teamserver.test_sdk_client import MemoryStorage, sdk_client
from tests.postgres import PostgresServer, postgres_server
from tests.team_topology import PEOPLE, Team, replica_environ, serve_command, team_deployment

pytestmark = [pytest.mark.anyio, pytest.mark.browser, pytest.mark.same_in_every_variant]

SAGE_TOKEN_TTL = 5.0  # seconds: the sandbox's access tokens, as `sandbox --access-token-ttl 5`
CALLS_PER_PERSON = 50
# each person reads a company of their own (the sandbox's: demo 1-3, single 3, pat 1 and 3)
COMPANY_OF = {"demo@example.com": 2, "single@example.com": 3, "pat@example.com": 1}


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="module")
def sage() -> Iterator[SandboxServer]:
    settings = SandboxSettings(today=date.fromisoformat(TODAY), access_token_ttl=SAGE_TOKEN_TTL)
    sandbox = Sandbox(settings)
    with SandboxServer(sandbox) as server:
        sandbox.world.warm().join()
        yield server


@pytest.fixture(scope="module")
def team(
    tmp_path_factory: pytest.TempPathFactory, postgres: PostgresServer, sage: SandboxServer
) -> Iterator[Team]:
    directory = tmp_path_factory.mktemp("team")
    with team_deployment(directory, sage, postgres.new_database(), replicas=3) as deployment:
        try:
            yield deployment
        except BaseException:
            print(deployment.logs())
            raise


def stats(team: Team) -> dict[str, Any]:
    answer = httpx.get(f"{team.sandbox.url}/_sandbox/stats", timeout=10)
    answer.raise_for_status()
    return dict(answer.json())


def refreshes(team: Team) -> dict[str, int]:
    by_user = stats(team)["by_user"]
    return {email: by_user[email]["token_requests"].get("refresh_token", 0) for email in PEOPLE}


@contextlib.asynccontextmanager
async def signed_in(team: Team, email: str) -> AsyncIterator[Client]:
    """The SDK's client for ``email``, signed in through Chromium on its first request.

    For the load, a second client carries the token the first one obtained: the SDK's OAuth
    client holds a lock across each request it authorises, so through it a person's calls go
    one at a time, never 50 at once.
    """
    person = Chromium(require_chromium(), email, PEOPLE[email])
    storage = MemoryStorage()
    client, _ = sdk_client(team, storage, person, token_endpoint_auth_method="none")  # type: ignore[arg-type]
    async with client:
        await client.list_tools()  # signs in
        assert storage.tokens is not None
        bearer = {"Authorization": f"Bearer {storage.tokens.access_token}"}
        http = httpx2.AsyncClient(headers=bearer, timeout=60)
        async with http, Client(streamable_http_client(team.mcp_url, http_client=http)) as loaded:
            yield loaded


async def call_retrying(client: Client, tool: str, arguments: dict[str, Any]) -> CallToolResult:
    """A call as a careful client makes it: retried when the connection or a replica fails."""
    for attempt in range(4):
        try:
            result = await client.call_tool(tool, arguments)
        except Exception:  # the SDK raises transport failures as several kinds
            if attempt == 3:
                raise
            await anyio.sleep(0.2 * (attempt + 1))
            continue
        return result
    raise AssertionError("unreachable")


def text(result: CallToolResult) -> str:
    return " ".join(getattr(block, "text", "") for block in result.content)


async def test_three_people_share_three_replicas_behind_nginx(team: Team) -> None:
    async with contextlib.AsyncExitStack() as stack:
        clients = {
            email: await stack.enter_async_context(signed_in(team, email)) for email in PEOPLE
        }

        # each chooses a company; each, on whichever replica answers, sees only their own
        for email, client in clients.items():
            chosen = await client.call_tool("switch_site", {"site": str(COMPANY_OF[email])})
            assert not chosen.is_error, text(chosen)
        for _ in range(3):  # round-robin: every replica answers each person at least once
            for email, client in clients.items():
                status = await client.call_tool("get_status", {})
                assert status.structured_content is not None
                assert status.structured_content["user"] == email
                assert status.structured_content["company"]["company_id"] == COMPANY_OF[email]
        sites = await clients["single@example.com"].call_tool("list_sites", {})
        assert sites.structured_content is not None
        assert [s["company_id"] for s in sites.structured_content["sites"]] == [3]

        # let every person's Sage access token expire, then load: 50 calls each, at once, with
        # Sage ID's answers to the refreshes slow (300 ms, as over a slow link): every replica
        # meets the stale token while one refresh is on its way
        await anyio.sleep(SAGE_TOKEN_TTL)
        slow = {"path": "/oauth/token", "after_ms": 300, "count": len(PEOPLE)}
        httpx.post(f"{team.sandbox.url}/_sandbox/faults", json=slow, timeout=10).raise_for_status()
        before, started = refreshes(team), time.monotonic()
        results = await load(clients)
        took = time.monotonic() - started
        after = refreshes(team)
        assert all(not r.is_error for r in results), [text(r) for r in results if r.is_error][:3]
        read = {
            r.structured_content["company"]["company_id"] for r in results if r.structured_content
        }
        assert read == set(COMPANY_OF.values())
        spent = {email: after[email] - before[email] for email in PEOPLE}
        # one refresh per person per expiry: within one token lifetime (less its margin) of
        # the burst's start there is exactly one expiry to cross
        if took < SAGE_TOKEN_TTL * 0.9:
            assert spent == dict.fromkeys(PEOPLE, 1), (spent, took)
        else:  # a slow machine: a later expiry may fall inside the burst, never two at once
            assert all(1 <= n <= 1 + int(took // (SAGE_TOKEN_TTL * 0.9)) for n in spent.values())
        assert stats(team)["refresh_token_reuse"] == 0

        # a replica killed mid-load: the balancer retries what it can, the client the rest
        await anyio.sleep(SAGE_TOKEN_TTL)
        victim = team.replicas[1]

        async def kill_soon() -> None:
            await anyio.sleep(1.0)  # after the load's refreshes, in the middle of the load
            await anyio.to_thread.run_sync(victim.kill)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(kill_soon)
            results = await load(clients, retrying=True, lasting=3.0)
        assert not victim.running
        # nginx met the dead replica (a request cut off, or refused) and sent it on
        assert f"127.0.0.1:{victim.port}" in team.balancer.error_log()
        assert len(results) >= CALLS_PER_PERSON * len(PEOPLE)
        assert all(not r.is_error for r in results), [text(r) for r in results if r.is_error][:3]
        assert stats(team)["refresh_token_reuse"] == 0

        # no token was lost: after the next expiry every person still reads their books
        await anyio.sleep(SAGE_TOKEN_TTL)
        for client in clients.values():
            again = await call_retrying(client, "list_customers", {"limit": 1})
            assert not again.is_error, text(again)
        assert stats(team)["refresh_token_reuse"] == 0
        ended = {email: n["refresh_token_reuse"] for email, n in stats(team)["by_user"].items()}
        assert set(ended.values()) == {0}

    await tokens_in_the_database_are_ciphertext(team)


async def load(
    clients: dict[str, Client], *, retrying: bool = False, lasting: float = 0.0
) -> list[CallToolResult]:
    """``CALLS_PER_PERSON`` list_customers calls for every person, all in flight together;
    with ``lasting``, each caller calls again as soon as answered, for that many seconds."""
    results: list[CallToolResult] = []
    until = time.monotonic() + lasting

    async def one(client: Client) -> None:
        while True:
            if retrying:
                results.append(await call_retrying(client, "list_customers", {"limit": 1}))
            else:
                results.append(await client.call_tool("list_customers", {"limit": 1}))
            if time.monotonic() >= until:
                return

    async with anyio.create_task_group() as tasks:
        for client in clients.values():
            for _ in range(CALLS_PER_PERSON):
                tasks.start_soon(one, client)
    return results


async def tokens_in_the_database_are_ciphertext(team: Team) -> None:
    sage_secrets = team.sandbox.sandbox.identity.issued_secrets()
    with psycopg.connect(team.environ["SAGE200_DATABASE_URL"]) as connection:
        rows = connection.execute(
            "SELECT key_id, access_token, refresh_token FROM sage_sign_ins"
        ).fetchall()
    assert len(rows) == len(PEOPLE)
    stored = b"".join(bytes(access) + bytes(refresh or b"") for _, access, refresh in rows)
    assert sage_secrets and not [s for s in sage_secrets if s.encode() in stored]
    assert {key_id for key_id, _, _ in rows} != {""}


async def test_a_client_without_a_token_is_told_where_to_sign_in(team: Team) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(team.mcp_url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert answer.status_code == 401
        challenge = answer.headers["www-authenticate"]
        metadata_url = f"{team.url}/.well-known/oauth-protected-resource/mcp"
        assert f'resource_metadata="{metadata_url}"' in challenge
        metadata = (await http.get(metadata_url)).json()
    assert metadata["resource"] == team.mcp_url
    assert metadata["authorization_servers"] == [f"{team.url}/"] or metadata[
        "authorization_servers"
    ] == [team.url]


async def test_a_token_minted_for_another_resource_is_refused(team: Team) -> None:
    store = await open_store(team.environ)
    try:
        person = await store.upsert_person("auth0|elsewhere", "demo@example.com", None)
        token = new_token()
        grant = Grant(
            person.subject,
            "some-client",
            "https://elsewhere.example/mcp",
            "",
            time.time() + 600,
            "f",
        )
        await store.save_access_token(token, grant)
    finally:
        await store.close()
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(
            team.mcp_url,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/json, text/event-stream",
            },
            json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
        )
    assert answer.status_code == 401


async def test_a_wrong_token_key_is_one_clear_line(team: Team, tmp_path: Path) -> None:
    """A replica given another key than the one the stored sign-ins were sealed with stops at
    start, saying which variable to fix, before it serves anyone."""
    store = await open_store(team.environ)
    try:  # a sign-in sealed with the team's key, whichever tests ran before
        now = time.time()
        await store.upsert_person("auth0|sealed", "sealed@example.com", None)
        await store.save_sign_in(
            "auth0|sealed", SageSignIn("access", "refresh", now + 60, now + 3600, now, "api")
        )
    finally:
        await store.close()
    environ = replica_environ(
        team.sandbox.url, team.environ["SAGE200_DATABASE_URL"], tmp_path / "wrong"
    )
    environ["SAGE200_TOKEN_KEY"] = base64.b64encode(b"w" * 32).decode()
    result = await anyio.to_thread.run_sync(
        functools.partial(
            subprocess.run,
            serve_command(0, team.url),
            env=environ,
            capture_output=True,
            text=True,
            timeout=60,
        )
    )
    assert result.returncode == 1
    assert "SAGE200_TOKEN_KEY" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr


def test_without_team_an_open_address_is_refused(team: Team, tmp_path: Path) -> None:
    command = [c for c in serve_command(0, team.url) if c != "--team"]
    command[command.index("127.0.0.1")] = "0.0.0.0"
    environ = replica_environ(team.sandbox.url, "sqlite:///unused", tmp_path)
    result = subprocess.run(command, env=environ, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Refusing to listen on 0.0.0.0" in result.stderr and "Traceback" not in result.stderr


async def test_a_client_of_the_older_protocol_is_not_pinned_to_a_replica(team: Team) -> None:
    """A 2025-06-18 client keeps the session id it is given and sends it on: a server holding
    sessions in one replica's memory would answer 404 at the next replica. Stateless, there is
    none to pin, and every replica answers."""
    async with httpx.AsyncClient(timeout=30) as http:
        client = await register(http, team)  # type: ignore[arg-type]
        code = await client.code(http, "pat@example.com", PEOPLE["pat@example.com"])
        token = (await client.exchange(http, code)).json()["access_token"]
        opened = await http.post(team.mcp_url, **mcp_initialize(token))
        assert opened.status_code == 200, opened.text
        headers = {**mcp_initialize(token)["headers"]}
        if "mcp-session-id" in opened.headers:
            headers["Mcp-Session-Id"] = opened.headers["mcp-session-id"]
        for number in range(2, 2 + 2 * len(team.replicas)):  # every replica, twice
            call = {"jsonrpc": "2.0", "id": number, "method": "tools/call"}
            call["params"] = {"name": "get_status", "arguments": {}}
            answer = await http.post(team.mcp_url, headers=headers, json=call)
            assert answer.status_code == 200, answer.text
            assert "pat@example.com" in answer.text
