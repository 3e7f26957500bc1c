"""Trial balance, profit and loss and balance sheet: the books as Sage keeps them (api/books.py)
read for the periods asked, each account's balance worked out (api/balances.py), laid out as
the company's layout or its report categories say, with the checks that say whether the
statement ties out (api/tie_outs.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from sage200_mcp.api.balances import TOLERANCE, Span, balance_at, cents, report_of, sum_in
from sage200_mcp.api.books import Account, Books, Category, Control, Kind, Report, read_books
from sage200_mcp.api.client import Company, SageClient
from sage200_mcp.api.errors import BadRequest
from sage200_mcp.api.ledgers import PURCHASE, SALES, Ledger, aged_table
from sage200_mcp.api.models import AGED_BUCKETS
from sage200_mcp.api.nominal import financial_periods
from sage200_mcp.api.tie_outs import (
    NO_CATEGORY,
    Check,
    control_checks,
    placed,
    profit_is_reserves_movement,
    year_to_date,
)
from sage200_mcp.api.views import FinancialPeriod

CAPITAL_WORDS = ("capital", "reserve", "equity", "shareholder", "retained", "profit and loss")
COST_OF_SALES_WORDS = ("cost of sales", "direct cost", "cost of goods", "purchases")
NOT_ON_LAYOUT = "Not on the company's layout"
Figures = tuple[float, float | None, float | None]  # this span, the comparison, the budget


@dataclass(frozen=True)
class AccountLine:
    id: int
    reference: str
    name: str
    cost_centre: str
    department: str
    figures: Figures


@dataclass(frozen=True)
class Line:
    """A category on a statement, in the statement's sign (income and liabilities positive as
    credits, expenses and assets as debits)."""

    title: str
    code: str
    kind: Kind | None
    figures: Figures
    accounts: tuple[AccountLine, ...]


@dataclass(frozen=True)
class Section:
    name: str
    lines: tuple[Line, ...]

    @property
    def figures(self) -> Figures:
        return _summed(line.figures for line in self.lines)


@dataclass(frozen=True)
class Period:
    """Where a statement's span starts and ends, as dates."""

    start: date | None
    end: date | None


@dataclass(frozen=True)
class ProfitAndLoss:
    span: Span
    dates: Period
    comparison: Period
    sections: tuple[Section, ...]
    income: Figures
    expenses: Figures
    gross_profit: Figures | None
    net_profit: Figures
    layout: str
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class BalanceSheet:
    span: Span
    dates: Period
    comparison: Period
    sections: tuple[Section, ...]
    assets: Figures
    liabilities: Figures  # capital and reserves apart, when they can be told apart
    capital_and_reserves: Figures  # this year's profit included
    profit_for_the_year: Figures
    net_assets: Figures
    layout: str
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class TrialBalanceLine:
    account: AccountLine
    category: str


@dataclass(frozen=True)
class TrialBalance:
    span: Span
    dates: Period
    comparison: Period | None  # the same period end a year earlier, when compared
    lines: tuple[TrialBalanceLine, ...]  # every account with a balance (then or now), by reference
    debits: float
    credits: float
    checks: tuple[Check, ...]


# ---- reading and choosing periods


async def profit_and_loss(
    client: SageClient,
    company: Company,
    year: int,
    periods: tuple[int | None, int | None],
    today: date,
    *,
    cost_centre: str | None = None,
    department: str | None = None,
) -> ProfitAndLoss:
    """Periods ``periods`` (first, last; by default the year to today's period) of the year
    ``year`` (relative), against the same periods a year earlier and the budget."""
    span = await span_of(client, company, year, periods, today)
    books = await read_books(client, company, (span.year - 1, span.year))
    return profit_and_loss_of(books, span, _only(cost_centre, department))


async def balance_sheet(
    client: SageClient, company: Company, day: date, today: date
) -> BalanceSheet:
    """At the end of the period holding ``day``, beside the same period end a year earlier."""
    span = await span_at(client, company, day)
    books, ledgers = await asyncio.gather(
        read_books(client, company, (span.year - 1, _newest(span))),
        _ledger_totals(client, company, span, today),
    )
    return balance_sheet_of(books, span, ledgers)


async def trial_balance(
    client: SageClient, company: Company, day: date, today: date, *, compare: bool = False
) -> TrialBalance:
    """Every account's balance at the end of the period holding ``day``, and with ``compare``
    at the same period end a year earlier."""
    span = await span_at(client, company, day)
    oldest = span.year - 1 if compare else span.year
    books, ledgers = await asyncio.gather(
        read_books(client, company, (oldest, _newest(span))),
        _ledger_totals(client, company, span, today),
    )
    return trial_balance_of(books, span, ledgers, compare=compare)


