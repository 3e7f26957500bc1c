"""The cash book: a company's bank accounts, as accounts and as views.

Each bank account's balance is its nominal code's balance, so the cash book and the nominal
ledger agree; its statement balance is that balance as at the last statement's date (the Friday
before last), as a reconciled account's is. The banks themselves are fixed per country.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sage200_mcp.sandbox.seed import reference
from sage200_mcp.sandbox.seed.model import CompanyModel
from sage200_mcp.sandbox.seed.rows.fields import Rows, audit, money

_BANKS = {
    "GB": (
        ("1200", "Current account", "Barclays Bank", "BankAccountTypeCurrent", "20-45-77"),
        ("1210", "Deposit account", "Barclays Bank", "BankAccountTypeDeposit", "20-45-77"),
        ("1230", "Petty cash", "Petty cash", "BankAccountTypePettyCash", ""),
    ),
    "IE": (
        ("1200", "Current account", "Bank of Ireland", "BankAccountTypeCurrent", "90-14-22"),
        ("1210", "Deposit account", "Bank of Ireland", "BankAccountTypeDeposit", "90-14-22"),
        ("1230", "Petty cash", "Petty cash", "BankAccountTypePettyCash", ""),
    ),
}


def add_banks(rows: Rows, model: CompanyModel) -> None:
    base = model.rates.currency(model.plan.base_currency)
    statement = model.today - timedelta(days=model.today.weekday() + 3)
    since = _posted_since(model, statement)
    for index, (code, description, bank, kind, sort_code) in enumerate(
        _BANKS[model.plan.country], 1
    ):
        balance = money(model.balances[code].year_to_date)
        account_no = (
            f"{(model.plan.id * 7349 + index * 1913) % 100_000_000:08d}" if sort_code else ""
        )
        common = {
            "id": index,
            "code": code,
            "description": description,
            "sort_code": sort_code,
            "account_no": account_no,
            "bank_name": bank,
            "balance": balance,
            "balance_in_base": balance,
            "overdraft_limit": 25_000 if index == 1 else 0,
            "account_name": model.plan.name[:50],
            "statement_balance": money(model.balances[code].year_to_date - since[code]),
            "statement_date": statement,
            "bank_account_nominal_reference": code,
            "bank_charges_nominal_reference": "7900",
        }
        rows["banks"].append(
            {
                **common,
                "account_type": kind,
                "account_status_type": "AccountStatusActive",
                "account_currency_id": base.id,
                **audit(model.today - timedelta(days=1200)),
            }
        )
        rows["bank_views"].append(
            {
                **common,
                "account_type_id": index - 1,
                "account_status_type_id": 0,
                "currency_id": base.id,
                "currency_name": base.name,
                "currency_symbol": base.symbol,
                "currency_iso_code_id": reference.iso_id(base.iso),
                "currency_iso_code": base.iso,
                "currency_iso_code_name": base.name,
            }
        )


def _posted_since(model: CompanyModel, statement: date) -> defaultdict[str, int]:
    """Per bank code: the net posted after the statement's date (bank accounts are never split)."""
    codes = {code for code, *_ in _BANKS[model.plan.country]}
    since: defaultdict[str, int] = defaultdict(int)
    for line in model.nominal_ledger.lines:
        if line.day > statement and line.account.reference in codes:
            since[line.account.reference] += line.pence
    return since
