"""Sales and purchase orders: what is on order, for whom, how far along, and each line.

Sales and purchase orders answer the same questions with different words. One body lists the
orders of either book and one reads an order of either; the table at the end (``SALES``,
``PURCHASES``) holds what differs, from which ``toolkit.specialise`` makes the four tools.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, BeforeValidator, Field

from sage200_mcp.api import ledgers, views
from sage200_mcp.api.lookups import progress, words
from sage200_mcp.api.orders import (
    PURCHASE_ORDERS,
    SALES_ORDERS,
    STATUSES,
    OrderBook,
    OrderSearch,
    find_order,
    order_with_lines,
    search_orders,
)
from sage200_mcp.tools import paging
from sage200_mcp.tools.arguments import Finite, naming
from sage200_mcp.tools.listing import shown_page
from sage200_mcp.tools.output import CompanyRef, PageInfo, respond
from sage200_mcp.tools.paging import CursorArg, Limit
from sage200_mcp.tools.reference import currency_codes, label, warehouse_names
from sage200_mcp.tools.state import AppState, app_state
from sage200_mcp.tools.toolkit import READ_ONLY, ToolContext, add_tool, current_company, specialise

# Sage's document statuses (api/orders.py STATUSES); "disputed", the name this tool used to
# offer, is still understood as "dispute".
Status = Literal["live", "on_hold", "complete", "dispute", "cancelled", "draft", "printed"]
_SYNONYMS = {"disputed": "dispute"}


def _status(value: object) -> object:
    return _SYNONYMS.get(value, value) if isinstance(value, str) else value


class Party(BaseModel):
    id: int | None = None
    reference: str | None = None
    name: str | None = None


class OrderRow(BaseModel):
    id: int
    number: str
    date: str | None = None
    account: Party = Field(description="The customer (sales) or supplier (purchases).")
    status: str = Field(description="live, on_hold, complete... (as `status` takes them).")
    delivered: str | None = Field(
        default=None, description="Despatched (sales) or received (purchases): none, part or all."
    )
    invoiced: str | None = Field(default=None, description="none, part or all.")
    currency: str | None = None
    net: float | None = None
    tax: float | None = None
    gross: float | None = None
    their_reference: str | None = Field(
        default=None,
        description=(
            "The customer's order number (sales) or the supplier's document number (purchases)."
        ),
    )
    requested_delivery: str | None = None


class OrderLine(BaseModel):
    number: int | None = None
    code: str | None = None
    description: str | None = None
    warehouse: str | None = None
    quantity: float | None = None
    list_price: float | None = Field(default=None, description="A unit, before any discount.")
    discount_percent: float | None = None
    discount: float | None = Field(default=None, description="Off each unit's list price.")
    unit_price: float | None = Field(
        default=None, description="A unit after discount: list_price less discount."
    )
    net: float | None = Field(default=None, description="quantity x unit_price, before tax.")
    tax: float | None = None
    allocated: float | None = Field(default=None, description="Sales: allocated from stock.")
    delivered: float | None = None
    invoiced: float | None = None


class OrderDetail(OrderRow):
    lines: list[OrderLine]
    lines_net: float = Field(description="Sum of the lines' net values (equals `net`).")
    lines_tax: float = Field(description="Sum of the lines' tax values (equals `tax`).")


class OrderList(PageInfo):
    company: CompanyRef
    orders: list[OrderRow]


class OrderAnswer(BaseModel):
    company: CompanyRef
    order: OrderDetail


def order_row(order: views.Order, order_id: int, currencies: dict[int, str]) -> OrderRow:
    return OrderRow(
        id=order_id,
        number=order.document_no,
        date=_date(order.document_date),
        account=Party(
            id=order.party_id,
            reference=order.party.reference or None,
            name=order.party.name or None,
        ),
        status=_status_word(order.document_status),
        delivered=_progress(order.delivery_status),
        invoiced=_progress(order.invoice_credit_status),
        currency=label(currencies, order.currency),
        net=order.total_net_value,
        tax=order.total_tax_value,
        gross=order.total_gross_value,
        their_reference=order.party_document_no or None,
        requested_delivery=_date(order.requested_delivery_date),
    )


def order_line(line: views.OrderLine, warehouses: dict[int, str]) -> OrderLine:
    return OrderLine(
        number=line.line_number,
        code=line.code or None,
        description=line.description or None,
        warehouse=label(warehouses, line.warehouse_id),
        quantity=line.line_quantity,
        list_price=line.list_price,
        discount_percent=line.unit_discount_percent or None,
        discount=line.unit_discount_value or None,
        unit_price=line.unit_price,
        net=line.line_total_value,
        tax=line.line_tax_value,
        allocated=line.allocated_quantity,
        delivered=line.delivered_quantity,
        invoiced=line.invoice_credit_quantity,
    )


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _status_word(name: str) -> str:
    """live, on_hold, complete, dispute, ... (the names `status` takes): told by how Sage's
    name ends."""
    for status, ending in STATUSES.items():
        if name.endswith(ending):
            return status
    return words(name, "EnumDocumentStatus")


def _progress(name: str) -> str | None:
    """none, part or all; Sage's own word when it is none of those."""
    return (progress(name) or name) if name else None


def _detail(
    order: views.Order, order_id: int, warehouses: dict[int, str], currencies: dict[int, str]
) -> OrderDetail:
    lines = [order_line(line, warehouses) for line in order.lines]
    row = order_row(order, order_id, currencies)
    return OrderDetail(
        **row.model_dump(),
        lines=lines,
        lines_net=round(sum(line.net or 0 for line in lines), 2),
        lines_tax=round(sum(line.tax or 0 for line in lines), 2),
    )


