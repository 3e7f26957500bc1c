"""The nominal ledger, the cash book, and the reference data (tax, currencies, periods)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sage200_mcp.api import odata
from sage200_mcp.api.client import Company, Remembered, SageClient
from sage200_mcp.api.ledgers import Page, page_of
from sage200_mcp.api.models import lenient_number
from sage200_mcp.api.views import (
    BankAccount,
    Currency,
    FinancialPeriod,
    NominalCodeView,
    NominalPosting,
    TaxCode,
)

CODE_FIELDS = (
    "id",
    "reference",
    "name",
    "cost_centre_code",
    "department_code",
    "report_category_description",
    "balance_year_to_date",
    "debit_year_to_date",
    "credit_year_to_date",
    "brought_forward_balance",
)

CODE_LISTING = {
    "$select": ",".join(CODE_FIELDS),
    "$orderby": "reference asc, cost_centre_code asc, department_code asc, id asc",
}


async def search_nominal_codes(
    client: SageClient,
    company: Company,
    text: str | None,
    *,
    offset: int,
    limit: int,
    want_total: bool,
) -> Page[NominalCodeView]:
    params = dict(CODE_LISTING)
    text = (text or "").strip()
    if text:
        params["$filter"] = str(
            odata.any_of([odata.startswith("reference", text), odata.contains("name", text)])
        )
    return await page_of(
        client,
        "nominal_code_views",
        company,
        params,
        offset,
        limit,
        want_total,
        NominalCodeView.model_validate,
    )


async def nominal_codes_named(
    client: SageClient, company: Company, reference: str
) -> list[NominalCodeView]:
    """Every nominal account with this reference (one per cost centre and department)."""
    rows = await client.all_rows(
        "nominal_code_views",
        company,
        {
            "$filter": str(odata.eq("reference", reference.strip())),
            "$select": ",".join(CODE_FIELDS),
            "$orderby": "cost_centre_code asc, department_code asc, id asc",
        },
    )
    return [NominalCodeView.model_validate(row) for row in rows]


async def chart_of_accounts(
    client: SageClient, company: Company
) -> Remembered[list[NominalCodeView]]:
    """Every nominal account, in the listing's order, and when it was read: the chart a model
    names accounts from (remembered: a chart changes far less often than it is asked for)."""

    async def load() -> list[NominalCodeView]:
        rows = await client.all_rows("nominal_code_views", company, dict(CODE_LISTING))
        return [NominalCodeView.model_validate(row) for row in rows]

    return await client.remember(_key("chart", company), load, REFERENCE_TTL)


@dataclass(frozen=True)
class Activity:
    """What was posted to some nominal accounts over a range of days, and how it was had.

    ``debit`` and ``credit`` are None when whole periods came from Sage's period values, which
    hold each period's net only; ``count`` is None when Sage gives no count.
    """

    net: float
    debit: float | None
    credit: float | None
    count: int | None
    latest: list[NominalPosting]
    basis: str


@dataclass
class Sums:
    """Running sums of streamed postings: the postings themselves are not kept."""

    debit: float = 0.0
    credit: float = 0.0
    count: int = 0

    def add(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self.debit += lenient_number(row.get("debit")) or 0.0
            self.credit += lenient_number(row.get("credit")) or 0.0
        self.count += len(rows)


POSTINGS = "nominal_transaction_enquiry_views"
POSTING_FIELDS = (
    "id,nominal_code_id,transaction_date,reference,narrative,debit,credit,source,user_name"
)
PERIOD_VALUES = "nominal_period_value_views"
WHOLE_PERIODS_ADVICE = (
    "Ask for whole financial periods (get_reference_data(kind='financial_periods') lists them),"
    " which Sage totals itself, or for a shorter range."
)


async def nominal_activity(
    client: SageClient,
    company: Company,
    accounts: list[NominalCodeView],
    days: tuple[date, date],
    *,
    today: date,
    periods: list[FinancialPeriod],
    latest: int,
) -> Activity:
    """The postings to these accounts between two dates (inclusive), in requests that do not
    grow with the postings wherever Sage has the sums already. All run side by side:

    - this financial year up to today (or later in it): the accounts' year-to-date debits and
      credits, less any postings dated after the range (forward-dated ones: few, if any);
    - whole periods: Sage's period values, the net of each period;
    - days outside whole periods: their postings, streamed into running sums;
    - and one page of the latest postings, with their count.
    """
    ids = [view.id for view in accounts if view.id is not None]
    start, end = days
    newest = client.page_with_total(
        POSTINGS,
        company,
        {
            "$filter": str(_postings_in(ids, start, end)),
            "$orderby": "transaction_date desc, id desc",
            "$select": POSTING_FIELDS,
        },
        0,
        max(latest, 1),
    )
    year = current_year(periods)
    if year is not None and start == year[0] and today <= end <= year[1]:
        (rows, _, count), after = await asyncio.gather(
            newest, _streamed(client, company, ids, end + timedelta(days=1), year[1])
        )
        debit = sum(view.debit_year_to_date or 0 for view in accounts) - after.debit
        credit = sum(view.credit_year_to_date or 0 for view in accounts) - after.credit
        basis = "Sage's year-to-date figures of the accounts" + (
            f", less {after.count} postings dated after {end}" if after.count else ""
        )
        return Activity(
            round(debit - credit, 2),
            round(debit, 2),
            round(credit, 2),
            count,
            _postings(rows, latest),
            basis,
        )
    whole = _whole_periods(periods, start, end)
    if whole is None:
        (rows, _, _), sums = await asyncio.gather(
            newest, _streamed(client, company, ids, start, end)
        )
        return Activity(
            round(sums.debit - sums.credit, 2),
            round(sums.debit, 2),
            round(sums.credit, 2),
            sums.count,
            _postings(rows, latest),
            "the postings themselves",
        )
    first, last = whole
    edges = [(start, first - timedelta(days=1)), (last + timedelta(days=1), end)]
    edges = [(a, b) for a, b in edges if a <= b]
    (rows, _, count), by_periods, edge_sums = await asyncio.gather(
        newest,
        _period_values(client, company, ids, first, last),
        asyncio.gather(*(_streamed(client, company, ids, a, b) for a, b in edges)),
    )
    basis = f"Sage's period values for {first} to {last}" + "".join(
        f", and the postings of {a} to {b}" for a, b in edges
    )
    net = by_periods + sum(part.debit - part.credit for part in edge_sums)
    return Activity(round(net, 2), None, None, count, _postings(rows, latest), basis)


def _postings_in(ids: list[int], start: date, end: date) -> odata.Expr:
    return (
        odata.any_of([odata.eq("nominal_code_id", i) for i in ids])
        & odata.compare("transaction_date", "ge", start)
        & odata.compare("transaction_date", "le", end)
    )


def _postings(rows: list[dict[str, Any]], latest: int) -> list[NominalPosting]:
    return [NominalPosting.model_validate(row) for row in rows[:latest]]


@dataclass(frozen=True)
class FinancialYear:
    """One financial year in brief: a model asking "when does our year end?" or "which period
    are we in?" needs this, not a row per period."""

    relative: int | None  # 0 this year, -1 last year, 1 next
    start: date | None
    end: date | None
    periods: int
    current_period: FinancialPeriod | None  # the period holding ``today``, if in this year


