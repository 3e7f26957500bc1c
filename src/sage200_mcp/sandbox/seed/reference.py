"""Reference data of a company: currencies, tax codes, country codes and financial periods."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from sage200_mcp.sandbox.seed.companies import CompanyPlan


@dataclass(frozen=True)
class Currency:
    id: int
    iso: str
    name: str
    symbol: str
    rate: float  # units of this currency per unit of the base currency
    is_base: bool


@dataclass(frozen=True)
class TaxCode:
    id: int
    code: int
    name: str
    rate: float  # percent


@dataclass(frozen=True)
class CountryCode:
    id: int
    code: str
    name: str
    eu_member: bool


@dataclass(frozen=True)
class Period:
    financial_year_id: int
    year_start: date
    year_end: date
    year_relative: int
    accounting_period_id: int
    number: int
    start: date
    end: date


COUNTRIES = (
    CountryCode(1, "GB", "United Kingdom", False),
    CountryCode(2, "IE", "Ireland", True),
    CountryCode(3, "FR", "France", True),
    CountryCode(4, "DE", "Germany", True),
    CountryCode(5, "NL", "Netherlands", True),
    CountryCode(6, "US", "United States", False),
)

_CURRENCY_NAMES = {"GBP": ("Pound Sterling", "£"), "EUR": ("Euro", "€"), "USD": ("US Dollar", "$")}

# Sage's table of ISO 4217 currencies (a few of them): the same ids in every company
ISO_CURRENCIES = (
    (1, "GBP", "Pound Sterling"),
    (2, "EUR", "Euro"),
    (3, "USD", "US Dollar"),
    (4, "CHF", "Swiss Franc"),
    (5, "JPY", "Yen"),
    (6, "SEK", "Swedish Krona"),
    (7, "NOK", "Norwegian Krone"),
    (8, "DKK", "Danish Krone"),
    (9, "PLN", "Zloty"),
    (10, "CAD", "Canadian Dollar"),
    (11, "AUD", "Australian Dollar"),
)


def iso_id(code: str) -> int:
    return next(number for number, iso, _ in ISO_CURRENCIES if iso == code)


_RATES = {
    "GBP": {"GBP": 1.0, "EUR": 1.17, "USD": 1.27},
    "EUR": {"EUR": 1.0, "GBP": 0.855, "USD": 1.08},
}


def currencies(plan: CompanyPlan) -> tuple[Currency, ...]:
    order = [plan.base_currency] + [c for c in ("GBP", "EUR", "USD") if c != plan.base_currency]
    return tuple(
        Currency(index, iso, *_CURRENCY_NAMES[iso], _RATES[plan.base_currency][iso], index == 1)
        for index, iso in enumerate(order, start=1)
    )


def tax_codes(plan: CompanyPlan) -> tuple[TaxCode, ...]:
    if plan.country == "IE":
        return (
            TaxCode(1, 0, "Zero rated", 0.0),
            TaxCode(2, 1, "Standard rate", 23.0),
            TaxCode(3, 2, "Reduced rate", 13.5),
            TaxCode(4, 3, "Second reduced rate", 9.0),
            TaxCode(5, 4, "Exempt", 0.0),
        )
    return (
        TaxCode(1, 0, "Zero rated", 0.0),
        TaxCode(2, 1, "Standard rate", 20.0),
        TaxCode(3, 2, "Exempt", 0.0),
        TaxCode(4, 5, "Reduced rate", 5.0),
        TaxCode(5, 9, "Outside the scope of VAT", 0.0),
    )


def country_id(code: str) -> int:
    return next(c.id for c in COUNTRIES if c.code == code)


def financial_periods(plan: CompanyPlan, today: date) -> tuple[Period, ...]:
    """Twelve monthly periods for the previous, current and next financial years."""
    start_year = today.year if today.month >= plan.year_start_month else today.year - 1
    periods: list[Period] = []
    for year_id, relative in enumerate((-2, -1, 0, 1), start=1):
        year_start = date(start_year + relative, plan.year_start_month, 1)
        year_end = _add_months(year_start, 12) - timedelta(days=1)
        for number in range(1, 13):
            start = _add_months(year_start, number - 1)
            end = _add_months(start, 1) - timedelta(days=1)
            periods.append(
                Period(
                    year_id,
                    year_start,
                    year_end,
                    relative,
                    (year_id - 1) * 12 + number,
                    number,
                    start,
                    end,
                )
            )
    return tuple(periods)


def periods_by_day(periods: tuple[Period, ...]) -> dict[date, Period]:
    """Every day of the calendar, to its period: one look-up per posting, not a search."""
    days: dict[date, Period] = {}
    for period in periods:
        day = period.start
        while day <= period.end:
            days[day] = period
            day += timedelta(days=1)
    return days


def period_of(periods: tuple[Period, ...], day: date) -> Period:
    for period in periods:
        if period.start <= day <= period.end:
            return period
    raise ValueError(f"{day} is outside the financial calendar")


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
