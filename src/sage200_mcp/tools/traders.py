"""Customers and suppliers (Sage's traders): four tools each, declared once.

The sales and purchase ledgers answer the same questions (find accounts, read one, its
transactions, its aged balance) with different words. Each tool body below serves both;
the table at the end (``CUSTOMERS``, ``SUPPLIERS``) holds what differs: the ledger, the tool
names and texts, and the argument and answer types, from which ``toolkit.specialise`` makes
the eight tools.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field, create_model

from sage200_mcp.api import account_lists, ledgers
from sage200_mcp.api.account_lists import account_fields
from sage200_mcp.api.client import Company
from sage200_mcp.api.dormant import Dormancy
from sage200_mcp.api.ledgers import PURCHASE, SALES, AccountSearch, Ledger, TransactionSearch
from sage200_mcp.tools import paging
from sage200_mcp.tools.accounts import (
    AccountDetail,
    AccountRow,
    ActiveSince,
    AgedResult,
    AgedSortArg,
    Ageing,
    AgeingArg,
    EntryTypeArg,
    ExtraFields,
    FromDate,
    ItemsArg,
    MaxBalance,
    MinBalance,
    OldestFirst,
    OnHoldArg,
    OutstandingOnly,
    QuietSince,
    SortArg,
    ToDate,
    TransactionList,
    account_detail,
    account_row,
    aged_account,
    aged_buckets,
    aged_id,
    aged_items,
    aged_order,
    aged_totals,
    dormancy_basis,
    transaction_row,
)
from sage200_mcp.tools.arguments import naming
from sage200_mcp.tools.listing import shown_page
from sage200_mcp.tools.output import CompanyRef, PageInfo, respond
from sage200_mcp.tools.paging import CursorArg, Limit
from sage200_mcp.tools.state import AppState, app_state
from sage200_mcp.tools.toolkit import (
    ToolBody,
    ToolContext,
    add_tool,
    current_company,
    specialise,
)


@dataclass(frozen=True)
class Texts:
    title: str
    description: str


@dataclass(frozen=True)
class Traders:
    """What one ledger's tools say and take; the bodies are shared."""

    ledger: Ledger
    plural: str  # "customers": the toolset, the list's field, and list_<plural>
    aged_tool: str
    texts: dict[str, Texts]  # by body: list, get, transactions, aged
    account: object  # the Annotated type of the required account argument
    account_filter: object  # the optional one, for aged balances
    list_arguments: dict[str, object]  # list_accounts' arguments worded for this ledger
    list_answer: type[BaseModel]
    one_answer: type[BaseModel]


# -- the shared tool bodies ------------------------------------------------------------------------


async def list_accounts(
    traders: Traders,
    ctx: ToolContext,
    search: str | None = None,
    on_hold: bool | None = None,
    over_credit_limit: bool | None = None,
    min_balance: MinBalance = None,
    max_balance: MaxBalance = None,
    include_hidden: bool = False,
    quiet_since: QuietSince = None,
    active_since: ActiveSince = None,
    no_invoice_since: date | None = None,
    no_payment_since: date | None = None,
    sort: SortArg = "name",
    fields: ExtraFields = None,
    limit: Limit = 25,
    cursor: CursorArg = None,
) -> CallToolResult:
    state, ledger = app_state(ctx), traders.ledger
    today = state.clock.today()
    for name, day in (
        ("no_invoice_since", no_invoice_since),
        ("no_payment_since", no_payment_since),
    ):
        if day is not None and day > today:
            raise ToolError(
                f"{name} {day} is after today ({today}), so it would leave out no account;"
                f" give a past day, e.g. {today - timedelta(days=182)} for six months."
            )
    company = await current_company(state)
    search_for = AccountSearch(
        search,
        on_hold,
        over_credit_limit,
        min_balance,
        max_balance,
        include_hidden,
        quiet_since,
        active_since,
    )
    dormancy = Dormancy(no_invoice_since, no_payment_since)
    extra = account_fields(fields or [], ledger, await state.client.resolve_edition())
    pages = paging.for_search(
        state.settings,
        f"list_{traders.plural}",
        company,
        search_for,
        dormancy,
        sort,
        extra,
    )
    position = pages.start(cursor)
    found = await account_lists.list_accounts(
        state.client,
        ledger,
        company,
        search_for,
        dormancy,
        extra,
        sort=sort.lstrip("-"),
        descending=sort.startswith("-"),
        offset=position.offset,
        limit=limit,
        want_total=cursor is None,
    )
    rows, page = shown_page(
        found.page,
        lambda view, account_id: account_row(
            view, account_id, extra, found.records.get(account_id), found.latest.get(account_id)
        ),
        position,
        pages,
        state.settings.max_result_chars,
        traders.plural,
    )
    basis = dormancy_basis(ledger, dormancy, found.read_at) if found.read_at else None
    return respond(
        traders.list_answer.model_validate(
            {
                "company": CompanyRef.of(company),
                "basis": basis,
                traders.plural: rows,
                **page.model_dump(),
            }
        )
    )


