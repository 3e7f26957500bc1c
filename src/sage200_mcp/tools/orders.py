"""Sales and purchase orders: what is on order, for whom, how far along, and each line."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, BeforeValidator, Field

from sage200_mcp.api import ledgers
from sage200_mcp.api.client import Company
from sage200_mcp.api.errors import NotFound
from sage200_mcp.api.ledgers import PURCHASE, SALES
from sage200_mcp.api.lookups import progress, words
from sage200_mcp.api.models import lenient_number
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
from sage200_mcp.tools.arguments import naming
from sage200_mcp.tools.errors import guarded
from sage200_mcp.tools.output import CompanyRef, PageInfo, respond
from sage200_mcp.tools.paging import CursorArg, Limit
from sage200_mcp.tools.reference import currency_codes, warehouse_names
from sage200_mcp.tools.state import AppState, app_state
from sage200_mcp.tools.toolkit import READ_ONLY, current_company

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
    status: str
    delivered: str | None = Field(
        default=None, description=("Despatched (sales) or received (purchases): none, part or all.")
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
    unit_price: float | None = Field(default=None, description="After any discount.")
    discount_percent: float | None = None
    net: float | None = None
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


def _date(value: Any) -> str | None:
    return value[:10] if isinstance(value, str) and value else None


def order_row(book: OrderBook, order: dict[str, Any], currencies: dict[int, str]) -> OrderRow:
    party = order.get(book.party) if isinstance(order.get(book.party), dict) else {}
    assert isinstance(party, dict)
    status = str(order.get("document_status", ""))
    return OrderRow(
        id=int(order.get("id", 0)),
        number=str(order.get("document_no", "")),
        date=_date(order.get("document_date")),
        account=Party(
            id=order.get(book.party_id), reference=party.get("reference"), name=party.get("name")
        ),
        status=_status_word(status),
        delivered=_progress(order.get(book.progress)),
        invoiced=_progress(order.get("invoice_credit_status")),
        currency=currencies.get(_currency_id(order, party)),
        net=lenient_number(order.get("total_net_value")),
        tax=lenient_number(order.get("total_tax_value")),
        gross=lenient_number(order.get("total_gross_value")),
        their_reference=order.get(book.party_document) or None,
        requested_delivery=_date(order.get("requested_delivery_date")),
    )


def _status_word(name: str) -> str:
    """live, on hold, complete, dispute, ...: told by how Sage's name ends."""
    for status, ending in STATUSES.items():
        if name.endswith(ending):
            return status.replace("_", " ")
    return words(name, "EnumDocumentStatus")


def _progress(value: Any) -> str | None:
    """none, part or all; Sage's own word when it is none of those."""
    if value is None or value == "":
        return None
    return progress(value) or str(value)


def _currency_id(order: dict[str, Any], party: dict[str, Any]) -> int:
    value = order.get("currency_id", party.get("currency_id"))
    return value if isinstance(value, int) else -1


def order_line(book: OrderBook, line: dict[str, Any], warehouses: dict[int, str]) -> OrderLine:
    unit = line.get("discounted_unit_price", line.get("unit_buying_price"))
    return OrderLine(
        number=line.get("line_number"),
        code=line.get("code") or None,
        description=line.get("description") or None,
        warehouse=warehouses.get(line.get("warehouse_id", -1)),
        quantity=lenient_number(line.get("line_quantity")),
        unit_price=lenient_number(unit),
        discount_percent=lenient_number(line.get("unit_discount_percent")) or None,
        net=lenient_number(line.get("line_total_value")),
        tax=lenient_number(line.get("line_tax_value")),
        allocated=lenient_number(line.get("allocated_quantity")) if book is SALES_ORDERS else None,
        delivered=lenient_number(line.get(book.delivered)),
        invoiced=lenient_number(line.get("invoice_credit_quantity")),
    )


async def _list(
    state: AppState,
    book: OrderBook,
    who: str | None,
    status: Status | None,
    from_date: date | None,
    to_date: date | None,
    limit: int,
    cursor: str | None,
) -> OrderList:
    company = await current_company(state)
    ledger = SALES if book is SALES_ORDERS else PURCHASE
    party_id = await ledgers.resolve_account(state.client, ledger, company, who) if who else None
    search = OrderSearch(party_id, status, from_date, to_date)
    pages = paging.for_search(
        state.settings, f"list_{book.kind}_orders", company.site_id, company.company_id, search
    )
    position = pages.start(cursor)
    found = await search_orders(
        state.client,
        book,
        company,
        search,
        offset=position.offset,
        limit=limit,
        want_total=cursor is None,
    )
    currencies = await currency_codes(state, company)
    rows = [order_row(book, order, currencies) for order in found.rows]
    page = paging.page_info(rows, found, position, pages, state.settings.max_result_chars, "orders")
    return OrderList(
        company=CompanyRef.of(company), orders=rows[: page.returned], **page.model_dump()
    )


