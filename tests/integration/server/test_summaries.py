"""summarise_sales and summarise_purchases through the MCP server against the sandbox: their
figures equal the ledger's transactions summed here independently (read straight from the
sandbox), their lines add up to their totals, and a year of a ledger costs a handful of requests.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from mcp import Client

from sage200_mcp.sandbox.server import SandboxServer
from tests.helpers import PRO, sandbox_variant
from tests.integration.server.test_few_round_trips import Requests
from tests.integration.server.test_tools import call, failure

pytestmark = pytest.mark.anyio

# the client's page; halved once a Professional tunnel (the variant playing one) times it out
TUNNEL = "tunnel_timeout_rows" in sandbox_variant()
PAGE = 500 if TUNNEL else 1000
RETRIED = 1 if TUNNEL else 0  # the page the tunnel timed out, asked again smaller

FIGURES = ("invoiced", "credited", "net", "tax", "gross")


@pytest.fixture
async def uk(mcp: Client) -> Client:
    await call(mcp, "switch_site", site="1")
    return mcp


def round_trips(server: SandboxServer) -> int:
    return int(server.sandbox.stats()["api_round_trips"])


def ledger_rows(
    http: httpx.Client,
    tokens: dict[str, str],
    sites: list[dict[str, Any]],
    view: str,
    first: str,
    last: str,
) -> list[dict[str, Any]]:
    """Every transaction of the UK company's ledger dated in the range, read page by page."""
    return view_rows(http, tokens, sites, view, "transaction_date", first, last)


def pence(rows: list[dict[str, Any]], party: str | None = None) -> dict[str, int]:
    """The figures, in pence and base currency, of these transactions (of one account)."""
    out = dict.fromkeys(("invoiced", "credited", "tax", "paid", "documents"), 0)
    for row in rows:
        if party is not None and row["customer_reference"] != party:
            continue
        kind = str(row["transaction_type"]).removeprefix("TradingAccountEntryType")
        goods, tax, gross = (abs(round(row[f"base_{v}_value"] * 100)) for v in VALUES)
        if kind == "Invoice":
            out["invoiced"] += goods
            out["tax"] += tax
        elif kind == "CreditNote":
            out["credited"] += goods
            out["tax"] -= tax
        elif kind == "PurchasePaymentSalesReceipt":
            out["paid"] += gross
        else:
            continue
        out["documents"] += 1
    out["net"] = out["invoiced"] - out["credited"]
    out["gross"] = out["net"] + out["tax"]
    return out


VALUES = ("goods", "tax", "gross")


def in_pence(figures: dict[str, Any], paid: str) -> dict[str, int]:
    found = {name: round(figures[name] * 100) for name in FIGURES}
    return {**found, "paid": round(figures[paid] * 100), "documents": figures["documents"]}


async def test_this_years_sales_by_customer_agree_with_the_ledger_and_add_up(
    uk: Client,
    sandbox_server: SandboxServer,
    sandbox_http: httpx.Client,
    demo_tokens: dict[str, str],
    sites: list[dict[str, Any]],
) -> None:
    requests, trips = Requests(sandbox_server), round_trips(sandbox_server)
    found = await call(uk, "summarise_sales", group_by="customer")
    made, chain = requests.since(), round_trips(sandbox_server) - trips
    assert "period" not in found and found["company"]["as_at"] == "2026-11-28"
    assert found["to_date"] == "2026-11-28" and found["from_date"].endswith("-01")
    rows = ledger_rows(
        sandbox_http,
        demo_tokens,
        sites,
        "sales_transaction_views",
        found["from_date"],
        found["to_date"],
    )
    expected = pence(rows)
    assert expected["documents"] > 1000  # a year of a ledger, over several pages
    assert in_pence(found["totals"], "receipts") == expected
    groups = found["groups"]
    assert len(groups) == 11 and groups[-1]["group"] == "others"
    assert groups[-1]["merged"] == found["groups_found"] - 10
    nets = [g["net"] for g in groups[:-1]]
    assert nets == sorted(nets, reverse=True)
    for name in (*FIGURES, "receipts", "documents"):
        assert round(sum(g[name] for g in groups), 2) == pytest.approx(found["totals"][name])
    top = groups[0]
    assert in_pence(top, "receipts") == pence(rows, top["group"])
    assert top["name"] and top["id"]
    assert "sales_transaction_views" in found["basis"]
    # the year's transactions, a page of a thousand each (and a count), the later pages side
    # by side; the financial periods and the types beside them; nothing per customer
    assert made["sales_transaction_views"] <= len(rows) // PAGE + 2 + RETRIED, made
    assert sum(made.values()) - made["sales_transaction_views"] <= 2, made
    if sandbox_variant().get("count_style") != "unsupported":  # no total: page after page
        assert chain <= made["sales_transaction_views"] // 2 + 1, chain  # pages side by side
    size = len(json.dumps(found, separators=(",", ":")))
    print(f"top 10 customers this year: {size} chars, {len(rows)} rows, {made}, {chain} trips")
    assert size < 8000


