"""Through the tools, records Sage sends with ``{"id": null}`` and nulls everywhere else: each
answer says what it left out, or why it cannot answer, and never fails bare.

Sage is mocked (respx) so it can send what the sandbox never does; the client, the models and
the tools are the real ones.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client

from tests.integration.mocked.sage import answer, refusal, serve

pytestmark = pytest.mark.anyio

NULLS = {
    "code": None,
    "name": None,
    "document_no": None,
    "document_date": None,
    "document_status": None,
    "free_stock_quantity": None,
    "total_net_value": None,
}


async def test_a_list_leaves_out_rows_without_an_id_and_says_so(mcp: Client, sage: Any) -> None:
    sage.get("product_views").mock(
        side_effect=serve([{"id": None, **NULLS}, {"id": 7, **NULLS}, {"id": 8, "code": "B"}])
    )
    first = await answer(mcp, "list_products", limit=2)
    assert [p["id"] for p in first["products"]] == [7] and first["returned"] == 1
    assert (
        "Left out 1 of the products on this page: Sage sent them without an id." in (first["note"])
    )
    # the row left out still counts for the cursor: the next page is the third row, not the 2nd
    second = await answer(mcp, "list_products", limit=2, cursor=first["next_cursor"])
    assert [p["id"] for p in second["products"]] == [8] and "note" not in second


async def test_orders_with_null_ids_and_parties(mcp: Client, sage: Any) -> None:
    unnamed = {"id": None, "customer": None, "lines": None, **NULLS}
    sparse = {"id": 12, "customer": None, "customer_id": None, "currency_id": None, **NULLS}
    sage.get("sop_orders").mock(side_effect=serve([unnamed, sparse]))
    page = await answer(mcp, "list_sales_orders")
    assert page["orders"] == [{"id": 12, "number": "", "account": {}, "status": ""}]
    assert "Left out 1 of the orders" in page["note"]


async def test_an_order_listed_without_an_id_cannot_be_read_and_says_why(
    mcp: Client, sage: Any
) -> None:
    sage.get("pop_orders").respond(json=[{"id": None, "document_no": "PO0000042"}])
    text = await refusal(mcp, "get_purchase_order", order="PO42")
    assert "Sage listed purchase order PO0000042 without its id" in text


async def test_an_order_read_by_its_id_keeps_that_id_whatever_it_says(
    mcp: Client, sage: Any
) -> None:
    sage.get("sop_orders").respond(json=[{"id": 12, "document_no": "0000000012"}])
    record = {"id": None, "customer": "?", "lines": [None, {"warehouse_id": 3, **NULLS}], **NULLS}
    sage.get("sop_orders/12").respond(json=record)
    order = (await answer(mcp, "get_sales_order", order="12"))["order"]
    assert (order["id"], order["lines"], order["lines_net"]) == (12, [{"warehouse": "W"}], 0)


async def test_a_product_without_an_id_cannot_be_read_and_says_why(mcp: Client, sage: Any) -> None:
    sage.get("product_views").respond(json=[{"id": None, "code": "BOARD001", "name": None}])
    text = await refusal(mcp, "get_product", product="board001")
    assert "Sage sent product BOARD001 without its id" in text


async def test_nominal_accounts_without_ids(mcp: Client, sage: Any) -> None:
    views = [{"id": None, "reference": "7500", **NULLS}, {"id": 2, "reference": "7500"}]
    sage.get("nominal_code_views").mock(side_effect=serve(views))
    listed = await answer(mcp, "list_nominal_codes")
    assert [c["id"] for c in listed["nominal_codes"]] == [2] and "Left out 1" in listed["note"]
    sage.get("financial_year_period_views").respond(json=[])  # read beside the accounts
    text = await refusal(mcp, "get_nominal_activity", code="7500", from_date="2026-01-01")
    assert "Sage sent nominal account '7500'" in text and "totals would be wrong" in text


async def test_banks_and_reference_data_with_nulls(mcp: Client, sage: Any) -> None:
    sage.get("bank_views").mock(
        side_effect=serve([{"id": None, "code": None, "statement_date": None, "currency_id": 1}])
    )
    banks = (await answer(mcp, "list_bank_accounts"))["bank_accounts"]
    assert banks == [{"code": "", "name": ""}]
    sage.get("tax_codes").mock(side_effect=serve([{"id": None, "code": None, "tax_rate": "20"}]))
    taxes = await answer(mcp, "get_reference_data", kind="tax_codes")
    assert taxes["rows"] == [{"tax_rate": 20.0}]
    json.dumps(taxes)


async def test_customers_without_ids_are_left_out_not_shown_as_id_0(mcp: Client, sage: Any) -> None:
    sage.get("customer_views").mock(
        side_effect=serve(
            [{"id": None, "reference": "GHOST", "name": "No id"}, {"id": 9, "name": None}]
        )
    )
    listed = await answer(mcp, "list_customers", limit=5)
    assert [c["id"] for c in listed["customers"]] == [9]
    assert "Left out 1 of the customers" in listed["note"]
