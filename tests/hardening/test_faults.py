"""The fault matrix: every way Sage has been seen to fail, through the real tools.

For each: a clear tool error (or the right answer after a retry), retries bounded in count and
time, the server still up and the next call fine, and no secret in anything said.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from sage200_mcp.auth.oauth import TokenResponse
from sage200_mcp.auth.store import StoredTokens, TokenStore
from sage200_mcp.config import Settings
from sage200_mcp.sandbox.server import SandboxServer
from sage200_mcp.server import create_server
from tests.helpers import CLIENT_ID, PRO, tokens_for
from tests.integration.server.conftest import settings_for

pytestmark = pytest.mark.anyio

VIEWS = f"{PRO}/customer_views"


@pytest.fixture
def fresh_settings(
    sandbox_server: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """A profile with its own sign-in (a refresh here must not spend anyone else's tokens)."""
    monkeypatch.setenv("SAGE200_NO_BROWSER", "1")
    settings = settings_for(sandbox_server, tmp_path, SAGE200_HTTP_TIMEOUT="1")
    with httpx.Client(base_url=sandbox_server.url) as http:
        tokens = tokens_for(http)
    TokenStore(settings.tokens_path).write(
        StoredTokens.from_sign_in(
            TokenResponse.parse(tokens), time.time(), 90, sandbox_server.url, CLIENT_ID
        )
    )
    return settings


@pytest.fixture
async def client(fresh_settings: Settings) -> AsyncIterator[Client]:
    async with Client(create_server(fresh_settings)) as client:
        answer = await client.call_tool("switch_site", {"site": "1"})
        assert not answer.is_error
        yield client


@pytest.fixture
def inject(sandbox_server: SandboxServer) -> Any:
    faults = f"{sandbox_server.url}/_sandbox/faults"
    httpx.delete(faults)

    def add(**fault: Any) -> None:
        assert httpx.post(faults, json={"path": VIEWS, **fault}).status_code == 200

    yield add
    httpx.delete(faults)


def requests_to_views(server: SandboxServer) -> int:
    return int(server.sandbox.stats()["api_requests"].get("customer_views", 0))


async def list_customers(client: Client) -> tuple[bool, str]:
    result = await client.call_tool("list_customers", {"limit": 3})
    return bool(result.is_error), result.content[0].text  # type: ignore[union-attr]


def assert_no_secret(server: SandboxServer, *texts: str) -> None:
    secrets = server.sandbox.identity.issued_secrets()
    assert not any(secret in text for secret in secrets for text in texts)


REFUSED = 'Sage refused the request. Sage said: "'
ALWAYS = 10  # more faults than the retries of a page and its total together
BOTH = 2  # a first page and the count asked beside it: a real refusal meets both
ERRORS = [
    # (fault, words the error must contain)
    ({"status": 403, "count": BOTH}, "switch_site"),
    ({"status": 404, "count": BOTH}, "SAGE200_EDITION"),
    (
        {"status": 400, "count": BOTH, "body": "message", "message": "Invalid column X"},
        REFUSED + 'Invalid column X"',
    ),
    (
        {"status": 400, "count": BOTH, "body": "gateway", "message": "Field Y is wrong"},
        REFUSED + 'Field Y is wrong"',
    ),
    (
        {"status": 400, "count": BOTH, "body": "empty"},
        "Sage refused the request. Sage gave no detail.",
    ),
    (
        {"status": 400, "count": BOTH, "body": "html", "message": "Bad thing"},
        REFUSED + '400 Error 400 Bad thing"',
    ),
    ({"status": 429, "count": ALWAYS, "headers": {"Retry-After": "1"}}, "in about 1 seconds"),
    ({"status": 429, "count": BOTH, "headers": {"Retry-After": "3600"}}, "in about 60 minutes"),
    ({"status": 500, "count": ALWAYS}, "try again in a minute"),
    ({"status": 502, "count": ALWAYS}, "try again in a minute"),
    ({"status": 503, "count": ALWAYS}, "try again in a minute"),
    ({"status": 504, "count": ALWAYS}, "on-premises"),
    ({"delay_ms": 1500, "count": ALWAYS}, "did not answer customer_views in time"),
    ({"body": "malformed", "count": BOTH}, "unreadable answer"),
]


@pytest.mark.parametrize(("fault", "words"), ERRORS, ids=[str(f) for f, _ in ERRORS])
async def test_each_failure_is_a_clear_error_and_the_server_carries_on(
    client: Client, sandbox_server: SandboxServer, inject: Any, fault: dict[str, Any], words: str
) -> None:
    inject(**fault)
    before = requests_to_views(sandbox_server)
    started = time.monotonic()
    failed, text = await list_customers(client)
    elapsed = time.monotonic() - started
    assert failed and words in text, text
    # retries bounded in count: three tries each for the page and its total
    assert requests_to_views(sandbox_server) - before <= 6
    assert elapsed < 12  # ... and in time (three 1 s time-outs plus back-off at most)
    httpx.delete(f"{sandbox_server.url}/_sandbox/faults")
    assert (await list_customers(client))[0] is False  # still up; the next call is fine
    assert_no_secret(sandbox_server, text)


RECOVERED = [
    {"status": 429, "count": 1, "headers": {"Retry-After": "1"}},
    {"status": 500, "count": 1},
    {"status": 502, "count": 2},
    {"status": 503, "count": 1},
    {"status": 504, "count": 1},
    {"delay_ms": 1500, "count": 1},
    {"body": "value_wrapper", "count": 1},
]


@pytest.mark.parametrize("fault", RECOVERED, ids=[str(f) for f in RECOVERED])
async def test_passing_failures_are_retried_into_the_right_answer(
    client: Client, sandbox_server: SandboxServer, inject: Any, fault: dict[str, Any]
) -> None:
    expected = await client.call_tool("list_customers", {"limit": 3})
    inject(**fault)
    answer = await client.call_tool("list_customers", {"limit": 3})
    assert not answer.is_error, answer.content[0].text  # type: ignore[union-attr]
    got, wanted = answer.structured_content, expected.structured_content
    assert got is not None and wanted is not None and got["customers"] == wanted["customers"]


async def test_a_401_renews_the_token_once_and_the_answer_comes(
    client: Client, sandbox_server: SandboxServer, inject: Any
) -> None:
    grants = sandbox_server.sandbox.stats()["token_requests"].get("refresh_token", 0)
    inject(path=PRO, status=401, count=2)  # the company's call, then /sites: the token
    failed, text = await list_customers(client)
    assert not failed, text
    assert sandbox_server.sandbox.stats()["token_requests"]["refresh_token"] == grants + 1
    assert sandbox_server.sandbox.stats()["refresh_token_reuse"] == 0


async def test_a_401_after_renewal_means_sign_in_again(
    client: Client, sandbox_server: SandboxServer, inject: Any, fresh_settings: Settings
) -> None:
    inject(path=PRO, status=401, count=ALWAYS)
    failed, text = await list_customers(client)
    assert failed and "Sage rejected the sign-in even after renewing it" in text
    assert "/authorize?" in text
    assert_no_secret(sandbox_server, text)
    assert fresh_settings.tokens_path.exists()  # kept: only Sage ID can say the sign-in is over


async def test_a_401_for_the_company_alone_is_reported_as_the_company(
    client: Client, sandbox_server: SandboxServer, inject: Any, fresh_settings: Settings
) -> None:
    """Some releases answer 401 for a site and company they refuse: /sites, asked with the same
    token, tells it from a spent sign-in, and the sign-in is left alone."""
    grants = sandbox_server.sandbox.stats()["token_requests"].get("refresh_token", 0)
    inject(status=401, count=ALWAYS)
    failed, text = await list_customers(client)
    assert failed and "Sage refused Stockwell Office Supplies Ltd" in text, text
    assert "still among those you can reach" in text and "on-premises" in text
    assert "sign in" not in text.lower()
    assert sandbox_server.sandbox.stats()["token_requests"].get("refresh_token", 0) == grants
    assert fresh_settings.tokens_path.exists()


async def test_a_revoked_sign_in_says_so_and_offers_a_new_one(
    client: Client, sandbox_server: SandboxServer, fresh_settings: Settings
) -> None:
    stored = TokenStore(fresh_settings.tokens_path).read()
    assert stored is not None and stored.refresh_token
    httpx.post(
        f"{sandbox_server.url}/oauth/revoke",
        data={
            "token": stored.refresh_token,
            "client_id": CLIENT_ID,
        },
    )
    failed, text = await list_customers(client)
    assert (
        failed and "Your Sage sign-in has ended: it was revoked" in text and "/authorize?" in text
    )
    store = TokenStore(fresh_settings.tokens_path)
    ended = store.ended()
    assert store.read() is None and ended is not None and ended.kind == "revoked"
    again = await list_customers(client)  # the next answer still says why
    assert "it was revoked" in again[1]
    assert_no_secret(sandbox_server, text + again[1])


async def test_an_empty_site_list_says_the_connection_is_down(
    fresh_settings: Settings, sandbox_server: SandboxServer
) -> None:
    httpx.post(
        f"{sandbox_server.url}/_sandbox/faults",
        json={"path": f"{PRO}/sites", "body": "empty_list", "count": 2},
    )
    try:
        async with Client(create_server(replace(fresh_settings))) as client:
            result = await client.call_tool("list_customers", {})
    finally:
        httpx.delete(f"{sandbox_server.url}/_sandbox/faults")
    text = result.content[0].text  # type: ignore[union-attr]
    assert result.is_error and "on-premises" in text
