"""Products and stock: what is in stock, free to sell, allocated, on order, warehouse by
warehouse."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from sage200_mcp.api.models import lenient_number
from sage200_mcp.api.stock import (
    ProductSearch,
    find_product,
    product_with_holdings,
    search_products,
)
from sage200_mcp.tools import paging
from sage200_mcp.tools.arguments import naming
from sage200_mcp.tools.errors import guarded
from sage200_mcp.tools.output import CompanyRef, PageInfo, respond
from sage200_mcp.tools.paging import CursorArg, Limit
from sage200_mcp.tools.state import app_state
from sage200_mcp.tools.toolkit import READ_ONLY, current_company

Sort = Literal["code", "-code", "name", "-name", "free_stock", "-free_stock"]


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


class ProductList(PageInfo):
    company: CompanyRef
    products: list[ProductRow]


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


def product_row(view: dict[str, Any]) -> ProductRow:
    return ProductRow(
        id=int(view.get("id", 0)),
        code=str(view.get("code", "")),
        name=str(view.get("name", "")),
        group=view.get("product_group_description") or None,
        unit=view.get("stock_unit_name") or None,
        free_stock=lenient_number(view.get("free_stock_quantity")),
        in_stock=lenient_number(view.get("confirmed_quantity_in_stock")),
        allocated=lenient_number(view.get("quantity_allocated_sop")),
        on_order=lenient_number(view.get("quantity_on_pop_order")),
        price=lenient_number(view.get("selling_price")),
    )


def holding(row: dict[str, Any]) -> Holding:
    free, reorder = (
        lenient_number(row.get("free_stock_available")),
        lenient_number(row.get("reorder_level")),
    )
    return Holding(
        warehouse=str(row.get("warehouse_name") or row.get("warehouse_id", "")),
        in_stock=lenient_number(row.get("quantity_in_stock")),
        allocated=lenient_number(row.get("quantity_allocated")),
        free_stock=free,
        on_order=lenient_number(row.get("quantity_on_order")),
        reorder_level=reorder,
        below_reorder_level=free < reorder if free is not None and reorder else None,
    )


def register(mcp: MCPServer[Any]) -> None:
    @mcp.tool(
        title="List or search products",
        description=(
            "Products of the selected company with their stock over all warehouses: free stock"
            " (what can still be sold), in stock, allocated, on order, and the selling price."
            " `search` matches part of the code or name; `in_stock_only` keeps those with free"
            " stock; `group` matches part of the product group. For one product warehouse by"
            " warehouse, use get_product."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def list_products(
        ctx: Context[Any, Any],
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
        sort: Annotated[Sort, Field(description="Order of the rows; '-' for descending.")] = "code",
        limit: Limit = 25,
        cursor: CursorArg = None,
    ) -> Annotated[CallToolResult, ProductList]:
        state = app_state(ctx)
        company = await current_company(state)
        wanted = ProductSearch(search, in_stock_only, group)
        pages = paging.for_search(
            state.settings, "list_products", company.site_id, company.company_id, wanted, sort
        )
        position = pages.start(cursor)
        field = {"code": "code", "name": "name", "free_stock": "free_stock_quantity"}[
            sort.lstrip("-")
        ]
        found = await search_products(
            state.client,
            company,
            wanted,
            sort=field,
            descending=sort.startswith("-"),
            offset=position.offset,
            limit=limit,
            want_total=cursor is None,
        )
        rows = [product_row(view) for view in found.rows]
        page = paging.page_info(
            rows, found, position, pages, state.settings.max_result_chars, "products"
        )
        return respond(
            ProductList(
                company=CompanyRef.of(company), products=rows[: page.returned], **page.model_dump()
            )
        )

    @mcp.tool(
        title="Get one product with stock by warehouse",
        description=(
            "One product: its totals and, for each warehouse, stock in hand, allocated, free,"
            " on order and the reorder level. `product` is the code (e.g. BOARD001, any case),"
            " the id, or a name matching one product."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def get_product(
        product: Annotated[
            str,
            Field(min_length=1, max_length=100, description=("Product code, id or name.")),
            naming("a product's code, id or name"),
        ],
        ctx: Context[Any, Any],
    ) -> Annotated[CallToolResult, ProductAnswer]:
        state = app_state(ctx)
        company = await current_company(state)
        candidates = await find_product(state.client, company, product)
        exact = [
            c
            for c in candidates
            if str(c.get("code", "")).lower() == product.strip().lower()
            or str(c.get("name", "")).lower() == product.strip().lower()
        ]
        chosen = exact if len(exact) == 1 else candidates
        if not chosen:
            raise ToolError(
                f"No product in {company.describe()} matches '{product}'. Try"
                " list_products with a shorter search."
            )
        if len(chosen) > 1:
            listing = "; ".join(f"{c.get('code')} {c.get('name')}" for c in chosen[:10])
            raise ToolError(f"Several products match '{product}': {listing}. Use the code.")
        record, view = await product_with_holdings(state.client, company, int(chosen[0]["id"]))
        holdings = [
            holding(h) for h in record.get("warehouse_holdings") or [] if isinstance(h, dict)
        ]
        detail = ProductDetail(
            **product_row(view).model_dump(),
            description=record.get("description") or None,
            barcode=record.get("barcode") or None,
            status=view.get("status_type") or None,
            average_buying_price=lenient_number(record.get("average_buying_price")),
            warehouses=holdings,
        )
        return respond(ProductAnswer(company=CompanyRef.of(company), product=detail))
