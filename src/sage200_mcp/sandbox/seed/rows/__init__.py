"""Table rows from a company model, field by field as Sage names them.

Only fields the books give a value are set; the store fills every other column with its blank.
Each module here writes one family of tables; this one decides their order, which is the order
the store inserts them in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sage200_mcp.sandbox.seed.companies import UserPlan
from sage200_mcp.sandbox.seed.model import CompanyModel
from sage200_mcp.sandbox.seed.rows.banks import add_banks
from sage200_mcp.sandbox.seed.rows.company import add_company
from sage200_mcp.sandbox.seed.rows.fields import Rows, TableRows
from sage200_mcp.sandbox.seed.rows.invoice_lines import TABLE as INVOICE_LINES
from sage200_mcp.sandbox.seed.rows.invoice_lines import line_rows
from sage200_mcp.sandbox.seed.rows.nominal import add_nominal, nominal_tables
from sage200_mcp.sandbox.seed.rows.orders import add_orders
from sage200_mcp.sandbox.seed.rows.reference import add_reference_data
from sage200_mcp.sandbox.seed.rows.reporting import add_reporting
from sage200_mcp.sandbox.seed.rows.stock import add_stock
from sage200_mcp.sandbox.seed.rows.trading import trading_tables

__all__ = ["company_tables"]


def company_tables(model: CompanyModel, users: tuple[UserPlan, ...]) -> Iterator[TableRows]:
    """Every table's rows; the big ledgers' rows are generated lazily, one table at a time."""
    rows: Rows = defaultdict(list)
    add_reference_data(rows, model)
    add_stock(rows, model)
    add_orders(rows, model)
    add_nominal(rows, model)
    add_reporting(rows, model)
    add_banks(rows, model)
    add_company(rows, model.plan, model.today, users)
    yield from rows.items()
    yield from nominal_tables(model)
    yield from trading_tables(model, model.sales, "customer")
    yield from trading_tables(model, model.purchases, "supplier")
    yield INVOICE_LINES, line_rows(model)
