"""The tools against a sandbox playing each of Sage's undocumented behaviours, one at a time:
what `$count=true` answers, what an error body holds, what a refused company gets, a tunnel
that times out on big pages, a tenant of one edition, and the lookup resources' names. The same
questions get the same answers whichever way Sage plays, in as few requests as each allows.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from sage200_mcp.auth.oauth import TokenResponse
from sage200_mcp.auth.store import StoredTokens, TokenStore
from sage200_mcp.config import Settings, read_toml, write_toml
from sage200_mcp.sandbox.app import Sandbox, SandboxSettings
from sage200_mcp.sandbox.server import SandboxServer
from sage200_mcp.sandbox.styles import ApiStyle
from sage200_mcp.server import create_server
from tests.helpers import CLIENT_ID, PRO, tokens_for
from tests.integration.server.conftest import settings_for
from tests.integration.server.test_tools import call, failure

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def sage() -> Iterator[SandboxServer]:
    """A sandbox of this module's own, whose style the tests change."""
    sandbox = Sandbox(SandboxSettings(today=date(2026, 11, 28), customers=1500))
    with SandboxServer(sandbox) as server:
        sandbox.world.warm().join()
        yield server


@pytest.fixture(scope="module")
def sign_in(sage: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("unknowns") / "tokens.json"
    with httpx.Client(base_url=sage.url) as http:
        answer = TokenResponse.parse(tokens_for(http))
    TokenStore(path).write(StoredTokens.from_sign_in(answer, time.time(), 90, sage.url, CLIENT_ID))
    return path


@pytest.fixture
def play(sage: SandboxServer) -> Iterator[Any]:
    def set_style(**style: Any) -> None:
        sage.sandbox.reset(keep_tokens=True, style={**ApiStyle().as_dict(), **style})

    yield set_style
    set_style()


def profile(sage: SandboxServer, sign_in: Path, config: Path, **env: str) -> Settings:
    settings = settings_for(sage, config, **env)
    settings.tokens_path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    shutil.copy(sign_in, settings.tokens_path)
    return settings


@pytest.fixture
async def uk(sage: SandboxServer, sign_in: Path, tmp_path: Path) -> AsyncIterator[Client]:
    async with Client(create_server(profile(sage, sign_in, tmp_path / "config"))) as client:
        await call(client, "switch_site", site="1")
        yield client


def requests(sage: SandboxServer, key: str) -> int:
    return int(sage.sandbox.stats()["api_requests"].get(key, 0))


# -- $count ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "later_first_page"),
    [("number", 2), ("odata", 1), ("unsupported", 1)],
)
async def test_totals_whatever_count_sage_gives_in_as_few_requests_as_it_allows(
    uk: Client, sage: SandboxServer, play: Any, style: str, later_first_page: int
) -> None:
    books = sage.sandbox.world.books(1)
    active = books.count("customer_views", '"account_status_type" = ?', ["AccountStatusActive"])
    play(count_style=style)
    first = await call(uk, "list_customers", limit=10)
    before = requests(sage, "customer_views")
    again = await call(uk, "list_customers", limit=10, on_hold=False)
    assert requests(sage, "customer_views") - before == later_first_page
    if style == "unsupported":
        assert "total" not in first and first["total_more_than"] == 10
        assert "More than 10" in again["note"]
    else:
        assert first["total"] == active and "total_more_than" not in first
    last = await call(uk, "list_customers", limit=10, search="O'Brien")
    assert last["total"] == last["returned"] and "next_cursor" not in last  # the end is known


# -- error bodies ----------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["message", "gateway", "empty"])
async def test_sages_refusals_reach_the_model_labelled_quoted_and_capped(
    uk: Client, sage: SandboxServer, shape: str
) -> None:
    faults = f"{sage.url}/_sandbox/faults"
    text = "bad \u202emirror\u202c and\x07 bell " + "x" * 400
    fault = {"path": f"{PRO}/customer_views", "status": 400, "body": shape, "message": text}
    assert httpx.post(faults, json={**fault, "count": 2}).status_code == 200
    try:
        said = await failure(uk, "list_customers", limit=3)
    finally:
        httpx.delete(faults)
    if shape == "empty":
        assert "Sage gave no detail." in said
    else:
        assert 'Sage said: "bad mirror and bell xxx' in said and "\u202e" not in said
        assert "\x07" not in said and len(said) < 600


# -- a refused company -----------------------------------------------------------------------------


