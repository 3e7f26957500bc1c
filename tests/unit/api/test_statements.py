"""The statements' arithmetic on small books built by hand from balanced journals.

The books are made the way Sage keeps them: a value per account per period, and a balance brought
forward into this year that already holds last year's profit closed into retained profit. The
expected figures are worked out here from the journals themselves, not from the code's formulas.
"""

from __future__ import annotations

from datetime import date

import pytest

from sage200_mcp.api.balances import Span, balance_at
from sage200_mcp.api.books import (
    Account,
    Books,
    Category,
    Layout,
    LayoutLine,
    Report,
    _controls,
)
from sage200_mcp.api.statements import (
    NOT_ON_LAYOUT,
    balance_sheet_of,
    profit_and_loss_of,
    trial_balance_of,
)
from sage200_mcp.api.tie_outs import NO_CATEGORY
from sage200_mcp.api.views import FinancialPeriod

CATEGORIES = {
    1: Category(1, "1", "Sales", "profit_and_loss", "income"),
    2: Category(2, "2", "Cost of sales", "profit_and_loss", "expense"),
    3: Category(3, "3", "Overheads", "profit_and_loss", "expense"),
    4: Category(4, "4", "Fixed assets", "balance_sheet", "asset"),
    5: Category(5, "5", "Current assets", "balance_sheet", "asset"),
    6: Category(6, "6", "Current liabilities", "balance_sheet", "liability"),
    7: Category(7, "7", "Capital and reserves", "balance_sheet", "liability"),
}
CHART = {  # reference: (id, name, category)
    "0010": (1, "Property", 4),
    "1100": (2, "Debtors control", 5),
    "1200": (3, "Bank", 5),
    "2100": (4, "Creditors control", 6),
    "3000": (5, "Share capital", 7),
    "3200": (6, "Retained profit", 7),
    "4000": (7, "Sales", 1),
    "5000": (8, "Purchases", 2),
    "7000": (9, "Wages", 3),
}
PROFIT_AND_LOSS = {"4000", "5000", "7000"}
# balances at the start of last year (before any period held), debit positive
OPENING = {"0010": 50_000.0, "1200": 10_000.0, "3000": -20_000.0, "3200": -40_000.0}
# (year, period, {reference: amount}): each journal balances
JOURNALS = [
    (-1, 1, {"1100": 1_200.0, "4000": -1_000.0, "2100": -200.0}),  # a sale (tax to 2100)
    (-1, 2, {"5000": 600.0, "2100": -600.0}),
    (-1, 3, {"1200": 1_200.0, "1100": -1_200.0}),
    (-1, 7, {"7000": 300.0, "1200": -300.0}),
    (-1, 12, {"1100": 500.0, "4000": -500.0}),
    (0, 1, {"1100": 2_400.0, "4000": -2_000.0, "2100": -400.0}),
    (0, 2, {"5000": 700.0, "2100": -700.0}),
    (0, 3, {"7000": 350.0, "1200": -350.0}),
    (0, 4, {"1200": 900.0, "1100": -900.0}),
]


