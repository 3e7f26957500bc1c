"""The MCP SDK's own OAuth client against the team server: discovery, registration, PKCE, the
sign-in at Sage ID (the sandbox), then tools; and its refresh, rotated, with reuse detected."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Protocol

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)

from tests.helpers import query_of
from tests.integration.teamserver.conftest import (
    ALLOWED,
    ManualClient,
    TeamServer,
    mcp_initialize,
    options,
    sage_sign_in,
)

# about signing in and the team layer, which no sandbox variant changes
pytestmark = [pytest.mark.anyio, pytest.mark.same_in_every_variant]
REDIRECT = "http://127.0.0.1:9/callback"  # never reached: the handler reads the redirect


class MemoryStorage:
    """The SDK client's token storage, in memory, keeping every token set it was given."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.history: list[OAuthToken] = []
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens
        self.history.append(tokens)

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class SignsIn(Protocol):
    async def redirect(self, authorization_url: str) -> None: ...

    async def callback(self) -> AuthorizationCodeResult: ...


class Person:
    """The redirect and callback handlers: a person completing the sign-in over HTTP, and
    everything the client was sent on the way, to look for Sage's tokens in."""

    def __init__(self, user: str = ALLOWED, password: str = "demo") -> None:
        self.user, self.password = user, password
        self.result: AuthorizationCodeResult | None = None
        self.seen: list[str] = []

    async def redirect(self, authorization_url: str) -> None:
        async with httpx.AsyncClient(timeout=30) as http:
            answer = await sage_sign_in(http, authorization_url, self.user, self.password)
        self.seen.append(f"{answer.headers}\n{answer.text}")
        query = query_of(answer.headers["location"])
        self.result = AuthorizationCodeResult(code=query["code"], state=query.get("state"))

    async def callback(self) -> AuthorizationCodeResult:
        assert self.result is not None
        return self.result


def sdk_client(
    server: TeamServer, storage: MemoryStorage, person: SignsIn, **metadata: Any
) -> tuple[Client, list[str]]:
    provider = OAuthClientProvider(
        server_url=server.mcp_url,
        client_metadata=OAuthClientMetadata(
            client_name="team-server test",
            redirect_uris=[REDIRECT],  # type: ignore[list-item]
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            **metadata,
        ),
        storage=storage,
        redirect_handler=person.redirect,
        callback_handler=person.callback,
    )
    received: list[str] = []

    async def keep(response: httpx2.Response) -> None:
        await response.aread()
        received.append(f"{response.headers}\n{response.text}")

    http = httpx2.AsyncClient(auth=provider, timeout=30, event_hooks={"response": [keep]})
    return Client(streamable_http_client(server.mcp_url, http_client=http)), received


async def test_the_sdk_client_signs_in_through_sage_id_and_calls_tools(
    team_server: TeamServer,
) -> None:
    storage, person = MemoryStorage(), Person()
    # asks for a secret: the server registers it public (RFC 7591 lets it), and it copes
    client, received = sdk_client(
        team_server, storage, person, token_endpoint_auth_method="client_secret_post"
    )
    async with client:
        tools = await client.list_tools()
        whoami = await client.call_tool("get_status", {})
    assert {"get_status", "list_sites"} <= {tool.name for tool in tools.tools}
    assert whoami.structured_content is not None
    assert whoami.structured_content["user"] == ALLOWED
    assert storage.client is not None
    assert storage.client.token_endpoint_auth_method == "none"
    assert storage.client.client_secret is None
    # MCP clients never see a Sage token (nor Sage's code): not in any answer they were given
    sage_secrets = team_server.sandbox.sandbox.identity.issued_secrets()
    everything = "\n".join(received + person.seen + [json.dumps(storage.history[0].model_dump())])
    assert storage.history[0].access_token in everything  # the record is the real one
    assert not [secret for secret in sage_secrets if secret in everything]


@pytest.fixture
def team_options() -> Any:
    return options(access_token_ttl=2)


@pytest.fixture
def database_url(on_both_databases: str) -> str:
    return on_both_databases


async def test_refresh_rotates_and_a_reused_refresh_token_ends_the_sign_in(
    team_server: TeamServer,
) -> None:
    storage, person = MemoryStorage(), Person()
    client, _ = sdk_client(team_server, storage, person, token_endpoint_auth_method="none")
    async with client:
        await client.list_tools()
        first = storage.history[-1]
        await asyncio.sleep(3)  # the access token (2 s) expires: the SDK refreshes
        await client.call_tool("get_status", {})
    second = storage.history[-1]
    assert len(storage.history) == 2
    assert (second.access_token, second.refresh_token) != (first.access_token, first.refresh_token)
    assert storage.client is not None and storage.client.client_id is not None
    manual = ManualClient(team_server, storage.client.client_id)
    async with httpx.AsyncClient(timeout=30) as http:
        assert first.refresh_token is not None
        reused = await manual.refresh(http, first.refresh_token)
        assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
        # the reuse ended the whole family: the token the client holds now works no more
        answer = await http.post(team_server.mcp_url, **mcp_initialize(second.access_token))
        assert answer.status_code == 401
        assert second.refresh_token is not None
        assert (await manual.refresh(http, second.refresh_token)).status_code == 400