def financial_years(periods: list[FinancialPeriod], today: date) -> list[FinancialYear]:
    """The years the periods belong to, oldest first, each with the period holding ``today``."""
    years: dict[date | None, list[FinancialPeriod]] = {}
    for period in periods:
        years.setdefault(period.financial_year_start_date, []).append(period)
    return [
        FinancialYear(
            held[0].year_relative_to_current_year,
            held[0].financial_year_start_date,
            held[0].financial_year_end_date,
            len(held),
            next(
                (
                    p
                    for p in held
                    if p.period_start_date
                    and p.period_end_date
                    and p.period_start_date <= today <= p.period_end_date
                ),
                None,
            ),
        )
        for held in years.values()
    ]


def current_year(periods: list[FinancialPeriod]) -> tuple[date, date] | None:
    """The first and last day of the current financial year, if Sage lists it."""
    for period in periods:
        if period.year_relative_to_current_year == 0:
            first, last = period.financial_year_start_date, period.financial_year_end_date
            return (first, last) if first and last else None
    return None


def _whole_periods(
    periods: list[FinancialPeriod], start: date, end: date
) -> tuple[date, date] | None:
    """The first and last day of the run of whole periods within the range, if any."""
    inside = [
        (p.period_start_date, p.period_end_date)
        for p in periods
        if p.period_start_date
        and p.period_end_date
        and start <= p.period_start_date
        and p.period_end_date <= end
    ]
    if not inside:
        return None
    return min(a for a, _ in inside), max(b for _, b in inside)


