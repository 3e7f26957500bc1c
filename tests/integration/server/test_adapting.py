"""The server adapting to Sage as it is, against the sandbox and its fault injection: a big page
that times out is read again in smaller pages (never sent again unchanged), and an edition that
is not configured is found on first use and remembered in the profile.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from sage200_mcp.config import Settings, read_toml
from sage200_mcp.sandbox.server import SandboxServer
from sage200_mcp.server import create_server
from tests.helpers import PRO
from tests.integration.server.conftest import settings_for
from tests.integration.server.test_tools import call

pytestmark = pytest.mark.anyio

POSTINGS = f"{PRO}/nominal_transaction_enquiry_views"


@pytest.fixture
async def uk(mcp: Client) -> Client:
    await call(mcp, "switch_site", site="1")
    return mcp


@pytest.fixture
def inject(sandbox_server: SandboxServer) -> Iterator[Any]:
    faults = f"{sandbox_server.url}/_sandbox/faults"
    httpx.delete(faults)

    def add(**fault: Any) -> None:
        assert httpx.post(faults, json=fault).status_code == 200

    yield add
    httpx.delete(faults)


def requests_for(server: SandboxServer, key: str) -> int:
    return int(server.sandbox.stats()["api_requests"].get(key, 0))


async def test_a_query_page_that_times_out_comes_back_in_smaller_pages(
    uk: Client, inject: Any, sandbox_server: SandboxServer
) -> None:
    asked = {
        "resource": "nominal_transaction_enquiry_views",
        "select": ["id", "debit", "credit"],
        "orderby": "id asc",
        "top": 500,
    }
    expected = await call(uk, "query", **asked)
    assert expected["returned"] == 500 and expected["next_cursor"]
    inject(path=POSTINGS, status=504, count=1)
    before = requests_for(sandbox_server, "nominal_transaction_enquiry_views")
    answer = await call(uk, "query", **asked)
    assert answer["rows"] == expected["rows"]
    # after the 504 (answered by the fault, uncounted): two pages of 250, not the 501 again
    assert requests_for(sandbox_server, "nominal_transaction_enquiry_views") - before == 2
    after = await call(uk, "query", **asked, cursor=answer["next_cursor"])
    assert after["rows"][0]["id"] > answer["rows"][-1]["id"]  # on from the last row shown


async def test_a_scan_that_times_out_halves_its_pages_and_gives_the_same_figures(
    uk: Client, inject: Any
) -> None:
    expected = await call(uk, "get_nominal_activity", code="7500")
    inject(path=POSTINGS, status=504, count=2)  # 1000 rows, then 500: each once
    assert await call(uk, "get_nominal_activity", code="7500") == expected


def unset_edition(server: SandboxServer, signed_in_tokens: Path, config: Path) -> Settings:
    """Settings naming the sandbox by its origin only, with no edition: the client finds it."""
    settings = settings_for(server, config, SAGE200_API_URL=server.url)
    assert settings.detect_edition
    settings.tokens_path.parent.mkdir(parents=True, mode=0o700)
    shutil.copy(signed_in_tokens, settings.tokens_path)
    return settings


async def test_an_unset_edition_is_found_on_first_use_and_remembered(
    sandbox_server: SandboxServer, signed_in_tokens: Path, tmp_path: Path, inject: Any
) -> None:
    settings = unset_edition(sandbox_server, signed_in_tokens, tmp_path / "pro")
    async with Client(create_server(settings)) as client:
        assert (await call(client, "list_sites"))["sites"]
    assert read_toml(settings.profile_config_path)["edition"] == "professional"

    inject(path=f"{PRO}/sites", status=404, count=1)  # a Standard tenant: no Professional path
    settings = unset_edition(sandbox_server, signed_in_tokens, tmp_path / "std")
    async with Client(create_server(settings)) as client:
        await call(client, "switch_site", site="1")
        customers = await call(client, "list_customers", limit=3)
        assert customers["customers"]
    assert read_toml(settings.profile_config_path)["edition"] == "standard"
    assert sandbox_server.sandbox.stats()["faults_served"] >= 1
