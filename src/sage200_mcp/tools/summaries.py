"""Totals over sales and over purchases: one tool each, ``summarise_sales`` (in the customers
toolset) and ``summarise_purchases`` (suppliers), from one body specialised per ledger as
traders.py does: "what did we invoice last month", "top suppliers this year", "how much has X
paid us in the last three months" in one call and a few KB.

Sales can be grouped by product (from the lines of sales invoices, beside the ledger's totals);
purchases cannot: Sage's purchase invoice line view (``pop_order_return_line_invoice_credit_
views``) carries neither product nor value, so each line's order line would have to be read too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import BaseModel, Field, create_model

from sage200_mcp.api import ledgers, summaries
from sage200_mcp.api.client import Company
from sage200_mcp.api.ledgers import PURCHASE, SALES, Ledger
from sage200_mcp.api.models import AccountView
from sage200_mcp.api.nominal import financial_periods
from sage200_mcp.api.summaries import Days, Figures, Group, GroupBy, Period
from sage200_mcp.tools.accounts import FromDate, ToDate
from sage200_mcp.tools.arguments import naming
from sage200_mcp.tools.output import CompanyRef, respond
from sage200_mcp.tools.state import AppState, app_state
from sage200_mcp.tools.toolkit import ToolContext, add_tool, current_company, specialise

PeriodArg = Annotated[
    Period | None,
    Field(
        description=(
            "A named period instead of dates: months and quarters are calendar ones, years the"
            " company's financial years; one holding today ends today."
        )
    ),
]
TopArg = Annotated[
    int,
    Field(
        ge=1,
        le=100,
        description="With group_by customer/supplier/product: how many to list, the largest"
        " first; the rest are summed into one 'others' line.",
    ),
]


@dataclass(frozen=True)
class Side:
    """What one ledger's summary tool says and takes; the body is shared."""

    ledger: Ledger
    name: str
    title: str
    description: str
    paid: str  # "receipts" | "payments": what the figure of money paid is called
    answer: type[BaseModel]
    account: object  # the optional account argument's type
    group_by: object  # the group_by argument's type


async def summarise(
    side: Side,
    ctx: ToolContext,
    period: PeriodArg = None,
    from_date: FromDate = None,
    to_date: ToDate = None,
    group_by: str | None = None,
    account: str | None = None,
    top: TopArg = 10,
) -> CallToolResult:
    state, ledger = app_state(ctx), side.ledger
    if period is not None and (from_date or to_date):
        raise ToolError(
            "Give either a named period or from_date/to_date, not both: period already says"
            " which days."
        )
    company = await current_company(state)
    found, periods = await asyncio.gather(
        _account(state, ledger, company, account), financial_periods(state.client, company)
    )
    today = state.clock.today()
    if period is not None:
        days = summaries.period_days(period, today, periods.value)
    else:
        year = summaries.period_days("this_year", today, periods.value)
        note = None if from_date else year.note  # the year's start is used only without it
        days = Days(from_date or year.first, to_date or today, note=note)
    if days.first > days.last:
        raise ToolError(
            f"from_date {days.first} is after to_date {days.last}: swap them, or leave to_date"
            " out for up to today."
            if from_date
            else f"to_date {days.last} is before this financial year, where the days start"
            f" by default ({days.first}): give from_date too."
        )
    summary = await summaries.summarise(
        state.client,
        ledger,
        company,
        days,
        group_by=_grouping(group_by, ledger.party),
        account_id=found.id if found else None,
        top=top,
    )
    return respond(
        side.answer.model_validate(
            {
                "company": CompanyRef.of(company),
                "from_date": days.first.isoformat(),
                "to_date": days.last.isoformat(),
                "period": days.period,
                "note": _note(days.note, summary.lines_cover),
                ledger.party: _who(found) if found else None,
                "totals": _figures(summary.totals, side.paid),
                "by_currency": [
                    {"currency": code, **_figures(figures, side.paid)}
                    for code, figures in summary.by_currency.items()
                ]
                or None,
                "group_by": group_by,
                "groups": [_group(g, side.paid) for g in summary.groups] if group_by else None,
                "groups_found": summary.groups_found if group_by else None,
                "basis": summary.basis,
                "products_cover": summary.lines_cover,
            }
        )
    )


