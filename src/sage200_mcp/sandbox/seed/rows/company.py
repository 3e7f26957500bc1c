"""The company's own details and address, and its users as ``current_user`` answers them.

Every user who may reach the company has a row; the API picks out the one signed in.
"""

from __future__ import annotations

from datetime import date, timedelta

from sage200_mcp.sandbox.seed import reference
from sage200_mcp.sandbox.seed.companies import CompanyPlan, UserPlan
from sage200_mcp.sandbox.seed.rows.fields import Rows, audit, stamp


def add_company(rows: Rows, plan: CompanyPlan, today: date, users: tuple[UserPlan, ...]) -> None:
    line1, city, county, postcode = plan.address
    created = today - timedelta(days=1500)
    rows["company_addresses"].append(
        {
            "id": 1,
            "address_1": line1,
            "city": city,
            "county": county,
            "postcode": postcode,
            "country": "Ireland" if plan.country == "IE" else "United Kingdom",
        }
    )
    rows["company_details"].append(
        {
            "id": 1,
            "name": plan.name,
            "telephone": plan.telephone,
            "email": plan.email,
            "website": plan.website,
            "tax_registration_number": "IE6388047V" if plan.country == "IE" else "GB980780684",
            "years_accounts_held_for": 3,
            "country_code_id": reference.country_id(plan.country),
            **audit(created),
        }
    )
    for user in users:
        if plan.id in user.companies:
            rows["current_user"].append(
                {
                    "id": user.id,
                    "logon_name": user.email,
                    "friendly_name": user.name,
                    "email_address": user.email,
                    "is_web_user": True,
                    "last_logon_date_time": stamp(today, 8, 30),
                }
            )
