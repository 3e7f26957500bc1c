"""Nominal activity from Sage's own sums, against a sandbox that posts every document line by line
(as Sage does): whichever way the figures are had (year-to-date fields, period values for whole
periods, streamed postings for the days between), they equal the postings themselves, read
straight from the sandbox. Whole periods cost requests that do not grow with the postings.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from sage200_mcp.auth.oauth import TokenResponse
from sage200_mcp.auth.store import StoredTokens, TokenStore
from sage200_mcp.sandbox.app import Sandbox, SandboxSettings
from sage200_mcp.sandbox.server import SandboxServer
from sage200_mcp.server import create_server
from tests.helpers import CLIENT_ID, PRO, TODAY, tokens_for
from tests.integration.server.conftest import settings_for
from tests.integration.server.test_tools import call

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def sage() -> Iterator[SandboxServer]:
    sandbox = Sandbox(SandboxSettings(today=date.fromisoformat(TODAY), postings="per-document"))
    with SandboxServer(sandbox) as server:
        sandbox.world.warm().join()
        yield server


@pytest.fixture(scope="module")
def access(sage: SandboxServer) -> dict[str, str]:
    with httpx.Client(base_url=sage.url) as http:
        return tokens_for(http)


@pytest.fixture
async def uk(sage: SandboxServer, access: dict[str, str], tmp_path: Path) -> AsyncIterator[Client]:
    settings = settings_for(sage, tmp_path / "config")
    settings.tokens_path.parent.mkdir(parents=True, mode=0o700)
    stored = StoredTokens.from_sign_in(
        TokenResponse.parse(access), time.time(), 90, sage.url, CLIENT_ID
    )
    TokenStore(settings.tokens_path).write(stored)
    async with Client(create_server(settings)) as client:
        await call(client, "switch_site", site="1")
        yield client


class Books:
    """The UK company's nominal ledger, read straight from the sandbox."""

    def __init__(self, sage: SandboxServer, access: dict[str, str]) -> None:
        self.sage = sage
        token = {"Authorization": f"Bearer {access['access_token']}"}
        sites = httpx.get(f"{sage.url}{PRO}/sites", headers=token, timeout=30).json()
        uk = next(s for s in sites if s["company_id"] == 1)
        self.headers = {**token, "X-Site": str(uk["site_id"]), "X-Company": "1"}

    def rows(self, path: str, **params: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        while True:
            page = httpx.get(
                f"{self.sage.url}{PRO}/{path}",
                headers=self.headers,
                params={**params, "$top": "2000", "$skip": str(len(rows))},
                timeout=60,
            ).json()
            rows += page
            if len(page) < 2000:
                return rows

    def postings(self, code: str, start: str, end: str) -> tuple[int, int, int]:
        """Debits and credits in pence, and how many postings, to every account ``code``."""
        ids = [
            v["id"]
            for v in self.rows(
                "nominal_code_views", **{"$filter": f"reference eq '{code}'", "$orderby": "id asc"}
            )
        ]
        found = self.rows(
            "nominal_transaction_enquiry_views",
            **{
                "$filter": f"({' or '.join(f'nominal_code_id eq {i}' for i in ids)})"
                f" and transaction_date ge {start} and transaction_date le {end}",
                "$orderby": "id asc",
                "$select": "id,debit,credit",
            },
        )
        debit = sum(round(row["debit"] * 100) for row in found)
        credit = sum(round(row["credit"] * 100) for row in found)
        return debit, credit, len(found)

    def requests(self) -> Counter[str]:
        return Counter(self.sage.sandbox.stats()["api_requests"])


@pytest.fixture(scope="module")
def books(sage: SandboxServer, access: dict[str, str]) -> Books:
    return Books(sage, access)


def cents(value: float) -> int:
    return round(value * 100)


async def test_a_financial_year_comes_from_period_values_whatever_the_postings(
    uk: Client, books: Books
) -> None:
    debit, credit, count = books.postings("1100", "2025-04-01", "2026-03-31")
    assert count > 1000  # the debtors control account, posted document by document
    before = books.requests()
    year = await call(
        uk, "get_nominal_activity", code="1100", from_date="2025-04-01", to_date="2026-03-31"
    )
    made = books.requests() - before
    assert cents(year["net_in_range"]) == debit - credit and year["postings"] == count
    assert "period values for 2025-04-01 to 2026-03-31" in year["basis"]
    assert made["nominal_transaction_enquiry_views"] <= 2  # the latest page (and its count)
    assert "debits_in_range" not in year  # period values hold the net only


async def test_days_between_whole_periods_are_streamed_and_still_add_up(
    uk: Client, books: Books
) -> None:
    debit, credit, count = books.postings("1100", "2025-05-17", "2025-09-12")
    found = await call(
        uk, "get_nominal_activity", code="1100", from_date="2025-05-17", to_date="2025-09-12"
    )
    assert cents(found["net_in_range"]) == debit - credit and found["postings"] == count
    assert "period values for 2025-06-01 to 2025-08-31" in found["basis"]
    assert "postings of 2025-05-17 to 2025-05-31" in found["basis"]


async def test_a_range_within_one_period_is_summed_from_its_postings(
    uk: Client, books: Books
) -> None:
    debit, credit, count = books.postings("4000", "2026-10-03", "2026-10-20")
    found = await call(
        uk, "get_nominal_activity", code="4000", from_date="2026-10-03", to_date="2026-10-20"
    )
    assert (cents(found["debits_in_range"]), cents(found["credits_in_range"])) == (debit, credit)
    assert found["postings"] == count and found["basis"] == "the postings themselves"


async def test_this_year_to_date_is_sages_own_year_to_date(uk: Client, books: Books) -> None:
    debit, credit, count = books.postings("1100", "2026-04-01", TODAY)
    found = await call(uk, "get_nominal_activity", code="1100")
    assert (found["from_date"], found["to_date"]) == ("2026-04-01", TODAY)
    assert (cents(found["debits_in_range"]), cents(found["credits_in_range"])) == (debit, credit)
    assert found["postings"] == count and "year-to-date" in found["basis"]


async def test_a_long_read_of_postings_tells_its_progress(uk: Client) -> None:
    told: list[float] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        told.append(done)

    result = await uk.call_tool(
        "get_nominal_activity",
        {"code": "1100", "from_date": "2025-04-02", "to_date": "2025-06-29"},  # no whole period
        progress_callback=on_progress,
    )
    assert not result.is_error
    assert len(told) >= 2 and told == sorted(set(told))
