"""Figures that depend on today's date, checked to the day against a sandbox whose date is known.

The sandbox's books are built around its ``today`` (tests/helpers.TODAY, a fixed day, not the real
one), and the server counts days from its own clock, which
``SAGE200_TODAY`` pins to the same day (tests/integration/server/conftest.settings_for). A tool
that read the wall clock instead would give other overdue days and another default range.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from mcp import Client

from sage200_mcp.sandbox.server import SandboxServer
from tests.helpers import PRO, TODAY, tokens_for
from tests.integration.server.test_tools import call

pytestmark = pytest.mark.anyio

DAY = date.fromisoformat(TODAY)
RIVERSIDE = 3  # the smallest company: its books build in a moment


@pytest.fixture
async def riverside(mcp: Client) -> Client:
    await call(mcp, "switch_site", site=str(RIVERSIDE))
    return mcp


def open_items(server: SandboxServer) -> list[dict[str, Any]]:
    """Riverside's outstanding sales items, read straight from the sandbox, 500 at a time (the
    tunnel variant refuses bigger reads, as a slow on-premises link would)."""
    items: list[dict[str, Any]] = []
    with httpx.Client(base_url=server.url, timeout=30) as http:
        token = tokens_for(http)["access_token"]
        sites = http.get(f"{PRO}/sites", headers={"Authorization": f"Bearer {token}"}).json()
        site = next(s for s in sites if s["company_id"] == RIVERSIDE)
        headers = {
            "Authorization": f"Bearer {token}",
            "X-Site": site["site_id"],
            "X-Company": str(RIVERSIDE),
        }
        while True:
            answer = http.get(
                f"{PRO}/sales_transaction_views",
                headers=headers,
                params={
                    "$filter": "document_outstanding_value ne 0",
                    "$orderby": "posted_customer_transaction_id asc",
                    "$top": "500",
                    "$skip": str(len(items)),
                },
            )
            assert answer.status_code == 200, answer.text
            page: list[dict[str, Any]] = answer.json()
            items += page
            if len(page) < 500:
                return items


def due(item: dict[str, Any]) -> date:
    return date.fromisoformat(str(item["due_date"])[:10])


async def test_days_overdue_counts_the_whole_days_since_the_due_date(
    riverside: Client, sandbox_server: SandboxServer
) -> None:
    """An item due yesterday is 1 day overdue, one due 30 days ago 30; one due today or later is
    not overdue at all (no count, not 0)."""
    items = open_items(sandbox_server)
    overdue = [i for i in items if due(i) < DAY]
    assert overdue, "the books have no overdue item"
    # the customers of the most and the least overdue item, and of one due today if any is
    picks = {min(overdue, key=due)["customer_reference"]}
    picks.add(max(overdue, key=due)["customer_reference"])
    picks |= {i["customer_reference"] for i in items if due(i) == DAY}
    checked = 0
    for reference in sorted(picks):
        found = await call(
            riverside,
            "list_customer_transactions",
            customer=reference,
            outstanding_only=True,
            limit=200,
        )
        for row in found["transactions"]:
            days = (DAY - date.fromisoformat(row["due_date"])).days
            expected = days if days > 0 else None
            assert row.get("days_overdue") == expected, (reference, row)
            checked += expected is not None
    assert checked >= 2


async def test_the_default_activity_range_is_this_financial_year_to_the_pinned_day(
    mcp: Client,
) -> None:
    await call(mcp, "switch_site", site="1")
    periods = await call(mcp, "get_reference_data", kind="financial_periods")
    this_year = {
        r["financial_year_start_date"]
        for r in periods["rows"]
        if r["year_relative_to_current_year"] == 0
    }
    activity = await call(mcp, "get_nominal_activity", code="1100")
    assert activity["to_date"] == TODAY
    assert {activity["from_date"]} == this_year


async def test_every_answer_says_as_at_which_day(riverside: Client) -> None:
    """Each company-scoped answer names the tools' today beside its company (issue 12): an
    answer read tomorrow from a transcript still says which day its 'overdue' meant."""
    calls: list[tuple[str, dict[str, Any]]] = [
        ("list_customers", {"limit": 1}),
        ("get_aged_debt", {"limit": 1}),
        ("list_products", {"limit": 1}),
        ("list_nominal_codes", {"limit": 1}),
        ("get_trial_balance", {}),
        ("summarise_purchases", {"period": "last_month"}),
        ("query", {"resource": "currencies", "top": 1}),
    ]
    for tool, arguments in calls:
        answer = await call(riverside, tool, **arguments)
        assert answer["company"]["as_at"] == TODAY, tool


@pytest.mark.parametrize(
    ("ageing", "words"),
    [
        ("duedate", "not yet due"),
        ("transactiondate", "first ageing period"),
        ("calendarmonth", "this calendar month"),
    ],
)
async def test_aged_answers_say_what_current_means(
    riverside: Client, ageing: str, words: str
) -> None:
    for tool in ("get_aged_debt", "get_aged_creditors"):
        company = await call(riverside, tool, ageing=ageing, limit=1)
        assert words in company["current_means"], (tool, ageing)
        # every period listed is totalled, an empty one as 0
        assert [t["period"] for t in company["totals"]] == company["periods"]
    first = company["accounts"][0]["id"]
    one = await call(riverside, "get_aged_creditors", ageing=ageing, supplier=str(first))
    assert words in one["current_means"] and one["totals_of"].startswith("this supplier")