def _newest(span: Span) -> int:
    """The latest year a balance at ``span``'s end needs: this one for this year, else every
    year back from the last (what was brought forward into this one is the starting point)."""
    return 0 if span.year >= 0 else -1


async def span_at(client: SageClient, company: Company, day: date) -> Span:
    """Periods from the start of the financial year holding ``day`` to the period holding it."""
    periods = (await financial_periods(client, company)).value
    for period in periods:
        year, number = period.year_relative_to_current_year, period.period_number
        if _contains(period, day) and year is not None and number is not None:
            return Span(year, 1, number)
    first = min((p.period_start_date for p in periods if p.period_start_date), default=None)
    last = max((p.period_end_date for p in periods if p.period_end_date), default=None)
    raise BadRequest(
        f"{day} is outside the financial years Sage holds for this company ({first} to {last})."
    )


async def span_of(
    client: SageClient,
    company: Company,
    year: int,
    periods_wanted: tuple[int | None, int | None],
    today: date,
) -> Span:
    """Periods ``first`` to ``last`` of the year ``year`` (relative), by default from the first
    to today's period this year, or to the last period of an earlier year."""
    first, last = periods_wanted
    periods = (await financial_periods(client, company)).value
    held = [p for p in periods if p.year_relative_to_current_year == year and p.period_number]
    if not held:
        years = sorted({p.year_relative_to_current_year or 0 for p in periods})
        raise BadRequest(
            f"Sage holds no financial year {year} (relative to this one) for this company; it"
            f" holds {', '.join(str(y) for y in years)} (0 is this year, -1 last year)."
        )
    count = max(p.period_number or 0 for p in held)
    if last is None:
        now = next((p.period_number for p in held if _contains(p, today)), None)
        last = now or count
    first = first or 1
    if not 1 <= first <= last <= count:
        raise BadRequest(
            f"Periods {first} to {last} are not within that year's periods 1 to {count}; give"
            " from_period no later than to_period."
        )
    return Span(year, first, last)


def _contains(period: FinancialPeriod, day: date) -> bool:
    start, end = period.period_start_date, period.period_end_date
    return bool(start and end and start <= day <= end)


async def _ledger_totals(
    client: SageClient, company: Company, span: Span, today: date
) -> dict[Control, float] | None:
    """The sales and purchase ledgers' balances in base currency, read only when the statement
    ends at today's period: they are today's balances, comparable with nothing older."""
    periods = (await financial_periods(client, company)).value
    ending = [
        p
        for p in periods
        if p.year_relative_to_current_year == span.year and p.period_number == span.last
    ]
    if not ending or not _contains(ending[0], today):
        return None
    sales, purchases = await asyncio.gather(
        _ledger_total(client, SALES, company), _ledger_total(client, PURCHASE, company)
    )
    return {"debtors": sales, "creditors": purchases}


async def _ledger_total(client: SageClient, ledger: Ledger, company: Company) -> float:
    """Every account's outstanding balance in base currency, from the aged table (remembered,
    so the aged tools and the statements share one read)."""
    table = (await aged_table(client, ledger, company, "transactiondate")).value
    return sum(
        row.amount(bucket, base=True)
        for row in table.rows
        for bucket in AGED_BUCKETS
        if not bucket.startswith("period_") or row.label(int(bucket.removeprefix("period_")))
    )


# ---- the arithmetic


def profit_and_loss_of(
    books: Books, span: Span, only: Callable[[Account], bool] = lambda _: True
) -> ProfitAndLoss:
    prior = Span(span.year - 1, span.first, span.last)
    accounts = [a for a in books.accounts.values() if only(a)]
    budgeted = any(abs(sum_in(a.budget, span)) >= TOLERANCE for a in accounts)

    compared = books.holds(prior.year)

    def figures(account: Account) -> Figures:
        budget = sum_in(account.budget, span) if budgeted else None
        return (
            sum_in(account.actual, span),
            sum_in(account.actual, prior) if compared else None,
            budget,
        )

    sections = _sections(books, "profit_and_loss", accounts, figures)
    lines = [line for section in sections for line in section.lines]
    income = _summed(line.figures for line in lines if line.kind == "income")
    expenses = _summed(line.figures for line in lines if line.kind != "income")
    cost_of_sales = [
        line.figures
        for section in sections
        for line in section.lines
        if line.kind == "expense" and _says(COST_OF_SALES_WORDS, section.name, line.title)
    ]
    gross = _minus(income, _summed(cost_of_sales)) if cost_of_sales else None
    net = _minus(income, expenses)
    checks = [
        profit_is_reserves_movement(books, Span(span.year, 1, span.last), accounts),
        year_to_date(books, [a for a in accounts if report_of(books, a) == "profit_and_loss"])
        if books.years[1] >= 0
        else None,
        placed(books, accounts, lambda a: sum_in(a.actual, span)),
    ]
    return ProfitAndLoss(
        span,
        _dates(books, span),
        _dates(books, prior),
        sections,
        income,
        expenses,
        gross,
        net,
        _layout_name(books, "profit_and_loss"),
        tuple(c for c in checks if c is not None),
    )


