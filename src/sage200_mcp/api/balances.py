"""A nominal account's balance at a period end, from what Sage keeps: the balance it brought
forward into this year and its value in each accounting period.

A profit and loss account's figure over some periods is the sum of its values; a balance sheet
account's balance at a period's end is what it brought forward plus this year's values to that
period, or, in an earlier year, what it brought forward less the values since. Sage's year end
empties the profit and loss accounts into retained profit without a posting in any period, so
going back across a year end also takes that year's profit out of retained profit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sage200_mcp.api.books import Account, Books, Report

TOLERANCE = 0.005  # half a penny: sums of pence in floating point


@dataclass(frozen=True)
class Span:
    """Periods ``first`` to ``last`` of one financial year (0 this year, -1 last)."""

    year: int
    first: int
    last: int


def balance_at(books: Books, account: Account, span: Span) -> float:
    """The account's balance at the end of ``span.last`` (debit positive): a profit and loss
    account's value for the year to then; a balance sheet account's from what it brought
    forward into this year, forwards through this year or back through earlier ones."""
    if report_of(books, account) == "profit_and_loss":
        return sum_in(account.actual, Span(span.year, 1, span.last))
    if span.year >= 0:
        return account.brought_forward + sum(
            value
            for (year, period), value in account.actual.items()
            if 0 <= year < span.year or (year == span.year and period <= span.last)
        )
    since = sum(
        value
        for (year, period), value in account.actual.items()
        if span.year < year < 0 or (year == span.year and period > span.last)
    )
    balance = account.brought_forward - since
    if account.id in books.controls["retained"]:  # each year end since closed its profit here
        balance -= sum(
            value
            for other in books.accounts.values()
            if report_of(books, other) == "profit_and_loss"
            for (year, _), value in other.actual.items()
            if span.year <= year < 0
        )
    return balance


def sum_in(values: dict[tuple[int, int], float], span: Span) -> float:
    return sum(
        value
        for (year, period), value in values.items()
        if year == span.year and span.first <= period <= span.last
    )


def report_of(books: Books, account: Account) -> Report | None:
    category = books.categories.get(account.category_id or 0)
    return category.report if category else None


def cents(amount: float) -> float:
    """To the penny, and never "-0.0"."""
    return round(amount, 2) + 0.0


def split_label(account: Account) -> str:
    parts = [p for p in (account.cost_centre, account.department) if p]
    return f" {'/'.join(parts)}" if parts else ""
