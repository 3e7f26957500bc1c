"""Customers and suppliers by their last invoice or payment, and list fields read from the full
record, against the sandbox: the accounts listed are those the sandbox's own transactions say,
with the dates its rows hold; cursor pages agree with the first and cost no scan; bad input is
refused before Sage is asked.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from mcp import Client

from sage200_mcp.sandbox.server import SandboxServer
from tests.helpers import PRO
from tests.integration.server.test_few_round_trips import Requests
from tests.integration.server.test_ledger_tools import every_row
from tests.integration.server.test_tools import call, failure

pytestmark = pytest.mark.anyio

INVOICE = "TradingAccountEntryTypeInvoice"
PAYMENT = "TradingAccountEntryTypePurchasePaymentSalesReceipt"


@pytest.fixture
async def uk(mcp: Client) -> Client:
    await call(mcp, "switch_site", site="1")
    await call(mcp, "list_customers", limit=1)  # enumerations and $count style found already
    return mcp


def rows_of(
    server: SandboxServer, headers: dict[str, str], path: str, params: dict[str, str]
) -> list[dict[str, Any]]:
    """Every row of ``path``, read straight from the sandbox in pages any variant answers."""
    rows: list[dict[str, Any]] = []
    while True:
        answer = httpx.get(
            f"{server.url}{PRO}/{path}",
            headers=headers,
            params={**params, "$top": "250", "$skip": str(len(rows))},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        rows += answer.json()
        if len(answer.json()) < 250:
            return rows


def expected(
    server: SandboxServer, headers: dict[str, str], party: str, kinds: dict[str, str]
) -> tuple[set[int], dict[int, dict[str, str]]]:
    """The active accounts with no entry of each kind (``kinds``: Sage's type -> day) on or after
    its day, by the sandbox's own transactions; and each one's latest such entry before it."""
    ledger = "sales" if party == "customer" else "purchase"
    entries = rows_of(
        server,
        headers,
        f"{ledger}_transaction_views",
        {
            "$select": f"{party}_id,transaction_type,transaction_date",
            "$orderby": f"posted_{party}_transaction_id asc",
        },
    )
    accounts = rows_of(
        server,
        headers,
        f"{party}_views",
        {"$select": "id,account_status_type", "$orderby": "id asc"},
    )
    traded = {
        e[f"{party}_id"]
        for e in entries
        if e["transaction_type"] in kinds
        and e["transaction_date"][:10] >= kinds[e["transaction_type"]]
    }
    quiet = {
        a["id"]
        for a in accounts
        if a["id"] not in traded and a["account_status_type"].endswith("Active")
    }
    latest: dict[int, dict[str, str]] = {}
    for e in entries:
        kind = "invoice" if e["transaction_type"] == INVOICE else "payment"
        day = e["transaction_date"][:10]
        if e[f"{party}_id"] in quiet and e["transaction_type"] in kinds:
            held = latest.setdefault(e[f"{party}_id"], {})
            held[kind] = max(held.get(kind, ""), day)
    return quiet, latest


async def test_customers_with_a_balance_and_no_invoice_since_a_day(
    uk: Client, sandbox_server: SandboxServer, company_headers: dict[int, dict[str, str]]
) -> None:
    day = "2026-10-01"
    quiet, latest = expected(sandbox_server, company_headers[1], "customer", {INVOICE: day})
    balances = {
        v["id"]: v["base_balance"]
        for v in rows_of(
            sandbox_server,
            company_headers[1],
            "customer_views",
            {"$select": "id,base_balance", "$orderby": "id asc"},
        )
    }
    owing = {i for i in quiet if balances[i] >= 0.01}
    assert len(owing) > 10  # the seed has enough to page through below
    requests = Requests(sandbox_server)
    first = await call(uk, "list_customers", no_invoice_since=day, min_balance=0.01, limit=10)
    made = requests.since()
    # the account list and the invoices since the day side by side (a few pages each), then
    # the page's latest invoices in one request
    assert made["sales_transaction_views"] <= 6 and sum(made.values()) <= 10, made
    assert first["total"] == len(owing) and "next_cursor" in first
    assert "no invoice dated 2026-10-01 or later" in first["basis"]
    assert "last_invoice" in first["basis"] and "absent if none" in first["basis"]
    second = await call(
        uk,
        "list_customers",
        no_invoice_since=day,
        min_balance=0.01,
        limit=10,
        cursor=first["next_cursor"],
    )
    made = requests.since()
    assert sum(made.values()) == 1 and made["sales_transaction_views"] == 1, made  # no rescan
    assert not {c["id"] for c in first["customers"]} & {c["id"] for c in second["customers"]}
    other = await failure(
        uk,
        "list_customers",
        no_invoice_since="2026-09-01",
        min_balance=0.01,
        cursor=first["next_cursor"],
    )
    assert "another list_customers search" in other
    listed, _ = await every_row(
        uk, "list_customers", "customers", no_invoice_since=day, min_balance=0.01
    )
    assert {c["id"] for c in listed} == owing
    assert [c["id"] for c in listed[:20]] == [
        c["id"] for c in first["customers"] + second["customers"]
    ]
    names = [c["name"] for c in listed]
    assert names == sorted(names, key=str.lower) or names == sorted(names)
    for row in listed:
        assert row.get("last_invoice") == latest.get(row["id"], {}).get("invoice"), row
        assert "last_payment" not in row and row["balance"] >= 0.01
    assert any("last_invoice" in row for row in listed)


async def test_suppliers_paid_nothing_and_sent_no_invoice_since(
    uk: Client, sandbox_server: SandboxServer, company_headers: dict[int, dict[str, str]]
) -> None:
    kinds = {INVOICE: "2026-09-01", PAYMENT: "2026-10-15"}
    quiet, latest = expected(sandbox_server, company_headers[1], "supplier", kinds)
    listed, first = await every_row(
        uk,
        "list_suppliers",
        "suppliers",
        no_invoice_since="2026-09-01",
        no_payment_since="2026-10-15",
        sort="-balance",
    )
    assert {s["id"] for s in listed} == quiet and quiet
    assert "no invoice dated 2026-09-01 or later and no payment dated 2026-10-15" in first["basis"]
    for row in listed:
        assert row.get("last_invoice") == latest.get(row["id"], {}).get("invoice"), row
        assert row.get("last_payment") == latest.get(row["id"], {}).get("payment"), row
    plain = await call(uk, "list_suppliers", limit=3)
    assert "basis" not in plain and all("last_invoice" not in s for s in plain["suppliers"])


async def test_a_field_only_the_record_has_costs_one_request_for_the_page(
    uk: Client, sandbox_server: SandboxServer, company_headers: dict[int, dict[str, str]]
) -> None:
    reasons = {
        r["id"]: r["status_reason"]
        for r in rows_of(
            sandbox_server,
            company_headers[1],
            "customers",
            {"$select": "id,status_reason", "$orderby": "id asc"},
        )
    }
    requests = Requests(sandbox_server)
    await call(uk, "list_customers", on_hold=True, fields=["contact_name"], limit=50)
    without = requests.since()
    assert without["customers"] == 0  # only when a record field is asked for
    held = await call(
        uk, "list_customers", on_hold=True, fields=["status_reason", "contact_name"], limit=50
    )
    made = requests.since()
    assert made - without == {"customers": 1} and without - made == {}, (made, without)
    assert held["customers"]
    for row in held["customers"]:
        assert row["extra"]["status_reason"] == reasons[row["id"]]
        assert "contact_name" in row["extra"]
    assert any(row["extra"]["status_reason"] for row in held["customers"])


async def test_bad_input_is_refused_with_what_to_do_before_asking_sage(
    uk: Client, sandbox_server: SandboxServer
) -> None:
    requests = Requests(sandbox_server)
    future = await failure(uk, "list_customers", no_invoice_since="2027-01-01")
    assert "after today (2026-11-28)" in future and "2026-05-30" in future
    unknown = await failure(uk, "list_customers", fields=["status_reasn"])
    assert "Did you mean: status_reason" in unknown and "customers" in unknown
    viewish = await failure(uk, "list_suppliers", fields=["contact_nam"])
    assert "contact_name" in viewish
    assert sum(requests.since().values()) == 0