async def test_last_month_invoiced_by_month(
    uk: Client,
    sandbox_server: SandboxServer,
    sandbox_http: httpx.Client,
    demo_tokens: dict[str, str],
    sites: list[dict[str, Any]],
) -> None:
    await call(uk, "summarise_sales", period="this_month")  # periods and types read once
    requests, trips = Requests(sandbox_server), round_trips(sandbox_server)
    found = await call(uk, "summarise_sales", period="last_month")
    made, chain = requests.since(), round_trips(sandbox_server) - trips
    assert (found["from_date"], found["to_date"]) == ("2026-10-01", "2026-10-31")
    assert found["period"] == "last_month" and "groups" not in found
    rows = ledger_rows(
        sandbox_http, demo_tokens, sites, "sales_transaction_views", "2026-10-01", "2026-10-31"
    )
    assert in_pence(found["totals"], "receipts") == pence(rows)
    # a page of a thousand each and a count; the periods and types are remembered
    assert (
        sum(made.values()) == made["sales_transaction_views"] <= len(rows) // PAGE + 2 + RETRIED
    ), made
    size = len(json.dumps(found, separators=(",", ":")))
    print(f"invoiced last month: {size} chars, {len(rows)} rows, {made}, {chain} trips")
    by_month = await call(uk, "summarise_sales", period="this_year", group_by="month")
    months = [g["group"] for g in by_month["groups"]]
    assert months == sorted(months) and "2026-10" in months
    october = next(g for g in by_month["groups"] if g["group"] == "2026-10")
    assert in_pence(october, "receipts") == pence(rows)


async def test_one_customers_receipts_over_a_quarter(
    uk: Client,
    sandbox_http: httpx.Client,
    demo_tokens: dict[str, str],
    sites: list[dict[str, Any]],
) -> None:
    found = await call(
        uk, "summarise_sales", customer="abs001", from_date="2026-09-01", group_by="quarter"
    )
    assert found["customer"]["reference"] == "ABS001"
    assert (found["from_date"], found["to_date"]) == ("2026-09-01", "2026-11-28")
    rows = ledger_rows(
        sandbox_http, demo_tokens, sites, "sales_transaction_views", "2026-09-01", "2026-11-28"
    )
    assert in_pence(found["totals"], "receipts") == pence(rows, "ABS001")
    assert [g["group"] for g in found["groups"]] == ["2026-Q3", "2026-Q4"]


async def test_top_suppliers_last_year(uk: Client) -> None:
    found = await call(uk, "summarise_purchases", period="last_year", group_by="supplier", top=3)
    assert found["period"] == "last_year" and found["to_date"] < "2026-11-28"
    assert "purchase_transaction_views" in found["basis"]
    assert [g["group"] for g in found["groups"]][-1] == "others" and len(found["groups"]) == 4
    assert found["totals"]["payments"] > 0 and found["totals"]["invoiced"] > 0
    assert round(sum(g["payments"] for g in found["groups"]), 2) == pytest.approx(
        found["totals"]["payments"]
    )


@pytest.mark.parametrize(
    ("arguments", "advice"),
    [
        ({"period": "last_month", "from_date": "2026-01-01"}, "not both"),
        ({"from_date": "2026-11-01", "to_date": "2026-10-01"}, "swap them"),
        ({"to_date": "2024-01-31"}, "give from_date too"),
        ({"customer": "no such customer at all"}, "No customer"),
        ({"period": "next_decade"}, "this_month"),
    ],
)
async def test_bad_input_says_what_to_do(
    uk: Client, arguments: dict[str, Any], advice: str
) -> None:
    assert advice in await failure(uk, "summarise_sales", **arguments)


def view_rows(
    http: httpx.Client,
    tokens: dict[str, str],
    sites: list[dict[str, Any]],
    view: str,
    dated: str,
    first: str,
    last: str,
) -> list[dict[str, Any]]:
    """Every row of a view of the UK company dated (by field ``dated``) in the range."""
    uk = next(s for s in sites if s["company_id"] == 1)
    headers = {
        "Authorization": f"Bearer {tokens['access_token']}",
        "X-Site": str(uk["site_id"]),
        "X-Company": "1",
    }
    rows: list[dict[str, Any]] = []
    while True:
        page = http.get(
            f"{PRO}/{view}",
            headers=headers,
            params={
                "$filter": f"{dated} ge {first} and {dated} le {last}",
                "$orderby": f"{dated} asc",
                "$top": "500",  # the tunnel variant refuses more
                "$skip": str(len(rows)),
            },
        ).json()
        rows += page
        if len(page) < 500:
            return rows


LINES = "customer_sop_invoice_credit_line_views"


