"""A company's chart of accounts: its nominal codes and, in a big company, their splits.

Sage 200 keys a nominal account by its reference, cost centre and department. Small companies use
the reference alone; a big one splits its profit and loss codes by cost centre (here its branches)
and department (its sales channels), which is how a ledger reaches hundreds of accounts. An
account's ``key`` names it inside the seed: the bare reference for an account with no cost centre
or department (so the fixed chart reads as before), ``reference-centre-department`` for a split.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sage200_mcp.sandbox.seed.companies import CompanyPlan
from sage200_mcp.sandbox.seed.reporting import ReportCategory, category_of
from sage200_mcp.sandbox.shape import BRANCHES, DEPARTMENTS


@dataclass(frozen=True)
class NominalAccount:
    id: int
    reference: str
    name: str
    cost_centre: str = ""
    department: str = ""
    cost_centre_id: int = 0
    department_id: int = 0

    @property
    def is_profit_and_loss(self) -> bool:
        return self.reference >= "4000"

    @functools.cached_property
    def category(self) -> ReportCategory:
        return category_of(self.reference)

    @functools.cached_property
    def key(self) -> str:
        return split_key(self.reference, self.cost_centre, self.department)


_CHART = (
    ("0010", "Freehold property", "Freehold property"),
    ("0030", "Office equipment", "Office equipment"),
    ("0040", "Furniture and fixtures", "Furniture and fixtures"),
    ("0050", "Motor vehicles", "Motor vehicles"),
    ("1001", "Stock", "Stock"),
    ("1100", "Debtors control account", "Debtors control account"),
    ("1200", "Bank current account", "Bank current account"),
    ("1210", "Bank deposit account", "Bank deposit account"),
    ("1230", "Petty cash", "Petty cash"),
    ("2100", "Creditors control account", "Creditors control account"),
    ("2200", "Sales tax control account", "VAT on sales"),
    ("2201", "Purchase tax control account", "VAT on purchases"),
    ("2210", "PAYE and NI", "PAYE and PRSI"),
    ("2300", "Loans", "Loans"),
    ("3000", "Ordinary shares", "Ordinary shares"),
    ("3200", "Profit and loss account", "Profit and loss account"),
    ("4000", "Sales - stationery and supplies", "Sales - stationery and supplies"),
    ("4010", "Sales - furniture", "Sales - furniture"),
    ("4020", "Sales - technology", "Sales - technology"),
    ("4900", "Other income", "Other income"),
    ("5000", "Purchases - stock", "Purchases - stock"),
    ("5100", "Carriage inwards", "Carriage inwards"),
    ("7000", "Gross wages", "Gross wages"),
    ("7100", "Rent and rates", "Rent and rates"),
    ("7200", "Electricity and gas", "Electricity and gas"),
    ("7500", "Printing and stationery", "Printing and stationery"),
    ("7502", "Telephone and internet", "Telephone and internet"),
    ("7600", "Professional fees", "Professional fees"),
    ("7800", "Cleaning", "Cleaning"),
    ("7900", "Bank charges and interest", "Bank charges and interest"),
    ("8000", "Depreciation", "Depreciation"),
    ("8100", "Bad debts written off", "Bad debts written off"),
    # last, so the accounts before it keep their ids
    ("7906", "Exchange rate variance", "Exchange rate variance"),
)


def split_key(reference: str, cost_centre: str, department: str) -> str:
    return f"{reference}-{cost_centre}-{department}" if cost_centre or department else reference


# the Irish company's branches (the UK's are in shape.py, where the command line counts them)
IRISH_BRANCHES = ("DUB", "CRK")
BRANCH_NAMES = {
    "MAN": "Manchester",
    "LDS": "Leeds",
    "BHM": "Birmingham",
    "LON": "London",
    "GLA": "Glasgow",
    "BRS": "Bristol",
    "NCL": "Newcastle",
    "CDF": "Cardiff",
    "NOT": "Nottingham",
    "SHF": "Sheffield",
    "LIV": "Liverpool",
    "EDI": "Edinburgh",
    "DUB": "Dublin",
    "CRK": "Cork",
}
DEPARTMENT_NAMES = {
    "TRD": "Trade counter",
    "ONL": "Online",
    "KEY": "Key accounts",
    "TEL": "Telesales",
    "CON": "Contract",
}


def branches(plan: CompanyPlan) -> tuple[str, ...]:
    """The company's cost centres: the first of its country's branches, as many as it has."""
    return (IRISH_BRANCHES if plan.country == "IE" else BRANCHES)[: plan.cost_centres]


def chart(plan: CompanyPlan) -> dict[str, NominalAccount]:
    """Every account by key: the fixed chart (ids 1..33 in every company), then the splits of
    each profit and loss code by cost centre and department, when the plan has cost centres."""
    irish = plan.country == "IE"
    accounts = {
        reference: NominalAccount(index, reference, irish_name if irish else name)
        for index, (reference, name, irish_name) in enumerate(_CHART, start=1)
    }
    bare = list(accounts.values())
    for account in bare:
        if not account.is_profit_and_loss:
            continue
        for centre_id, centre in enumerate(branches(plan), start=1):
            for department_id, department in enumerate(DEPARTMENTS, start=1):
                split = NominalAccount(
                    len(accounts) + 1,
                    account.reference,
                    account.name,
                    centre,
                    department,
                    centre_id,
                    department_id,
                )
                accounts[split.key] = split
    return accounts


def party_split(plan: CompanyPlan, code: str, party_id: int) -> str:
    """The account a trading party's postings to ``code`` reach: its branch and channel's split
    of the code, or the bare code in a company without cost centres. Arithmetic on the id, not
    the party's random stream, so splitting changes nothing else in the books."""
    if not plan.cost_centres:
        return code
    centre = branches(plan)[(party_id * 7919) % plan.cost_centres]
    department = DEPARTMENTS[(party_id * 104_729 // plan.cost_centres) % len(DEPARTMENTS)]
    return split_key(code, centre, department)


def splits_of(accounts: dict[str, NominalAccount], code: str) -> list[str]:
    """The keys of a code's split accounts, or the bare code when it has none."""
    keys = [key for key, account in accounts.items() if account.reference == code and key != code]
    return keys or [code]