async def test_a_company_refused_with_401_is_named_and_the_sign_in_left_alone(
    sage: SandboxServer, sign_in: Path, tmp_path: Path, play: Any
) -> None:
    play(bad_company_status=401)
    settings = profile(sage, sign_in, tmp_path / "config")
    grants = sage.sandbox.stats()["token_requests"].get("refresh_token", 0)
    async with Client(create_server(settings)) as client:
        await call(client, "switch_site", site="1")
        config = read_toml(settings.profile_config_path)
        config["company_id"] = 4  # a company of the site this user may not read
        write_toml(settings.profile_config_path, config)
        text = await failure(client, "list_customers", limit=3)
    assert "Sage refused" in text and "401" in text and "sign in" not in text.lower()
    assert "Stockwell Office Supplies Ltd" in text  # the companies the user can reach
    assert sage.sandbox.stats()["token_requests"].get("refresh_token", 0) == grants
    assert TokenStore(settings.tokens_path).read() is not None


async def test_a_company_refused_with_403_is_named_too(
    sage: SandboxServer, sign_in: Path, tmp_path: Path, play: Any
) -> None:
    settings = profile(sage, sign_in, tmp_path / "config")
    async with Client(create_server(settings)) as client:
        await call(client, "switch_site", site="1")
        config = read_toml(settings.profile_config_path)
        config["company_id"] = 4
        write_toml(settings.profile_config_path, config)
        text = await failure(client, "list_customers", limit=3)
    assert "403" in text and "switch_site" in text


# -- a tunnel that times out on big pages ----------------------------------------------------------


async def test_behind_a_slow_tunnel_big_reads_answer_in_smaller_pages_never_resent(
    uk: Client, sage: SandboxServer, play: Any
) -> None:
    expected = {
        "aged": await call(uk, "get_aged_debt", limit=5),
        "nominal": await call(uk, "get_nominal_activity", code="4000"),
        "query": await call(uk, "query", resource="customer_views", select=["id"], top=500),
    }
    play(tunnel_timeout_rows=600)
    assert await call(uk, "get_aged_debt", limit=5) == expected["aged"]
    assert await call(uk, "get_nominal_activity", code="4000") == expected["nominal"]
    query = await call(uk, "query", resource="customer_views", select=["id"], top=500)
    assert query["rows"] == expected["query"]["rows"]
    timed_out = [tuple(item) for item in sage.sandbox.stats()["tunnel_timeouts"]]
    assert timed_out and all(rows > 600 for _, rows in timed_out)
    assert len(timed_out) == len(set(timed_out))  # no heavy request was sent twice
    before = len(timed_out)
    await call(uk, "get_aged_debt", limit=5)  # the size that worked is remembered
    assert len(sage.sandbox.stats()["tunnel_timeouts"]) == before


# -- one edition -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("serves", "found"), [("standard", "standard"), ("both", "professional")])
async def test_the_edition_is_found_on_first_use_on_a_tenant_of_one_edition(
    sage: SandboxServer, sign_in: Path, tmp_path: Path, play: Any, serves: str, found: str
) -> None:
    play(edition=serves)
    settings = profile(sage, sign_in, tmp_path / "config", SAGE200_API_URL=sage.url)
    async with Client(create_server(settings)) as client:
        before = (await call(client, "get_status"))["edition"]
        await call(client, "switch_site", site="1")
        assert (await call(client, "list_customers", limit=2))["customers"]
        after = await call(client, "get_status")
    assert before.startswith("not set") and after["edition"] == found
    assert after["api_url"].endswith(
        "/uk/sage200/accounts/v1/" if found == "standard" else "/uk/sage200extra/accounts/v1/"
    )
    assert read_toml(settings.profile_config_path)["edition"] == found


async def test_a_wrong_edition_set_by_hand_says_so(
    sage: SandboxServer, sign_in: Path, tmp_path: Path, play: Any
) -> None:
    play(edition="standard")
    settings = profile(
        sage, sign_in, tmp_path / "config", SAGE200_API_URL=sage.url, SAGE200_EDITION="professional"
    )
    async with Client(create_server(settings)) as client:
        text = await failure(client, "list_sites")
    assert "404" in text and "SAGE200_EDITION" in text


# -- names from the lookup resources ---------------------------------------------------------------


@pytest.mark.parametrize("asked", ["dispute", "disputed"])
async def test_disputed_orders_are_found_by_sages_own_name(uk: Client, asked: str) -> None:
    orders = await call(uk, "list_sales_orders", status=asked, limit=50)
    assert orders["orders"] and {o["status"] for o in orders["orders"]} == {"dispute"}
