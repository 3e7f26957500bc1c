"""Trial balance, profit and loss and balance sheet through the MCP server against the sandbox:
each ties out on the seeded books of every company under both editions' base paths, each check
is a test, and a deliberately unbalanced seed is reported, never hidden.

Figures are also checked against the sandbox's own tables read straight over HTTP (not through
the client), so a statement that ties out with itself but not with the books would fail here.
"""

from __future__ import annotations

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
from sage200_mcp.sandbox.app import Sandbox, SandboxSettings
from sage200_mcp.sandbox.server import SandboxServer
from sage200_mcp.server import create_server
from tests.helpers import CLIENT_ID, PRO, STD, TODAY, tokens_for
from tests.integration.server.conftest import settings_for
from tests.integration.server.test_tools import call, failure

pytestmark = pytest.mark.anyio

COMPANIES = ("Stockwell Office Supplies Ltd", "Ireland", "Riverside")
STATEMENTS = ("get_trial_balance", "get_profit_and_loss", "get_balance_sheet")


def checks(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["name"]: check for check in answer["checks"]}


def cents(amount: float) -> int:
    return round(amount * 100)


async def open_client(server: SandboxServer, tokens: dict[str, str], home: Path, edition: str):
    settings = settings_for(server, home, SAGE200_API_URL=server.url + edition)
    settings.tokens_path.parent.mkdir(parents=True, mode=0o700)
    stored = StoredTokens.from_sign_in(
        TokenResponse.parse(tokens), time.time(), 90, server.url, CLIENT_ID
    )
    TokenStore(settings.tokens_path).write(stored)
    return Client(create_server(settings))


@pytest.fixture(scope="module")
def unbalanced() -> Iterator[SandboxServer]:
    sandbox = Sandbox(SandboxSettings(today=date.fromisoformat(TODAY), unbalanced=True))
    with SandboxServer(sandbox) as server:
        yield server


@pytest.fixture(scope="module")
def unbalanced_tokens(unbalanced: SandboxServer) -> dict[str, str]:
    with httpx.Client(base_url=unbalanced.url) as http:
        return tokens_for(http)


@pytest.fixture(params=[PRO, STD], ids=["professional", "standard"])
async def books(
    request: pytest.FixtureRequest,
    sandbox_server: SandboxServer,
    demo_tokens: dict[str, str],
    tmp_path: Path,
) -> AsyncIterator[Client]:
    async with await open_client(
        sandbox_server, demo_tokens, tmp_path / "config", request.param
    ) as client:
        yield client


@pytest.mark.parametrize("company", COMPANIES)
async def test_every_statement_ties_out_in_every_company(books: Client, company: str) -> None:
    await call(books, "switch_site", site=company)
    for tool in STATEMENTS:
        answer = await call(books, tool)
        assert answer["ties_out"], (company, tool, answer["checks"])
        assert "note" not in answer or "DOES NOT TIE OUT" not in answer["note"]
        assert answer["company"]["as_at"] == TODAY
        made = [c for c in answer["checks"] if c.get("passed") is not None]
        assert all(c["passed"] and c["difference"] == 0 for c in made), (tool, made)
    sheet = checks(await call(books, "get_balance_sheet"))
    for name in (
        "balance_sheet_balances",
        "debtors_control_equals_sales_ledger",
        "creditors_control_equals_purchase_ledger",
        "period_values_agree_with_balances",
        "every_account_has_a_category",
    ):
        assert sheet[name]["passed"] is True, (company, name)  # made, at today's period


async def test_the_trial_balance_is_sages_balances(
    mcp: Client, sandbox_server: SandboxServer, demo_tokens: dict[str, str]
) -> None:
    await call(mcp, "switch_site", site="1")
    balance = await call(mcp, "get_trial_balance")
    assert cents(balance["debits"]) == cents(balance["credits"]) > 0
    with httpx.Client(
        base_url=sandbox_server.url + PRO,
        headers={
            "Authorization": f"Bearer {demo_tokens['access_token']}",
            "X-Site": balance["company"]["site_id"],
            "X-Company": str(balance["company"]["company_id"]),
        },
    ) as http:
        codes = http.get("nominal_codes", params={"$top": "500"}).json()  # tunnel: <= 600
    expected = {
        (
            c["reference"],
            c.get("cost_centre_code") or None,
            c.get("department_code") or None,
        ): cents(c["balance_year_to_date"])
        for c in codes
        if cents(c["balance_year_to_date"])
    }
    shown = {
        (a["reference"], a.get("cost_centre"), a.get("department")): cents(a.get("debit") or 0)
        - cents(a.get("credit") or 0)
        for a in balance["accounts"]
    }
    assert balance["total"] == balance["returned"] == len(shown)
    assert shown == expected  # today's period: the balances Sage shows today


