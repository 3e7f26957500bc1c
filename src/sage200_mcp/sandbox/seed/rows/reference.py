"""Reference tables every other table points into: currencies, ISO codes, tax codes, countries
and financial periods."""

from __future__ import annotations

from datetime import timedelta

from sage200_mcp.sandbox.seed import reference
from sage200_mcp.sandbox.seed.model import CompanyModel
from sage200_mcp.sandbox.seed.rows.fields import Rows, audit


def add_reference_data(rows: Rows, model: CompanyModel) -> None:
    created = model.today - timedelta(days=1500)
    for currency in model.rates.currencies:
        rows["currencies"].append(
            {
                "id": currency.id,
                "symbol": currency.symbol,
                "name": currency.name,
                "core_currency_rate": currency.rate,
                "euro_currency_rate": currency.rate,
                "is_base_currency": currency.is_base,
                "is_euro_currency": currency.iso == "EUR",
                "use_for_new_accounts": True,
                "currency_iso_code_id": reference.iso_id(currency.iso),
                **audit(created),
            }
        )
    for number, code, name in reference.ISO_CURRENCIES:
        rows["currency_iso_codes"].append(
            {"id": number, "code": code, "name": name, **audit(created)}
        )
    for tax in model.rates.tax_codes:
        rows["tax_codes"].append(
            {
                "id": tax.id,
                "code": tax.code,
                "name": tax.name,
                "tax_rate": tax.rate,
                **audit(created),
            }
        )
    for country in reference.COUNTRIES:
        rows["country_codes"].append(
            {
                "id": country.id,
                "code": country.code,
                "name": country.name,
                "eu_member": country.eu_member,
                **audit(created),
            }
        )
    for period in model.periods:
        rows["financial_year_period_views"].append(
            {
                "financial_year_id": period.financial_year_id,
                "financial_year_start_date": period.year_start,
                "financial_year_end_date": period.year_end,
                "year_relative_to_current_year": period.year_relative,
                "number_of_periods_in_year": 12,
                "accounting_period_id": period.accounting_period_id,
                "period_number": period.number,
                "period_start_date": period.start,
                "period_end_date": period.end,
            }
        )
