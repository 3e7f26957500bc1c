"""Suppliers and the purchase ledger: find them, read one, its transactions, aged creditors."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from sage200_mcp.api.ledgers import PURCHASE, AccountSearch
from sage200_mcp.tools import accounts
from sage200_mcp.tools.accounts import (
    AccountDetail,
    AccountRow,
    AgedResult,
    AgeingArg,
    EntryTypeArg,
    ExtraFields,
    FromDate,
    MaxBalance,
    MinBalance,
    OutstandingOnly,
    SortArg,
    ToDate,
    TransactionList,
)
from sage200_mcp.tools.arguments import naming
from sage200_mcp.tools.errors import guarded
from sage200_mcp.tools.output import CompanyRef, PageInfo, respond
from sage200_mcp.tools.paging import CursorArg, Limit
from sage200_mcp.tools.state import app_state
from sage200_mcp.tools.toolkit import READ_ONLY

Who = Annotated[
    str,
    Field(min_length=1, max_length=100, description="Id, account reference (e.g. MON001) or name."),
    naming("a supplier's id, account reference or name"),
]


class SupplierList(PageInfo):
    company: CompanyRef
    suppliers: list[AccountRow]


class SupplierAnswer(BaseModel):
    company: CompanyRef
    supplier: AccountDetail


def register(mcp: MCPServer[Any]) -> None:
    @mcp.tool(
        title="List or search suppliers",
        description=(
            "Find suppliers in the selected company's purchase ledger. Filters combine: `search`"
            " matches part of the reference, name or short name (any case); `on_hold`,"
            " `over_credit_limit`, `min_balance`/`max_balance` (what the company owes them)"
            " narrow further; hidden accounts are left out unless `include_hidden`. `sort` by"
            " name, reference or balance ('-balance' first for the largest). Extra columns with"
            " `fields` (supplier_views names). For one supplier in full, use get_supplier."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def list_suppliers(
        ctx: Context[Any, Any],
        search: Annotated[
            str | None,
            Field(max_length=100, description=("Part of a reference, name or short name.")),
        ] = None,
        on_hold: Annotated[bool | None, Field(description="Only accounts on hold, or not.")] = None,
        over_credit_limit: Annotated[
            bool | None,
            Field(description=("Only accounts over the credit limit the supplier gives, or not.")),
        ] = None,
        min_balance: MinBalance = None,
        max_balance: MaxBalance = None,
        include_hidden: Annotated[bool, Field(description="Include hidden accounts.")] = False,
        sort: SortArg = "name",
        fields: ExtraFields = None,
        limit: Limit = 25,
        cursor: CursorArg = None,
    ) -> Annotated[CallToolResult, SupplierList]:
        search_for = AccountSearch(
            search, on_hold, over_credit_limit, min_balance, max_balance, include_hidden
        )
        company, rows, page = await accounts.list_accounts(
            app_state(ctx), PURCHASE, search_for, sort, fields, limit, cursor
        )
        return respond(SupplierList(company=company, suppliers=rows, **page.model_dump()))

    @mcp.tool(
        title="Get one supplier in full",
        description=(
            "One supplier of the selected company: identity, balance owed, credit limit, terms,"
            " status, main address, contacts, analysis codes and key dates. `supplier` is the"
            " numeric id, the account reference (any case) or a name matching one supplier."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def get_supplier(
        supplier: Who, ctx: Context[Any, Any]
    ) -> Annotated[CallToolResult, SupplierAnswer]:
        company, detail = await accounts.get_account(app_state(ctx), PURCHASE, supplier)
        return respond(SupplierAnswer(company=company, supplier=detail))

    @mcp.tool(
        title="A supplier's transactions",
        description=(
            "A supplier's invoices, credit notes and payments, newest first. By default only the"
            " items still outstanding; set `outstanding_only` false for the history, narrowed by"
            " `from_date`/`to_date` (YYYY-MM-DD) and `type` (invoice, credit_note, payment ="
            " payments to the supplier, refund). Credit notes and payments are negative."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def list_supplier_transactions(
        supplier: Who,
        ctx: Context[Any, Any],
        outstanding_only: OutstandingOnly = True,
        from_date: FromDate = None,
        to_date: ToDate = None,
        type: EntryTypeArg = None,
        limit: Limit = 25,
        cursor: CursorArg = None,
    ) -> Annotated[CallToolResult, TransactionList]:
        return respond(
            await accounts.list_transactions(
                app_state(ctx),
                PURCHASE,
                supplier,
                outstanding_only,
                from_date,
                to_date,
                type,
                limit,
                cursor,
            )
        )

    @mcp.tool(
        title="Aged creditors",
        description=(
            "What the selected company owes its suppliers and for how long: each supplier's"
            " outstanding balance split into the ledger's ageing periods, the most overdue"
            " first, with company totals in base currency. Age by `duedate` (the default),"
            " `transactiondate` or `calendarmonth`. With `supplier`, that supplier only, item by"
            " item."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def get_aged_creditors(
        ctx: Context[Any, Any],
        supplier: Annotated[
            str | None,
            Field(
                max_length=100,
                description=("One supplier (id, reference or name); all suppliers when left out."),
            ),
            naming("a supplier's id, reference or name, or leave it out for all suppliers"),
        ] = None,
        ageing: AgeingArg = "duedate",
        limit: Limit = 25,
        cursor: CursorArg = None,
    ) -> Annotated[CallToolResult, AgedResult]:
        return respond(
            await accounts.aged(app_state(ctx), PURCHASE, supplier, ageing, limit, cursor)
        )