async def test_profit_and_loss_against_last_year_and_budget(mcp: Client) -> None:
    await call(mcp, "switch_site", site="1")
    found = await call(mcp, "get_profit_and_loss", detail="accounts")
    assert found["periods"]["from_period"] == 1 and found["periods"]["start"] == "2026-04-01"
    assert found["periods"]["last_year_start"] == "2025-04-01"
    net = found["net_profit"]
    assert net["last_year"] is not None and net["budget"] is not None
    income, expenses = found["income"], found["expenses"]
    assert cents(net["amount"]) == cents(income["amount"]) - cents(expenses["amount"])
    lines = [line for section in found["sections"] for line in section["lines"]]
    for line in lines:  # each category is its accounts
        assert cents(line["amount"]) == sum(cents(a["amount"]) for a in line["accounts"])
    assert found["layout"].startswith("the company's layout")
    by_periods = await call(mcp, "get_profit_and_loss", from_period=3, to_period=3)
    assert 0 < abs(by_periods["net_profit"]["amount"]) < abs(net["amount"])
    last_year = await call(mcp, "get_profit_and_loss", year=-1)
    assert last_year["periods"]["to_period"] == 12 and last_year["ties_out"]


async def test_a_company_without_layouts_is_grouped_by_category(mcp: Client) -> None:
    await call(mcp, "switch_site", site="Riverside")
    found = await call(mcp, "get_profit_and_loss")
    assert "no layout" in found["layout"]
    assert [s["name"] for s in found["sections"]][:1] == ["Income"]


async def test_bad_periods_say_what_to_give(mcp: Client) -> None:
    await call(mcp, "switch_site", site="1")
    text = await failure(mcp, "get_profit_and_loss", from_period=5, to_period=2)
    assert "from_period no later than to_period" in text
    text = await failure(mcp, "get_profit_and_loss", year=-9)
    assert "holds" in text and "0 is this year" in text
    text = await failure(mcp, "get_balance_sheet", as_at="2001-01-31")
    assert "outside the financial years" in text


async def test_an_unbalanced_ledger_is_reported(
    unbalanced: SandboxServer, unbalanced_tokens: dict[str, str], tmp_path: Path
) -> None:
    async with await open_client(unbalanced, unbalanced_tokens, tmp_path / "c", PRO) as client:
        await call(client, "switch_site", site="1")
        balance = await call(client, "get_trial_balance")
        sheet = await call(client, "get_balance_sheet")
        profit = await call(client, "get_profit_and_loss")
        await call(client, "switch_site", site="Riverside")  # the others are untouched
        other = await call(client, "get_trial_balance")
    assert not balance["ties_out"] and "DOES NOT TIE OUT" in balance["note"]
    assert checks(balance)["debits_equal_credits"]["difference"] == 1234.56
    assert checks(balance)["debtors_control_equals_sales_ledger"]["passed"] is False
    assert not sheet["ties_out"]
    assert checks(sheet)["balance_sheet_balances"]["difference"] == 1234.56
    assert checks(sheet)["debtors_control_equals_sales_ledger"]["difference"] == 1234.56
    assert not profit["ties_out"]
    moved = checks(profit)["net_profit_equals_movement_on_retained_earnings"]
    assert moved["passed"] is False and abs(moved["difference"]) == 1234.56
    assert other["ties_out"]


async def test_ledgers_are_compared_only_at_todays_period(mcp: Client) -> None:
    await call(mcp, "switch_site", site="1")
    earlier = checks(await call(mcp, "get_balance_sheet", as_at="2025-12-31"))
    for name in ("debtors_control_equals_sales_ledger", "creditors_control_equals_purchase_ledger"):
        assert "passed" not in earlier[name] and "Not checked" in earlier[name]["detail"]
    now = checks(await call(mcp, "get_trial_balance", as_at=TODAY))
    assert now["debtors_control_equals_sales_ledger"]["passed"] is True


@pytest.mark.parametrize(
    ("toolset", "added"),
    [
        ("nominal", {"get_trial_balance", "get_profit_and_loss", "get_balance_sheet"}),
        ("customers", {"summarise_sales"}),
        ("suppliers", {"summarise_purchases"}),
    ],
)
async def test_issue_12_tools_come_with_their_toolset(
    sandbox_server: SandboxServer, tmp_path: Path, toolset: str, added: set[str]
) -> None:
    settings = settings_for(sandbox_server, tmp_path / "config")
    async with Client(create_server(settings, toolsets=(toolset,))) as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert added <= names
    others = {"get_trial_balance", "summarise_sales", "summarise_purchases"} - added
    assert not others & names


async def test_trial_balance_compared_with_a_year_earlier(mcp: Client) -> None:
    await call(mcp, "switch_site", site="1")
    found = await call(mcp, "get_trial_balance", compare=True)
    assert found["periods"]["last_year_end"] == "2025-11-30"
    assert sum(cents(a.get("last_year", 0)) for a in found["accounts"]) == 0  # it balanced too
    assert any(a.get("last_year") for a in found["accounts"])
    assert found["ties_out"]