async def _streamed(
    client: SageClient, company: Company, ids: list[int], start: date, end: date
) -> Sums:
    """The postings between two dates, summed as they stream in (no request for no days)."""
    sums = Sums()
    if start > end:
        return sums
    await client.scan(
        POSTINGS,
        company,
        {
            "$filter": str(_postings_in(ids, start, end)),
            "$orderby": "id asc",
            "$select": "id,debit,credit",
        },
        sums.add,
        advice=WHOLE_PERIODS_ADVICE,
        counted=True,  # a busy control account: thousands of postings a month
    )
    return sums


async def _period_values(
    client: SageClient, company: Company, ids: list[int], first: date, last: date
) -> float:
    """The net posted to these accounts in the periods from ``first`` to ``last``, from Sage's
    own period totals (a row per account and period, however many postings)."""
    rows = await client.all_rows(
        PERIOD_VALUES,
        company,
        {
            "$filter": str(
                odata.any_of([odata.eq("nominal_code_id", i) for i in ids])
                & odata.compare("accounting_period_start_date", "ge", first)
                & odata.compare("accounting_period_end_date", "le", last)
            ),
            "$orderby": "nominal_period_value_id asc",
            "$select": "nominal_period_value_id,nominal_period_value_actual_value",
        },
    )
    return sum(lenient_number(row.get("nominal_period_value_actual_value")) or 0.0 for row in rows)


async def bank_accounts(client: SageClient, company: Company) -> list[BankAccount]:
    rows = await client.all_rows("bank_views", company, {"$orderby": "code asc"})
    return [BankAccount.model_validate(row) for row in rows]


REFERENCE_TTL = 600.0  # seconds; tax codes, currencies and periods change rarely, not by the hour


async def tax_codes(client: SageClient, company: Company) -> Remembered[list[TaxCode]]:
    async def load() -> list[TaxCode]:
        rows = await client.all_rows(
            "tax_codes",
            company,
            {"$orderby": "code asc", "$select": "id,code,name,tax_rate,terms_description"},
        )
        return [TaxCode.model_validate(row) for row in rows]

    return await client.remember(_key("tax_codes", company), load, REFERENCE_TTL)


async def currencies(client: SageClient, company: Company) -> Remembered[list[Currency]]:
    async def load() -> list[Currency]:
        rows = await client.all_rows(
            "currencies",
            company,
            {
                "$orderby": "id asc",
                "$expand": "currency_iso_code",
                "$select": "id,name,symbol,core_currency_rate,is_base_currency,"
                "currency_iso_code.code",
            },
        )
        return [Currency.model_validate(row) for row in rows]

    return await client.remember(_key("currencies", company), load, REFERENCE_TTL)


def _key(kind: str, company: Company) -> tuple[str, str, int]:
    return (kind, company.site_id, company.company_id)


async def financial_periods(
    client: SageClient, company: Company
) -> Remembered[list[FinancialPeriod]]:
    """Every period of every financial year Sage keeps, oldest first, and when they were read
    (remembered: every nominal question needs them)."""

    async def load() -> list[FinancialPeriod]:
        rows = await client.all_rows(
            "financial_year_period_views",
            company,
            {
                "$orderby": "financial_year_start_date asc, period_number asc",
                "$select": "financial_year_start_date,financial_year_end_date,"
                "year_relative_to_current_year,period_number,period_start_date,period_end_date",
            },
        )
        return [FinancialPeriod.model_validate(row) for row in rows]

    return await client.remember(_key("periods", company), load, REFERENCE_TTL)
