"""Each person on a team server, over HTTP with the SDK's OAuth client: their own sites and
selected company, their own toolsets, their rate limit, their revocation, Sage ending their
sign-in, and the audit row each of their calls leaves (people.directory.People)."""

from __future__ import annotations

import base64
import dataclasses
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client

from sage200_mcp.sandbox.server import SandboxServer
from sage200_mcp.serving.limits import HttpLimits
from sage200_mcp.team.settings import open_store
from sage200_mcp.team.store import TeamStore
from sage200_mcp.teamserver.options import AllowList, TeamServerOptions
from tests.helpers import CLIENT_ID
from tests.integration.server.test_tools import call, failure
from tests.integration.teamserver.conftest import (
    TeamServer,
    mcp_initialize,
    options,
    register,
    sage_sign_in,
)
from tests.integration.teamserver.test_sdk_client import MemoryStorage, Person, sdk_client

# about signing in and the team layer, which no sandbox variant changes
pytestmark = [pytest.mark.anyio, pytest.mark.same_in_every_variant]

DEMO = ("demo@example.com", "demo")  # companies 1, 2 and 3
SINGLE = ("single@example.com", "single")  # company 3 only
PAT = ("pat@example.com", "pat")  # companies 1 and 3


@pytest.fixture
def team_options() -> TeamServerOptions:
    return dataclasses.replace(
        options(), allow=AllowList.parse(",".join(user for user, _ in (DEMO, SINGLE, PAT)))
    )


@dataclasses.dataclass
class Signed:
    """A person's open MCP session, and the tokens their client holds."""

    client: Client
    storage: MemoryStorage

    @property
    def access_token(self) -> str:
        assert self.storage.tokens is not None
        return self.storage.tokens.access_token


@asynccontextmanager
async def signed_in(server: TeamServer, who: tuple[str, str]) -> AsyncIterator[Signed]:
    storage = MemoryStorage()
    client, _ = sdk_client(server, storage, Person(*who))
    async with client:
        await client.list_tools()  # signs in
        yield Signed(client, storage)


@asynccontextmanager
async def bearer(url: str, token: str) -> AsyncIterator[Client]:
    """A client holding a token already issued (by another replica): no sign-in of its own."""
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    async with Client(streamable_http_client(url, http_client=http)) as client:
        yield client


async def subject_of(store: TeamStore, email: str) -> str:
    return next(person.subject for person in await store.people() if person.email == email)


def api_requests(sandbox: SandboxServer, email: str) -> int:
    return int(sandbox.sandbox.stats()["by_user"][email]["api_requests"])


async def audit_lines(store: TeamStore) -> list[dict[str, Any]]:
    return [json.loads(line) async for line in store.audit_json_lines()]


def company_ids(sites: dict[str, Any]) -> list[int]:
    return sorted(site["company_id"] for site in sites["sites"])


async def test_each_person_reads_their_own_sites_and_selection(
    team_server: TeamServer, team_store: TeamStore
) -> None:
    async with (
        signed_in(team_server, DEMO) as demo,
        signed_in(team_server, SINGLE) as single,
        signed_in(team_server, PAT) as pat,
    ):
        assert company_ids(await call(demo.client, "list_sites")) == [1, 2, 3]
        assert company_ids(await call(single.client, "list_sites")) == [3]
        assert company_ids(await call(pat.client, "list_sites")) == [1, 3]
        await call(demo.client, "switch_site", site="2")
        # demo's choice is not theirs: they have none yet
        for other in (single, pat):
            assert "company" not in await call(other.client, "get_status")
            sites = (await call(other.client, "list_sites"))["sites"]
            assert not any(site["selected"] for site in sites)
        assert "No company is selected, and you can reach 2" in await failure(
            pat.client, "list_customers"
        )
        # single reaches one company, so reads it, not demo's
        only = await call(single.client, "list_customers", limit=2)
        assert only["company"]["company_id"] == 3
        assert (await call(single.client, "get_status"))["company"]["company_id"] == 3
        # nor can they name a company only others reach
        refused = await failure(single.client, "list_customers", company="2")
        assert "Riverside" in refused and "Stockwell" not in refused
        await call(pat.client, "switch_site", site="1")
        assert (await call(pat.client, "get_status"))["company"]["company_id"] == 1
        assert (await call(demo.client, "get_status"))["company"]["company_id"] == 2
        # a call naming a company reads it, and leaves the selection as it was
        named = await call(demo.client, "list_customers", company="1", limit=2)
        assert named["company"]["company_id"] == 1
        assert (await call(demo.client, "list_customers", limit=2))["company"]["company_id"] == 2
        assert (await call(demo.client, "get_status"))["company"]["company_id"] == 2
    kept = await team_store.selected_company(await subject_of(team_store, DEMO[0]))
    assert kept is not None and kept.company_id == 2


