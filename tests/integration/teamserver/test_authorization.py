"""The team server's authorization server and protected resource, step by step over HTTP: the
metadata, the 401, resource binding, PKCE, the state at Sage ID, the allow-list, revocation."""

from __future__ import annotations

import time

import httpx
import pytest

from sage200_mcp.team.models import Grant
from sage200_mcp.team.store import TeamStore
from tests.helpers import query_of
from tests.integration.teamserver.conftest import (
    TeamServer,
    mcp_initialize,
    register,
    sage_sign_in,
)

# about signing in and the team layer, which no sandbox variant changes
pytestmark = [pytest.mark.anyio, pytest.mark.same_in_every_variant]


async def test_without_a_token_the_client_is_told_where_the_metadata_is(
    team_server: TeamServer,
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.post(team_server.mcp_url, **mcp_initialize())
        assert answer.status_code == 401
        challenge = answer.headers["www-authenticate"]
        where = f"{team_server.url}/.well-known/oauth-protected-resource/mcp"
        assert challenge.startswith("Bearer ") and f'resource_metadata="{where}"' in challenge
        resource = (await http.get(where)).json()
        assert resource["resource"] == team_server.mcp_url
        # the SDK's model writes the origin with a slash; its client compares them as equal
        assert [s.rstrip("/") for s in resource["authorization_servers"]] == [team_server.url]
        server = await http.get(f"{team_server.url}/.well-known/oauth-authorization-server")
        metadata = server.json()
    assert metadata["issuer"] == team_server.url
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["client_id_metadata_document_supported"] is True
    assert metadata["token_endpoint_auth_methods_supported"] == ["none"]
    assert metadata["registration_endpoint"] == f"{team_server.url}/register"


async def test_a_token_for_another_resource_is_refused(
    team_server: TeamServer, team_store: TeamStore
) -> None:
    await team_store.upsert_person("auth0|someone", "demo@example.com", None)
    for token, resource in (
        ("here", team_server.mcp_url),
        ("elsewhere", "https://mcp.example/mcp"),
    ):
        grant = Grant("auth0|someone", "c", resource, "", time.time() + 60, "f")
        await team_store.save_access_token(token, grant)
    async with httpx.AsyncClient(timeout=30) as http:
        assert (await http.post(team_server.mcp_url, **mcp_initialize("here"))).status_code == 200
        refused = await http.post(team_server.mcp_url, **mcp_initialize("elsewhere"))
        assert refused.status_code == 401
        # nor will the server start a sign-in for another resource
        client = await register(http, team_server)
        asked = await http.get(client.authorize_url(resource="https://mcp.example/mcp"))
    assert asked.status_code == 302
    assert query_of(asked.headers["location"])["error"] == "invalid_target"
    assert asked.headers["location"].startswith(client.redirect_uri)


async def test_a_code_needs_its_pkce_verifier_and_is_spent_by_a_wrong_one(
    team_server: TeamServer,
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        client = await register(http, team_server)
        code = await client.code(http)
        wrong = await client.exchange(http, code, code_verifier="x" * 64)
        assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
        late = await client.exchange(http, code)
        assert (late.status_code, late.json()["error"]) == (400, "invalid_grant")
        code = await client.code(http)
        good = await client.exchange(http, code)
        assert good.status_code == 200, good.text
        again = await client.exchange(http, code)
        assert again.status_code == 400
        opened = await http.post(team_server.mcp_url, **mcp_initialize(good.json()["access_token"]))
    assert opened.status_code == 200


async def test_the_callback_needs_the_state_we_sent_sage_and_takes_it_once(
    team_server: TeamServer,
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        client = await register(http, team_server)
        to_sage = await http.get(client.authorize_url())
        state = query_of(to_sage.headers["location"])["state"]
        assert state != client.state  # ours at Sage, not the client's
        callback = f"{team_server.url}/sage/callback"
        forged = await http.get(f"{callback}?code=abc&state=forged")
        assert forged.status_code == 400 and "expired" in forged.text
        declined = await http.get(f"{callback}?error=access_denied&state={state}")
        assert declined.status_code == 302
        assert query_of(declined.headers["location"]) == {
            "error": "access_denied",
            "error_description": "The Sage ID sign-in did not complete.",
            "state": client.state,
        }
        replayed = await http.get(f"{callback}?code=abc&state={state}")
    assert replayed.status_code == 400


async def test_a_person_not_on_the_allow_list_gets_a_page_and_no_code(
    team_server: TeamServer, team_store: TeamStore
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        client = await register(http, team_server)
        answer = await sage_sign_in(http, client.authorize_url(), "single@example.com", "single")
    assert answer.status_code == 403
    assert "location" not in answer.headers
    assert "single@example.com" in answer.text and "allow-list" in answer.text
    assert await team_store.people() == []  # nothing kept of them, their Sage tokens least


async def test_a_revoked_person_gets_a_page_and_no_code(
    team_server: TeamServer, team_store: TeamStore
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        client = await register(http, team_server)
        await client.code(http)
        (person,) = await team_store.people()
        await team_store.revoke(person.subject)
        answer = await sage_sign_in(http, client.authorize_url(), "demo@example.com", "demo")
    assert answer.status_code == 403 and "revoked" in answer.text
    assert await team_store.sign_in(person.subject) is None


async def test_sage_tokens_are_sealed_in_the_store_and_ours_are_digests(
    team_server: TeamServer, team_store: TeamStore
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        client = await register(http, team_server)
        tokens = (await client.exchange(http, await client.code(http))).json()
    (person,) = await team_store.people()
    sign_in = await team_store.sign_in(person.subject)
    assert sign_in is not None and sign_in.refresh_token
    tables = ("sage_sign_ins", "oauth_access_tokens", "oauth_refresh_tokens", "oauth_clients")
    dump = ""
    for table in tables:
        rows = await team_store.database.fetch(f"SELECT * FROM {table}")
        dump += repr(rows)
    for secret in (sign_in.access_token, sign_in.refresh_token, *tokens.values()):
        if isinstance(secret, str) and len(secret) > 20:
            assert secret not in dump


async def test_revoking_a_token_ends_the_sign_in_it_belongs_to(team_server: TeamServer) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        client = await register(http, team_server)
        tokens = (await client.exchange(http, await client.code(http))).json()
        revoked = await http.post(
            f"{team_server.url}/revoke",
            # the SDK's revocation form wants client_secret present, even empty, for a public client
            data={
                "token": tokens["refresh_token"],
                "client_id": client.client_id,
                "client_secret": "",
            },
        )
        assert revoked.status_code == 200
        answer = await http.post(team_server.mcp_url, **mcp_initialize(tokens["access_token"]))
    assert answer.status_code == 401


async def test_someone_no_longer_on_the_allow_list_cannot_refresh(
    team_server: TeamServer, team_store: TeamStore
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        client = await register(http, team_server)
        tokens = (await client.exchange(http, await client.code(http))).json()
        refreshed = await client.refresh(http, tokens["refresh_token"])
        assert refreshed.status_code == 200, refreshed.text
        (person,) = await team_store.people()
        # their Sage ID email moved off the list (the next sign-in records it)
        await team_store.upsert_person(person.subject, "demo@elsewhere.example", None)
        refused = await client.refresh(http, refreshed.json()["refresh_token"])
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")
