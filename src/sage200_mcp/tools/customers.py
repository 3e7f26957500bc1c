"""Customers and the sales ledger: find them, read one, its transactions, and aged debt."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from sage200_mcp.api.ledgers import SALES, AccountSearch
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
    Field(min_length=1, max_length=100, description="Id, account reference (e.g. ABS001) or name."),
    naming("a customer's id, account reference or name"),
]


class CustomerList(PageInfo):
    company: CompanyRef
    customers: list[AccountRow]


class CustomerAnswer(BaseModel):
    company: CompanyRef
    customer: AccountDetail


def register(mcp: MCPServer[Any]) -> None:
    @mcp.tool(
        title="List or search customers",
        description=(
            "Find customers in the selected company's sales ledger. Filters combine: `search`"
            " matches part of the reference, name or short name (any case); `on_hold`,"
            " `over_credit_limit`, `min_balance`/`max_balance` narrow further; hidden (closed)"
            " accounts are left out unless `include_hidden`. `sort` by name, reference or"
            " balance ('-balance' puts the largest first). Rows are compact; ask for more with"
            " `fields` (names of customer_views fields, e.g. 'contact_name', 'payment_terms')."
            " Pass `next_cursor` as `cursor` for the next page, only if the user needs more."
            " For one customer in full, use get_customer."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def list_customers(
        ctx: Context[Any, Any],
        search: Annotated[
            str | None,
            Field(
                max_length=100,
                description=("Part of a reference, name or short name, e.g. 'garage'."),
            ),
        ] = None,
        on_hold: Annotated[
            bool | None, Field(description=("Only accounts on hold (true) or not (false)."))
        ] = None,
        over_credit_limit: Annotated[
            bool | None,
            Field(
                description=(
                    "Only accounts whose balance exceeds their credit limit (true) or not (false)."
                )
            ),
        ] = None,
        min_balance: MinBalance = None,
        max_balance: MaxBalance = None,
        include_hidden: Annotated[
            bool, Field(description=("Include hidden (closed) accounts."))
        ] = False,
        sort: SortArg = "name",
        fields: ExtraFields = None,
        limit: Limit = 25,
        cursor: CursorArg = None,
    ) -> Annotated[CallToolResult, CustomerList]:
        search_for = AccountSearch(
            search, on_hold, over_credit_limit, min_balance, max_balance, include_hidden
        )
        company, rows, page = await accounts.list_accounts(
            app_state(ctx), SALES, search_for, sort, fields, limit, cursor
        )
        return respond(CustomerList(company=company, customers=rows, **page.model_dump()))

    @mcp.tool(
        title="Get one customer in full",
        description=(
            "One customer of the selected company: identity, balance, credit limit and headroom,"
            " terms, status, main address, contacts, analysis codes and key dates. `customer` is"
            " the numeric id, the account reference (e.g. 'ABS001', any case) or a name or part"
            " of one that matches a single customer."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def get_customer(
        customer: Who, ctx: Context[Any, Any]
    ) -> Annotated[CallToolResult, CustomerAnswer]:
        company, detail = await accounts.get_account(app_state(ctx), SALES, customer)
        return respond(CustomerAnswer(company=company, customer=detail))

    @mcp.tool(
        title="A customer's transactions",
        description=(
            "A customer's invoices, credit notes and receipts, newest first. By default only the"
            " items still outstanding (what makes up the balance); set `outstanding_only` false"
            " for the history, narrowed by `from_date`/`to_date` (YYYY-MM-DD) and `type`"
            " (invoice, credit_note, payment = receipts from the customer, refund). Amounts are"
            " signed as the ledger shows them (credit notes and receipts negative)."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def list_customer_transactions(
        customer: Who,
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
                SALES,
                customer,
                outstanding_only,
                from_date,
                to_date,
                type,
                limit,
                cursor,
            )
        )

    @mcp.tool(
        title="Aged debt",
        description=(
            "Who owes the selected company money and for how long: each customer's outstanding"
            " balance split into the ledger's ageing periods (current, then e.g. '1 to 30 days'"
            " ... older), the most overdue first, with company totals in base currency. Age by"
            " `duedate` (how overdue; the default), `transactiondate` or `calendarmonth`. With"
            " `customer`, that customer only, with each outstanding item and its period."
        ),
        annotations=READ_ONLY,
    )
    @guarded
    async def get_aged_debt(
        ctx: Context[Any, Any],
        customer: Annotated[
            str | None,
            Field(
                max_length=100,
                description=("One customer (id, reference or name); all customers when left out."),
            ),
            naming("a customer's id, reference or name, or leave it out for all customers"),
        ] = None,
        ageing: AgeingArg = "duedate",
        limit: Limit = 25,
        cursor: CursorArg = None,
    ) -> Annotated[CallToolResult, AgedResult]:
        return respond(await accounts.aged(app_state(ctx), SALES, customer, ageing, limit, cursor))