def by_product(lines: list[dict[str, Any]]) -> dict[str, tuple[float, int, int]]:
    """Each product's quantity, net and tax in pence of base currency (invoiced less credited),
    summed here from the sandbox's line rows."""
    found: dict[str, tuple[float, float, float]] = {}
    for line in lines:
        sign = -1 if "credit" in line["sop_invoice_credit_type"].lower() else 1
        rate = line["sop_invoice_credit_exchange_rate"]
        quantity, net, tax = found.get(line["product_code"], (0.0, 0.0, 0.0))
        found[line["product_code"]] = (
            quantity + sign * line["invoice_line_profit_analysis_line_quantity"],
            net + sign * line["sop_invoice_credit_line_total_value"] * 100 / rate,
            tax + sign * line["sop_invoice_credit_line_tax_value"] * 100 / rate,
        )
    return {code: (q, round(n), round(t)) for code, (q, n, t) in found.items()}


async def test_sales_by_product_this_quarter_are_the_invoice_lines_and_agree_with_the_ledger(
    uk: Client,
    sandbox_server: SandboxServer,
    sandbox_http: httpx.Client,
    demo_tokens: dict[str, str],
    sites: list[dict[str, Any]],
) -> None:
    await call(uk, "summarise_sales", period="this_month")  # periods and types read once
    requests = Requests(sandbox_server)
    found = await call(uk, "summarise_sales", period="this_quarter", group_by="product", top=5)
    made = requests.since()
    first, last = found["from_date"], found["to_date"]
    lines = view_rows(
        sandbox_http, demo_tokens, sites, LINES, "sop_invoice_credit_document_date", first, last
    )
    ledger = ledger_rows(sandbox_http, demo_tokens, sites, "sales_transaction_views", first, last)
    assert len(lines) > 1000  # several pages
    # the totals are the ledger's, as without products
    assert in_pence(found["totals"], "receipts") == pence(ledger)
    # every product line as summed here: the top five by net, the rest as others
    expected = by_product(lines)
    groups = found["groups"]
    assert found["groups_found"] == len(expected) and len(groups) == 6
    ranked = sorted(expected.items(), key=lambda item: (-item[1][1], item[0]))
    for group, (code, (quantity, net, tax)) in zip(groups, ranked[:5], strict=False):
        assert group["group"] == code and group["name"] and group["id"]
        assert (group["quantity"], round(group["net"] * 100)) == (pytest.approx(quantity), net)
        assert round(group["tax"] * 100) == tax and "receipts" not in group
    others = groups[-1]
    assert others["group"] == "others" and others["merged"] == len(expected) - 5
    assert round(others["net"] * 100) == pytest.approx(sum(n for _, (_, n, _) in ranked[5:]), abs=1)
    assert others["quantity"] == pytest.approx(sum(q for _, (q, _, _) in ranked[5:]))
    assert sum(g["documents"] for g in groups) == len(lines)
    # each document's lines add up to its goods in the ledger, exactly, in its own currency
    goods = {row["reference"]: row for row in ledger}
    by_document: dict[str, int] = {}
    for line in lines:
        number = line["sop_invoice_credit_document_no"]
        by_document[number] = by_document.get(number, 0) + round(
            line["sop_invoice_credit_line_total_value"] * 100
        )
    for number, total in by_document.items():
        assert total == abs(round(goods[number]["document_goods_value"] * 100)), number
        assert goods[number]["transaction_date"][:10] >= first
    # so the invoice lines cover the ledger's invoices that have lines, and no others
    invoices = [r for r in ledger if str(r["transaction_type"]).endswith("Invoice")]
    with_lines = sum(abs(r["base_goods_value"]) for r in invoices if r["reference"] in by_document)
    everything = sum(abs(r["base_goods_value"]) for r in invoices)
    assert 0.5 < with_lines / everything < 1
    assert found["products_cover"] == pytest.approx(with_lines / everything, abs=1e-4)
    assert f"{found['products_cover']:.1%} of the goods invoiced" in found["note"]
    assert LINES in found["basis"] and "sales_transaction_views" in found["basis"]
    # the lines and the ledger side by side, a page of a thousand each and a count
    assert made[LINES] <= len(lines) // PAGE + 2 + RETRIED, made
    assert sum(made.values()) - made[LINES] <= len(ledger) // PAGE + 2 + RETRIED, made
    size = len(json.dumps(found, separators=(",", ":")))
    print(f"top 5 products this quarter: {size} chars, {len(lines)} lines, {made}")
    assert size < 4000


async def test_one_customers_products_last_month(
    uk: Client,
    sandbox_http: httpx.Client,
    demo_tokens: dict[str, str],
    sites: list[dict[str, Any]],
) -> None:
    found = await call(
        uk, "summarise_sales", customer="ABS001", period="last_month", group_by="product"
    )
    lines = [
        line
        for line in view_rows(
            sandbox_http,
            demo_tokens,
            sites,
            LINES,
            "sop_invoice_credit_document_date",
            "2026-10-01",
            "2026-10-31",
        )
        if line["customer_reference"] == "ABS001"
    ]
    expected = by_product(lines)
    assert lines and {g["group"]: round(g["net"] * 100) for g in found["groups"]} == {
        code: net for code, (_, net, _) in expected.items()
    }