async def test_a_person_given_some_toolsets_is_refused_the_others_reading_nothing(
    team_server: TeamServer, team_store: TeamStore
) -> None:
    sandbox = team_server.sandbox
    async with signed_in(team_server, PAT) as pat:
        await call(pat.client, "switch_site", site="1")
        await team_store.set_toolsets(await subject_of(team_store, PAT[0]), ["customers"])
        before = api_requests(sandbox, PAT[0])
        for tool, toolset, arguments in [
            ("list_products", "stock", {}),
            ("get_trial_balance", "nominal", {"company": "3"}),
        ]:
            refused = await failure(pat.client, tool, **arguments)
            assert f"{tool} is in the {toolset} toolset" in refused
            assert "yours: customers" in refused and "Nothing was read" in refused
        assert api_requests(sandbox, PAT[0]) == before
        assert (await call(pat.client, "get_status"))["toolsets"] == ["customers"]
        assert (await call(pat.client, "list_customers", limit=2))["returned"] == 2
        assert api_requests(sandbox, PAT[0]) > before
    outcomes = [(row["tool"], row["outcome"]) for row in await audit_lines(team_store)]
    assert ("list_products", "ToolError") in outcomes
    assert ("get_trial_balance", "ToolError") in outcomes


async def test_a_revoked_person_is_refused_at_their_next_request_and_cannot_sign_in(
    team_server: TeamServer, team_store: TeamStore
) -> None:
    async with signed_in(team_server, PAT) as pat:
        await call(pat.client, "get_status")
        assert await team_store.revoke(await subject_of(team_store, PAT[0]))
        async with httpx.AsyncClient(timeout=30) as http:
            answer = await http.post(team_server.mcp_url, **mcp_initialize(pat.access_token))
            assert answer.status_code == 401
            assert 'error="invalid_token"' in answer.headers["www-authenticate"]
            # their client signs them in again at Sage ID, and the server refuses them there
            manual = await register(http, team_server)
            again = await sage_sign_in(http, manual.authorize_url(), *PAT)
            assert again.status_code == 403 and "access to this server was revoked" in again.text
    assert await team_store.sign_in(await subject_of(team_store, PAT[0])) is None


async def test_a_person_marked_revoked_is_refused_even_with_their_tokens_left(
    team_server: TeamServer, team_store: TeamStore
) -> None:
    """`team revoke` deletes a person's tokens too; should a token outlive that (a status set
    by hand, a revocation half done), the token check still refuses it."""
    async with signed_in(team_server, PAT) as pat:
        await call(pat.client, "get_status")
        subject = await subject_of(team_store, PAT[0])
        await team_store.database.execute(
            "UPDATE people SET status = 'revoked' WHERE subject = ?", (subject,)
        )
        async with httpx.AsyncClient(timeout=30) as http:
            answer = await http.post(team_server.mcp_url, **mcp_initialize(pat.access_token))
    assert answer.status_code == 401


@pytest.fixture
def limited_server(
    sandbox_server: SandboxServer,
    tmp_path: Path,
    team_options: TeamServerOptions,
    database_url: str,
) -> Iterator[TeamServer]:
    server = TeamServer(
        sandbox_server, tmp_path, team_options, database_url, limits=HttpLimits(rate_limit=3)
    ).start()
    yield server
    server.stop()