def balance_sheet_of(
    books: Books, span: Span, ledgers: dict[Control, float] | None = None
) -> BalanceSheet:
    prior = Span(span.year - 1, 1, span.last)
    this = Span(span.year, 1, span.last)

    compared = books.holds(prior.year)

    def figures(account: Account) -> Figures:
        before = balance_at(books, account, prior) if compared else None
        return balance_at(books, account, this), before, None

    accounts = list(books.accounts.values())
    sections = _sections(books, "balance_sheet", accounts, figures)
    profit_accounts = [a for a in accounts if report_of(books, a) == "profit_and_loss"]
    profit = _negated(
        _summed((sum_in(a.actual, this), sum_in(a.actual, prior), None) for a in profit_accounts)
    )
    assets = _summed(line.figures for s in sections for line in s.lines if line.kind != "liability")
    capital = _summed(
        line.figures
        for s in sections
        for line in s.lines
        if line.kind == "liability" and _is_capital(s.name, line.title)
    )
    liabilities = _minus(
        _summed(line.figures for s in sections for line in s.lines if line.kind == "liability"),
        capital,
    )
    net_assets = _minus(assets, liabilities)
    capital_and_reserves = _plus(capital, profit)
    difference = net_assets[0] - capital_and_reserves[0]
    checks = [
        Check(
            "balance_sheet_balances",
            abs(difference) < TOLERANCE,
            cents(difference),
            "Net assets equal capital and reserves with this year's profit: the profit and"
            " loss accounts' net equals the movement on retained earnings the balance sheet"
            " shows.",
        ),
        *control_checks(books, ledgers),
        year_to_date(books, accounts) if span.year == 0 else None,
        placed(books, accounts, lambda a: balance_at(books, a, this)),
    ]
    return BalanceSheet(
        span,
        _dates(books, this),
        _dates(books, prior),
        sections,
        assets,
        liabilities,
        capital_and_reserves,
        profit,
        net_assets,
        _layout_name(books, "balance_sheet"),
        tuple(c for c in checks if c is not None),
    )


def trial_balance_of(
    books: Books,
    span: Span,
    ledgers: dict[Control, float] | None = None,
    *,
    compare: bool = False,
) -> TrialBalance:
    this = Span(span.year, 1, span.last)
    prior = Span(span.year - 1, 1, span.last) if compare and books.holds(span.year - 1) else None
    lines: list[TrialBalanceLine] = []
    for account in sorted(books.accounts.values(), key=_account_order):
        balance = balance_at(books, account, this)
        before = balance_at(books, account, prior) if prior else None
        if abs(balance) < TOLERANCE and abs(before or 0.0) < TOLERANCE:
            continue
        category = books.categories.get(account.category_id or 0)
        lines.append(
            TrialBalanceLine(_account_line(account, (balance, before, None)), _title(category))
        )
    debits = sum(max(line.account.figures[0], 0.0) for line in lines)
    credits = sum(max(-line.account.figures[0], 0.0) for line in lines)
    checks = [
        Check(
            "debits_equal_credits",
            abs(debits - credits) < TOLERANCE,
            cents(debits - credits),
            "The trial balance's debits equal its credits.",
        ),
        *control_checks(books, ledgers),
        year_to_date(books, list(books.accounts.values())) if span.year == 0 else None,
    ]
    return TrialBalance(
        this,
        _dates(books, this),
        _dates(books, prior) if prior else None,
        tuple(lines),
        round(debits, 2),
        round(credits, 2),
        tuple(c for c in checks if c is not None),
    )


def _sections(
    books: Books,
    report: Report,
    accounts: list[Account],
    figures: Callable[[Account], Figures],
) -> tuple[Section, ...]:
    """The categories of one statement, in the company's layout order under its headings, or
    by kind and code where it has no layout; accounts without a category on either statement
    go on the balance sheet, where they still count (the checks name them)."""
    members: dict[int, list[Account]] = {}
    for account in accounts:
        category = books.categories.get(account.category_id or 0)
        placed = category.report if category else None
        if placed == report or (placed is None and report == "balance_sheet"):
            members.setdefault(category.id if category and placed else 0, []).append(account)
    order = _order(books, report, set(members))
    by_heading: dict[str, list[Line]] = {}
    for heading, category_id, title in order:
        found = members.get(category_id, [])
        category = books.categories.get(category_id)
        kind = category.kind if category else None
        shown = [
            _account_line(a, _natural(kind, figures(a))) for a in sorted(found, key=_account_order)
        ]
        shown = [a for a in shown if any(abs(x or 0.0) >= TOLERANCE for x in a.figures)]
        if not shown:
            continue
        by_heading.setdefault(heading, []).append(
            Line(
                title,
                category.code if category else "",
                kind,
                _summed(a.figures for a in shown),
                tuple(shown),
            )
        )
    return tuple(Section(name, tuple(lines)) for name, lines in by_heading.items())


