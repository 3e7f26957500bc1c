"""The checks a statement carries, each saying whether it ties out and by how much if not.

A check that fails is reported with its difference, never smoothed over: figures that do not
tie out are exactly what a finance person needs to hear about. A check that cannot be made
(the ledgers' balances are today's; an account is not found) says why instead of passing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sage200_mcp.api.balances import (
    TOLERANCE,
    Span,
    balance_at,
    cents,
    report_of,
    split_label,
    sum_in,
)
from sage200_mcp.api.books import Account, Books, Control

NO_CATEGORY = "Accounts without a report category"


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool | None  # None: could not be made here (``detail`` says why)
    difference: float
    detail: str


def profit_is_reserves_movement(books: Books, span: Span, accounts: list[Account]) -> Check | None:
    """The profit and loss accounts' net over the year to ``span.last`` against what the
    balance sheet accounts say it must be: the change in net assets not posted to capital."""
    if len(accounts) != len(books.accounts):
        return None  # a cost centre's or department's profit has no balance sheet of its own
    profit = -sum(
        sum_in(a.actual, span) for a in accounts if report_of(books, a) == "profit_and_loss"
    )
    # when the books balance, the balance sheet accounts together come to the profit
    implied = sum(
        balance_at(books, a, span) for a in accounts if report_of(books, a) != "profit_and_loss"
    )
    difference = profit - implied
    return Check(
        "net_profit_equals_movement_on_retained_earnings",
        abs(difference) < TOLERANCE,
        cents(difference),
        f"Net profit for periods 1 to {span.last} equals net assets less capital and reserves"
        " (the movement on retained earnings the balance sheet shows).",
    )


def year_to_date(books: Books, accounts: Iterable[Account]) -> Check | None:
    """This year's period values against Sage's own year-to-date balances, account by account:
    two of Sage's figures that must agree, so a statement built on one is trustworthy."""
    apart: list[tuple[Account, float]] = []
    compared = 0
    for account in accounts:
        if account.balance_year_to_date is None:
            continue
        compared += 1
        emptied = report_of(books, account) == "profit_and_loss"  # by the year end
        derived = (0.0 if emptied else account.brought_forward) + sum(
            value for (year, _), value in account.actual.items() if year == 0
        )
        gap = account.balance_year_to_date - derived
        if abs(gap) >= TOLERANCE:
            apart.append((account, gap))
    if not compared:
        return None
    total = sum(gap for _, gap in apart)
    named = ", ".join(f"{a.reference}{split_label(a)} ({gap:+.2f})" for a, gap in apart[:5])
    return Check(
        "period_values_agree_with_balances",
        not apart,
        cents(total),
        "This year's period values add up to Sage's year-to-date balance of every account."
        + (f" They do not for {len(apart)}: {named}." if apart else ""),
    )


_CONTROLLED: tuple[tuple[Control, str, float], ...] = (
    ("debtors", "sales", 1.0),  # a debit balance, as the ledger's total
    ("creditors", "purchase", -1.0),  # a credit balance against what the ledger says is owed
)


def control_checks(books: Books, ledgers: dict[Control, float] | None) -> list[Check]:
    """Each control account against its ledger, by Sage's live balances on both sides."""
    checks = []
    for control, ledger, sign in _CONTROLLED:
        name = f"{control}_control_equals_{ledger}_ledger"
        ids = books.controls[control]
        if ledgers is None:
            checks.append(
                Check(
                    name,
                    None,
                    0.0,
                    "Not checked: the ledgers' balances are today's, so they are compared only"
                    " at today's period.",
                )
            )
            continue
        if not ids:
            checks.append(
                Check(name, None, 0.0, f"Not checked: no {control} control account was found.")
            )
            continue
        control_balance = sign * sum(books.accounts[i].balance_year_to_date or 0.0 for i in ids)
        difference = control_balance - ledgers[control]
        checks.append(
            Check(
                name,
                abs(difference) < 0.01,
                cents(difference),
                f"The {control} control account ({_references(books, ids)}) equals the"
                f" {ledger} ledger's balance in base currency ({ledgers[control]:,.2f});"
                f" found by {books.controls_basis}.",
            )
        )
    return checks


def placed(books: Books, accounts: list[Account], value: Callable[[Account], float]) -> Check:
    """Accounts with a value but no category that puts them on a statement."""
    unplaced = [
        a
        for a in accounts
        if abs(value(a)) >= TOLERANCE
        and (books.categories.get(a.category_id or 0) is None or report_of(books, a) is None)
    ]
    named = ", ".join(f"{a.reference}{split_label(a)}" for a in unplaced[:5])
    return Check(
        "every_account_has_a_category",
        not unplaced,
        cents(sum(value(a) for a in unplaced)),
        "Every account with a value has a report category placing it on a statement."
        + (
            f" {len(unplaced)} have none ({named}): they are shown under '{NO_CATEGORY}' on"
            " the balance sheet and left off the profit and loss."
            if unplaced
            else ""
        ),
    )


def _references(books: Books, ids: frozenset[int]) -> str:
    references = sorted({books.accounts[i].reference for i in ids})
    return ", ".join(references)