async def test_the_fourth_call_in_a_minute_is_told_to_wait_and_audited(
    limited_server: TeamServer, sandbox_server: SandboxServer
) -> None:
    async with signed_in(limited_server, DEMO) as demo, signed_in(limited_server, PAT) as pat:
        for _ in range(3):
            await call(demo.client, "get_status")
        before = api_requests(sandbox_server, DEMO[0])
        refused = await failure(demo.client, "list_customers", company="1")
        assert "Too many calls" in refused and "3 a minute per person" in refused
        assert "try again in" in refused and "Nothing was read" in refused
        assert api_requests(sandbox_server, DEMO[0]) == before
        await call(pat.client, "get_status")  # each person has their own allowance
    async with store_beside(limited_server) as store:
        rows = await audit_lines(store)
    demo_subject = rows[0]["subject"]
    mine = [(row["tool"], row["outcome"]) for row in rows if row["subject"] == demo_subject]
    assert mine == [("get_status", "ok")] * 3 + [("list_customers", "ToolError")]


@asynccontextmanager
async def store_beside(server: TeamServer) -> AsyncIterator[TeamStore]:
    store = await open_store(server.environ)
    try:
        yield store
    finally:
        await store.close()


async def test_the_audit_log_has_a_row_per_call_and_none_of_the_answers_or_tokens(
    team_server: TeamServer, team_store: TeamStore
) -> None:
    async with signed_in(team_server, DEMO) as demo:
        await call(demo.client, "switch_site", site="1")
        listing = await demo.client.call_tool("list_customers", {"limit": 3})
        page: Any = listing.structured_content
        irish = await call(demo.client, "get_customer", customer="ABS001", company="2")
        missing = await demo.client.call_tool("get_customer", {"customer": "NO-SUCH-ONE"})
        assert missing.is_error
        selected = await demo.client.read_resource("sage200://companies/selected")
        with pytest.raises(MCPError, match="matches no company"):
            await demo.client.read_resource("sage200://companies/no-such-company")
        held = await team_store.sign_in(await subject_of(team_store, DEMO[0]))
        ours = [token.access_token for token in demo.storage.history]
        ours += [token.refresh_token or "" for token in demo.storage.history]
    rows = await audit_lines(team_store)
    assert [row["tool"] for row in rows] == [
        "switch_site",
        "list_customers",
        "get_customer",
        "get_customer",
        "read_resource",
        "read_resource",
    ]
    assert {row["subject"] for row in rows} == {await subject_of(team_store, DEMO[0])}
    _, listed, got, _, read, _ = rows
    assert listed["company"].startswith("1 ") and got["company"].startswith("2 ")
    assert listed["arguments"] == {"limit": 3}
    assert got["arguments"] == {"customer": "ABS001", "company": "2"}
    assert read["arguments"] == {"uri": "sage200://companies/selected"}
    assert read["company"].startswith("1 ")
    # a tool's failure is the exception it raised, named
    assert [row["outcome"] for row in rows] == [
        "ok",
        "ok",
        "ok",
        "ToolError",
        "ok",
        "ResourceError",
    ]
    sizes = [row["result_chars"] for row in rows]
    assert all(size > 0 for size in sizes[:3]) and sizes[3] is None and sizes[5] is None
    assert read["result_chars"] == len(selected.contents[0].text)  # type: ignore[union-attr]
    assert listed["result_chars"] == len(listing.content[0].text)  # type: ignore[union-attr]
    assert all(row["duration_ms"] > 0 and row["at"] <= time.time() for row in rows)
    everything = "\n".join([line async for line in team_store.audit_json_lines()])
    answers = [customer["name"] for customer in page["customers"]] + [irish["customer"]["name"]]
    assert selected.contents and answers
    assert not [name for name in answers if name in everything]
    assert held is not None and held.refresh_token is not None
    secrets = team_server.sandbox.sandbox.identity.issued_secrets() + ours
    assert held.access_token in secrets
    assert not [secret for secret in secrets if secret in everything]