OrderArg = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        description=(
            "The order's document number (leading zeros optional), id, or the other side's"
            " reference."
        ),
    ),
    naming("an order's document number, id or reference"),
]
StatusArg = Annotated[
    Status | None, BeforeValidator(_status), Field(description="Only orders with this status.")
]
From = Annotated[date | None, Field(description="Ordered on or after this date.")]
MinValue = Annotated[
    float | None,
    Field(description="Only orders worth at least this, net of tax, in the order's currency."),
    Finite,
]
MaxValue = Annotated[
    float | None,
    Field(description="Only orders worth at most this, net of tax, in the order's currency."),
    Finite,
]
To = Annotated[date | None, Field(description="Ordered on or before this date.")]
Customer = Annotated[
    str | None,
    Field(max_length=100, description="Only this customer's orders (id, reference or name)."),
    naming("a customer's id, reference or name, or leave it out"),
]
Supplier = Annotated[
    str | None,
    Field(max_length=100, description="Only this supplier's orders (id, reference or name)."),
    naming("a supplier's id, reference or name, or leave it out"),
]


# -- the shared tool bodies -----------------------------------------------------------------------


async def list_orders(
    book: OrderBook,
    ctx: ToolContext,
    party: str | None = None,
    status: StatusArg = None,
    from_date: From = None,
    to_date: To = None,
    min_value: MinValue = None,
    max_value: MaxValue = None,
    limit: Limit = 25,
    cursor: CursorArg = None,
) -> CallToolResult:
    if min_value is not None and max_value is not None and min_value > max_value:
        raise ToolError(f"min_value {min_value:g} is above max_value {max_value:g}; swap them.")
    state = app_state(ctx)
    company = await current_company(state)
    party_id = (
        await ledgers.resolve_account(state.client, book.ledger, company, party) if party else None
    )
    search = OrderSearch(party_id, status, from_date, to_date, min_value, max_value)
    pages = paging.for_search(state.settings, f"list_{book.kind}_orders", company, search)
    position = pages.start(cursor)
    found, currencies = await asyncio.gather(  # the currencies' codes read beside the orders
        search_orders(
            state.client,
            book,
            company,
            search,
            offset=position.offset,
            limit=limit,
            want_total=cursor is None,
        ),
        currency_codes(state, company),
    )
    rows, page = shown_page(
        found,
        lambda order, order_id: order_row(order, order_id, currencies),
        position,
        pages,
        state.settings.max_result_chars,
        "orders",
    )
    return respond(OrderList(company=CompanyRef.of(company), orders=rows, **page.model_dump()))


async def get_order(book: OrderBook, order: OrderArg, ctx: ToolContext) -> CallToolResult:
    state = app_state(ctx)
    company = await current_company(state)
    order_id = await find_order(state.client, book, company, order)
    found, warehouses, currencies = await asyncio.gather(  # labels read beside the order
        order_with_lines(state.client, book, company, order_id),
        warehouse_names(state, company),
        currency_codes(state, company),
    )
    return respond(
        OrderAnswer(
            company=CompanyRef.of(company),
            order=_detail(found, order_id, warehouses, currencies),
        )
    )


# -- what each book's tools say and take ----------------------------------------------------------


@dataclass(frozen=True)
class Texts:
    name: str
    title: str
    description: str


@dataclass(frozen=True)
class OrderTools:
    """One book's two tools; the list's argument naming the other side is called after it
    (``customer``, ``supplier``) and typed by ``party``."""

    book: OrderBook
    party: object
    list: Texts
    get: Texts


SALES = OrderTools(
    SALES_ORDERS,
    Customer,
    Texts(
        "list_sales_orders",
        "List sales orders",
        "Sales orders of the selected company, newest first: number, customer, date, status"
        " (live, on_hold, complete, dispute, cancelled, draft, printed), how much is despatched"
        " and invoiced, and totals. Narrow by `customer` (id, reference or name), `status`,"
        " dates and `min_value`/`max_value` (net). For one order with its lines, use"
        " get_sales_order.",
    ),
    Texts(
        "get_sales_order",
        "Get a sales order with its lines",
        "One sales order: header (customer, dates, status, totals) and every line (product"
        " code, description, warehouse, quantity, price, discount, net, tax, allocated,"
        " despatched, invoiced). The lines' sums are given beside the order's totals.",
    ),
)
PURCHASES = OrderTools(
    PURCHASE_ORDERS,
    Supplier,
    Texts(
        "list_purchase_orders",
        "List purchase orders",
        "Purchase orders of the selected company, newest first: number, supplier, date,"
        " status, how much is received and invoiced, and totals. Narrow by `supplier` (id,"
        " reference or name), `status`, dates and `min_value`/`max_value` (net). For one order"
        " with its lines, use get_purchase_order.",
    ),
    Texts(
        "get_purchase_order",
        "Get a purchase order with its lines",
        "One purchase order: header (supplier, dates, status, totals) and every line (code,"
        " description, warehouse, quantity, price, net, tax, received, invoiced).",
    ),
)


def register(mcp: MCPServer[AppState]) -> None:
    for tools in (SALES, PURCHASES):
        listed = specialise(
            list_orders,
            name=tools.list.name,
            fixed={"book": tools.book},
            renamed={"party": tools.book.party},
            types={"party": tools.party},
            returns=Annotated[CallToolResult, OrderList],
        )
        add_tool(
            mcp,
            listed,
            title=tools.list.title,
            description=tools.list.description,
            annotations=READ_ONLY,
        )
        one = specialise(
            get_order,
            name=tools.get.name,
            fixed={"book": tools.book},
            returns=Annotated[CallToolResult, OrderAnswer],
        )
        add_tool(
            mcp,
            one,
            title=tools.get.title,
            description=tools.get.description,
            annotations=READ_ONLY,
        )
