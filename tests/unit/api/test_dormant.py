"""Accounts with no invoice or payment since a day: the set of those that had one, read in one
scan filtered on Sage's side; and the latest entry before the day of the accounts shown."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
import respx

from sage200_mcp.api import dormant
from sage200_mcp.api.client import SageClient
from sage200_mcp.api.dormant import Dormancy, latest_before, traded_since
from sage200_mcp.api.ledgers import PURCHASE, SALES
from tests.unit.api.fakes import API, COMPANY

pytestmark = pytest.mark.anyio

INVOICE = "TradingAccountEntryTypeInvoice"
PAYMENT = "TradingAccountEntryTypePurchasePaymentSalesReceipt"
TYPES = [
    {"id": 1, "value": PAYMENT, "description": "Purchase Payment/Sales Receipt"},
    {"id": 4, "value": INVOICE, "description": "Invoice"},
    {"id": 6, "value": "TradingAccountEntryTypeOpeningBalanceInvoice", "description": "OB"},
]
BOTH = Dormancy(date(2026, 6, 1), date(2026, 9, 1))


def mock_transactions(
    path: str, answer: Any, types: list[dict[str, Any]] = TYPES
) -> list[httpx.Request]:
    """Sage answering ``path`` with ``answer(request)`` rows (a bare number for a count); the
    requests it was sent."""
    asked: list[httpx.Request] = []

    def respond(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        rows = answer(request)
        if request.url.params.get("$count") == "true" and "$top" not in request.url.params:
            return httpx.Response(200, json=len(rows))
        return httpx.Response(200, json=rows)

    respx.get(f"{API}{path}").mock(side_effect=respond)
    respx.get(f"{API}trader_transaction_types").respond(json=types)
    return asked


@respx.mock
async def test_the_accounts_that_traded_are_one_scan_filtered_on_sages_side(
    client: SageClient,
) -> None:
    asked = mock_transactions(
        "sales_transaction_views",
        lambda _: [{"customer_id": 1}, {"customer_id": 2}, {"customer_id": "3"}, {}],
    )
    found = await traded_since(client, SALES, COMPANY, BOTH)
    assert found.value == {1, 2, 3}
    sent = asked[0].url.params
    assert sent["$filter"] == (
        f"(transaction_type eq '{INVOICE}' and transaction_date ge 2026-06-01) or"
        f" (transaction_type eq '{PAYMENT}' and transaction_date ge 2026-09-01)"
    )
    assert sent["$select"] == "customer_id"  # only the account id read
    assert any(r.url.params.get("$count") == "true" for r in asked)  # counted: pages abreast
    seen = len(asked)
    again = await traded_since(client, SALES, COMPANY, BOTH)
    assert again == found and len(asked) == seen  # remembered for the cursor pages


@respx.mock
async def test_one_kind_filters_on_its_type_alone_as_the_company_names_it(
    client: SageClient,
) -> None:
    renamed = [{"id": 9, "value": "TradingAccountEntryTypeInvoice"}]
    asked = mock_transactions("purchase_transaction_views", lambda _: [], renamed)
    await traded_since(client, PURCHASE, COMPANY, Dormancy(invoice=date(2026, 6, 1)))
    sent = asked[0].url.params
    assert sent["$filter"] == f"transaction_type eq '{INVOICE}' and transaction_date ge 2026-06-01"
    assert sent["$select"] == "supplier_id"


def entry(account: int, kind: Any, day: str) -> dict[str, Any]:
    return {
        "customer_id": account,
        "transaction_type": kind,
        "transaction_date": f"{day}T00:00:00Z",
    }


@respx.mock
async def test_the_latest_entries_before_the_day_come_from_one_read_newest_first(
    client: SageClient,
) -> None:
    asked = mock_transactions(
        "sales_transaction_views",
        lambda _: [
            entry(1, 4, "2026-05-20"),  # a type sent as its number
            entry(1, PAYMENT, "2026-05-02"),
            entry(1, INVOICE, "2026-04-01"),  # older: not the latest
            entry(2, INVOICE, "2026-03-03"),
        ],
    )
    latest = await latest_before(client, SALES, COMPANY, [1, 2, 3], BOTH)
    assert latest == {
        1: {"invoice": date(2026, 5, 20), "payment": date(2026, 5, 2)},
        2: {"invoice": date(2026, 3, 3)},  # 2 and 3 had none before the day: no date
    }
    assert len(asked) == 1  # every entry read: what is missing is none
    sent = asked[0].url.params
    assert sent["$filter"].startswith("(customer_id eq 1 or customer_id eq 2 or customer_id eq 3)")
    assert (
        f"(transaction_type eq '{INVOICE}' and transaction_date lt 2026-06-01)" in sent["$filter"]
    )
    assert (
        f"(transaction_type eq '{PAYMENT}' and transaction_date lt 2026-09-01)" in sent["$filter"]
    )
    assert sent["$orderby"].startswith("transaction_date desc")


@respx.mock
async def test_an_account_not_among_the_newest_entries_is_asked_for_alone(
    client: SageClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dormant, "LATEST_ROWS", 2)
    alone = {
        (1, PAYMENT): [entry(1, PAYMENT, "2026-04-01")],
        (2, INVOICE): [entry(2, INVOICE, "2026-03-03")],
        (2, PAYMENT): [],
    }

    def answer(request: httpx.Request) -> list[dict[str, Any]]:
        text = request.url.params["$filter"]
        if request.url.params["$top"] == "2":  # a one-row request (and one more, to know)
            return next(
                rows
                for (i, kind), rows in alone.items()
                if f"customer_id eq {i} and" in text and kind in text
            )
        return [
            entry(1, INVOICE, "2026-05-20"),
            entry(1, INVOICE, "2026-05-01"),
            entry(1, INVOICE, "2026-04-11"),
        ]

    asked = mock_transactions("sales_transaction_views", answer)
    latest = await latest_before(client, SALES, COMPANY, [1, 2], BOTH)
    assert latest == {
        1: {"invoice": date(2026, 5, 20), "payment": date(2026, 4, 1)},
        2: {"invoice": date(2026, 3, 3)},
    }
    assert len(asked) == 1 + len(alone)  # the read, then each missing one on its own


@respx.mock
async def test_no_dormancy_asks_nothing(client: SageClient) -> None:
    asked = mock_transactions("sales_transaction_views", lambda _: [])
    assert await latest_before(client, SALES, COMPANY, [1, 2], Dormancy()) == {}
    assert await latest_before(client, SALES, COMPANY, [], BOTH) == {}
    assert asked == []
