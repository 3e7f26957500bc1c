"""The tools beyond customers (ledgers, orders, stock, nominal, query), against the sandbox.

The figures must agree with the books: an account's aged total is its balance and the sum of its
outstanding items, an order's totals are its lines, a nominal account's year is its postings.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Any

import httpx
import pytest
from mcp import Client

from sage200_mcp.config import Settings
from sage200_mcp.sandbox.server import SandboxServer
from sage200_mcp.server import create_server
from tests.helpers import PRO, TODAY, sandbox_requests
from tests.integration.server.test_tools import call, failure, match_count, sandbox_views

pytestmark = pytest.mark.anyio


@pytest.fixture
async def uk(mcp: Client) -> Client:
    await call(mcp, "switch_site", site="1")
    return mcp


def cents(value: float) -> int:
    return round(value * 100)


async def every_row(
    client: Client, tool: str, rows_key: str, **search: Any
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every row a list tool gives, cursor page after cursor page, and its first page."""
    rows: list[dict[str, Any]] = []
    page = first = await call(client, tool, limit=200, **search)
    while True:
        rows += page[rows_key]
        if "next_cursor" not in page:
            return rows, first
        page = await call(client, tool, limit=200, cursor=page["next_cursor"], **search)


# -- the ledgers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("party", "who"),
    [
        ("customer", "ABS001"),
        ("customer", "BOB001"),
        ("supplier", "MON001"),
        ("supplier", "FUR001"),
    ],
)
async def test_aged_total_equals_balance_equals_outstanding_items(
    uk: Client, party: str, who: str
) -> None:
    aged_tool = "get_aged_debt" if party == "customer" else "get_aged_creditors"
    detail = (await call(uk, f"get_{party}", **{party: who}))[party]
    items, _ = await every_row(uk, f"list_{party}_transactions", "transactions", **{party: who})
    aged = await call(uk, aged_tool, items=True, **{party: who})
    assert aged["returned"] == 1 and aged["accounts"][0]["reference"] == who
    balance = cents(detail["balance"])
    assert cents(aged["accounts"][0]["total"]) == balance
    alone = await call(uk, aged_tool, **{party: who})  # Sage's summary row: the same figures
    assert alone["accounts"] == aged["accounts"] and alone["totals"] == aged["totals"]
    assert "items" not in alone
    assert sum(cents(t["outstanding"]) for t in items) == balance
    assert sum(cents(i["outstanding"]) for i in aged["items"]) == balance
    assert {i["reference"] for i in aged["items"]} == {t["reference"] for t in items}


async def test_aged_debt_is_sorted_by_most_overdue_and_totals_are_the_companys(
    uk: Client, sandbox_server: SandboxServer, company_headers: dict[int, dict[str, str]]
) -> None:
    aged = await call(uk, "get_aged_debt", limit=200)
    assert aged["periods"] == [
        "older",
        "91 to 120 days",
        "61 to 90 days",
        "31 to 60 days",
        "1 to 30 days",
        "current",
        "future",
    ]
    order = {label: n for n, label in enumerate(aged["periods"])}

    def key(account: dict[str, Any]) -> list[float]:
        amounts = {b["period"]: b["amount"] for b in account["buckets"]}
        return [amounts.get(label, 0) for label in aged["periods"]]

    keys = [key(a) for a in aged["accounts"]]
    assert keys == sorted(keys, reverse=True)
    assert all(
        order[b["period"]] < order[c["period"]]
        for a in aged["accounts"]
        for b, c in zip(a["buckets"], a["buckets"][1:], strict=False)
    )
    views = sandbox_views(sandbox_server, company_headers[1])
    base = sum(cents(v["base_balance"]) for v in views)
    assert abs(cents(aged["total_outstanding"]) - base) <= 100  # base conversions round per item
    assert cents(aged["total_outstanding"]) == sum(cents(t["amount"]) for t in aged["totals"])


