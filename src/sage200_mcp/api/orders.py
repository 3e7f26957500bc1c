"""Sales orders (SOP) and purchase orders (POP), with their lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sage200_mcp.api import odata
from sage200_mcp.api.client import Company, SageClient
from sage200_mcp.api.errors import NotFound, UnexpectedAnswer
from sage200_mcp.api.ledgers import PURCHASE, SALES, Ledger, Page, page_of
from sage200_mcp.api.lookups import (
    POP_PROGRESS,
    POP_STATUS,
    SOP_PROGRESS,
    SOP_STATUS,
    Lookup,
    along,
    enumeration,
    name_numbers,
)
from sage200_mcp.api.views import Order

# The statuses a tool can ask for, and how Sage's names for them end (the names themselves come
# from the company's lookup resource: EnumDocumentStatusDispute, not ...Disputed).
STATUSES = {
    "live": "Live",
    "on_hold": "OnHold",
    "complete": "Complete",
    "dispute": "Dispute",
    "cancelled": "Cancelled",
    "draft": "Draft",
    "printed": "Printed",
}


@dataclass(frozen=True)
class OrderBook:
    """One side's orders: where they live and whose they are."""

    kind: str  # "sales" | "purchase"
    orders: str
    ledger: Ledger  # whose orders: customers' or suppliers'
    party_document: str  # the other side's own reference for the order
    progress: str  # the order field of despatch/receipt progress
    statuses: Lookup  # document statuses
    progresses: Lookup  # despatch/receipt and invoice progress statuses

    @property
    def party(self) -> str:
        return self.ledger.party

    @property
    def party_id(self) -> str:
        return self.ledger.party_id


SALES_ORDERS = OrderBook(
    "sales",
    "sop_orders",
    SALES,
    "customer_document_no",
    "despatch_receipt_status",
    SOP_STATUS,
    SOP_PROGRESS,
)
PURCHASE_ORDERS = OrderBook(
    "purchase",
    "pop_orders",
    PURCHASE,
    "supplier_document_no",
    "receipt_return_status",
    POP_STATUS,
    POP_PROGRESS,
)

_HEADER = (
    "id",
    "document_no",
    "document_date",
    "document_status",
    "invoice_credit_status",
    "total_net_value",
    "total_tax_value",
    "total_gross_value",
    "requested_delivery_date",
)


@dataclass(frozen=True)
class OrderSearch:
    party_id: int | None = None
    status: str | None = None  # a key of STATUSES
    from_date: date | None = None
    to_date: date | None = None
    min_value: float | None = None  # net of tax, in the order's currency
    max_value: float | None = None

    def filter(self, book: OrderBook, status: str | None) -> odata.Expr | None:
        """The filter, with ``status`` the Sage name of ``self.status``."""
        return odata.all_of(
            [
                odata.eq(book.party_id, self.party_id) if self.party_id is not None else None,
                odata.eq("document_status", status) if status else None,
                odata.compare("document_date", "ge", self.from_date) if self.from_date else None,
                odata.compare("document_date", "le", self.to_date) if self.to_date else None,
                odata.compare("total_net_value", "ge", self.min_value)
                if self.min_value is not None
                else None,
                odata.compare("total_net_value", "le", self.max_value)
                if self.max_value is not None
                else None,
            ]
        )


def _select(book: OrderBook) -> str:
    """The header fields a row shows; the currency is the order's on sales orders, the
    supplier's on purchase orders (which have no currency of their own)."""
    currency = "currency_id" if book.kind == "sales" else f"{book.party}.currency_id"
    return ",".join(
        (
            *_HEADER,
            currency,
            book.party_id,
            book.party_document,
            book.progress,
            f"{book.party}.reference",
            f"{book.party}.name",
        )
    )


async def search_orders(
    client: SageClient,
    book: OrderBook,
    company: Company,
    search: OrderSearch,
    *,
    offset: int,
    limit: int,
    want_total: bool,
) -> Page[Order]:
    """Newest first (ties by id), each with its customer's or supplier's reference and name.
    Statuses are Sage's names, whether Sage sent names or numbers."""
    params = {
        "$select": _select(book),
        "$expand": book.party,
        "$orderby": "document_date desc, id desc",
    }
    status = None
    if search.status:  # the progress names are read beside the statuses, for the answer
        statuses = await along(
            client, company, enumeration(client, company, book.statuses), book.progresses
        )
        status = statuses.named(STATUSES[search.status])
    expression = search.filter(book, status)
    if expression is not None:
        params["$filter"] = str(expression)
    found = await along(
        client,
        company,
        page_of(client, book.orders, company, params, offset, limit, want_total, dict),
        book.statuses,
        book.progresses,
    )
    return Page(await _orders(client, book, company, found.rows), found.has_more, found.total)


async def find_order(client: SageClient, book: OrderBook, company: Company, text: str) -> int:
    """The id of the order ``text`` names: an id, its document number (leading zeros optional)
    or the other side's order reference."""
    text = text.strip()
    candidates = [odata.eq("document_no", text.upper()), odata.eq(book.party_document, text)]
    number = odata.record_id(text)
    if number is not None:
        candidates.append(odata.eq("document_no", text.zfill(10)))
        candidates.append(odata.eq("id", number))
    elif text.upper().startswith("PO") and odata.record_id(text[2:]) is not None:
        candidates.append(odata.eq("document_no", "PO" + text[2:].zfill(7)))
    found = [
        Order.model_validate(row)
        for row in await client.get_list(
            book.orders,
            company,
            {"$filter": str(odata.any_of(candidates)), "$select": "id,document_no", "$top": "5"},
        )
    ]
    numbers = sorted({order.document_no for order in found})
    if not found:
        raise NotFound(
            f"No {book.kind} order in {company.describe()} has the number or reference"
            f" '{text}'. Find it with list_{book.kind}_orders."
        )
    if len(numbers) > 1:
        raise NotFound(
            f"'{text}' matches several {book.kind} orders ({', '.join(numbers)});"
            " use the document number."
        )
    order_id = found[0].id
    if order_id is None:
        raise UnexpectedAnswer(
            f"Sage listed {book.kind} order {numbers[0] or text} without its id, so its lines"
            f" cannot be read here; the query tool reads {book.orders} as Sage sends them."
        )
    return order_id


async def order_with_lines(
    client: SageClient, book: OrderBook, company: Company, order_id: int
) -> Order:
    """The order with its lines and its customer or supplier."""
    record = await along(
        client,
        company,
        client.get_item(f"{book.orders}/{order_id}", company, {"$expand": f"lines,{book.party}"}),
        book.statuses,
        book.progresses,
    )
    (order,) = await _orders(client, book, company, [record])
    return order


async def _orders(
    client: SageClient, book: OrderBook, company: Company, rows: list[dict[str, Any]]
) -> list[Order]:
    """Orders as models, statuses sent as numbers named."""
    await name_numbers(client, company, book.statuses, rows, "document_status")
    await name_numbers(
        client, company, book.progresses, rows, book.progress, "invoice_credit_status"
    )
    return [Order.model_validate(row) for row in rows]
