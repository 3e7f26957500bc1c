"""Ledger totals against a mocked Sage: the arithmetic of each kind of document, groups by month,
quarter and account with the top ones kept and the rest summed as 'others', totals per document
currency, the one date-filtered scan asked for, and the days a named period means."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
import respx

from sage200_mcp.api.client import SageClient
from sage200_mcp.api.ledgers import SALES
from sage200_mcp.api.summaries import Days, Figures, period_days, summarise
from sage200_mcp.api.views import FinancialPeriod
from tests.unit.api.fakes import API, COMPANY

pytestmark = pytest.mark.anyio

TYPES = [
    {"id": n, "value": f"TradingAccountEntryType{name}", "description": name}
    for n, name in (
        (1, "PurchasePaymentSalesReceipt"),
        (2, "PurchaseReceiptSalesPayment"),
        (4, "Invoice"),
        (5, "CreditNote"),
        (6, "OpeningBalanceInvoice"),
    )
]


def row(
    account: int, kind: Any, day: str, goods: float, tax: float, gross: float, **more: Any
) -> dict[str, Any]:
    base = more.pop("base", (goods, tax, gross))
    return {
        "transaction_type": kind,
        "transaction_date": f"{day}T00:00:00",
        "currency_name": more.pop("currency", "Pound Sterling"),
        "document_goods_value": goods,
        "document_tax_value": tax,
        "document_gross_value": gross,
        "base_goods_value": base[0],
        "base_tax_value": base[1],
        "base_gross_value": base[2],
        "customer_id": account,
        "customer_reference": f"C{account:03}",
        "customer_name": f"Customer {account}",
    }


ROWS = [
    row(1, 4, "2026-10-05", 100, 20, 120),  # a type sent as its number
    row(1, "TradingAccountEntryTypeCreditNote", "2026-10-20", -10, -2, -12),
    row(1, "TradingAccountEntryTypePurchasePaymentSalesReceipt", "2026-11-02", -108, 0, -108),
    row(2, 4, "2026-11-10", 200, 40, 240, base=(170, 34, 204), currency="Euro"),
    row(2, 2, "2026-11-12", 5, 0, 5, base=(4, 0, 4), currency="Euro"),  # a refund
    row(3, "TradingAccountEntryTypeInvoice", "2026-11-11", 50, 10, 60),
    row(3, 6, "2026-11-11", 999, 0, 999),  # an opening balance: not trading
]
DAYS = Days(date(2026, 10, 1), date(2026, 11, 28))


def mock_sage(rows: list[dict[str, Any]]) -> list[httpx.Request]:
    """Sage answering every read of the transaction view with ``rows`` (and a count of them);
    the requests it was sent."""
    asked: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        if request.url.params.get("$count") == "true" and "$top" not in request.url.params:
            return httpx.Response(200, json=len(rows))
        return httpx.Response(200, json=rows)

    respx.get(f"{API}sales_transaction_views").mock(side_effect=answer)
    respx.get(f"{API}trader_transaction_types").respond(json=TYPES)
    return asked


def figures(documents: int, *values: float) -> Figures:
    return Figures(documents, *values)


@respx.mock
async def test_each_kind_of_document_counts_once_in_base_currency(client: SageClient) -> None:
    mock_sage(ROWS)
    found = await summarise(client, SALES, COMPANY, DAYS, group_by=None, account_id=None, top=10)
    # invoiced, credited, net, tax, gross, receipts less refunds; the opening balance left out
    assert found.totals == figures(6, 320, 10, 310, 62, 372, 104)
    assert found.groups == [] and found.groups_found == 0
    assert found.basis == "sales_transaction_views, dated 2026-10-01 to 2026-11-28"


@respx.mock
async def test_several_currencies_are_totalled_each_in_its_own(client: SageClient) -> None:
    mock_sage(ROWS)
    found = await summarise(client, SALES, COMPANY, DAYS, group_by=None, account_id=None, top=10)
    assert found.by_currency == {
        "Pound Sterling": figures(4, 150, 10, 140, 28, 168, 108),
        "Euro": figures(2, 200, 0, 200, 40, 240, -5),
    }
    mock_sage(ROWS[:3])
    one = await summarise(client, SALES, COMPANY, DAYS, group_by=None, account_id=None, top=10)
    assert one.by_currency == {}  # one currency: its figures are the totals'


@respx.mock
async def test_the_top_accounts_by_net_and_the_others_add_up_to_the_totals(
    client: SageClient,
) -> None:
    mock_sage(ROWS)
    found = await summarise(
        client, SALES, COMPANY, DAYS, group_by="account", account_id=None, top=1
    )
    top, others = found.groups
    assert (top.key, top.name, top.id) == ("C002", "Customer 2", 2)
    assert top.figures == figures(2, 170, 0, 170, 34, 204, -4)
    assert (others.key, others.merged, others.id) == ("others", 2, None)
    assert others.figures == figures(4, 150, 10, 140, 28, 168, 108)
    assert Figures.added([top.figures, others.figures]) == found.totals
    assert found.groups_found == 3
    every = await summarise(
        client, SALES, COMPANY, DAYS, group_by="account", account_id=None, top=3
    )
    assert [g.key for g in every.groups] == ["C002", "C001", "C003"]  # no 'others' needed


@respx.mock
async def test_months_and_quarters_are_all_kept_in_order(client: SageClient) -> None:
    mock_sage(list(reversed(ROWS)))
    months = await summarise(client, SALES, COMPANY, DAYS, group_by="month", account_id=None, top=1)
    assert [g.key for g in months.groups] == ["2026-10", "2026-11"]  # top ranks accounts only
    assert months.groups[0].figures == figures(2, 100, 10, 90, 18, 108, 0)
    quarters = await summarise(
        client, SALES, COMPANY, DAYS, group_by="quarter", account_id=None, top=1
    )
    assert [(g.key, g.figures) for g in quarters.groups] == [("2026-Q4", quarters.totals)]


@respx.mock
async def test_one_scan_filtered_by_date_and_account_on_sages_side(client: SageClient) -> None:
    asked = mock_sage(ROWS[:3])
    await summarise(client, SALES, COMPANY, DAYS, group_by="account", account_id=1, top=10)
    pages = [r for r in asked if "$count" not in r.url.params]  # beside it: a count probe
    assert len(pages) == 1 and {r.url.params["$filter"] for r in asked} == {
        pages[0].url.params["$filter"]
    }
    params = pages[0].url.params
    assert params["$filter"] == (
        "customer_id eq 1 and transaction_date ge 2026-10-01 and transaction_date le 2026-11-28"
    )
    assert set(params["$select"].split(",")) == {
        "transaction_type",
        "transaction_date",
        "currency_name",
        *(f"{s}_{v}_value" for s in ("document", "base") for v in ("goods", "tax", "gross")),
        "customer_id",
        "customer_reference",
        "customer_name",
    }


def period(year: int, first: date, last: date, start: date, end: date) -> FinancialPeriod:
    return FinancialPeriod(
        year_relative_to_current_year=year,
        financial_year_start_date=first,
        financial_year_end_date=last,
        period_start_date=start,
        period_end_date=end,
    )


PERIODS = [
    period(-1, date(2025, 4, 1), date(2026, 3, 31), date(2025, 4, 1), date(2025, 4, 30)),
    period(0, date(2026, 4, 1), date(2027, 3, 31), date(2026, 4, 1), date(2026, 4, 30)),
]


@pytest.mark.parametrize(
    ("named", "today", "first", "last"),
    [
        ("this_month", date(2026, 11, 28), date(2026, 11, 1), date(2026, 11, 28)),
        ("last_month", date(2026, 1, 15), date(2025, 12, 1), date(2025, 12, 31)),
        ("this_quarter", date(2026, 11, 28), date(2026, 10, 1), date(2026, 11, 28)),
        ("last_quarter", date(2026, 2, 3), date(2025, 10, 1), date(2025, 12, 31)),
        ("this_year", date(2026, 11, 28), date(2026, 4, 1), date(2026, 11, 28)),
        ("last_year", date(2026, 11, 28), date(2025, 4, 1), date(2026, 3, 31)),
    ],
)
def test_a_named_period_is_calendar_months_and_quarters_and_financial_years(
    named: Any, today: date, first: date, last: date
) -> None:
    days = period_days(named, today, PERIODS)
    assert (days.first, days.last, days.period, days.note) == (first, last, named, None)


def test_without_financial_periods_a_year_is_the_calendar_one_and_says_so() -> None:
    days = period_days("last_year", date(2026, 11, 28), [])
    assert (days.first, days.last) == (date(2025, 1, 1), date(2025, 12, 31))
    assert days.note and "calendar year" in days.note
