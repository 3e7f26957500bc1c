"""The nominal ledger, the cash book, and the reference data (tax, currencies, periods)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sage200_mcp.api import odata
from sage200_mcp.api.client import Company, SageClient
from sage200_mcp.api.ledgers import Page, page_of

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
) -> Page[dict[str, Any]]:
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
        client, "nominal_code_views", company, params, offset, limit, want_total, dict
    )


async def nominal_codes_named(
    client: SageClient, company: Company, reference: str
) -> list[dict[str, Any]]:
    """Every nominal account with this reference (one per cost centre and department)."""
    return await client.all_rows(
        "nominal_code_views",
        company,
        {
            "$filter": str(odata.eq("reference", reference.strip())),
            "$select": ",".join(CODE_FIELDS),
            "$orderby": "cost_centre_code asc, department_code asc, id asc",
        },
    )


@dataclass(frozen=True)
class Activity:
    debit: float
    credit: float
    count: int
    latest: list[dict[str, Any]]


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
    debit = sum(float(r.get("debit") or 0) for r in rows)
    credit = sum(float(r.get("credit") or 0) for r in rows)
    return Activity(round(debit, 2), round(credit, 2), len(rows), rows[:latest])


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
    value = rows[0].get("financial_year_start_date") if rows else None
    return date.fromisoformat(value[:10]) if isinstance(value, str) else None


async def bank_accounts(client: SageClient, company: Company) -> list[dict[str, Any]]:
    return await client.all_rows("bank_views", company, {"$orderby": "code asc"})


REFERENCE_DATA = {
    "tax_codes": (
        "tax_codes",
        {"$orderby": "code asc", "$select": "id,code,name,tax_rate,terms_description"},
    ),
    "currencies": (
        "currencies",
        {
            "$orderby": "id asc",
            "$expand": "currency_iso_code",
            "$select": "id,name,symbol,core_currency_rate,is_base_currency,currency_iso_code.code",
        },
    ),
    "financial_periods": (
        "financial_year_period_views",
        {
            "$orderby": "financial_year_start_date asc, period_number asc",
            "$select": "financial_year_start_date,financial_year_end_date,"
            "year_relative_to_current_year,period_number,period_start_date,period_end_date",
        },
    ),
}


async def reference_data(client: SageClient, company: Company, kind: str) -> list[dict[str, Any]]:
    path, params = REFERENCE_DATA[kind]
    return await client.all_rows(path, company, params)
