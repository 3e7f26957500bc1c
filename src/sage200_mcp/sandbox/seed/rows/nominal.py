"""The nominal ledger's tables: nominal codes, their views, the transaction enquiry and the
period values.

Balances are the model's double-entry totals, written as they are, never re-summed here, so a
code's balance is the one the cash book and the trading ledgers agree with; each transaction line
carries the financial period its date falls in, as Sage's enquiry view does. The enquiry and the
period values are generated lazily: posted document by document, a big company's nominal ledger
holds hundreds of thousands of lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from sage200_mcp.sandbox.seed import reference
from sage200_mcp.sandbox.seed.model import CompanyModel
from sage200_mcp.sandbox.seed.rows.fields import Row, Rows, TableRows, audit, money


def add_nominal(rows: Rows, model: CompanyModel) -> None:
    created = model.today - timedelta(days=1200)
    for key, account in model.nominal_ledger.accounts.items():
        balance = model.balances[key]
        splits = {
            "cost_centre_id": account.cost_centre_id,
            "cost_centre_code": account.cost_centre,
            "department_id": account.department_id,
            "department_code": account.department,
        }
        rows["nominal_codes"].append(
            {
                "id": account.id,
                "name": account.name,
                "reference": account.reference,
                **splits,
                "nominal_account_type": "NominalAccountTypePosting",
                "account_status_type": "AccountStatusActive",
                "report_category_id": account.category.id,
                "display_balances_in_selection_list": True,
                "balance_year_to_date": money(balance.year_to_date),
                "debit_balance_year_to_date": money(balance.debit_ytd),
                "credit_balance_year_to_date": money(balance.credit_ytd),
                "brought_forward_balance": money(balance.brought_forward),
                "allow_manual_journal_entries": True,
                "use_batch_postings": True,
                "periods_to_keep_transactions": 24,
                **audit(created),
            }
        )
        rows["nominal_code_views"].append(
            {
                "id": account.id,
                "name": account.name,
                "reference": account.reference,
                **splits,
                "nominal_account_type_id": 0,
                "account_status_type_id": 0,
                "report_category_id": account.category.id,
                "report_category_code": account.category.code,
                "report_category_description": account.category.description,
                "year_value_budget_value": money(
                    model.period_values.year_budget(account, model.periods)
                ),
                "allow_manual_journal_entries": True,
                "use_batch_postings": True,
                "periods_to_keep_transactions": 24,
                "display_balances_in_selection_list": True,
                "balance_year_to_date": money(balance.year_to_date),
                "debit_year_to_date": money(balance.debit_ytd),
                "credit_year_to_date": money(balance.credit_ytd),
                "brought_forward_balance": money(balance.brought_forward),
            }
        )


def nominal_tables(model: CompanyModel) -> Iterator[TableRows]:
    yield "nominal_transaction_enquiry_views", _enquiry(model)
    yield "nominal_period_value_views", _period_values(model)


def _enquiry(model: CompanyModel) -> Iterator[Row]:
    by_day = reference.periods_by_day(model.periods)
    for line in model.nominal_ledger.lines:
        period = by_day[line.day]
        pence = line.pence
        yield {
            "id": line.id,
            "nominal_code_id": line.account.id,
            "transaction_date": line.day,
            "period_number": period.number,
            "reference": line.reference,
            "narrative": line.narrative,
            "debit": money(pence) if pence > 0 else 0.0,
            "credit": money(-pence) if pence < 0 else 0.0,
            "user_name": line.user,
            "source": line.source,
            "urn": line.urn,
            "accounting_period_id": period.accounting_period_id,
            "financial_year_id": period.financial_year_id,
            "financial_year_start_date": period.year_start,
            "year_relative_to_current_year": period.year_relative,
        }


def _period_values(model: CompanyModel) -> Iterator[Row]:
    """In Sage's default order: latest period first, then the highest account id."""
    accounts = sorted(model.nominal_ledger.accounts.values(), key=lambda a: a.id, reverse=True)
    periods = sorted(model.periods, key=lambda p: (p.end, p.number), reverse=True)
    values = model.period_values
    count = len(model.periods)
    for period in periods:
        common = {
            "accounting_period_id": period.accounting_period_id,
            "accounting_period_period_number": period.number,
            "accounting_period_start_date": period.start,
            "accounting_period_end_date": period.end,
            "financial_year_id": period.financial_year_id,
            "financial_year_start_date": period.year_start,
            "year_relative_to_current_year": period.year_relative,
            "number_of_periods_in_year": 12,
        }
        for account in accounts:
            key = (account.id, period.accounting_period_id)
            yield {
                "nominal_code_id": account.id,
                "nominal_code_cost_centre_id": account.cost_centre_id,
                "nominal_code_department_id": account.department_id,
                "nominal_code_account_type": "Posting",
                "nominal_code_report_category_id": account.category.id,
                "nominal_code_name": account.name,
                "nominal_code_reference": account.reference,
                "nominal_code_cost_centre": account.cost_centre,
                "nominal_code_department": account.department,
                "nominal_code_account_status_type": "Active",
                "nominal_period_value_id": (account.id - 1) * count + period.accounting_period_id,
                "nominal_period_value_budget_value": money(values.budget.get(key, 0)),
                "nominal_period_value_actual_value": money(values.actual.get(key, 0)),
                "nominal_period_value_adjustment_after_year_end_close": 0.0,
                **common,
            }
