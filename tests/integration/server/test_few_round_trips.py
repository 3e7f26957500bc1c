"""What a call asks of Sage, counted by the sandbox: one account's aged debt is read by account on
Sage's side (never the company's table), the company's aged table serves its cursor pages and
repeat calls for two minutes, and remembered answers say when they were read.
"""

from __future__ import annotations

from collections import Counter

import pytest
from mcp import Client

from sage200_mcp.sandbox.server import SandboxServer
from tests.integration.server.test_tools import call, failure

pytestmark = pytest.mark.anyio


@pytest.fixture
async def uk(mcp: Client) -> Client:
    await call(mcp, "switch_site", site="1")
    await call(mcp, "list_customers", limit=1)  # enumerations and $count style found already
    return mcp


class Requests:
    """The API requests the sandbox has answered, by path, since the last look. A request the
    Professional tunnel timed out (the variant playing one) is not counted: the client asks for
    a smaller page then, once per collection, and that is the adapting, not the asking."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.seen = self._now()

    def _now(self) -> Counter[str]:
        stats = self.server.sandbox.stats()
        timed_out = Counter(str(path) for path, _ in stats["tunnel_timeouts"])
        return Counter(stats["api_requests"]) - timed_out

    def since(self) -> Counter[str]:
        now = self._now()
        made, self.seen = now - self.seen, now
        return made


@pytest.mark.parametrize(
    ("tool", "party", "who", "summary"),
    [
        ("get_aged_debt", "customer", "ABS001", "sales_aged_debtor_summary_views"),
        ("get_aged_debt", "customer", "ABS Garages Ltd", "sales_aged_debtor_summary_views"),
        ("get_aged_creditors", "supplier", "MON001", "purchase_aged_creditor_summary_views"),
    ],
)
async def test_one_accounts_aged_balance_never_reads_the_companys_table(
    uk: Client, sandbox_server: SandboxServer, tool: str, party: str, who: str, summary: str
) -> None:
    requests = Requests(sandbox_server)
    aged = await call(uk, tool, **{party: who})
    made = requests.since()
    # the account found in one request; its row of Sage's summary, by account, in another
    assert made[summary] == 1 and sum(made.values()) == 2, made
    assert aged["accounts"][0]["name"] and aged["totals_of"].startswith(f"this {party} only")
    assert aged["read_at"] and "items" not in aged
    itemised = await call(uk, tool, items=True, **{party: who})
    made = requests.since()
    # with items: the account, then its items and their references side by side
    assert made[summary] == 0 and sum(made.values()) == 3, made
    assert itemised["accounts"] == aged["accounts"] and itemised["items"]


async def test_items_without_an_account_are_refused_before_asking_sage(
    uk: Client, sandbox_server: SandboxServer
) -> None:
    requests = Requests(sandbox_server)
    assert "name the customer too" in await failure(uk, "get_aged_debt", items=True)
    assert sum(requests.since().values()) == 0


async def test_a_cursor_page_of_the_companys_aged_debt_asks_sage_nothing(
    uk: Client, sandbox_server: SandboxServer
) -> None:
    requests = Requests(sandbox_server)
    first = await call(uk, "get_aged_debt", limit=5)
    assert requests.since()["sales_aged_debtor_summary_views"] >= 1
    second = await call(uk, "get_aged_debt", limit=5, cursor=first["next_cursor"])
    assert sum(requests.since().values()) == 0  # the table and the next names are remembered
    assert second["read_at"] == first["read_at"] and second["accounts"] != first["accounts"]
    assert first["totals_of"] == "every customer"
    again = await call(uk, "get_aged_debt", limit=5)
    assert sum(requests.since().values()) == 0 and again["accounts"] == first["accounts"]
    await call(uk, "get_aged_debt", limit=5, ageing="transactiondate")
    assert requests.since()["sales_aged_debtor_summary_views"] >= 1  # another basis: read


async def test_a_cursor_page_beyond_the_names_read_ahead_reads_only_names(
    uk: Client, sandbox_server: SandboxServer
) -> None:
    page = await call(uk, "get_aged_debt", limit=2)
    for _ in range(4):  # pages 2 to 4 were read ahead with page 1; page 5 was not
        page = await call(uk, "get_aged_debt", limit=2, cursor=page["next_cursor"])
    requests = Requests(sandbox_server)
    page = await call(uk, "get_aged_debt", limit=2, cursor=page["next_cursor"])
    assert set(requests.since()) <= {"customer_views"}
    assert all(account["name"] for account in page["accounts"])


async def test_remembered_lists_say_when_they_were_read(
    uk: Client, sandbox_server: SandboxServer
) -> None:
    sites = await call(uk, "list_sites")
    periods = await call(uk, "get_reference_data", kind="financial_periods")
    requests = Requests(sandbox_server)
    assert (await call(uk, "list_sites"))["read_at"] == sites["read_at"]
    again = await call(uk, "get_reference_data", kind="financial_periods")
    assert again["read_at"] == periods["read_at"] and sum(requests.since().values()) == 0