async def get_account(traders: Traders, account: str, ctx: ToolContext) -> CallToolResult:
    state, ledger = app_state(ctx), traders.ledger
    company = await current_company(state)
    account_id = await ledgers.resolve_account(state.client, ledger, company, account)
    found, view = await ledgers.account_details(state.client, ledger, company, account_id)
    return respond(
        traders.one_answer.model_validate(
            {"company": CompanyRef.of(company), ledger.party: account_detail(ledger, found, view)}
        )
    )


async def list_transactions(
    traders: Traders,
    account: str,
    ctx: ToolContext,
    outstanding_only: OutstandingOnly = True,
    from_date: FromDate = None,
    to_date: ToDate = None,
    type: EntryTypeArg = None,
    oldest_first: OldestFirst = False,
    limit: Limit = 25,
    cursor: CursorArg = None,
) -> CallToolResult:
    state, ledger = app_state(ctx), traders.ledger
    company = await current_company(state)
    view = await ledgers.find_account(state.client, ledger, company, account)
    account_id = view.id or 0  # find_account returns only rows with an id
    search = TransactionSearch(account_id, outstanding_only, from_date, to_date, type, oldest_first)
    pages = paging.for_search(
        state.settings,
        f"list_{ledger.party}_transactions",
        company,
        search,
    )
    position = pages.start(cursor)
    found = await ledgers.search_transactions(
        state.client,
        ledger,
        company,
        search,
        offset=position.offset,
        limit=limit,
        want_total=cursor is None,
    )
    rows = [transaction_row(ledger, item, state.clock.today()) for item in found.rows]
    page = paging.page_info(
        rows, found, position, pages, state.settings.max_result_chars, "transactions"
    )
    return respond(
        TransactionList(
            company=CompanyRef.of(company),
            account=account_row(view, account_id),
            transactions=rows[: page.returned],
            **page.model_dump(),
        )
    )