def _grouping(group_by: str | None, party: str) -> GroupBy | None:
    """The api's name for a grouping: the party's ('customer') is 'account'."""
    names: dict[str, GroupBy] = {
        "month": "month",
        "quarter": "quarter",
        party: "account",
        "product": "product",
    }
    return None if group_by is None else names[group_by]


async def _account(
    state: AppState, ledger: Ledger, company: Company, account: str | None
) -> AccountView | None:
    if account is None:
        return None
    return await ledgers.find_account(state.client, ledger, company, account)


def _who(view: AccountView) -> dict[str, Any]:
    return {"id": view.id, "reference": view.reference, "name": view.name}


def _figures(figures: Figures, paid: str) -> dict[str, Any]:
    return {
        "documents": figures.documents,
        "invoiced": figures.invoiced,
        "credited": figures.credited,
        "net": figures.net,
        "tax": figures.tax,
        "gross": figures.gross,
        paid: figures.paid,
    }


def _note(days: str | None, lines_cover: float | None) -> str | None:
    """How the days were read, and how much of the ledger's invoicing the product lines show
    when not all of it (invoices typed straight into the ledger have no lines)."""
    cover = None
    if lines_cover is not None and round(lines_cover, 3) != 1:
        cover = f"Product lines cover {lines_cover:.1%} of the goods invoiced in the ledger" + (
            ": the rest were invoiced without lines (entered straight in the ledger)."
            if lines_cover < 1
            else " (lines of invoices not yet posted?)."
        )
    return " ".join(filter(None, (days, cover))) or None


def _group(group: Group, paid: str) -> dict[str, Any]:
    figures = _figures(group.figures, paid)
    if group.quantity is not None:  # a product's lines: nothing paid against them
        del figures[paid]
    return {
        "group": group.key,
        "name": group.name,
        "id": group.id,
        "merged": group.merged,
        "quantity": group.quantity,
        **figures,
    }


# -- the answers' shapes --------------------------------------------------------------------------


def _figure_fields(paid: str, paid_text: str) -> dict[str, Any]:
    money = "in base currency"
    return {
        "documents": (int, Field(description="Invoices, credit notes and cash entries counted.")),
        "invoiced": (float, Field(description=f"Goods value of invoices (before VAT), {money}.")),
        "credited": (float, Field(description=f"Goods value of credit notes, {money}.")),
        "net": (float, Field(description="invoiced - credited.")),
        "tax": (float, Field(description="VAT on invoices less VAT on credit notes.")),
        "gross": (float, Field(description="net + tax.")),
        paid: (float, Field(description=f"{paid_text} less refunds, {money}.")),
    }


def _answer(ledger: Ledger, paid: str, paid_text: str) -> type[BaseModel]:
    party = ledger.party
    name = "Sales" if ledger is SALES else "Purchases"
    fields = _figure_fields(paid, paid_text)
    figures = create_model(f"{name}Figures", **fields)
    by_currency = create_model(
        f"{name}CurrencyFigures",
        currency=(str, Field(description="The document currency; amounts in it.")),
        **fields,
    )
    products = ledger is SALES
    whose = f"{party}'s or product's" if products else f"{party}'s"
    group = create_model(
        f"{name}Group",
        group=(
            str,
            Field(
                description=f"The month ('2026-10'), quarter ('2026-Q4'), {party} reference,"
                + (" product code," if products else "")
                + " or 'others'."
            ),
        ),
        name=(str | None, Field(default=None, description=f"The {whose} name.")),
        id=(int | None, Field(default=None, description=f"The {whose} id.")),
        merged=(
            int | None,
            Field(default=None, description="On the 'others' line: how many it sums."),
        ),
        **{**fields, **(_product_fields(paid) if products else {})},
    )
    who = create_model(f"{name}Account", id=(int | None, None), reference=(str, ""), name=(str, ""))
    answer: dict[str, Any] = {
        "company": (CompanyRef, ...),
        "from_date": (str, Field(description="First day summed.")),
        "to_date": (str, Field(description="Last day summed.")),
        "period": (str | None, None),
        "note": (str | None, None),
        party: (who | None, Field(default=None, description=f"The one {party} summed, if one.")),
        "totals": (figures, ...),
        "by_currency": (
            list[by_currency] | None,  # type: ignore[valid-type]
            Field(default=None, description="Per document currency, when more than one appears."),
        ),
        "group_by": (str | None, None),
        "groups": (list[group] | None, None),  # type: ignore[valid-type]
        "groups_found": (
            int | None,
            Field(default=None, description="How many groups there were before the top N."),
        ),
        "basis": (str, Field(description="Which Sage resource the figures were summed from.")),
    }
    if products:
        answer["products_cover"] = (
            float | None,
            Field(
                default=None,
                description="By product: the share of the ledger's goods invoiced that the"
                " product lines hold (invoices entered straight in the ledger have none).",
            ),
        )
    return create_model(f"{name}Summary", **answer)


