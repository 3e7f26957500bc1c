"""A company's context as MCP resources: who it is, its base currency and financial year, and
its chart of accounts, for a client to attach to a conversation before any tool is called.

The URIs name the company: ``sage200://companies/{company}`` and
``sage200://companies/{company}/chart-of-accounts``, where ``{company}`` is ``selected`` (the
company the tools read) or anything ``switch_site`` accepts (a company id, a site id, part of a
name). Why templates and not one fixed ``sage200://company``: a URI should say what it holds,
and a client that keeps a read by its URI must not show one company's chart after switch_site
has moved to another (``.../2/...`` stays company 2); and this SDK hands the request's Context
(the lifespan's state: the client, the sign-in, the tools' clock) only to template resources.
Reading a company by id does not change which one is selected.

Everything is read through the API layer's remembered lists (periods, currencies, the chart),
so a resource read after the tools have run asks Sage nothing. Failures give the tools' advice
(sign in at this address, choose a company) as the read's error text.
"""

from __future__ import annotations

import asyncio

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field

from sage200_mcp.api.client import Company
from sage200_mcp.api.nominal import (
    chart_of_accounts,
    currencies,
    financial_periods,
    financial_years,
)
from sage200_mcp.api.views import FinancialPeriod
from sage200_mcp.profile import as_company, match_company
from sage200_mcp.tools.errors import guarded_resource
from sage200_mcp.tools.output import CompanyRef, fit
from sage200_mcp.tools.state import AppState, app_state
from sage200_mcp.tools.toolkit import ToolContext, current_company, reachable_sites

SELECTED = "selected"
COMPANY_URI = "sage200://companies/{company}"
CHART_URI = "sage200://companies/{company}/chart-of-accounts"
CHART_COLUMNS = ("reference", "name", "cost_centre", "department", "category")
COMPANY_ARGUMENT = (
    " `{company}` is `selected` (the company the tools read) or a company id, site id or part"
    " of a name, as switch_site takes; reading one does not change the selection."
)


class Period(BaseModel):
    number: int | None = None
    start: str | None = None
    end: str | None = None


class FinancialYearContext(BaseModel):
    start: str | None = None
    end: str | None = None
    current_period: Period | None = Field(
        default=None, description="The period holding today (the tools' today), if in this year."
    )
    periods: list[Period]


class CompanyContext(BaseModel):
    company: CompanyRef
    selected: bool = Field(description="Whether this is the company the tools read.")
    edition: str
    base_currency: str | None = None
    today: str = Field(description="The day the tools treat as today.")
    financial_year: FinancialYearContext | None = None
    note: str | None = None
    read_at: str = Field(description="When Sage was read (UTC); these lists are reused a while.")


class ChartOfAccounts(BaseModel):
    company: CompanyRef
    columns: tuple[str, ...] = CHART_COLUMNS
    accounts: list[list[str | None]]
    returned: int
    total: int
    truncated: bool = False
    note: str | None = None
    read_at: str


async def company_named(state: AppState, wanted: str) -> tuple[Company, bool]:
    """The company a URI names, and whether it is the selected one."""
    if wanted.strip().lower() == SELECTED:
        return await current_company(state), True
    company = as_company(match_company(await reachable_sites(state), wanted))
    chosen = await state.selection.chosen()
    same = chosen is not None and (chosen.site_id, chosen.company_id) == (
        company.site_id,
        company.company_id,
    )
    return company, same


def period(row: FinancialPeriod) -> Period:
    return Period(
        number=row.period_number,
        start=row.period_start_date.isoformat() if row.period_start_date else None,
        end=row.period_end_date.isoformat() if row.period_end_date else None,
    )


async def company_context(company: str, ctx: ToolContext) -> str:
    state = app_state(ctx)
    books, selected = await company_named(state, company)
    edition, periods, listed = await asyncio.gather(
        state.client.resolve_edition(),
        financial_periods(state.client, books),
        currencies(state.client, books),
    )
    today = state.clock.today()
    this_year = [row for row in periods.value if row.year_relative_to_current_year == 0]
    brief = next((y for y in financial_years(this_year, today) if y.relative == 0), None)
    year = (
        FinancialYearContext(
            start=brief.start.isoformat() if brief.start else None,
            end=brief.end.isoformat() if brief.end else None,
            current_period=period(brief.current_period) if brief.current_period else None,
            periods=[period(row) for row in this_year],
        )
        if brief
        else None
    )
    base = next((c.label for c in listed.value if c.is_base_currency), None)
    note = None
    if year is None:
        note = "Sage lists no current financial year for this company."
    elif year.current_period is None:
        note = f"Today ({today}) is outside the current financial year: has the year end run?"
    context = CompanyContext(
        company=CompanyRef.of(books),
        selected=selected,
        edition=edition,
        base_currency=base,
        today=today.isoformat(),
        financial_year=year,
        note=note,
        read_at=min(periods.read_at, listed.read_at).isoformat(timespec="seconds"),
    )
    return context.model_dump_json(exclude_none=True)


async def chart(company: str, ctx: ToolContext) -> str:
    state = app_state(ctx)
    books, _ = await company_named(state, company)
    found = await chart_of_accounts(state.client, books)
    rows: list[list[str | None]] = [
        [
            view.reference,
            view.name,
            view.cost_centre_code or None,
            view.department_code or None,
            view.report_category_description or None,
        ]
        for view in found.value
    ]
    kept = fit(rows, state.settings.max_result_chars)
    answer = ChartOfAccounts(
        company=CompanyRef.of(books),
        accounts=rows[:kept],
        returned=kept,
        total=len(rows),
        truncated=kept < len(rows),
        note=(
            f"Showing {kept} of {len(rows)} accounts, to keep this small; list_nominal_codes"
            " (search=...) finds the others."
            if kept < len(rows)
            else None
        ),
        read_at=found.read_at.isoformat(timespec="seconds"),
    )
    return answer.model_dump_json(exclude_none=True)


def register(mcp: MCPServer[AppState]) -> None:
    mcp.resource(
        CHART_URI,
        name="chart_of_accounts",
        title="Chart of accounts",
        description=(
            "The company's nominal accounts, compactly: `columns` names the fields of each row"
            " of `accounts` (reference, name, cost centre, department, report category)."
            + COMPANY_ARGUMENT
        ),
        mime_type="application/json",
    )(guarded_resource(chart))
    mcp.resource(
        COMPANY_URI,
        name="company",
        title="Company context",
        description=(
            "Who the books belong to: site and company, edition, base currency, the day the"
            " tools treat as today, and this financial year (start, end, current period, every"
            " period)." + COMPANY_ARGUMENT
        ),
        mime_type="application/json",
    )(guarded_resource(company_context))
