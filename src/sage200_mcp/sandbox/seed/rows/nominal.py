"""The nominal ledger's tables: nominal codes, their views and the transaction enquiry.

Balances are the model's double-entry totals, written as they are, never re-summed here, so a
code's balance is the one the cash book and the trading ledgers agree with; each transaction line
carries the financial period its date falls in, as Sage's enquiry view does.
"""

from __future__ import annotations

from datetime import timedelta

from sage200_mcp.sandbox.seed import reference
from sage200_mcp.sandbox.seed.model import CompanyModel
from sage200_mcp.sandbox.seed.rows.fields import Rows, audit, money


def add_nominal(rows: Rows, model: CompanyModel) -> None:
    created = model.today - timedelta(days=1200)
    for code, account in model.nominal_ledger.accounts.items():
        balance = model.balances[code]
        rows["nominal_codes"].append(
            {
                "id": account.id,
                "name": account.name,
                "reference": code,
                "nominal_account_type": "NominalAccountTypePosting",
                "account_status_type": "AccountStatusActive",
                "report_category_id": 2 if account.is_profit_and_loss else 1,
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
                "reference": code,
                "nominal_account_type_id": 0,
                "account_status_type_id": 0,
                "report_category_id": 2 if account.is_profit_and_loss else 1,
                "report_category_code": "PL" if account.is_profit_and_loss else "BS",
                "report_category_description": "Profit and loss"
                if account.is_profit_and_loss
                else "Balance sheet",
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
    for line in model.nominal_ledger.lines:
        period = reference.period_of(model.periods, line.day)
        rows["nominal_transaction_enquiry_views"].append(
            {
                "id": line.id,
                "nominal_code_id": line.account.id,
                "transaction_date": line.day,
                "period_number": period.number,
                "reference": line.reference,
                "narrative": line.narrative,
                "debit": money(max(line.pence, 0)),
                "credit": money(max(-line.pence, 0)),
                "user_name": line.user,
                "source": line.source,
                "urn": line.urn,
                "accounting_period_id": period.accounting_period_id,
                "financial_year_id": period.financial_year_id,
                "financial_year_start_date": period.year_start,
                "year_relative_to_current_year": period.year_relative,
            }
        )