async def _get(state: AppState, book: OrderBook, text: str) -> OrderAnswer:
    company = await current_company(state)
    try:
        order = await order_with_lines(
            state.client, book, company, await find_order(state.client, book, company, text)
        )
    except NotFound as error:
        raise ToolError(str(error)) from None
    return OrderAnswer(
        company=CompanyRef.of(company), order=await _detail(state, book, company, order)
    )


async def _detail(
    state: AppState, book: OrderBook, company: Company, order: dict[str, Any]
) -> OrderDetail:
    warehouses = await warehouse_names(state, company)
    lines = [
        order_line(book, line, warehouses)
        for line in order.get("lines") or []
        if isinstance(line, dict)
    ]
    row = order_row(book, order, await currency_codes(state, company))
    return OrderDetail(
        **row.model_dump(),
        lines=lines,
        lines_net=round(sum(line.net or 0 for line in lines), 2),
        lines_tax=round(sum(line.tax or 0 for line in lines), 2),
    )


Order = Annotated[
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
To = Annotated[date | None, Field(description="Ordered on or before this date.")]


def register(mcp: MCPServer[Any]) -> None:
    @mcp.tool(
        title="List sales orders",
        description=(
            "Sales orders of the selected company, newest first: number, customer, date, status"
            " (live, on_hold, complete, dispute, cancelled, draft, printed), how much is"
            " despatched and invoiced,"
            " and totals. Narrow by `customer` (id, reference or name), `status` and dates. For"
            " one order with its lines, use get_sales_order."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def list_sales_orders(
        ctx: Context[Any, Any],
        customer: Annotated[
            str | None,
            Field(
                max_length=100, description=("Only this customer's orders (id, reference or name).")
            ),
            naming("a customer's id, reference or name, or leave it out"),
        ] = None,
        status: StatusArg = None,
        from_date: From = None,
        to_date: To = None,
        limit: Limit = 25,
        cursor: CursorArg = None,
    ) -> Annotated[CallToolResult, OrderList]:
        return respond(
            await _list(
                app_state(ctx), SALES_ORDERS, customer, status, from_date, to_date, limit, cursor
            )
        )

    @mcp.tool(
        title="Get a sales order with its lines",
        description=(
            "One sales order: header (customer, dates, status, totals) and every line (product"
            " code, description, warehouse, quantity, price, discount, net, tax, allocated,"
            " despatched, invoiced). The lines' sums are given beside the order's totals."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def get_sales_order(
        order: Order, ctx: Context[Any, Any]
    ) -> Annotated[CallToolResult, OrderAnswer]:
        return respond(await _get(app_state(ctx), SALES_ORDERS, order))

    @mcp.tool(
        title="List purchase orders",
        description=(
            "Purchase orders of the selected company, newest first: number, supplier, date,"
            " status, how much is received and invoiced, and totals. Narrow by `supplier` (id,"
            " reference or name), `status` and dates. For one order with its lines, use"
            " get_purchase_order."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def list_purchase_orders(
        ctx: Context[Any, Any],
        supplier: Annotated[
            str | None,
            Field(
                max_length=100, description=("Only this supplier's orders (id, reference or name).")
            ),
            naming("a supplier's id, reference or name, or leave it out"),
        ] = None,
        status: StatusArg = None,
        from_date: From = None,
        to_date: To = None,
        limit: Limit = 25,
        cursor: CursorArg = None,
    ) -> Annotated[CallToolResult, OrderList]:
        return respond(
            await _list(
                app_state(ctx), PURCHASE_ORDERS, supplier, status, from_date, to_date, limit, cursor
            )
        )

    @mcp.tool(
        title="Get a purchase order with its lines",
        description=(
            "One purchase order: header (supplier, dates, status, totals) and every line (code,"
            " description, warehouse, quantity, price, net, tax, received, invoiced)."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def get_purchase_order(
        order: Order, ctx: Context[Any, Any]
    ) -> Annotated[CallToolResult, OrderAnswer]:
        return respond(await _get(app_state(ctx), PURCHASE_ORDERS, order))
