"""Sales by product over some days, summed from the lines of sales invoices and credit notes.

Sage's ledger view of a sales invoice has no lines, so products must come from SOP. Of the
resources that have them, ``customer_sop_invoice_credit_line_views`` (sales.json) answers "sales
by product over these days" in one date-filtered scan: a row per invoice or credit note line
with its product, its quantity, its net and tax values and its document's date, type and
exchange rate. ``sop_order_return_line_invoice_credit_views`` has neither product nor value (each
line would need its order line read as well), and ``product_transaction_views`` are stock
movements: dated when goods leave the warehouse rather than when invoiced, valued at issue
price, and blind to non-stock and service items.

What the view's fields mean beyond their names is undocumented [assume] (docs/SAGE200_API.md):
``sop_invoice_credit_line_total_value`` is taken as the line's net value in the document's
currency, the base currency's as it divided by ``sop_invoice_credit_exchange_rate`` (as Sage's
ledger converts); a credit note's lines are told by a type naming a credit, and counted at their
size whatever their sign; and a line shown on several rows (one per profit analysis: a line
drawn from several cost layers) is counted once, its quantities added.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sage200_mcp.api import odata
from sage200_mcp.api.client import Company, SageClient
from sage200_mcp.api.lookups import SOP_INVOICE_CREDIT_TYPES, enumeration
from sage200_mcp.api.models import lenient_int, lenient_number

LINES = "customer_sop_invoice_credit_line_views"
DATE = "sop_invoice_credit_document_date"
LINE_ID = "sop_invoice_credit_line_id"
FIELDS = (
    LINE_ID,
    "sop_invoice_credit_type",
    "sop_invoice_credit_exchange_rate",
    "sop_invoice_credit_line_total_value",
    "sop_invoice_credit_line_tax_value",
    "invoice_line_profit_analysis_line_quantity",
    "product_id",
    "product_code",
    "product_name",
)
NO_PRODUCT = "(no product)"  # free text and charge lines
ADVICE = "Ask for fewer days, or for one customer."


@dataclass
class Side:
    """One product's invoice lines, or its credit note lines: base currency values."""

    lines: int = 0
    quantity: float = 0.0
    net: float = 0.0
    tax: float = 0.0


@dataclass
class ProductSales:
    """One product's lines: its code, name and id, and its invoice and credit note lines."""

    code: str
    name: str | None
    id: int | None
    invoiced: Side = field(default_factory=Side)
    credited: Side = field(default_factory=Side)


async def product_sales(
    client: SageClient,
    company: Company,
    first: date,
    last: date,
    customer_id: int | None,
) -> list[ProductSales]:
    """Every product sold on invoices and credit notes dated ``first`` to ``last``, with its
    lines summed, in one date-filtered scan (memory holds a sum per product and type)."""
    products: dict[str, tuple[str | None, int | None]] = {}
    # product key -> Sage's document type as sent -> sums
    sums: defaultdict[str, defaultdict[Any, Side]] = defaultdict(lambda: defaultdict(Side))
    add = _adder(products, sums)
    expression = odata.all_of(
        [
            odata.eq("customer_id", customer_id) if customer_id is not None else None,
            odata.compare(DATE, "ge", first),
            odata.compare(DATE, "le", last),
        ]
    )
    await client.scan(
        LINES,
        company,
        {
            "$filter": str(expression),
            "$select": ",".join(FIELDS),
            "$orderby": f"{LINE_ID} asc,invoice_line_profit_analysis_id asc",
        },
        add,
        advice=ADVICE,
        counted=True,  # a year of lines: several times the ledger's invoices
    )
    credit = await _credit_types({t for by_type in sums.values() for t in by_type}, client, company)
    found = []
    for key, by_type in sums.items():
        sales = ProductSales(key, *products[key])
        for sage_type, side in by_type.items():
            _merge(sales.credited if sage_type in credit else sales.invoiced, side)
        found.append(sales)
    return found


def _adder(
    products: dict[str, tuple[str | None, int | None]],
    sums: defaultdict[str, defaultdict[Any, Side]],
) -> Callable[[list[dict[str, Any]]], None]:
    """What adds a page of rows into ``sums``, pages arriving in order: a line on several rows
    (they are next to each other) has its value counted on the first only."""
    last_line: list[Any] = [None]

    def add(rows: list[dict[str, Any]]) -> None:
        for row in rows:
            code = str(row.get("product_code") or "") or NO_PRODUCT
            if code not in products:
                products[code] = (
                    row.get("product_name") or None,
                    lenient_int(row.get("product_id")),
                )
            side = sums[code][row.get("sop_invoice_credit_type")]
            side.quantity += abs(
                lenient_number(row.get("invoice_line_profit_analysis_line_quantity")) or 0
            )
            line = row.get(LINE_ID)
            if line is not None and line == last_line[0]:
                continue
            last_line[0] = line
            rate = lenient_number(row.get("sop_invoice_credit_exchange_rate")) or 1.0
            side.lines += 1
            side.net += (
                abs(lenient_number(row.get("sop_invoice_credit_line_total_value")) or 0) / rate
            )
            side.tax += (
                abs(lenient_number(row.get("sop_invoice_credit_line_tax_value")) or 0) / rate
            )

    return add


async def _credit_types(found: set[Any], client: SageClient, company: Company) -> set[Any]:
    """Which of the document types seen are credit notes: a name saying so, or a number the
    company's ``sop_invoice_credit_types`` names so (read only when a number came)."""
    names = {t: t for t in found}
    if any(isinstance(t, int) or str(t).isdigit() for t in found):
        types = await enumeration(client, company, SOP_INVOICE_CREDIT_TYPES)
        names = {t: types.name(t) for t in found}
    return {t for t, name in names.items() if "credit" in str(name).lower()}


def _merge(into: Side, part: Side) -> None:
    into.lines += part.lines
    into.quantity += part.quantity
    into.net += part.net
    into.tax += part.tax
