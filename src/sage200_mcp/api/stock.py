"""Products and the stock each warehouse holds."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sage200_mcp.api import odata
from sage200_mcp.api.client import Company, Remembered, SageClient
from sage200_mcp.api.errors import NotFound
from sage200_mcp.api.ledgers import Page, page_of
from sage200_mcp.api.views import Product, ProductView, Warehouse

ROW_FIELDS = (
    "id",
    "code",
    "name",
    "product_group_description",
    "stock_unit_name",
    "free_stock_quantity",
    "confirmed_quantity_in_stock",
    "quantity_allocated_sop",
    "quantity_on_pop_order",
    "reorder_level",
    "selling_price",
    "status_type",
)
# what a list can be sorted by, and the field that holds it
SORTS = {"code": "code", "name": "name", "free_stock": "free_stock_quantity"}


@dataclass(frozen=True)
class ProductSearch:
    text: str | None = None
    in_stock_only: bool = False
    group: str | None = None

    def filter(self) -> odata.Expr | None:
        text = (self.text or "").strip()
        return odata.all_of(
            [
                odata.any_of([odata.contains("code", text), odata.contains("name", text)])
                if text
                else None,
                odata.compare("free_stock_quantity", "gt", 0) if self.in_stock_only else None,
                odata.contains("product_group_description", self.group) if self.group else None,
            ]
        )


async def search_products(
    client: SageClient,
    company: Company,
    search: ProductSearch,
    *,
    sort: str,
    descending: bool,
    offset: int,
    limit: int,
    want_total: bool,
) -> Page[ProductView]:
    params = {
        "$select": ",".join(ROW_FIELDS),
        "$orderby": _order(sort, descending),
    }
    expression = search.filter()
    if expression is not None:
        params["$filter"] = str(expression)
    return await page_of(
        client,
        "product_views",
        company,
        params,
        offset,
        limit,
        want_total,
        ProductView.model_validate,
    )


BELOW_REORDER_TTL = 120.0  # seconds the list serves its cursor pages and repeat calls


async def products_below_reorder(
    client: SageClient, company: Company, search: ProductSearch, *, sort: str, descending: bool
) -> Remembered[list[ProductView]]:
    """Every product matching ``search`` whose free stock (product_views'
    ``free_stock_quantity``: in stock less allocated, over all warehouses) is below its
    ``reorder_level``, in the order asked.

    Sage's OData compares a field with a value, not with another field, so Sage narrows the
    read to products with a re-order level (and the search), only the row's fields are read,
    page by page through ``scan``, and the comparison is made here. The list is remembered for
    a short while so that its cursor pages agree with its first."""

    async def load() -> list[ProductView]:
        below: list[ProductView] = []

        def keep(rows: list[dict[str, object]]) -> None:  # each page made small as it arrives
            views = (ProductView.model_validate(row) for row in rows)
            below.extend(view for view in views if view.shortfall)

        params = {
            "$select": ",".join(ROW_FIELDS),
            "$filter": str(
                odata.all_of([search.filter(), odata.compare("reorder_level", "gt", 0)])
            ),
            "$orderby": _order(sort, descending),
        }
        await client.scan(
            "product_views",
            company,
            params,
            keep,
            advice="Narrow it with `search` or `group`.",
            counted=True,
        )
        return below

    key = ("below reorder", company.site_id, company.company_id, search, sort, descending)
    return await client.remember(key, load, BELOW_REORDER_TTL)


def _order(sort: str, descending: bool) -> str:
    return f"{SORTS[sort]} {'desc' if descending else 'asc'}, id asc"


async def find_product(client: SageClient, company: Company, text: str) -> list[ProductView]:
    """Products ``text`` may mean: an id, an exact code (any case), else codes or names
    containing it."""
    text = text.strip()
    exact = [odata.eq("code", text.upper())]
    number = odata.record_id(text)
    if number is not None:
        exact.append(odata.eq("id", number))
    partly = [odata.contains("code", text), odata.contains("name", text)]
    rows = await _products(client, company, odata.any_of([*exact, *partly]), CANDIDATES + 1)
    typed = {text.lower(), str(number)}
    if len(rows) > CANDIDATES and not any(
        row.code.lower() in typed or str(row.id) in typed for row in rows
    ):  # more match than one answer holds, none exactly: ask for the exact one alone
        rows = await _products(client, company, odata.any_of(exact), 2) or rows
    return rows


CANDIDATES = 10  # products listed when several match


async def _products(
    client: SageClient, company: Company, expression: odata.Expr, top: int
) -> list[ProductView]:
    rows = await client.get_list(
        "product_views",
        company,
        {
            "$filter": str(expression),
            "$select": "id,code,name",
            "$orderby": "code asc, id asc",
            "$top": str(top),
        },
    )
    return [ProductView.model_validate(row) for row in rows]


async def product_with_holdings(
    client: SageClient, company: Company, product_id: int
) -> tuple[Product, ProductView]:
    """The product (with its warehouse holdings) and its product_views row."""
    record, views = await asyncio.gather(
        client.get_item(f"products/{product_id}", company, {"$expand": "warehouse_holdings"}),
        client.get_list(
            "product_views", company, {"$filter": str(odata.eq("id", product_id)), "$top": "1"}
        ),
    )
    if not views:
        raise NotFound(f"There is no product with id {product_id} in {company.describe()}.")
    return Product.model_validate(record), ProductView.model_validate(views[0])


async def warehouses(client: SageClient, company: Company) -> list[Warehouse]:
    rows = await client.all_rows(
        "warehouses", company, {"$select": "id,name", "$orderby": "id asc"}
    )
    return [Warehouse.model_validate(row) for row in rows]