async def get_aged(
    traders: Traders,
    ctx: ToolContext,
    account: str | None = None,
    ageing: AgeingArg = "duedate",
    items: ItemsArg = False,
    sort: AgedSortArg = "most_overdue",
    on_hold: OnHoldArg = None,
    limit: Limit = 25,
    cursor: CursorArg = None,
) -> CallToolResult:
    state, ledger = app_state(ctx), traders.ledger
    if account and (on_hold is not None or sort != "most_overdue"):
        raise ToolError(
            f"on_hold and sort choose among every {ledger.party}; with one {ledger.party},"
            " leave them out."
        )
    if items and not account:
        raise ToolError(
            f"items lists one {ledger.party}'s outstanding items: name the {ledger.party} too,"
            f" or leave items out for every {ledger.party}'s balance."
        )
    company = await current_company(state)
    if account:
        return respond(await _aged_for_one(state, ledger, company, account, ageing, items))
    pages = paging.for_search(
        state.settings,
        traders.aged_tool,
        company,
        ageing,
        sort,
        on_hold,
    )
    position = pages.start(cursor)
    found, held = await asyncio.gather(
        ledgers.aged_table(state.client, ledger, company, ageing),
        _held(state, ledger, company, wanted=on_hold is not None),
    )
    table = found.value
    buckets = aged_buckets(table.rows[0] if table.rows else None)
    chosen = [r for r in table.rows if on_hold is None or (aged_id(r) in held) == on_hold]
    rows = sorted(chosen, key=aged_order(sort, buckets), reverse=True)
    end = position.offset + limit
    names = await ledgers.names_for(
        state.client,
        ledger,
        company,
        table,
        [aged_id(r) for r in rows[position.offset : end]],
        [aged_id(r) for r in rows[end : end + limit * PAGES_AHEAD]],
    )
    accounts = [aged_account(r, buckets, names) for r in rows[position.offset : end]]
    page = paging.page_info(
        accounts,
        ledgers.Page(accounts, end < len(rows), len(rows)),
        position,
        pages,
        state.settings.max_result_chars,
        "accounts",
    )
    return respond(
        AgedResult(
            company=CompanyRef.of(company),
            ageing=ageing,
            read_at=found.read_at.isoformat(timespec="seconds"),
            periods=[label for _, label in buckets],
            totals_of=f"every {ledger.party}"
            + ("" if on_hold is None else " on hold" if on_hold else " not on hold"),
            **aged_totals(chosen, buckets),
            accounts=accounts[: page.returned],
            **page.model_dump(),
        )
    )


async def _held(
    state: AppState, ledger: Ledger, company: Company, *, wanted: bool
) -> frozenset[int]:
    """The accounts on hold, read (beside the aged table) only when the answer filters by it."""
    if not wanted:
        return frozenset()
    return (await ledgers.accounts_on_hold(state.client, ledger, company)).value


PAGES_AHEAD = 3  # cursor pages whose names the first page's request fetches too


async def _aged_for_one(
    state: AppState,
    ledger: Ledger,
    company: Company,
    account: str,
    ageing: Ageing,
    items: bool,
) -> AgedResult:
    """One account: found, then its aged balance (and items, if asked) read on Sage's side by
    account, never the company's whole table."""
    view = await ledgers.find_account(state.client, ledger, company, account)
    account_id = view.id or 0  # find_account returns only rows with an id
    read_at = state.client.now()
    found = await ledgers.aged_account(
        state.client, ledger, company, account_id, ageing, items=items
    )
    buckets = aged_buckets(found.balance)
    shown = aged_account(found.balance, buckets, {account_id: view})
    return AgedResult(
        company=CompanyRef.of(company),
        ageing=ageing,
        read_at=read_at.isoformat(timespec="seconds"),
        periods=[label for _, label in buckets],
        totals_of=f"this {ledger.party} only: {view.reference} {view.name}".rstrip(),
        **aged_totals([found.balance], buckets),
        accounts=[shown],
        items=aged_items(found.items, buckets) if items else None,
        returned=1,
        total=1,
    )


# -- the two ledgers ------------------------------------------------------------------------------


def _answers(party: str, plural: str) -> tuple[type[BaseModel], type[BaseModel]]:
    """CustomerList/CustomerAnswer (or the supplier pair): the answers' schemas, named as the
    model sees them."""
    name = party.capitalize()
    listed: dict[str, Any] = {
        "company": CompanyRef,
        "basis": (
            str | None,
            Field(default=None, description="What no_invoice_since/no_payment_since compared."),
        ),
        plural: list[AccountRow],
    }
    one: dict[str, Any] = {"company": CompanyRef, party: AccountDetail}
    return (
        create_model(f"{name}List", __base__=PageInfo, **listed),
        create_model(f"{name}Answer", **one),
    )


def _account(example: str, party: str) -> tuple[object, object]:
    required = Annotated[
        str,
        Field(
            min_length=1,
            max_length=100,
            description=f"Id, account reference (e.g. {example}) or name.",
        ),
        naming(f"a {party}'s id, account reference or name"),
    ]
    optional = Annotated[
        str | None,
        Field(
            max_length=100,
            description=f"One {party} (id, reference or name); all {party}s when left out.",
        ),
        naming(f"a {party}'s id, reference or name, or leave it out for all {party}s"),
    ]
    return required, optional