@pytest.mark.parametrize("then", ["rejected", "expired"])
async def test_when_sage_ends_a_sign_in_the_person_is_told_then_signed_in_again(
    team_server: TeamServer, team_store: TeamStore, then: str
) -> None:
    """Sage ID revokes the person's sign-in; the replica's access token is then refused by the
    API (``rejected``), or runs out first (``expired``). Either way the refresh is refused."""
    sandbox = team_server.sandbox
    settings = sandbox.sandbox.identity.settings
    lifetime = settings.access_token_ttl
    if then == "expired":
        settings.access_token_ttl = 2
    try:
        async with signed_in(team_server, PAT) as pat:
            await call(pat.client, "list_sites")  # the replica holds their access token now
            held = await team_store.sign_in(await subject_of(team_store, PAT[0]))
            assert held is not None and held.refresh_token is not None
            async with httpx.AsyncClient(timeout=30) as http:
                ended = await http.post(
                    f"{sandbox.url}/oauth/revoke",
                    data={"token": held.refresh_token, "client_id": CLIENT_ID},
                )
                assert ended.status_code == 200
                if then == "expired":
                    await anyio.sleep(held.access_expires_at - time.time() + 0.5)
                told = await failure(pat.client, "list_customers", company="1")
                assert "sign in again" in told
                assert (
                    await team_store.sign_in(held_subject := await subject_of(team_store, PAT[0]))
                    is None
                )
                # the MCP tokens went with it: the client is answered 401 ...
                stale = await http.post(team_server.mcp_url, **mcp_initialize(pat.access_token))
                assert stale.status_code == 401
            # ... and so signs its person in again, and the call goes through
            signed_before = sandbox.sandbox.stats()["by_user"][PAT[0]]["token_requests"]
            answer = await call(pat.client, "list_customers", company="1", limit=2)
            assert answer["returned"] == 2
            assert len(pat.storage.history) == 2
            signed_after = sandbox.sandbox.stats()["by_user"][PAT[0]]["token_requests"]
            assert signed_after["authorization_code"] == signed_before["authorization_code"] + 1
            assert await team_store.sign_in(held_subject) is not None
    finally:
        settings.access_token_ttl = lifetime


OTHER_KEY = base64.b64encode(b"o" * 32).decode()


@pytest.fixture
def replicas(
    team_server: TeamServer, tmp_path: Path, team_options: TeamServerOptions, database_url: str
) -> Iterator[tuple[TeamServer, TeamServer, TeamServer]]:
    """The team server, a second replica of it (same database and key, behind the same public
    address), and a server of another team (its own database and token key)."""
    sandbox = team_server.sandbox
    second = TeamServer(
        sandbox, tmp_path / "b", team_options, database_url, public=team_server.url
    ).start()
    other = TeamServer(
        sandbox,
        tmp_path / "c",
        team_options,
        f"sqlite:///{tmp_path / 'other.sqlite3'}",
        key=OTHER_KEY,
    ).start()
    yield team_server, second, other
    second.stop()
    other.stop()


async def test_a_cursor_pages_on_at_another_replica_and_not_at_another_teams_server(
    replicas: tuple[TeamServer, TeamServer, TeamServer],
) -> None:
    first, second, other = replicas
    page = {"company": "1", "limit": 2}
    async with signed_in(first, DEMO) as demo:
        opening = await call(demo.client, "list_customers", **page)
        cursor = opening["next_cursor"]
        here = await call(demo.client, "list_customers", cursor=cursor, **page)
        async with bearer(f"{second.own_url}/mcp", demo.access_token) as elsewhere:
            there = await call(elsewhere, "list_customers", cursor=cursor, **page)
    assert there["customers"] == here["customers"] != opening["customers"]
    async with signed_in(other, DEMO) as stranger:
        own = await call(stranger.client, "list_customers", **page)
        assert (await call(stranger.client, "list_customers", cursor=own["next_cursor"], **page))[
            "customers"
        ] == here["customers"]
        refused = await failure(stranger.client, "list_customers", cursor=cursor, **page)
    assert "That cursor is not valid" in refused
