"""Financial statements: trial balance, profit and loss, balance sheet, each with its tie-out
checks. The arithmetic is api/statements.py's; this module shapes it for the model."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from sage200_mcp.api import statements as api
from sage200_mcp.api.balances import Span
from sage200_mcp.api.statements import Figures, Section
from sage200_mcp.api.tie_outs import Check
from sage200_mcp.tools.output import CompanyRef, fit, respond
from sage200_mcp.tools.state import AppState, app_state
from sage200_mcp.tools.toolkit import READ_ONLY, ToolContext, add_tool, current_company

Detail = Literal["categories", "accounts"]


class Amounts(BaseModel):
    amount: float
    last_year: float | None = Field(
        default=None, description="The same periods (or period end) a year earlier."
    )
    budget: float | None = Field(default=None, description="Sage's budget, where it has one.")


class AccountAmounts(Amounts):
    reference: str
    name: str
    cost_centre: str | None = None
    department: str | None = None


class StatementLine(Amounts):
    category: str
    code: str | None = None
    accounts: list[AccountAmounts] | None = None


class StatementSection(BaseModel):
    name: str
    lines: list[StatementLine]
    total: Amounts


class CheckResult(BaseModel):
    name: str
    passed: bool | None = Field(
        default=None, description="Absent when the check could not be made here (see detail)."
    )
    difference: float
    detail: str


class Periods(BaseModel):
    year: int = Field(description="Financial year relative to this one: 0 this year, -1 last.")
    from_period: int
    to_period: int
    start: str | None = None
    end: str | None = None
    last_year_start: str | None = None
    last_year_end: str | None = None


class Statement(BaseModel):
    company: CompanyRef
    periods: Periods
    layout: str = Field(description="How lines are grouped: the company's layout, or not.")
    sections: list[StatementSection]
    ties_out: bool = Field(description="False when any check failed: see checks.")
    checks: list[CheckResult]
    note: str | None = None


class ProfitAndLoss(Statement):
    income: Amounts
    expenses: Amounts
    gross_profit: Amounts | None = None
    net_profit: Amounts


class BalanceSheet(Statement):
    assets: Amounts
    liabilities: Amounts
    net_assets: Amounts
    profit_for_the_year: Amounts
    capital_and_reserves: Amounts = Field(description="This year's profit included.")


class TrialBalanceRow(BaseModel):
    reference: str
    name: str
    cost_centre: str | None = None
    department: str | None = None
    category: str
    debit: float | None = None
    credit: float | None = None
    last_year: float | None = Field(
        default=None, description="With compare: the balance a year earlier, debit positive."
    )


class TrialBalance(BaseModel):
    company: CompanyRef
    periods: Periods
    debits: float
    credits: float
    accounts: list[TrialBalanceRow]
    returned: int
    total: int
    ties_out: bool
    checks: list[CheckResult]
    note: str | None = None


YearArg = Annotated[
    int,
    Field(ge=-10, le=0, description="Financial year relative to this one: 0 this year, -1 last."),
]
AsAt = Annotated[
    date | None,
    Field(description="A day (YYYY-MM-DD); figures are at the end of the period holding it."),
]
DetailArg = Annotated[
    Detail,
    Field(description="'accounts' lists each nominal account under its category."),
]


async def get_profit_and_loss(
    ctx: ToolContext,
    year: YearArg = 0,
    from_period: Annotated[int | None, Field(ge=1, le=20)] = None,
    to_period: Annotated[
        int | None, Field(ge=1, le=20, description="Default: today's period, or the year's last.")
    ] = None,
    cost_centre: Annotated[str | None, Field(max_length=10)] = None,
    department: Annotated[str | None, Field(max_length=10)] = None,
    detail: DetailArg = "categories",
) -> Annotated[CallToolResult, ProfitAndLoss]:
    state = app_state(ctx)
    company = await current_company(state)
    today = state.clock.today()
    found = await api.profit_and_loss(
        state.client,
        company,
        year,
        (from_period, to_period),
        today,
        cost_centre=cost_centre,
        department=department,
    )
    sections, note = _fitted(found.sections, detail, state.settings.max_result_chars)
    return respond(
        ProfitAndLoss(
            company=CompanyRef.of(company),
            periods=_periods(found.span, found.dates, found.comparison),
            layout=found.layout,
            sections=sections,
            income=_amounts(found.income),
            expenses=_amounts(found.expenses),
            gross_profit=_amounts(found.gross_profit) if found.gross_profit else None,
            net_profit=_amounts(found.net_profit),
            **_checked(found.checks, note).model_dump(),
        )
    )


async def get_balance_sheet(
    ctx: ToolContext, as_at: AsAt = None, detail: DetailArg = "categories"
) -> Annotated[CallToolResult, BalanceSheet]:
    state = app_state(ctx)
    company = await current_company(state)
    today = state.clock.today()
    found = await api.balance_sheet(state.client, company, as_at or today, today)
    sections, note = _fitted(found.sections, detail, state.settings.max_result_chars)
    return respond(
        BalanceSheet(
            company=CompanyRef.of(company),
            periods=_periods(found.span, found.dates, found.comparison),
            layout=found.layout,
            sections=sections,
            assets=_amounts(found.assets),
            liabilities=_amounts(found.liabilities),
            net_assets=_amounts(found.net_assets),
            profit_for_the_year=_amounts(found.profit_for_the_year),
            capital_and_reserves=_amounts(found.capital_and_reserves),
            **_checked(found.checks, note).model_dump(),
        )
    )


async def get_trial_balance(
    ctx: ToolContext,
    as_at: AsAt = None,
    compare: Annotated[bool, Field(description="Also each balance a year earlier.")] = False,
) -> Annotated[CallToolResult, TrialBalance]:
    state = app_state(ctx)
    company = await current_company(state)
    today = state.clock.today()
    found = await api.trial_balance(state.client, company, as_at or today, today, compare=compare)
    rows = [
        TrialBalanceRow(
            reference=line.account.reference,
            name=line.account.name,
            cost_centre=line.account.cost_centre or None,
            department=line.account.department or None,
            category=line.category,
            debit=_money(line.account.figures[0]) if line.account.figures[0] > 0 else None,
            credit=_money(-line.account.figures[0]) if line.account.figures[0] < 0 else None,
            last_year=None if line.account.figures[1] is None else _money(line.account.figures[1]),
        )
        for line in found.lines
    ]
    kept = fit(rows, state.settings.max_result_chars, reserved=2_000)
    note = (
        f"Showing the first {kept} of {len(rows)} accounts by reference, to keep the answer"
        " small; the totals and checks cover them all. get_balance_sheet or"
        " get_profit_and_loss with detail='accounts' show accounts by category."
        if kept < len(rows)
        else None
    )
    return respond(
        TrialBalance(
            company=CompanyRef.of(company),
            periods=_periods(found.span, found.dates, found.comparison),
            debits=found.debits,
            credits=found.credits,
            accounts=rows[:kept],
            returned=kept,
            total=len(rows),
            **_checked(found.checks, note).model_dump(),
        )
    )


def _periods(span: Span, dates: api.Period, comparison: api.Period | None) -> Periods:
    return Periods(
        year=span.year,
        from_period=span.first,
        to_period=span.last,
        start=_iso(dates.start),
        end=_iso(dates.end),
        last_year_start=_iso(comparison.start) if comparison else None,
        last_year_end=_iso(comparison.end) if comparison else None,
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


class TieOut(BaseModel):
    ties_out: bool
    checks: list[CheckResult]
    note: str | None


def _checked(checks: tuple[Check, ...], note: str | None) -> TieOut:
    """The checks, whether all passed, and a note that puts a failure first."""
    failed = [c for c in checks if c.passed is False]
    warning = (
        "DOES NOT TIE OUT: " + " ".join(f"{c.name} is out by {c.difference:,.2f}." for c in failed)
        if failed
        else None
    )
    return TieOut(
        ties_out=not failed,
        checks=[
            CheckResult(name=c.name, passed=c.passed, difference=c.difference, detail=c.detail)
            for c in checks
        ],
        note=" ".join(part for part in (warning, note) if part) or None,
    )


def _fitted(
    sections: tuple[Section, ...], detail: Detail, budget: int
) -> tuple[list[StatementSection], str | None]:
    """The sections, with accounts when asked and they fit; without them (and saying so) when
    they would not."""
    shaped = [_section(s, detail == "accounts") for s in sections]
    if detail == "accounts" and fit(shaped, budget, reserved=3_000) < len(shaped):
        return [_section(s, False) for s in sections], (
            "Too many accounts to list them all; shown by category. Narrow with cost_centre or"
            " department, or see one account with get_nominal_activity."
        )
    return shaped, None


def _section(section: Section, accounts: bool) -> StatementSection:
    return StatementSection(
        name=section.name,
        lines=[
            StatementLine(
                category=line.title,
                code=line.code or None,
                **_amounts(line.figures).model_dump(),
                accounts=[
                    AccountAmounts(
                        reference=a.reference,
                        name=a.name,
                        cost_centre=a.cost_centre or None,
                        department=a.department or None,
                        **_amounts(a.figures).model_dump(),
                    )
                    for a in line.accounts
                ]
                if accounts
                else None,
            )
            for line in section.lines
        ],
        total=_amounts(section.figures),
    )


def _amounts(figures: Figures) -> Amounts:
    this, prior, budget = figures
    return Amounts(
        amount=_money(this),
        last_year=None if prior is None else _money(prior),
        budget=None if budget is None else _money(budget),
    )


def _money(value: float) -> float:
    return round(value, 2) + 0.0  # + 0.0: no "-0.0" in answers


def register(mcp: MCPServer[AppState]) -> None:
    add_tool(
        mcp,
        get_profit_and_loss,
        title="Profit and loss",
        description=(
            "The selected company's profit and loss from Sage's period values, grouped as the"
            " company's own layout groups them (or by report category): income, expenses,"
            " gross and net profit, each against the same periods last year and the budget."
            " Default: this financial year to today's period. `year` -1 is last year; periods"
            " are numbers within the year (get_reference_data(kind='financial_years')). One"
            " cost centre or department with `cost_centre`/`department`. `checks` say whether"
            " it ties out to the balance sheet and Sage's balances."
        ),
        annotations=READ_ONLY,
    )
    add_tool(
        mcp,
        get_balance_sheet,
        title="Balance sheet",
        description=(
            "The selected company's balance sheet at the end of the period holding `as_at`"
            " (default today's period), beside the same period end a year earlier: assets,"
            " liabilities, net assets, capital and reserves with this year's profit, grouped by"
            " the company's layout or report categories. `checks`: it balances, debtors and"
            " creditors control equal the ledgers (at today's period), Sage's balances agree."
        ),
        annotations=READ_ONLY,
    )
    add_tool(
        mcp,
        get_trial_balance,
        title="Trial balance",
        description=(
            "Every nominal account's balance (debit or credit) at the end of the period holding"
            " `as_at` (default today's period), with total debits and credits; `compare` adds"
            " each a year earlier. `checks` say whether they are equal and whether control"
            " accounts equal their ledgers."
        ),
        annotations=READ_ONLY,
    )
