"""Enumerations read from Sage's lookup resources: names or numbers understood both ways, the
SDK's names when a release has no lookup, and the filters and labels built from them."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from sage200_mcp.api import lookups
from sage200_mcp.api.client import Company, RetryPolicy, SageClient
from sage200_mcp.api.ledgers import (
    PURCHASE,
    SALES,
    AccountSearch,
    TransactionSearch,
    search_accounts,
    search_transactions,
)
from sage200_mcp.api.lookups import (
    SOP_STATUS,
    TRANSACTION_TYPES,
    enumeration,
    name_numbers,
    progress,
    words,
)
from sage200_mcp.api.orders import PURCHASE_ORDERS, SALES_ORDERS, OrderSearch, search_orders
from sage200_mcp.config import Settings
from sage200_mcp.tools.accounts import account_row, entry_name
from sage200_mcp.tools.orders import order_row
from tests.unit.api.fakes import API, COMPANY, Clock, Tokens

pytestmark = pytest.mark.anyio

OTHER = Company("site-guid", 8, "Site", "Other Ltd")
STATUSES = [
    {"id": n, "value": f"EnumDocumentStatus{name}", "description": name}
    for n, name in enumerate(["Live", "OnHold", "Complete", "Dispute", "Cancelled", "Draft"])
]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def client(tmp_path: Path, clock: Clock) -> AsyncIterator[SageClient]:
    settings = Settings.load(environ={"SAGE200_CONFIG_DIR": str(tmp_path), "SAGE200_API_URL": API})
    async with httpx.AsyncClient() as http:
        yield SageClient(settings, Tokens(), http, RetryPolicy(), clock.sleep, clock)


@pytest.fixture(autouse=True)
def forget_fallbacks() -> None:
    lookups._fell_back.clear()


def filter_of(route: respx.Route) -> str:
    return str(route.calls[-1].request.url.params["$filter"])


# -- reading a lookup resource ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "rows",
    [
        STATUSES,
        # the name in `description`, prose in `value`: the identifier-like field is the name
        [
            {"id": r["id"], "value": f"In state {r['id']}", "description": r["value"]}
            for r in STATUSES
        ],
        # ids sent as text, extra fields
        [{**r, "id": str(r["id"]), "code": "X"} for r in STATUSES],
        # both fields identifiers: the longer is the name
        [{"id": r["id"], "value": r["description"], "description": r["value"]} for r in STATUSES],
    ],
)
@respx.mock
async def test_names_and_numbers_are_read_whichever_field_holds_the_name(
    client: SageClient, rows: list[dict[str, Any]]
) -> None:
    respx.get(f"{API}sop_document_status_types").respond(json=rows)
    statuses = await enumeration(client, COMPANY, SOP_STATUS)
    assert statuses.named("Dispute") == "EnumDocumentStatusDispute"
    assert statuses.name(3) == statuses.name("3") == "EnumDocumentStatusDispute"
    assert statuses.name("EnumDocumentStatusLive") == "EnumDocumentStatusLive"
    assert statuses.name(99) == 99  # unknown numbers are left as Sage sent them


@respx.mock
async def test_short_names_keep_the_numbers_and_filter_by_the_sdks_full_name(
    client: SageClient,
) -> None:
    respx.get(f"{API}sop_document_status_types").respond(
        json=[{"id": 3, "value": "Dispute", "description": "Dispute"}]
    )
    statuses = await enumeration(client, COMPANY, SOP_STATUS)
    assert statuses.named("Dispute") == "EnumDocumentStatusDispute"
    assert statuses.name(3) == "Dispute"


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(404),
        httpx.Response(400, json={"Message": "Unknown resource"}),
        httpx.Response(501),
        httpx.Response(200, json=[]),
        httpx.Response(200, json=[{"id": 1, "value": "not an identifier"}]),
    ],
)
@respx.mock
async def test_an_older_sage_without_the_lookup_gets_the_sdks_names_logged_once(
    client: SageClient, answer: httpx.Response, caplog: pytest.LogCaptureFixture
) -> None:
    respx.get(f"{API}sop_document_status_types").mock(return_value=answer)
    with caplog.at_level(logging.INFO, logger="sage200_mcp.api.lookups"):
        statuses = await enumeration(client, COMPANY, SOP_STATUS)
        await enumeration(client, OTHER, SOP_STATUS)
    assert statuses.named("Dispute") == "EnumDocumentStatusDispute"
    assert [statuses.name(n) for n in range(7)] == [
        "EnumDocumentStatusLive",
        "EnumDocumentStatusOnHold",
        "EnumDocumentStatusComplete",
        "EnumDocumentStatusDispute",
        "EnumDocumentStatusCancelled",
        "EnumDocumentStatusDraft",
        "EnumDocumentStatusPrinted",
    ]
    assert len([r for r in caplog.records if "sop_document_status_types" in r.message]) == 1


@respx.mock
async def test_a_passing_failure_serves_the_sdks_names_once_and_asks_again_next_time(
    client: SageClient,
) -> None:
    route = respx.get(f"{API}sop_document_status_types").respond(503)
    failing = await enumeration(client, COMPANY, SOP_STATUS)
    assert failing.named("Dispute") == "EnumDocumentStatusDispute"  # the question goes on
    calls = route.call_count
    route.respond(json=STATUSES)
    await enumeration(client, COMPANY, SOP_STATUS)
    assert route.call_count == calls + 1  # the failure was not remembered
    await enumeration(client, COMPANY, SOP_STATUS)
    assert route.call_count == calls + 1  # the answer is


@respx.mock
async def test_a_companys_enumeration_is_kept_for_an_hour(client: SageClient, clock: Clock) -> None:
    route = respx.get(f"{API}sop_document_status_types").respond(json=STATUSES)
    await enumeration(client, COMPANY, SOP_STATUS)
    clock.now += 3599
    await enumeration(client, COMPANY, SOP_STATUS)
    assert route.call_count == 1
    await enumeration(client, OTHER, SOP_STATUS)
    assert route.call_count == 2
    clock.now += 2
    await enumeration(client, COMPANY, SOP_STATUS)
    assert route.call_count == 3


@respx.mock
async def test_invoice_is_not_an_opening_balance_invoice(client: SageClient) -> None:
    respx.get(f"{API}trader_transaction_types").respond(
        json=[
            {"id": n, "value": name, "description": name}
            for n, name in reversed(list(enumerate(TRANSACTION_TYPES.builtin)))
        ]
    )
    types = await enumeration(client, COMPANY, TRANSACTION_TYPES)
    assert types.named("Invoice") == "TradingAccountEntryTypeInvoice"
    assert types.named("CreditNote") == "TradingAccountEntryTypeCreditNote"


@respx.mock
async def test_numbers_are_named_and_names_cost_no_lookup(client: SageClient) -> None:
    route = respx.get(f"{API}sop_document_status_types").respond(json=STATUSES)
    named = [{"document_status": "EnumDocumentStatusLive"}]
    await name_numbers(client, COMPANY, SOP_STATUS, named, "document_status")
    assert route.call_count == 0
    numbered: list[dict[str, Any]] = [{"document_status": 3}, {"document_status": "1"}, {}]
    await name_numbers(client, COMPANY, SOP_STATUS, numbered, "document_status")
    assert numbered == [
        {"document_status": "EnumDocumentStatusDispute"},
        {"document_status": "EnumDocumentStatusOnHold"},
        {},
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("EnumStatusNone", "none"),
        ("EnumStatusPartial", "part"),
        ("DocumentProcessStatusPartially", "part"),
        ("Part", "part"),
        ("EnumStatusComplete", "all"),
        ("Full", "all"),
        ("EnumStatusFully", "all"),
        ("EnumStatusSomethingElse", None),
    ],
)
def test_progress_is_told_by_the_names_ending(name: str, expected: str | None) -> None:
    assert progress(name) == expected


def test_names_read_as_words() -> None:
    assert words("EnumDocumentStatusOnHold", "EnumDocumentStatus") == "on_hold"
    assert words("TradingAccountEntryTypeCreditNote", "TradingAccountEntryType") == "credit_note"
    assert words("Dispute", "EnumDocumentStatus") == "dispute"
    assert words(7, "EnumDocumentStatus") == "7"


# -- filters and labels built from them ------------------------------------------------------------


def orders_company(statuses: list[dict[str, Any]]) -> respx.Route:
    respx.get(f"{API}sop_document_status_types").respond(json=statuses)
    respx.get(f"{API}sop_document_process_status_types").respond(
        json=[
            {"id": n, "value": v} for n, v in enumerate(["StatusNone", "StatusPart", "StatusFull"])
        ]
    )
    return respx.get(f"{API}sop_orders").respond(
        json=[
            {
                "id": 1,
                "document_no": "0000000001",
                "document_status": 3,
                "despatch_receipt_status": "1",
                "invoice_credit_status": 2,
            }
        ]
    )


@respx.mock
async def test_an_order_status_filter_uses_the_companys_name_for_it(client: SageClient) -> None:
    route = orders_company([{**r, "value": r["value"].removeprefix("Enum")} for r in STATUSES])
    found = await search_orders(
        client,
        SALES_ORDERS,
        COMPANY,
        OrderSearch(status="dispute"),
        offset=0,
        limit=5,
        want_total=False,
    )
    assert filter_of(route) == "document_status eq 'DocumentStatusDispute'"
    row = order_row(found.rows[0], 1, {})
    assert (row.status, row.delivered, row.invoiced) == ("dispute", "part", "all")


@respx.mock
async def test_order_statuses_fall_back_to_the_sdks_numbering(client: SageClient) -> None:
    respx.get(f"{API}pop_document_status_types").respond(404)
    respx.get(f"{API}pop_document_process_status_types").respond(404)
    route = respx.get(f"{API}pop_orders").respond(
        json=[{"id": 1, "document_status": "1", "receipt_return_status": 0}]
    )
    found = await search_orders(
        client,
        PURCHASE_ORDERS,
        COMPANY,
        OrderSearch(status="printed"),
        offset=0,
        limit=5,
        want_total=False,
    )
    assert filter_of(route) == "document_status eq 'EnumDocumentStatusPrinted'"
    row = order_row(found.rows[0], 1, {})
    assert (row.status, row.delivered) == ("on_hold", "none")


@respx.mock
async def test_transaction_types_filter_and_label_by_the_lookup(client: SageClient) -> None:
    respx.get(f"{API}trader_transaction_types").respond(
        json=[{"id": n, "value": name} for n, name in enumerate(TRANSACTION_TYPES.builtin)]
    )
    route = respx.get(f"{API}purchase_transaction_views").respond(
        json=[{"transaction_type": 5}, {"transaction_type": "1"}, {"transaction_type": 6}]
    )
    found = await search_transactions(
        client,
        PURCHASE,
        COMPANY,
        TransactionSearch(12, entry_type="invoice"),
        offset=0,
        limit=5,
        want_total=False,
    )
    assert "transaction_type eq 'TradingAccountEntryTypeInvoice'" in filter_of(route)
    labels = [entry_name(PURCHASE, t.transaction_type) for t in found.rows]
    assert labels == ["credit_note", "payment", "opening_balance_invoice"]
    assert entry_name(SALES, "TradingAccountEntryTypePurchasePaymentSalesReceipt") == "payment"


@respx.mock
async def test_active_accounts_are_filtered_and_hidden_ones_told_by_the_lookup(
    client: SageClient,
) -> None:
    respx.get(f"{API}account_status_types").respond(
        json=[
            {"id": 0, "value": "EnumAccountStatusActive", "description": "Active"},
            {"id": 1, "value": "EnumAccountStatusHidden", "description": "Hidden"},
        ]
    )
    route = respx.get(f"{API}customer_views").respond(
        json=[{"id": 1, "reference": "A", "name": "A", "account_status_type": 1}]
    )
    found = await search_accounts(client, SALES, COMPANY, AccountSearch())
    assert filter_of(route) == "account_status_type eq 'EnumAccountStatusActive'"
    assert account_row(found.rows[0], 1).status == "hidden"
    await search_accounts(client, SALES, COMPANY, AccountSearch(include_hidden=True))
    assert "$filter" not in route.calls[-1].request.url.params
