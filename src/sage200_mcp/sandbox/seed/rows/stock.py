"""The stock tables: product groups, warehouses, products with their views, and warehouse holdings.

A product view's stock, allocated and on-order quantities are sums over its warehouse holdings,
so the product and its holdings never disagree.
"""

from __future__ import annotations

from datetime import timedelta

from sage200_mcp.sandbox.seed.model import CompanyModel
from sage200_mcp.sandbox.seed.rows.fields import Rows, audit, money


def add_stock(rows: Rows, model: CompanyModel) -> None:
    catalogue = model.catalogue
    standard = next(t for t in model.rates.tax_codes if t.code == 1)
    created = model.today - timedelta(days=900)
    revenue = {"Furniture": "4010", "Technology": "4020"}
    for group in catalogue.groups:
        rows["product_groups"].append(
            {
                "id": group.id,
                "code": group.code,
                "description": group.description,
                "product_type": "EnumStockItemTypeStock",
                "costing_method": "EnumCostingMethodAverage",
                "keep_movement_history": True,
                **audit(created),
            }
        )
    for warehouse in catalogue.warehouses:
        rows["warehouses"].append(
            {
                "id": warehouse.id,
                "name": warehouse.name,
                "description": f"{warehouse.city} warehouse",
                "use_for_sales_trading": True,
                "city": warehouse.city,
                **audit(created),
            }
        )
    for product in catalogue.products:
        on_order = sum(h.on_order for h in product.holdings)
        in_stock = sum(h.in_stock for h in product.holdings)
        allocated = sum(h.allocated for h in product.holdings)
        rows["products"].append(
            {
                "id": product.id,
                "code": product.code,
                "name": product.name,
                "description": product.name,
                "barcode": product.barcode,
                "free_stock_quantity": product.free_stock,
                "product_group_id": product.group.id,
                "tax_code_id": standard.id,
                "product_status_type": "EnumStockItemStatusTypeActive",
                "average_buying_price": money(product.cost),
                "standard_cost": money(product.cost),
                "weight": product.weight,
                "stock_nominal_code_id": model.nominal_ledger.accounts["1001"].id,
                "revenue_nominal_code_id": model.nominal_ledger.accounts[
                    revenue.get(product.group.description, "4000")
                ].id,
                "base_unit_id": 1,
                "stock_unit_id": 1,
                **audit(created),
            }
        )
        rows["product_views"].append(
            {
                "id": product.id,
                "code": product.code,
                "name": product.name,
                "status_type_id": 0,
                "status_type": "Active",
                "product_group_code": product.group.code,
                "product_group_description": product.group.description,
                "stock_unit_name": product.unit,
                "base_unit_name": product.unit,
                "allow_sales_order": True,
                "average_buying_price": money(product.cost),
                "selling_price": money(product.price),
                "sop_item_price": money(product.price),
                "price": money(product.price),
                "standard_cost": money(product.cost),
                "free_stock_quantity": product.free_stock,
                "confirmed_quantity_in_stock": in_stock,
                "actual_quantity": in_stock,
                "quantity_allocated_sop": allocated,
                "quantity_on_pop_order": on_order,
                "reorder_level": sum(h.reorder_level for h in product.holdings),
                "weight": product.weight,
            }
        )
        for holding in product.holdings:
            rows["warehouse_holdings"].append(
                {
                    "id": holding.id,
                    "warehouse_id": holding.warehouse.id,
                    "product_id": product.id,
                    "reorder_level": holding.reorder_level,
                    "minimum_level": holding.minimum_level,
                    "maximum_level": holding.maximum_level,
                    "confirmed_qty_in_stock": holding.in_stock,
                    "quantity_in_stock": holding.in_stock,
                    "quantity_in_stock_less_reserved": holding.in_stock,
                    "quantity_on_order": holding.on_order,
                    "quantity_allocated_sop": holding.allocated,
                    "quantity_allocated": holding.allocated,
                    "free_stock_available": holding.free,
                    "free_stock_available_less_reserved": holding.free,
                    "warehouse_name": holding.warehouse.name,
                    **audit(created),
                }
            )
