"""The tools' "today" is the server's clock, pinned here to the sandbox's last day of books.

Tests elsewhere run on a day after the sandbox's (tests/helpers.py TODAY), so a tool that read
the wall clock instead would give other overdue days and another default range.
"""

from __future__ import annotations

from datetime import date

import pytest
from mcp import Client

from tests.helpers import TODAY
from tests.integration.server.test_tools import call

pytestmark = pytest.mark.anyio
DAY = date.fromisoformat(TODAY)


async def test_days_overdue_are_counted_from_the_pinned_day(mcp: Client) -> None:
    await call(mcp, "switch_site", site="1")
    aged = await call(mcp, "get_aged_debt", limit=5)
    overdue = [a for a in aged["accounts"] if a["buckets"] and a["buckets"][0]["amount"]]
    seen = 0
    for account in overdue[:3]:
        page = await call(mcp, "list_customer_transactions", customer=str(account["id"]))
        for row in page["transactions"]:
            due = date.fromisoformat(row["due_date"])
            if due < DAY:
                assert row["days_overdue"] == (DAY - due).days, row
                seen += 1
            else:
                assert row.get("days_overdue") is None, row
    assert seen, "the sandbox's books have overdue items"


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