def open_items(server: SandboxServer, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Every outstanding sales item of a company, read straight from the sandbox."""
    rows: list[dict[str, Any]] = []
    while True:
        answer = httpx.get(
            f"{server.url}{PRO}/sales_transaction_views",
            headers=headers,
            params={
                "$filter": "document_outstanding_value ne 0",
                "$orderby": "posted_customer_transaction_id asc",
                "$top": "250",
                "$skip": str(len(rows)),
            },
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        rows += answer.json()
        if len(answer.json()) < 250:
            return rows


# days before today -> the period an item that old falls in: Sage's periods include their last day
BOUNDARIES = {
    0: "current",
    1: "1 to 30 days",
    30: "1 to 30 days",
    31: "31 to 60 days",
    60: "31 to 60 days",
    61: "61 to 90 days",
    90: "61 to 90 days",
    91: "91 to 120 days",
}


@pytest.mark.parametrize(
    ("ageing", "field"), [("duedate", "due_date"), ("transactiondate", "transaction_date")]
)
async def test_an_item_exactly_on_a_period_boundary_falls_in_the_period_it_ends(
    uk: Client,
    sandbox_server: SandboxServer,
    company_headers: dict[int, dict[str, str]],
    ageing: str,
    field: str,
) -> None:
    """The session sandbox's today is pinned (tests/helpers.TODAY), so an item due exactly 30 days
    before it is known to be in "1 to 30 days", not "31 to 60 days"; and one due today is
    current. Each age in BOUNDARIES is looked up in the books, then asked of get_aged_debt."""
    today = date.fromisoformat(TODAY)
    chosen: dict[int, dict[str, Any]] = {}
    for item in open_items(sandbox_server, company_headers[1]):
        age = (today - date.fromisoformat(item[field][:10])).days
        if age in BOUNDARIES and age not in chosen and item["document_outstanding_value"] > 0:
            chosen[age] = item
    assert {0, 30, 60, 90} <= set(chosen), f"the books have no item on some boundary: {chosen}"
    for age, item in sorted(chosen.items()):
        aged = await call(
            uk, "get_aged_debt", customer=item["customer_reference"], ageing=ageing, items=True
        )
        periods = {i["reference"]: i["period"] for i in aged["items"]}
        assert periods[item["reference"]] == BOUNDARIES[age], (age, item["reference"], periods)


async def test_ageing_by_calendar_month_names_the_months(uk: Client) -> None:
    aged = await call(uk, "get_aged_debt", ageing="calendarmonth", limit=1)
    assert "October 2026" in aged["periods"] and aged["ageing"] == "calendarmonth"


async def test_transaction_history_filters(uk: Client) -> None:
    history = await call(
        uk,
        "list_customer_transactions",
        customer="ABS001",
        outstanding_only=False,
        from_date="2026-01-01",
        to_date="2026-06-30",
        limit=200,
    )
    dates = [t["date"] for t in history["transactions"]]
    assert dates and dates == sorted(dates, reverse=True)
    assert all("2026-01-01" <= d <= "2026-06-30" for d in dates)
    kinds = {t["type"] for t in history["transactions"]}
    assert "invoice" in kinds and "payment" in kinds
    receipts = await call(
        uk,
        "list_customer_transactions",
        customer="ABS001",
        outstanding_only=False,
        type="payment",
        limit=5,
    )
    assert {t["type"] for t in receipts["transactions"]} == {"payment"}
    assert all(t["gross"] < 0 for t in receipts["transactions"])
    overdue = await call(uk, "list_customer_transactions", customer="ABS001", limit=200)
    assert any(t.get("days_overdue", 0) > 90 for t in overdue["transactions"])
    assert overdue["account"]["reference"] == "ABS001"


async def test_transactions_oldest_first_page_by_page(uk: Client) -> None:
    asked = {"customer": "ABS001", "outstanding_only": False, "oldest_first": True}
    first = await call(uk, "list_customer_transactions", limit=10, **asked)
    second = await call(
        uk, "list_customer_transactions", limit=10, cursor=first["next_cursor"], **asked
    )
    dates = [t["date"] for t in first["transactions"] + second["transactions"]]
    assert len(dates) == 20 and dates == sorted(dates)
    newest = await call(
        uk, "list_customer_transactions", limit=10, **{**asked, "oldest_first": False}
    )
    assert newest["transactions"][0]["date"] > dates[-1]
    # a cursor is bound to its order: the newest-first one is refused for the oldest-first list
    assert "cursor" in await failure(
        uk, "list_customer_transactions", limit=10, cursor=newest["next_cursor"], **asked
    )


@pytest.mark.parametrize(
    ("party", "site", "currency"),
    [
        ("customer", "Ireland", "EUR"),  # GBP and USD customers among them
        ("supplier", "1", "GBP"),  # EUR suppliers among them
    ],
)
async def test_balances_rank_and_filter_in_base_currency_across_currencies(
    mcp: Client, party: str, site: str, currency: str
) -> None:
    await call(mcp, "switch_site", site=site)
    rows, _ = await every_row(mcp, f"list_{party}s", f"{party}s", sort="-balance")
    foreign = [r for r in rows if r["currency"] != currency and r["balance"]]
    assert foreign and all("base_balance" in r for r in foreign)
    assert all("base_balance" not in r for r in rows if r["currency"] == currency)
    base = [r.get("base_balance", r["balance"]) for r in rows]
    assert base == sorted(base, reverse=True)
    assert any(r["base_balance"] != r["balance"] for r in foreign)  # a rate, not parity
    apart = max(foreign, key=lambda r: abs(r["base_balance"] - r["balance"]))
    cut = round((apart["base_balance"] + apart["balance"]) / 2, 2)  # between its two figures
    above = await call(mcp, f"list_{party}s", min_balance=cut, limit=200)
    assert {r["id"] for r in above[f"{party}s"]} == {
        r["id"] for r in rows if r.get("base_balance", r["balance"]) >= cut
    }
    base_of = {r["id"]: r.get("base_balance", r["balance"]) for r in rows}
    aged_tool = "get_aged_debt" if party == "customer" else "get_aged_creditors"
    aged, _ = await every_row(mcp, aged_tool, "accounts", sort="total")
    ranked = [base_of[a["id"]] for a in aged if a["id"] in base_of]
    assert all(a >= b - 0.05 for a, b in pairwise(ranked)), ranked


async def test_names_in_answers_are_the_names_filters_take(uk: Client) -> None:
    orders, _ = await every_row(uk, "list_sales_orders", "orders")
    statuses = {o["status"] for o in orders}
    assert "on_hold" in statuses and len(statuses) > 2
    for status in statuses:
        again = await call(uk, "list_sales_orders", status=status, limit=200)
        assert again["orders"] and {o["status"] for o in again["orders"]} == {status}
    history = await call(
        uk, "list_customer_transactions", customer="ABS001", outstanding_only=False, limit=200
    )
    kinds = {t["type"] for t in history["transactions"]} & {
        "invoice",
        "credit_note",
        "payment",
        "refund",
    }
    assert {"invoice", "payment"} <= kinds
    for kind in kinds:
        again = await call(
            uk,
            "list_customer_transactions",
            customer="ABS001",
            outstanding_only=False,
            type=kind,
            limit=200,
        )
        assert {t["type"] for t in again["transactions"]} == {kind}


async def test_suppliers_mirror_customers(uk: Client) -> None:
    page = await call(uk, "list_suppliers", sort="-balance", limit=5)
    balances = [s.get("base_balance", s["balance"]) for s in page["suppliers"]]
    assert balances == sorted(balances, reverse=True) and "next_cursor" in page
    assert (match_count(page) or 6) > 5
    supplier = (await call(uk, "get_supplier", supplier="Mondi Paper Mills"))["supplier"]
    assert supplier["reference"] == "MON001" and "average_days_to_pay" not in supplier
    euro = (await call(uk, "get_supplier", supplier="EUR001"))["supplier"]
    assert euro["currency"] == "EUR"
    assert "Several suppliers match" in await failure(uk, "get_supplier", supplier="Ltd")


# -- orders ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sales", "purchase"])
async def test_every_order_total_equals_its_lines(uk: Client, kind: str) -> None:
    page = await call(uk, f"list_{kind}_orders", limit=15)
    assert page["returned"] == 15
    discounts = 0
    for row in page["orders"]:
        order = (await call(uk, f"get_{kind}_order", order=row["number"]))["order"]
        assert cents(order["net"]) == sum(cents(line["net"]) for line in order["lines"])
        assert cents(order["tax"]) == sum(cents(line["tax"]) for line in order["lines"])
        assert cents(order["gross"]) == cents(order["net"]) + cents(order["tax"])
        assert (order["lines_net"], order["lines_tax"]) == (order["net"], order["tax"])
        assert order["account"]["reference"] == row["account"]["reference"]
        for line in order["lines"]:  # each line visibly adds up: price less discount, times qty
            discount = cents(line.get("discount", 0))
            assert cents(line["list_price"]) - discount == cents(line["unit_price"]), line
            assert abs(cents(line["quantity"] * line["unit_price"]) - cents(line["net"])) <= 1
            assert ("discount" in line) == ("discount_percent" in line), line
            discounts += discount > 0
    assert kind == "purchase" or discounts  # the sales books give some lines a discount


async def test_orders_by_customer_status_and_number(uk: Client) -> None:
    live = await call(uk, "list_sales_orders", status="live", limit=200)
    assert live["orders"] and {o["status"] for o in live["orders"]} == {"live"}
    first = live["orders"][0]
    mine = await call(uk, "list_sales_orders", customer=first["account"]["reference"], limit=200)
    assert {o["account"]["id"] for o in mine["orders"]} == {first["account"]["id"]}
    short = str(int(first["number"]))
    assert (await call(uk, "get_sales_order", order=short))["order"]["number"] == first["number"]
    by_theirs = await call(uk, "get_sales_order", order=first["their_reference"])
    assert by_theirs["order"]["id"] == first["id"]
    assert "No sales order" in await failure(uk, "get_sales_order", order="ZZ-NOPE")
    windowed = await call(uk, "list_purchase_orders", from_date="2026-11-01", to_date="2026-11-28")
    assert all("2026-11-01" <= o["date"] <= "2026-11-28" for o in windowed["orders"])


@pytest.mark.parametrize("kind", ["sales", "purchase"])
async def test_orders_by_value(uk: Client, kind: str) -> None:
    tool = f"list_{kind}_orders"
    every, _ = await every_row(uk, tool, "orders")
    values = sorted(o["net"] for o in every)
    low, high = values[len(values) // 4], values[3 * len(values) // 4]
    big, _ = await every_row(uk, tool, "orders", min_value=high)
    small, _ = await every_row(uk, tool, "orders", max_value=low)
    middle, _ = await every_row(uk, tool, "orders", min_value=low, max_value=high)
    assert {o["id"] for o in big} == {o["id"] for o in every if o["net"] >= high}
    assert {o["id"] for o in small} == {o["id"] for o in every if o["net"] <= low}
    assert {o["id"] for o in middle} == {o["id"] for o in every if low <= o["net"] <= high}
    assert big and small and middle


async def test_an_upside_down_value_range_is_refused_before_asking_sage(
    uk: Client, sandbox_server: SandboxServer
) -> None:
    before = sandbox_requests(sandbox_server.url)
    text = await failure(uk, "list_sales_orders", min_value=500, max_value=100)
    assert "swap them" in text and sandbox_requests(sandbox_server.url) == before


# -- stock ----------------------------------------------------------------------------------------


async def test_products_and_stock_by_warehouse(uk: Client) -> None:
    board = (await call(uk, "get_product", product="board001"))["product"]
    assert board["code"] == "BOARD001" and len(board["warehouses"]) >= 1
    assert board["free_stock"] == sum(w["free_stock"] for w in board["warehouses"])
    assert all(w["free_stock"] == w["in_stock"] - w["allocated"] for w in board["warehouses"])
    boards = await call(uk, "list_products", search="whiteboard", limit=50)
    assert boards["products"] and all("whiteboard" in p["name"].lower() for p in boards["products"])
    stocked = await call(uk, "list_products", in_stock_only=True, sort="-free_stock", limit=20)
    frees = [p["free_stock"] for p in stocked["products"]]
    assert frees == sorted(frees, reverse=True) and min(frees) > 0
    assert "Several products match" in await failure(uk, "get_product", product="board")


async def test_products_below_reorder_level_are_those_sage_holds_short(
    uk: Client, sandbox_server: SandboxServer, company_headers: dict[int, dict[str, str]]
) -> None:
    answer = httpx.get(
        f"{sandbox_server.url}{PRO}/product_views",
        headers=company_headers[1],
        params={"$orderby": "id asc", "$top": "500"},
        timeout=30,
    ).json()
    expected = {
        p["code"]
        for p in answer
        if p["reorder_level"] and p["free_stock_quantity"] < p["reorder_level"]
    }
    short, first = await every_row(uk, "list_products", "products", below_reorder_level=True)
    assert {p["code"] for p in short} == expected and first["total"] == len(expected)
    assert "free stock" in first["basis"] and "allocated" in first["basis"]
    for row in short:
        assert row["shortfall"] == row["reorder_level"] - row["free_stock"] > 0
    assert any(row.get("on_order") for row in short)  # the seed has some on order already
    biggest = await call(uk, "list_products", below_reorder_level=True, sort="-shortfall", limit=5)
    gaps = [p["shortfall"] for p in biggest["products"]]
    assert gaps == sorted((p["shortfall"] for p in short), reverse=True)[:5]
    plain = await call(uk, "list_products", limit=5)
    assert "basis" not in plain and all("shortfall" not in p for p in plain["products"])
    assert "below_reorder_level" in await failure(uk, "list_products", sort="-shortfall")


# -- nominal and cash -----------------------------------------------------------------------------


async def test_nominal_activity_agrees_with_the_year_to_date(uk: Client) -> None:
    code = (await call(uk, "list_nominal_codes", search="7500"))["nominal_codes"][0]
    year = await call(uk, "get_nominal_activity", code="7500")
    assert year["from_date"] == "2026-04-01"  # the UK company's financial year starts in April
    assert cents(year["debits_in_range"]) == cents(code["debits_this_year"])
    assert cents(year["credits_in_range"]) == cents(code["credits_this_year"])
    quarter = await call(
        uk,
        "get_nominal_activity",
        code="7500",
        from_date="2026-07-01",
        to_date="2026-09-30",
        latest=3,
    )
    assert 0 < quarter["net_in_range"] < year["net_in_range"] and len(quarter["latest"]) == 3
    assert all("2026-07-01" <= p["date"] <= "2026-09-30" for p in quarter["latest"])
    assert "No nominal account '9999'" in await failure(uk, "get_nominal_activity", code="9999")
    assert "swap" in await failure(
        uk, "get_nominal_activity", code="7500", from_date="2026-09-30", to_date="2026-07-01"
    )


async def test_trial_balance_and_banks(uk: Client) -> None:
    codes = (await call(uk, "list_nominal_codes", limit=200))["nominal_codes"]
    assert sum(cents(c["balance_year_to_date"]) for c in codes) == 0
    banks = (await call(uk, "list_bank_accounts"))["bank_accounts"]
    current = next(b for b in banks if b["code"] == "1200")
    assert current["balance"] == next(
        c["balance_year_to_date"] for c in codes if c["reference"] == "1200"
    )
    assert current["currency"] == "GBP"


async def test_reference_data(uk: Client) -> None:
    taxes = (await call(uk, "get_reference_data", kind="tax_codes"))["rows"]
    assert any(t["tax_rate"] == 20 for t in taxes)
    currencies = (await call(uk, "get_reference_data", kind="currencies"))["rows"]
    assert {c["code"] for c in currencies} == {"GBP", "EUR", "USD"}
    periods = (await call(uk, "get_reference_data", kind="financial_periods"))["rows"]
    assert len(periods) == 48 and periods[0]["period_start_date"] == "2024-04-01"
    years = (await call(uk, "get_reference_data", kind="financial_years"))["rows"]
    assert [(y["year"], y["start"], y["end"], y["periods"]) for y in years] == [
        (-2, "2024-04-01", "2025-03-31", 12),
        (-1, "2025-04-01", "2026-03-31", 12),
        (0, "2026-04-01", "2027-03-31", 12),
        (1, "2027-04-01", "2028-03-31", 12),
    ]
    # the period holding the tools' today (SAGE200_TODAY, 2026-11-28): November, period 8
    assert years[2]["current_period"] == {"number": 8, "start": "2026-11-01", "end": "2026-11-30"}
    assert all("current_period" not in y for y in years if y["year"] != 0)
    await call(uk, "switch_site", site="Ireland")
    irish = (await call(uk, "get_reference_data", kind="tax_codes"))["rows"]
    assert any(t["tax_rate"] == 23 for t in irish)


# -- query ----------------------------------------------------------------------------------------


async def test_query_reads_any_collection(uk: Client) -> None:
    rows = await call(
        uk,
        "query",
        resource="nominal_transaction_enquiry_views",
        filter="debit gt 1000 and transaction_date ge 2026-10-01",
        select=["transaction_date", "reference", "debit"],
        orderby="debit desc",
        top=5,
    )
    assert rows["returned"] == 5 and rows["next_cursor"]
    assert all(set(r) == {"transaction_date", "reference", "debit"} for r in rows["rows"])
    debits = [r["debit"] for r in rows["rows"]]
    assert debits == sorted(debits, reverse=True) and min(debits) > 1000
    nested = await call(
        uk, "query", resource="customers/10001/customer_contacts", select=["name", "default_email"]
    )
    assert nested["rows"] and nested["resource"] == "/customers/{customerId}/customer_contacts"
    expanded = await call(
        uk,
        "query",
        resource="sop_orders",
        expand=["customer"],
        select=["document_no", "customer.name"],
        top=2,
    )
    assert all(set(r) == {"document_no", "customer"} for r in expanded["rows"])
    quoted = await call(
        uk,
        "query",
        resource="customer_views",
        filter="name eq 'O''Brien Hardware'",
        select=["reference"],
    )
    assert quoted["rows"] == [{"reference": "OBR001"}]


async def test_query_pages_by_cursor_from_the_last_row_shown_whatever_cut_the_page(
    settings: Settings,
) -> None:
    from dataclasses import replace

    asked = {
        "resource": "nominal_transaction_enquiry_views",
        "select": ["id", "narrative", "debit"],
        "orderby": "debit desc, id asc",
        "top": 200,
    }
    async with Client(create_server(settings)) as roomy:
        await call(roomy, "switch_site", site="1")
        whole = await call(roomy, "query", **{**asked, "select": ["id"], "top": 400})
    async with Client(create_server(replace(settings, max_result_chars=4_000))) as small:
        await call(small, "switch_site", site="1")
        rows, page = [], await call(small, "query", **asked)
        assert page["truncated"] and page["returned"] < 200  # the size budget cut the page
        while len(rows) < 400 and "next_cursor" in page:
            rows += page["rows"]
            page = await call(small, "query", **asked, cursor=page["next_cursor"])
        ids = [r["id"] for r in rows][:400]
        assert ids == [r["id"] for r in whole["rows"]]  # none lost, none twice
        text = await failure(
            small, "query", **{**asked, "orderby": "id asc"}, cursor=page["next_cursor"]
        )
        assert "another query search" in text


async def test_query_passes_the_ageing_basis_to_the_aged_views(uk: Client) -> None:
    asked = {
        "resource": "sales_aged_debtor_summary_views",
        "select": ["customer_id", "doc_current", "doc_past"],
        "orderby": "customer_id asc",
        "top": 500,
    }
    by_due = await call(uk, "query", **asked, ageing="duedate")
    by_date = await call(uk, "query", **asked, ageing="transactiondate")
    assert by_due["rows"] != by_date["rows"]  # the basis reached Sage
    one = by_due["rows"][0]
    aged = await call(uk, "get_aged_debt", customer=str(one["customer_id"]), ageing="duedate")
    current = [b["amount"] for b in aged["accounts"][0]["buckets"] if b["period"] == "current"]
    assert current == ([one["doc_current"]] if one["doc_current"] else [])


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"resource": "customer_view"}, "Did you mean: customer_views"),
        ({"resource": "nominal_transaction_enquiry_view"}, "nominal_transaction_enquiry_views"),
        ({"resource": "customers/abc/customer_contacts"}, "must be numbers"),
        ({"resource": "customer_views", "filter": "balnce gt 3"}, "Did you mean: balance"),
        ({"resource": "customer_views", "select": ["nme"]}, "Did you mean: name"),
        ({"resource": "customer_views", "orderby": "balanse desc"}, "Did you mean: balance"),
        ({"resource": "customers", "expand": ["adress"]}, "main_address"),
        ({"resource": "sop_orders", "select": ["customer.name"]}, "also expand 'customer'"),
        ({"resource": "customer_views", "filter": "balance gt '3'"}, "without quotes"),
        ({"resource": "customer_views", "filter": "account_opened gt '2020-01-01'"}, "unquoted"),
        ({"resource": "customer_views", "filter": "name eq"}, "not valid OData"),
        ({"resource": "customer_views", "filter": "contains(balance,'1')"}, "text fields"),
        ({"resource": "customer_views", "filter": "not balance gt 3"}, "with brackets"),
        ({"resource": "customer_views", "filter": "balance eq account_is_on_hold"}, "one type"),
        ({"resource": "customer_views", "orderby": "name sideways"}, "Cannot read"),
        ({"resource": "customer_views", "ageing": "duedate"}, "aged views only"),
    ],
)
async def test_query_refuses_what_it_cannot_send_naming_the_closest(
    uk: Client, arguments: dict[str, Any], words: str
) -> None:
    assert words in await failure(uk, "query", **arguments)


async def test_query_checks_against_the_standard_edition(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    standard = replace(settings, edition="standard")
    async with Client(create_server(standard)) as client:
        await call(client, "switch_site", site="1")
        assert "not a field" in await failure(
            client, "query", resource="customers", select=["finance_charge_id"]
        )
        assert "not a collection" in await failure(client, "query", resource="finance_charges")


# -- toolsets -------------------------------------------------------------------------------------


async def test_toolsets_keep_the_tool_list_short(settings: Settings) -> None:
    async with Client(create_server(settings, toolsets=("orders", "query"))) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        status = await call(client, "get_status")
    assert names == {
        "list_sites",
        "switch_site",
        "get_status",
        "login",
        "complete_login",
        "diagnose",
        "list_sales_orders",
        "get_sales_order",
        "list_purchase_orders",
        "get_purchase_order",
        "query",
    }
    assert status["toolsets"] == ["orders", "query"]


async def test_aged_debt_by_largest_balance_and_by_hold(uk: Client) -> None:
    by_total, _ = await every_row(uk, "get_aged_debt", "accounts", sort="total")
    totals = [a["total"] for a in by_total]
    assert totals == sorted(totals, reverse=True)
    held_ids: set[int] = set()
    page = await call(uk, "list_customers", on_hold=True, limit=200)
    held_ids |= {c["id"] for c in page["customers"]}
    assert "next_cursor" not in page and held_ids
    held, first = await every_row(uk, "get_aged_debt", "accounts", on_hold=True)
    free, rest = await every_row(uk, "get_aged_debt", "accounts", on_hold=False)
    whole = await call(uk, "get_aged_debt", limit=1)
    parts = cents(first["total_outstanding"]) + cents(rest["total_outstanding"])
    assert abs(parts - cents(whole["total_outstanding"])) <= 1  # each total rounds once
    assert held and {a["id"] for a in held} <= held_ids
    assert not {a["id"] for a in free} & held_ids
    assert {a["id"] for a in held + free} == {a["id"] for a in by_total}
    assert first["totals_of"] == "every customer on hold"
    assert cents(first["total_outstanding"]) == sum(cents(t["amount"]) for t in first["totals"])


async def test_sort_and_hold_with_one_account_are_refused(uk: Client) -> None:
    assert "leave them out" in await failure(uk, "get_aged_debt", customer="ABS001", on_hold=True)


async def test_customers_by_when_they_last_traded(uk: Client) -> None:
    shown = {"fields": ["date_of_last_transaction"]}
    quiet, _ = await every_row(uk, "list_customers", "customers", quiet_since="2026-08-01", **shown)
    active, _ = await every_row(
        uk, "list_customers", "customers", active_since="2026-08-01", **shown
    )
    everyone, _ = await every_row(uk, "list_customers", "customers")
    assert quiet and active
    assert all(c["extra"]["date_of_last_transaction"][:10] < "2026-08-01" for c in quiet)
    assert all(c["extra"]["date_of_last_transaction"][:10] >= "2026-08-01" for c in active)
    assert {c["id"] for c in quiet} | {c["id"] for c in active} == {c["id"] for c in everyone}
    owing, _ = await every_row(
        uk, "list_customers", "customers", quiet_since="2026-08-01", min_balance=0.01
    )
    assert {c["id"] for c in owing} == {c["id"] for c in quiet if c["balance"] >= 0.01}
