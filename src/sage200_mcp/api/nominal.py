"""The nominal ledger, the cash book, and the reference data (tax, currencies, periods)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sage200_mcp.api import odata
from sage200_mcp.api.client import Company, SageClient
from sage200_mcp.api.ledgers import Page, page_of
from sage200_mcp.api.views import (
    BankAccount,
    Currency,
    FinancialPeriod,
    NominalCodeView,
    NominalPosting,
    TaxCode,
)

CODE_FIELDS = (
    "id",
    "reference",
    "name",
    "cost_centre_code",
    "department_code",
    "report_category_description",
    "balance_year_to_date",
    "debit_year_to_date",
    "credit_year_to_date",
    "brought_forward_balance",
)


async def search_nominal_codes(
    client: SageClient,
    company: Company,
    text: str | None,
    *,
    offset: int,
    limit: int,
    want_total: bool,
) -> Page[NominalCodeView]:
    params = {
        "$select": ",".join(CODE_FIELDS),
        "$orderby": "reference asc, cost_centre_code asc, department_code asc, id asc",
    }
    text = (text or "").strip()
    if text:
        params["$filter"] = str(
            odata.any_of([odata.startswith("reference", text), odata.contains("name", text)])
        )
    return await page_of(
        client,
        "nominal_code_views",
        company,
        params,
        offset,
        limit,
        want_total,
        NominalCodeView.model_validate,
    )


async def nominal_codes_named(
    client: SageClient, company: Company, reference: str
) -> list[NominalCodeView]:
    """Every nominal account with this reference (one per cost centre and department)."""
    rows = await client.all_rows(
        "nominal_code_views",
        company,
        {
            "$filter": str(odata.eq("reference", reference.strip())),
            "$select": ",".join(CODE_FIELDS),
            "$orderby": "cost_centre_code asc, department_code asc, id asc",
        },
    )
    return [NominalCodeView.model_validate(row) for row in rows]


@dataclass(frozen=True)
class Activity:
    debit: float
    credit: float
    count: int
    latest: list[NominalPosting]


async def nominal_activity(
    client: SageClient,
    company: Company,
    code_ids: list[int],
    from_date: date,
    to_date: date,
    latest: int,
) -> Activity:
    """The debits and credits posted to these accounts between two dates (inclusive)."""
    expression = odata.all_of(
        [
            odata.any_of([odata.eq("nominal_code_id", i) for i in code_ids]),
            odata.compare("transaction_date", "ge", from_date),
            odata.compare("transaction_date", "le", to_date),
        ]
    )
    rows = await client.all_rows(
        "nominal_transaction_enquiry_views",
        company,
        {
            "$filter": str(expression),
            "$orderby": "transaction_date desc, id desc",
            "$select": "id,nominal_code_id,transaction_date,reference,narrative,debit,credit,"
            "source,user_name",
        },
    )
    postings = [NominalPosting.model_validate(row) for row in rows]
    debit = sum(p.debit or 0 for p in postings)
    credit = sum(p.credit or 0 for p in postings)
    return Activity(round(debit, 2), round(credit, 2), len(postings), postings[:latest])


async def current_year_start(client: SageClient, company: Company) -> date | None:
    rows = await client.get_list(
        "financial_year_period_views",
        company,
        {
            "$filter": str(
                odata.eq("year_relative_to_current_year", 0) & odata.eq("period_number", 1)
            ),
            "$top": "1",
        },
    )
    return FinancialPeriod.model_validate(rows[0]).financial_year_start_date if rows else None


async def bank_accounts(client: SageClient, company: Company) -> list[BankAccount]:
    rows = await client.all_rows("bank_views", company, {"$orderby": "code asc"})
    return [BankAccount.model_validate(row) for row in rows]


async def tax_codes(client: SageClient, company: Company) -> list[TaxCode]:
    rows = await client.all_rows(
        "tax_codes",
        company,
        {"$orderby": "code asc", "$select": "id,code,name,tax_rate,terms_description"},
    )
    return [TaxCode.model_validate(row) for row in rows]


async def currencies(client: SageClient, company: Company) -> list[Currency]:
    rows = await client.all_rows(
        "currencies",
        company,
        {
            "$orderby": "id asc",
            "$expand": "currency_iso_code",
            "$select": "id,name,symbol,core_currency_rate,is_base_currency,currency_iso_code.code",
        },
    )
    return [Currency.model_validate(row) for row in rows]


async def financial_periods(client: SageClient, company: Company) -> list[FinancialPeriod]:
    """Every period of every financial year Sage keeps, oldest first."""
    rows = await client.all_rows(
        "financial_year_period_views",
        company,
        {
            "$orderby": "financial_year_start_date asc, period_number asc",
            "$select": "financial_year_start_date,financial_year_end_date,"
            "year_relative_to_current_year,period_number,period_start_date,period_end_date",
        },
    )
    return [FinancialPeriod.model_validate(row) for row in rows]