def periods() -> list[FinancialPeriod]:
    rows = []
    for year, first in ((-1, 2025), (0, 2026)):
        for number in range(1, 13):
            start = date(first, number, 1)
            end = date(first + number // 12, number % 12 + 1, 1)
            rows.append(
                FinancialPeriod(
                    financial_year_start_date=date(first, 1, 1),
                    financial_year_end_date=date(first, 12, 31),
                    year_relative_to_current_year=year,
                    period_number=number,
                    period_start_date=start,
                    period_end_date=date.fromordinal(end.toordinal() - 1),
                )
            )
    return rows


def books(
    journals: list[tuple[int, int, dict[str, float]]] = JOURNALS,
    layouts: dict[Report, Layout] | None = None,
    chart: dict[str, tuple[int, str, int]] = CHART,
) -> Books:
    accounts = {
        identity: Account(identity, reference, name, category_id=category)
        for reference, (identity, name, category) in chart.items()
    }
    by_reference = {a.reference: a for a in accounts.values()}
    for year, period, entries in journals:
        for reference, amount in entries.items():
            account = by_reference[reference]
            account.actual[(year, period)] = account.actual.get((year, period), 0.0) + amount
    last_year_profit = sum(
        amount
        for year, _, entries in journals
        if year == -1
        for reference, amount in entries.items()
        if reference in PROFIT_AND_LOSS
    )
    for account in accounts.values():
        if account.reference in PROFIT_AND_LOSS:
            account.balance_year_to_date = sum(v for (y, _), v in account.actual.items() if y == 0)
            continue
        last_year = sum(v for (y, _), v in account.actual.items() if y == -1)
        account.brought_forward = OPENING.get(account.reference, 0.0) + last_year
        if account.reference == "3200":
            account.brought_forward += last_year_profit  # the year end's close
        account.balance_year_to_date = account.brought_forward + sum(
            v for (y, _), v in account.actual.items() if y == 0
        )
    controls, basis = _controls([], accounts.values())
    return Books(
        accounts,
        CATEGORIES,
        layouts or {},
        True,
        periods(),
        controls,
        basis,
        (-1, 0),
    )


def by_reference(found: Books, reference: str) -> Account:
    return next(a for a in found.accounts.values() if a.reference == reference)


def expected_balance(reference: str, year: int, last: int) -> float:
    """From the journals: opening, plus every value up to that period end; a profit and loss
    account only counts its own year; retained profit takes each finished year's profit."""
    if reference in PROFIT_AND_LOSS:
        return sum(e.get(reference, 0.0) for y, p, e in JOURNALS if y == year and p <= last)
    total = OPENING.get(reference, 0.0) + sum(
        e.get(reference, 0.0) for y, p, e in JOURNALS if (y, p) <= (year, last)
    )
    if reference == "3200" and year == 0:
        total += sum(
            a for y, _, e in JOURNALS if y == -1 for r, a in e.items() if r in PROFIT_AND_LOSS
        )
    return total


@pytest.mark.parametrize("reference", sorted(CHART))
@pytest.mark.parametrize(("year", "last"), [(0, 4), (0, 1), (-1, 12), (-1, 6), (-1, 1)])
def test_balances_forwards_and_back_across_the_year_end(
    reference: str, year: int, last: int
) -> None:
    found = books()
    balance = balance_at(found, by_reference(found, reference), Span(year, 1, last))
    assert balance == pytest.approx(expected_balance(reference, year, last))


@pytest.mark.parametrize(("year", "last"), [(0, 4), (0, 2), (-1, 12), (-1, 5)])
def test_trial_balance_ties_out(year: int, last: int) -> None:
    found = trial_balance_of(books(), Span(year, 1, last))
    assert found.debits == pytest.approx(found.credits) and found.debits > 0
    check = next(c for c in found.checks if c.name == "debits_equal_credits")
    assert check.passed and check.difference == 0
    shown = {line.account.reference: line.account.figures[0] for line in found.lines}
    for reference in CHART:
        assert shown.get(reference, 0.0) == pytest.approx(expected_balance(reference, year, last))
    assert [line.account.reference for line in found.lines] == sorted(shown)


def test_profit_and_loss_this_year_against_last() -> None:
    found = profit_and_loss_of(books(), Span(0, 1, 3))
    assert found.income == (2_000.0, 1_000.0, None)  # last year's periods 1-3: one sale
    assert found.expenses == (1_050.0, 600.0, None)
    assert found.gross_profit == (1_300.0, 400.0, None)  # sales less cost of sales
    assert found.net_profit == (950.0, 400.0, None)
    assert [s.name for s in found.sections] == ["Income", "Expenses"]
    assert all(c.passed for c in found.checks), found.checks


def test_budgets_appear_only_where_sage_has_them() -> None:
    found = books()
    by_reference(found, "4000").budget[(0, 1)] = -1_800.0
    shown = profit_and_loss_of(found, Span(0, 1, 3))
    assert shown.income[2] == 1_800.0 and shown.net_profit[2] == 1_800.0


def test_a_year_sage_does_not_hold_is_not_compared_as_zero() -> None:
    found = profit_and_loss_of(books(), Span(-1, 1, 12))
    assert found.income == (1_500.0, None, None)
    assert found.net_profit == (600.0, None, None)


def test_balance_sheet_balances_with_this_years_profit() -> None:
    found = balance_sheet_of(books(), Span(0, 1, 4))
    assets = sum(expected_balance(r, 0, 4) for r in ("0010", "1100", "1200"))
    assert found.assets[0] == pytest.approx(assets)
    assert found.profit_for_the_year[0] == pytest.approx(2_000 - 700 - 350)
    assert found.net_assets[0] == pytest.approx(found.capital_and_reserves[0])
    assert found.liabilities[0] == pytest.approx(-expected_balance("2100", 0, 4))
    last_year = sum(expected_balance(r, -1, 4) for r in ("0010", "1100", "1200"))
    assert found.assets[1] == pytest.approx(last_year)
    assert all(c.passed is not False for c in found.checks), found.checks


def test_a_one_sided_posting_fails_every_tie_out() -> None:
    lopsided = [*JOURNALS, (0, 4, {"1100": 1_234.56})]
    balance = trial_balance_of(books(lopsided), Span(0, 1, 4))
    check = next(c for c in balance.checks if c.name == "debits_equal_credits")
    assert check.passed is False and check.difference == 1_234.56
    sheet = balance_sheet_of(books(lopsided), Span(0, 1, 4))
    check = next(c for c in sheet.checks if c.name == "balance_sheet_balances")
    assert check.passed is False and check.difference == 1_234.56
    profit = profit_and_loss_of(books(lopsided), Span(0, 1, 4))
    check = next(
        c for c in profit.checks if c.name == "net_profit_equals_movement_on_retained_earnings"
    )
    assert check.passed is False and abs(check.difference) == 1_234.56


def test_controls_against_the_ledgers_only_when_given() -> None:
    found = books()
    debtors = expected_balance("1100", 0, 4)
    creditors = -expected_balance("2100", 0, 4)
    agreeing = balance_sheet_of(found, Span(0, 1, 4), {"debtors": debtors, "creditors": creditors})
    named = {c.name: c for c in agreeing.checks}
    assert named["debtors_control_equals_sales_ledger"].passed is True
    assert named["creditors_control_equals_purchase_ledger"].passed is True
    short = balance_sheet_of(
        found, Span(0, 1, 4), {"debtors": debtors - 10, "creditors": creditors}
    )
    named = {c.name: c for c in short.checks}
    assert named["debtors_control_equals_sales_ledger"].passed is False
    assert named["debtors_control_equals_sales_ledger"].difference == 10
    unread = balance_sheet_of(found, Span(0, 1, 4))
    assert {c.passed for c in unread.checks if "control" in c.name} == {None}


def test_period_values_that_disagree_with_sages_balances_are_named() -> None:
    found = books()
    by_reference(found, "1200").balance_year_to_date = (
        by_reference(found, "1200").balance_year_to_date or 0
    ) + 5
    check = next(
        c
        for c in trial_balance_of(found, Span(0, 1, 4)).checks
        if c.name == "period_values_agree_with_balances"
    )
    assert check.passed is False and "1200" in check.detail and check.difference == 5


def test_the_companys_layout_orders_and_heads_the_lines() -> None:
    layout = Layout(
        "Management P&L",
        (
            LayoutLine("Turnover", 1, "Sales revenue"),
            LayoutLine("Cost of sales", 2, ""),
        ),
    )
    found = profit_and_loss_of(books(layouts={"profit_and_loss": layout}), Span(0, 1, 3))
    assert [(s.name, [line.title for line in s.lines]) for s in found.sections] == [
        ("Turnover", ["Sales revenue"]),
        ("Cost of sales", ["Cost of sales"]),
        (NOT_ON_LAYOUT, ["Overheads"]),  # never left out: its values still count
    ]
    assert found.net_profit[0] == 950.0


def test_an_account_without_a_category_is_shown_and_named() -> None:
    chart = {**CHART, "9999": (10, "Suspense", 0)}
    found = books([*JOURNALS, (0, 2, {"9999": 75.0, "1200": -75.0})], chart=chart)
    sheet = balance_sheet_of(found, Span(0, 1, 4))
    assert sheet.sections[-1].name == NO_CATEGORY
    check = next(c for c in sheet.checks if c.name == "every_account_has_a_category")
    assert check.passed is False and "9999" in check.detail
    balance = next(c for c in sheet.checks if c.name == "balance_sheet_balances")
    assert balance.passed  # still counted, so the sheet still balances


def test_one_cost_centre() -> None:
    chart = {**CHART}
    found = books(chart=chart)
    found.accounts[7].cost_centre = "NORTH"  # 4000 only
    shown = profit_and_loss_of(found, Span(0, 1, 3), lambda a: a.cost_centre == "NORTH")
    assert shown.income[0] == 2_000.0 and shown.expenses[0] == 0.0
    assert all(c.name != "net_profit_equals_movement_on_retained_earnings" for c in shown.checks)


def test_a_sage_without_layouts_says_so() -> None:
    found = books()
    shown = profit_and_loss_of(found, Span(0, 1, 3))
    assert "no layout" in shown.layout
    without = Books(
        found.accounts,
        found.categories,
        {},
        False,
        found.periods,
        found.controls,
        found.controls_basis,
        found.years,
    )
    assert (
        "does not offer financial statement layouts"
        in profit_and_loss_of(without, Span(0, 1, 3)).layout
    )


def test_trial_balance_beside_a_year_earlier() -> None:
    found = trial_balance_of(books(), Span(0, 1, 4), compare=True)
    for line in found.lines:
        reference = line.account.reference
        assert line.account.figures[1] == pytest.approx(expected_balance(reference, -1, 4))
    assert sum(line.account.figures[1] or 0 for line in found.lines) == pytest.approx(0)
    assert found.comparison is not None and found.comparison.end == date(2025, 4, 30)
    alone = trial_balance_of(books(), Span(0, 1, 4))
    assert alone.comparison is None and {line.account.figures[1] for line in alone.lines} == {None}