def _traders(
    ledger: Ledger,
    example: str,
    aged_tool: str,
    texts: dict[str, Texts],
    list_arguments: dict[str, object],
) -> Traders:
    plural = f"{ledger.party}s"
    account, account_filter = _account(example, ledger.party)
    list_answer, one_answer = _answers(ledger.party, plural)
    return Traders(
        ledger,
        plural,
        aged_tool,
        texts,
        account,
        account_filter,
        list_arguments,
        list_answer,
        one_answer,
    )


CUSTOMERS = _traders(
    SALES,
    "ABS001",
    "get_aged_debt",
    {
        "list": Texts(
            "List or search customers",
            "Find customers in the selected company's sales ledger. Filters combine: `search`"
            " (part of the reference, name or short name, any case), `on_hold`,"
            " `over_credit_limit`, `min_balance`/`max_balance`, `quiet_since`/`active_since` (by"
            " the last transaction of any kind), `no_invoice_since`/`no_payment_since` (rows then"
            " show the last one); hidden (closed) accounts only with `include_hidden`. `sort` by"
            " name, reference or balance ('-balance' puts the largest first); balances sort and"
            " filter in base currency. Rows are compact; ask for more with `fields`"
            " (customer_views or customers names, e.g. 'contact_name', 'status_reason'). Pass"
            " `next_cursor` as `cursor` for the next page, only if the user needs more."
            " For one customer in full, use get_customer.",
        ),
        "get": Texts(
            "Get one customer in full",
            "One customer of the selected company: identity, balance, credit limit and headroom,"
            " terms, status, main address, contacts, analysis codes and key dates. `customer` is"
            " the numeric id, the account reference (e.g. 'ABS001', any case) or a name or part"
            " of one that matches a single customer.",
        ),
        "transactions": Texts(
            "A customer's transactions",
            "A customer's invoices, credit notes and receipts, newest first (`oldest_first` for the"
            " longest-standing first). By default only the"
            " items still outstanding (what makes up the balance); set `outstanding_only` false"
            " for the history, narrowed by `from_date`/`to_date` (YYYY-MM-DD) and `type`"
            " (invoice, credit_note, payment = receipts from the customer, refund). Amounts are"
            " signed as the ledger shows them (credit notes and receipts negative).",
        ),
        "aged": Texts(
            "Aged debt",
            "Who owes the selected company money and for how long: each customer's outstanding"
            " balance split into the ledger's ageing periods (current, then e.g. '1 to 30 days'"
            " ... older), the most overdue first, with company totals in base currency. Age by"
            " `duedate` (how overdue; the default), `transactiondate` or `calendarmonth`. With"
            " `customer`, that customer only (its totals, not the company's); add `items` for"
            " each outstanding item and its period. `sort` total ranks by the whole balance;"
            " `on_hold` keeps accounts on hold (or the others), totals included.",
        ),
    },
    {
        "search": Annotated[
            str | None,
            Field(
                max_length=100,
                description="Part of a reference, name or short name, e.g. 'garage'.",
            ),
        ],
        "on_hold": Annotated[
            bool | None, Field(description="Only accounts on hold (true) or not (false).")
        ],
        "over_credit_limit": Annotated[
            bool | None,
            Field(description="Only accounts over their credit limit (true) or not (false)."),
        ],
        "include_hidden": Annotated[bool, Field(description="Include hidden (closed) accounts.")],
        "no_invoice_since": Annotated[
            date | None,
            Field(description="Only accounts with no invoice on or after this day."),
        ],
        "no_payment_since": Annotated[
            date | None,
            Field(
                description="Only accounts with no receipt (their payment) on or after this day."
            ),
        ],
    },
)