def _order(books: Books, report: Report, present: set[int]) -> list[tuple[str, int, str]]:
    """(heading, category id, title) in the order the statement lists them."""
    layout = books.layouts.get(report)
    order: list[tuple[str, int, str]] = []
    if layout is not None:
        for line in layout.lines:
            category = books.categories.get(line.category_id)
            if category is not None and all(line.category_id != o[1] for o in order):
                order.append(
                    (
                        line.heading or _kind_heading(category.kind),
                        category.id,
                        _title(category, line.title),
                    )
                )
    listed = {category_id for _, category_id, _ in order}
    rest = sorted(
        (c for c in books.categories.values() if c.report == report and c.id not in listed),
        key=lambda c: (_KIND_ORDER.index(c.kind) if c.kind else 4, c.code, c.id),
    )
    for category in rest:
        heading = NOT_ON_LAYOUT if layout is not None else _kind_heading(category.kind)
        order.append((heading, category.id, _title(category)))
    if 0 in present:
        order.append((NO_CATEGORY, 0, NO_CATEGORY))
    return order


_KIND_ORDER: tuple[Kind, ...] = ("income", "expense", "asset", "liability")
_KIND_HEADINGS = {
    "income": "Income",
    "expense": "Expenses",
    "asset": "Assets",
    "liability": "Liabilities and capital",
}


def _kind_heading(kind: Kind | None) -> str:
    return _KIND_HEADINGS.get(kind or "", "Other")


def _title(category: Category | None, given: str = "") -> str:
    if category is None:
        return NO_CATEGORY
    return given or category.name or f"Category {category.code}"


def _natural(kind: Kind | None, figures: Figures) -> Figures:
    """Credits positive for income and liabilities, debits for the rest."""
    return _negated(figures) if kind in ("income", "liability") else figures


def _negated(figures: Figures) -> Figures:
    return (
        -figures[0],
        None if figures[1] is None else -figures[1],
        None if figures[2] is None else -figures[2],
    )


def _summed(many: Iterable[Figures]) -> Figures:
    this, prior, budget = 0.0, None, None
    for figures in many:
        this += figures[0]
        if figures[1] is not None:
            prior = (prior or 0.0) + figures[1]
        if figures[2] is not None:
            budget = (budget or 0.0) + figures[2]
    return this, prior, budget


def _plus(a: Figures, b: Figures) -> Figures:
    return _summed((a, b))


def _minus(a: Figures, b: Figures) -> Figures:
    return _summed((a, _negated(b)))


def _is_capital(heading: str, title: str) -> bool:
    """A liability line that is capital or reserves, by its category's name or its layout
    heading (not by the heading made up here for all liabilities, which names both)."""
    return _says(CAPITAL_WORDS, title) or (
        heading != _kind_heading("liability") and _says(CAPITAL_WORDS, heading)
    )


def _says(words: tuple[str, ...], *texts: str) -> bool:
    text = " ".join(texts).lower()
    return any(word in text for word in words)


def _account_line(account: Account, figures: Figures) -> AccountLine:
    return AccountLine(
        account.id,
        account.reference,
        account.name,
        account.cost_centre,
        account.department,
        figures,
    )


def _account_order(account: Account) -> tuple[str, str, str, int]:
    return account.reference, account.cost_centre, account.department, account.id


def _layout_name(books: Books, report: Report) -> str:
    layout = books.layouts.get(report)
    if layout is not None:
        return f"the company's layout '{layout.name}'" if layout.name else "the company's layout"
    if not books.layouts_offered:
        return (
            "grouped by report category: this Sage 200 does not offer financial statement"
            " layouts (financial_report_layout_views), so the company's own headings are not"
            " shown"
        )
    return "grouped by report category (the company has no layout for this statement)"


def _dates(books: Books, span: Span) -> Period:
    held = {
        p.period_number: p
        for p in books.periods
        if p.year_relative_to_current_year == span.year and p.period_number
    }
    first, last = held.get(span.first), held.get(span.last)
    return Period(
        first.period_start_date if first else None, last.period_end_date if last else None
    )


def _only(cost_centre: str | None, department: str | None) -> Callable[[Account], bool]:
    centre = (cost_centre or "").strip().lower()
    team = (department or "").strip().lower()
    return lambda a: (
        (not centre or a.cost_centre.lower() == centre)
        and (not team or a.department.lower() == team)
    )
