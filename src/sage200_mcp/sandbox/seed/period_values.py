"""Each nominal account's actual and budget value in each accounting period.

Actuals are the net of the postings dated in the period (debit positive), nothing else: the year
end's close of profit and loss into retained profit is not a posting in any period, so it shows
only in the accounts' brought-forward balances (seed/nominal.balances), as Sage keeps it.
Budgets are set for profit and loss accounts only, as a company budgets its trading: each period
of a year at the previous year's same period plus five per cent, in whole pounds (the next year
from this year's budget, this year being unfinished); the earliest year held has none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sage200_mcp.sandbox.seed.chart import NominalAccount
from sage200_mcp.sandbox.seed.nominal import NominalLine
from sage200_mcp.sandbox.seed.reference import Period, periods_by_day

GROWTH = 1.05


@dataclass(frozen=True)
class PeriodValues:
    """Per (account id, accounting period id): the actual and budget values, in pence."""

    actual: dict[tuple[int, int], int]
    budget: dict[tuple[int, int], int]

    def year_budget(self, account: NominalAccount, periods: tuple[Period, ...]) -> int:
        """An account's budget for the current year, the sum of its periods'."""
        return sum(
            self.budget.get((account.id, p.accounting_period_id), 0)
            for p in periods
            if p.year_relative == 0
        )


def period_values(
    accounts: dict[str, NominalAccount], lines: list[NominalLine], periods: tuple[Period, ...]
) -> PeriodValues:
    by_day = periods_by_day(periods)
    actual: defaultdict[tuple[int, int], int] = defaultdict(int)
    for line in lines:
        actual[(line.account.id, by_day[line.day].accounting_period_id)] += line.pence
    return PeriodValues(dict(actual), _budgets(accounts, actual, periods))


def _budgets(
    accounts: dict[str, NominalAccount],
    actual: dict[tuple[int, int], int],
    periods: tuple[Period, ...],
) -> dict[tuple[int, int], int]:
    period_id = {(p.year_relative, p.number): p.accounting_period_id for p in periods}
    budget: dict[tuple[int, int], int] = {}
    for account in accounts.values():
        if not account.is_profit_and_loss:
            continue
        for period in sorted(periods, key=lambda p: p.year_relative):
            before = period_id.get((period.year_relative - 1, period.number))
            if before is None:
                continue
            source = budget if period.year_relative > 0 else actual
            value = _pounds(source.get((account.id, before), 0) * GROWTH)
            if value:
                budget[(account.id, period.accounting_period_id)] = value
    return budget


def _pounds(pence: float) -> int:
    return round(pence / 100) * 100