SUPPLIERS = _traders(
    PURCHASE,
    "MON001",
    "get_aged_creditors",
    {
        "list": Texts(
            "List or search suppliers",
            "Find suppliers in the selected company's purchase ledger. Filters combine: `search`"
            " (part of the reference, name or short name, any case), `on_hold`,"
            " `over_credit_limit`, `min_balance`/`max_balance` (what the company owes them),"
            " `quiet_since`/`active_since` (by the last transaction of any kind),"
            " `no_invoice_since`/`no_payment_since` (rows then show the last one); hidden accounts"
            " only with `include_hidden`. `sort` by name, reference or balance ('-balance' first"
            " for the largest; base currency). Extra columns with `fields` (supplier_views or"
            " suppliers names). For one supplier in full, use"
            " get_supplier.",
        ),
        "get": Texts(
            "Get one supplier in full",
            "One supplier of the selected company: identity, balance owed, credit limit, terms,"
            " status, main address, contacts, analysis codes and key dates. `supplier` is the"
            " numeric id, the account reference (any case) or a name matching one supplier.",
        ),
        "transactions": Texts(
            "A supplier's transactions",
            "A supplier's invoices, credit notes and payments, newest first (`oldest_first` for the"
            " longest-standing first). By default only the"
            " items still outstanding; set `outstanding_only` false for the history, narrowed by"
            " `from_date`/`to_date` (YYYY-MM-DD) and `type` (invoice, credit_note, payment ="
            " payments to the supplier, refund). Credit notes and payments are negative.",
        ),
        "aged": Texts(
            "Aged creditors",
            "What the selected company owes its suppliers and for how long: each supplier's"
            " outstanding balance split into the ledger's ageing periods, the most overdue"
            " first, with company totals in base currency. Age by `duedate` (the default),"
            " `transactiondate` or `calendarmonth`. With `supplier`, that supplier only (its"
            " totals, not the company's); add `items` for each outstanding item and its period."
            " `sort` total ranks by the whole balance; `on_hold` keeps accounts on hold (or the"
            " others), totals included.",
        ),
    },
    {
        "search": Annotated[
            str | None,
            Field(max_length=100, description="Part of a reference, name or short name."),
        ],
        "on_hold": Annotated[bool | None, Field(description="Only accounts on hold, or not.")],
        "over_credit_limit": Annotated[
            bool | None,
            Field(description="Only accounts over the credit limit the supplier gives, or not."),
        ],
        "include_hidden": Annotated[bool, Field(description="Include hidden accounts.")],
        "no_invoice_since": Annotated[
            date | None,
            Field(description="Only accounts with no invoice from them on or after this day."),
        ],
        "no_payment_since": Annotated[
            date | None,
            Field(description="Only accounts paid nothing on or after this day."),
        ],
    },
)


def _tools(traders: Traders) -> dict[str, ToolBody]:
    """Each body, specialised for ``traders``, under its key in ``traders.texts``."""
    party, plural = traders.ledger.party, traders.plural
    fixed = {"traders": traders}
    renamed = {"account": party}
    return {
        "list": specialise(
            list_accounts,
            name=f"list_{plural}",
            fixed=fixed,
            types=traders.list_arguments,
            returns=Annotated[CallToolResult, traders.list_answer],
        ),
        "get": specialise(
            get_account,
            name=f"get_{party}",
            fixed=fixed,
            renamed=renamed,
            types={"account": traders.account},
            returns=Annotated[CallToolResult, traders.one_answer],
        ),
        "transactions": specialise(
            list_transactions,
            name=f"list_{party}_transactions",
            fixed=fixed,
            renamed=renamed,
            types={"account": traders.account},
            returns=Annotated[CallToolResult, TransactionList],
        ),
        "aged": specialise(
            get_aged,
            name=traders.aged_tool,
            fixed=fixed,
            renamed=renamed,
            types={"account": traders.account_filter},
            returns=Annotated[CallToolResult, AgedResult],
        ),
    }


def registrar(traders: Traders) -> Callable[[MCPServer[AppState]], None]:
    """The ``register`` function of one ledger's toolset."""

    def register(mcp: MCPServer[AppState]) -> None:
        for key, tool in _tools(traders).items():
            text = traders.texts[key]
            add_tool(mcp, tool, title=text.title, description=text.description)

    return register


register_customers = registrar(CUSTOMERS)
register_suppliers = registrar(SUPPLIERS)
