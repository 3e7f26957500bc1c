"""Products and stock: what is in stock, free to sell, allocated, on order, warehouse by
warehouse."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from sage200_mcp.api.client import Company
from sage200_mcp.api.ledgers import Page
from sage200_mcp.api.stock import (
    ProductSearch,
    find_product,
    product_with_holdings,
    products_below_reorder,
    search_products,
)
from sage200_mcp.api.views import ProductView, WarehouseHolding
from sage200_mcp.tools import paging
from sage200_mcp.tools.arguments import naming
from sage200_mcp.tools.listing import shown_page
from sage200_mcp.tools.output import CompanyRef, PageInfo, respond
from sage200_mcp.tools.paging import CursorArg, Limit
from sage200_mcp.tools.state import AppState, app_state
from sage200_mcp.tools.toolkit import READ_ONLY, ToolContext, add_tool, current_company

Sort = Literal["code", "-code", "name", "-name", "free_stock", "-free_stock", "-shortfall"]


class ProductRow(BaseModel):
    id: int
    code: str
    name: str
    group: str | None = None
    unit: str | None = None
    free_stock: float | None = Field(
        default=None,
        description=("In stock less allocated, over all warehouses: what can still be sold."),
    )
    in_stock: float | None = None
    allocated: float | None = Field(default=None, description="Allocated to sales orders.")
    on_order: float | None = Field(default=None, description="On purchase orders, not yet in.")
    price: float | None = Field(default=None, description="Selling price, base currency.")
    reorder_level: float | None = Field(
        default=None, description="Over all warehouses (below_reorder_level, get_product)."
    )
    shortfall: float | None = Field(
        default=None, description="Re-order level less free stock; 0 when not below it."
    )


class ProductList(PageInfo):
    company: CompanyRef
    basis: str | None = Field(default=None, description="What below_reorder_level compared.")
    products: list[ProductRow]


BELOW_BASIS = (
    "free stock (in stock less allocated, over all warehouses, Sage's free_stock_quantity)"
    " below the product's re-order level; on_order is on purchase orders not yet received"
)


class Holding(BaseModel):
    warehouse: str
    in_stock: float | None = None
    allocated: float | None = None
    free_stock: float | None = None
    on_order: float | None = None
    reorder_level: float | None = None
    below_reorder_level: bool | None = None


class ProductDetail(ProductRow):
    description: str | None = None
    barcode: str | None = None
    status: str | None = None
    average_buying_price: float | None = None
    warehouses: list[Holding]


class ProductAnswer(BaseModel):
    company: CompanyRef
    product: ProductDetail


def product_row(view: ProductView, product_id: int) -> ProductRow:
    return _row(view, product_id)


def short_row(view: ProductView, product_id: int) -> ProductRow:
    """A row of the products below their re-order level: with the level and the shortfall."""
    return _row(view, product_id).model_copy(
        update={"reorder_level": view.reorder_level, "shortfall": view.shortfall}
    )


def _row(view: ProductView, product_id: int) -> ProductRow:
    return ProductRow(
        id=product_id,
        code=view.code,
        name=view.name,
        group=view.product_group_description or None,
        unit=view.stock_unit_name or None,
        free_stock=view.free_stock_quantity,
        in_stock=view.confirmed_quantity_in_stock,
        allocated=view.quantity_allocated_sop,
        on_order=view.quantity_on_pop_order,
        price=view.selling_price,
    )


def holding(held: WarehouseHolding) -> Holding:
    free, reorder = held.free_stock_available, held.reorder_level
    number = "" if held.warehouse_id is None else str(held.warehouse_id)
    return Holding(
        warehouse=held.warehouse_name or number,
        in_stock=held.quantity_in_stock,
        allocated=held.quantity_allocated,
        free_stock=free,
        on_order=held.quantity_on_order,
        reorder_level=reorder,
        below_reorder_level=free < reorder if free is not None and reorder else None,
    )


async def list_products(
    ctx: ToolContext,
    search: Annotated[
        str | None,
        Field(
            max_length=100,
            description=("Part of a product code or name, e.g. 'BOARD' or 'whiteboard'."),
        ),
    ] = None,
    in_stock_only: Annotated[bool, Field(description="Only products with free stock.")] = False,
    group: Annotated[
        str | None, Field(max_length=60, description=("Part of the product group's name."))
    ] = None,
    below_reorder_level: Annotated[
        bool,
        Field(
            description=(
                "Only products whose free stock is below their re-order level, with the level,"
                " on order and the shortfall."
            )
        ),
    ] = False,
    sort: Annotated[
        Sort,
        Field(
            description=(
                "Order of the rows; '-' for descending; -shortfall (the largest first) only"
                " with below_reorder_level."
            )
        ),
    ] = "code",
    limit: Limit = 25,
    cursor: CursorArg = None,
) -> Annotated[CallToolResult, ProductList]:
    state = app_state(ctx)
    if sort == "-shortfall" and not below_reorder_level:
        raise ToolError("sort -shortfall needs below_reorder_level: true.")
    company = await current_company(state)
    wanted = ProductSearch(search, in_stock_only, group)
    pages = paging.for_search(
        state.settings,
        "list_products",
        company,
        wanted,
        sort,
        below_reorder_level,
    )
    position = pages.start(cursor)
    if below_reorder_level:
        return await _below_reorder(state, company, wanted, sort, position, pages, limit)
    found = await search_products(
        state.client,
        company,
        wanted,
        sort=sort.lstrip("-"),
        descending=sort.startswith("-"),
        offset=position.offset,
        limit=limit,
        want_total=cursor is None,
    )
    rows, page = shown_page(
        found, product_row, position, pages, state.settings.max_result_chars, "products"
    )
    return respond(ProductList(company=CompanyRef.of(company), products=rows, **page.model_dump()))


async def _below_reorder(
    state: AppState,
    company: Company,
    wanted: ProductSearch,
    sort: Sort,
    position: paging.Cursor,
    pages: paging.Paging,
    limit: int,
) -> CallToolResult:
    """The products short of their re-order level: read whole (Sage cannot compare two fields),
    then paged here."""
    by_shortfall = sort == "-shortfall"
    found = await products_below_reorder(
        state.client,
        company,
        wanted,
        sort="code" if by_shortfall else sort.lstrip("-"),
        descending=sort.startswith("-") and not by_shortfall,
    )
    short = found.value
    if by_shortfall:
        short = sorted(short, key=lambda view: view.shortfall or 0, reverse=True)
    end = position.offset + limit
    page_rows = Page(short[position.offset : end], end < len(short), len(short))
    rows, page = shown_page(
        page_rows, short_row, position, pages, state.settings.max_result_chars, "products"
    )
    return respond(
        ProductList(
            company=CompanyRef.of(company), basis=BELOW_BASIS, products=rows, **page.model_dump()
        )
    )


async def get_product(
    product: Annotated[
        str,
        Field(min_length=1, max_length=100, description=("Product code, id or name.")),
        naming("a product's code, id or name"),
    ],
    ctx: ToolContext,
) -> Annotated[CallToolResult, ProductAnswer]:
    state = app_state(ctx)
    company = await current_company(state)
    chosen = _one_product(await find_product(state.client, company, product), product, company)
    record, view = await product_with_holdings(state.client, company, chosen)
    detail = ProductDetail(
        **short_row(view, chosen).model_dump(),
        description=record.description or None,
        barcode=record.barcode or None,
        status=view.status_type or None,
        average_buying_price=record.average_buying_price,
        warehouses=[holding(held) for held in record.warehouse_holdings],
    )
    return respond(ProductAnswer(company=CompanyRef.of(company), product=detail))


def _one_product(candidates: list[ProductView], text: str, company: Company) -> int:
    """The id of the one product ``text`` means: the candidate whose code or name it is, else
    the only candidate; an error saying why there is none."""
    typed = text.strip().lower()
    exact = [c for c in candidates if typed in (c.code.lower(), c.name.lower())]
    chosen = exact if len(exact) == 1 else candidates
    if not chosen:
        raise ToolError(
            f"No product in {company.describe()} matches '{text}'. Try"
            " list_products with a shorter search."
        )
    if len(chosen) > 1:
        listing = "; ".join(f"{c.code} {c.name}" for c in chosen[:10])
        raise ToolError(f"Several products match '{text}': {listing}. Use the code.")
    if chosen[0].id is None:
        raise ToolError(
            f"Sage sent product {chosen[0].code or text} without its id, so its stock by"
            " warehouse cannot be read; list_products shows its totals."
        )
    return chosen[0].id


def register(mcp: MCPServer[AppState]) -> None:
    add_tool(
        mcp,
        list_products,
        title="List or search products",
        description=(
            "Products of the selected company with their stock over all warehouses: free stock"
            " (what can still be sold), in stock, allocated, on order, and the selling price."
            " `search` matches part of the code or name; `in_stock_only` keeps those with free"
            " stock; `group` matches part of the product group; `below_reorder_level` keeps those"
            " whose free stock is below their re-order level (what to re-order), with the level,"
            " on order and the shortfall. For one product warehouse by warehouse, use"
            " get_product."
        ),
        annotations=READ_ONLY,
    )
    add_tool(
        mcp,
        get_product,
        title="Get one product with stock by warehouse",
        description=(
            "One product: its totals and, for each warehouse, stock in hand, allocated, free,"
            " on order and the reorder level. `product` is the code (e.g. BOARD001, any case),"
            " the id, or a name matching one product."
        ),
        annotations=READ_ONLY,
    )
