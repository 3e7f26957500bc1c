"""Sales by product against a mocked Sage: invoice lines summed per product in base currency,
credit notes taken off, a line on two profit analysis rows counted once, the top products and
the others, the share of the ledger's invoicing the lines hold, and the one date-filtered scan
of the lines beside the ledger's."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from sage200_mcp.api.client import SageClient
from sage200_mcp.api.ledgers import PURCHASE, SALES
from sage200_mcp.api.summaries import Figures, summarise
from tests.unit.api.fakes import API, COMPANY
from tests.unit.api.test_summaries import DAYS, ROWS, mock_sage

pytestmark = pytest.mark.anyio


def line(
    line_id: int, code: str, quantity: float, net: float, tax: float, **more: Any
) -> dict[str, Any]:
    return {
        "sop_invoice_credit_line_id": line_id,
        "sop_invoice_credit_type": more.pop("kind", "Invoice"),
        "sop_invoice_credit_exchange_rate": more.pop("rate", 1.0),
        "sop_invoice_credit_line_total_value": net,
        "sop_invoice_credit_line_tax_value": tax,
        "invoice_line_profit_analysis_line_quantity": quantity,
        "product_id": more.pop("product_id", int(code[-1])) if code else None,
        "product_code": code,
        "product_name": f"Product {code}" if code else None,
    }


LINES = [
    line(1, "P1", 2, 100, 20),
    line(2, "P2", 10, 80, 16),
    line(2, "P2", 5, 80, 16),  # the same line again (a second profit analysis): counted once
    line(3, "P1", 1, 50, 10, kind="Credit Note"),  # a credit note's line, however signed
    line(4, "P3", 4, 34, 0, rate=1.1765),  # 34 euros is 28.90 pounds
    line(5, "", 1, 15, 3),  # a charge: no product
    line(6, "P1", 3, -30, -6, kind=1),  # a credit note's type as its number
]
TYPES = [{"id": 0, "value": "SOPInvoiceCreditTypeInvoice"}, {"id": 1, "value": "CreditNote"}]


def mock_lines(rows: list[dict[str, Any]]) -> list[httpx.Request]:
    """Sage answering the invoice lines with ``rows`` (and the ledger with the summaries' test
    rows); the requests for lines it was sent."""
    asked: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        if request.url.params.get("$count") == "true" and "$top" not in request.url.params:
            return httpx.Response(200, json=len(rows))
        return httpx.Response(200, json=rows)

    mock_sage(ROWS)
    respx.get(f"{API}customer_sop_invoice_credit_line_views").mock(side_effect=answer)
    respx.get(f"{API}sop_invoice_credit_types").respond(json=TYPES)
    return asked


@respx.mock
async def test_products_are_their_lines_in_base_currency_less_credit_notes(
    client: SageClient,
) -> None:
    mock_lines(LINES)
    found = await summarise(
        client, SALES, COMPANY, DAYS, group_by="product", account_id=None, top=10
    )
    by_code = {g.key: g for g in found.groups}
    assert list(by_code) == ["P2", "P3", "P1", "(no product)"]  # by net, largest first
    # invoiced 100 (2 units), credited 50 + 30 (4 units)
    assert by_code["P1"].figures == Figures(3, 100, 80, 20, 4, 24, 0)
    assert (by_code["P1"].name, by_code["P1"].id, by_code["P1"].quantity) == ("Product P1", 1, -2)
    assert by_code["P2"].figures == Figures(1, 80, 0, 80, 16, 96, 0)
    assert by_code["P2"].quantity == 15  # both analysis rows' quantities
    assert by_code["P3"].figures.net == 28.9
    assert by_code["(no product)"].id is None and by_code["(no product)"].figures.net == 15
    # the totals stay the ledger's; the lines' invoices over its goods invoiced (320)
    assert found.totals.invoiced == 320 and found.groups_found == 4
    assert found.lines_cover == round((100 + 80 + 28.9 + 15) / 320, 4)


@respx.mock
async def test_the_top_products_and_the_others_add_up_to_the_lines(client: SageClient) -> None:
    mock_lines(LINES)
    found = await summarise(
        client, SALES, COMPANY, DAYS, group_by="product", account_id=None, top=2
    )
    top, second, others = found.groups
    assert (top.key, second.key, others.key, others.merged) == ("P2", "P3", "others", 2)
    assert others.figures == Figures(4, 115, 80, 35, 7, 42, 0) and others.quantity == -1


@respx.mock
async def test_one_scan_of_the_lines_filtered_by_date_and_customer_on_sages_side(
    client: SageClient,
) -> None:
    asked = mock_lines(LINES[:2])
    found = await summarise(client, SALES, COMPANY, DAYS, group_by="product", account_id=1, top=10)
    pages = [r for r in asked if "$count" not in r.url.params]
    assert len(pages) == 1
    params = pages[0].url.params
    assert params["$filter"] == (
        "customer_id eq 1 and sop_invoice_credit_document_date ge 2026-10-01"
        " and sop_invoice_credit_document_date le 2026-11-28"
    )
    assert params["$orderby"].startswith("sop_invoice_credit_line_id asc")
    assert set(params["$select"].split(",")) == {
        "sop_invoice_credit_line_id",
        "sop_invoice_credit_type",
        "sop_invoice_credit_exchange_rate",
        "sop_invoice_credit_line_total_value",
        "sop_invoice_credit_line_tax_value",
        "invoice_line_profit_analysis_line_quantity",
        "product_id",
        "product_code",
        "product_name",
    }
    assert "customer_sop_invoice_credit_line_views" in found.basis
    assert "sales_transaction_views" in found.basis
    # the names were sent: the types' lookup was never needed
    assert not respx.routes[-1].called


async def test_purchases_have_no_lines_by_product(client: SageClient) -> None:
    with pytest.raises(ValueError, match="only sales"):
        await summarise(client, PURCHASE, COMPANY, DAYS, group_by="product", account_id=None, top=1)