def _product_fields(paid: str) -> dict[str, Any]:
    """A sales group's fields for products: the quantity, and no money paid (a product line's
    documents are its invoice and credit note lines)."""
    return {
        "quantity": (
            float | None,
            Field(
                default=None,
                description="By product: quantity invoiced less credited (documents are"
                " its lines).",
            ),
        ),
        paid: (float | None, Field(default=None, description="Not by product.")),
    }


def _side(
    ledger: Ledger, name: str, title: str, paid: str, paid_text: str, description: str
) -> Side:
    party = ledger.party
    account = Annotated[
        str | None,
        Field(
            max_length=100,
            description=f"Only this {party} (id, reference or name); every {party} when left out.",
        ),
        naming(f"a {party}'s id, reference or name, or leave it out for every {party}"),
    ]
    accounts = f"{party} or product" if ledger is SALES else party
    choices = (
        ("month", "quarter", party, "product") if ledger is SALES else ("month", "quarter", party)
    )
    group_by = Annotated[
        Literal[choices] | None,  # type: ignore[valid-type]
        Field(
            description=f"Lines by calendar month or quarter (all, in order) or by {accounts}"
            " (the top ones by net value); totals only when left out."
        ),
    ]
    return Side(
        ledger, name, title, description, paid, _answer(ledger, paid, paid_text), account, group_by
    )


DATES = (
    " Days are `period` (this_month, last_month, this_quarter, last_quarter: calendar; this_year,"
    " last_year: the company's financial year) or `from_date`/`to_date` (YYYY-MM-DD, inclusive);"
    " by default this financial year to date. Amounts are in base currency (per document"
    " currency too when there are several); `basis` says where they came from."
)
SALES_SIDE = _side(
    SALES,
    "summarise_sales",
    "Sales totals over a period",
    "receipts",
    "Money received from customers",
    "What the selected company invoiced, credited and was paid over some days, in one call:"
    " goods invoiced and credited, net, VAT, gross and receipts, optionally by `group_by` month,"
    " quarter, customer or product (the `top` ones by net sales, the rest as 'others'), or for"
    " one `customer`. 'What did we invoice last month', 'top customers this year', 'how much"
    " has ABS001 paid us this quarter'." + DATES,
)
PURCHASES_SIDE = _side(
    PURCHASE,
    "summarise_purchases",
    "Purchase totals over a period",
    "payments",
    "Money paid to suppliers",
    "What the selected company was invoiced and credited by its suppliers, and paid them, over"
    " some days, in one call: goods invoiced and credited, net, VAT, gross and payments,"
    " optionally by `group_by` month, quarter or supplier (the `top` suppliers by net"
    " purchases, the rest as 'others'), or for one `supplier`. 'Top suppliers this year', 'what"
    " did we buy last quarter'." + DATES,
)


def _tool(side: Side) -> Callable[..., Any]:
    return specialise(
        summarise,
        name=side.name,
        fixed={"side": side},
        renamed={"account": side.ledger.party},
        types={"account": side.account, "group_by": side.group_by},
        returns=Annotated[CallToolResult, side.answer],
    )


def registrar(side: Side) -> Callable[[MCPServer[AppState]], None]:
    def register(mcp: MCPServer[AppState]) -> None:
        add_tool(mcp, _tool(side), title=side.title, description=side.description)

    return register


register_sales = registrar(SALES_SIDE)
register_purchases = registrar(PURCHASES_SIDE)
