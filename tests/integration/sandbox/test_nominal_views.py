"""The nominal ledger's views over HTTP: period values queried with OData, and a big company's
chart, split by cost centre, coming back whole however it is paged."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from sage200_mcp.sandbox.app import Sandbox, SandboxSettings
from sage200_mcp.sandbox.server import SandboxServer
from tests.helpers import PRO, tokens_for

Get = Callable[..., Any]
ACCOUNTS = 33 + 17 * 8 * 5  # the chart, and its profit and loss codes split 8 x 5


@pytest.fixture(scope="module")
def get() -> Iterator[Get]:
    settings = SandboxSettings(
        customers=40, today=date(2026, 11, 28), postings="per-document", cost_centres=8
    )
    with (
        SandboxServer(Sandbox(settings)) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        token = {"Authorization": f"Bearer {tokens_for(http)['access_token']}"}
        sites = http.get(f"{PRO}/sites", headers=token).json()
        site = next(s for s in sites if s["company_id"] == 1)
        headers = {**token, "X-Site": site["site_id"], "X-Company": "1"}

        def get(path: str, **params: str) -> Any:
            answer = http.get(f"{PRO}/{path}", headers=headers, params=params)
            assert answer.status_code == 200, answer.text
            return answer.json()

        yield get


def test_a_chart_past_the_default_page_comes_back_whole_when_paged(get: Get) -> None:
    assert len(get("nominal_code_views")) == 500  # Sage's page without $top
    assert get("nominal_code_views", **{"$count": "true"}) == ACCOUNTS
    everything = get("nominal_code_views", **{"$top": "5000"})
    pages = [
        row
        for skip in range(0, ACCOUNTS, 500)
        for row in get(
            "nominal_code_views", **{"$orderby": "id", "$top": "500", "$skip": str(skip)}
        )
    ]
    assert len(everything) == ACCOUNTS and [r["id"] for r in pages] == sorted(
        r["id"] for r in everything
    )
    keys = {(r["reference"], r["cost_centre_code"], r["department_code"]) for r in everything}
    assert len(keys) == ACCOUNTS


def test_period_values_answer_odata_and_agree_with_the_year_to_date(get: Get) -> None:
    debtors = get("nominal_code_views", **{"$filter": "reference eq '1100'"})[0]
    this_year = {
        "$filter": f"nominal_code_id eq {debtors['id']} and year_relative_to_current_year eq 0",
        "$select": "accounting_period_period_number,nominal_period_value_actual_value",
        "$orderby": "accounting_period_period_number",
    }
    periods = get("nominal_period_value_views", **this_year)
    assert [p["accounting_period_period_number"] for p in periods] == list(range(1, 13))
    assert all(
        set(p) == {"accounting_period_period_number", "nominal_period_value_actual_value"}
        for p in periods
    )
    net = round(sum(p["nominal_period_value_actual_value"] for p in periods), 2)
    assert net == round(debtors["debit_year_to_date"] - debtors["credit_year_to_date"], 2)
    assert get("nominal_period_value_views", **{**this_year, "$count": "true"}) == 12
    second = get("nominal_period_value_views", **{**this_year, "$top": "2", "$skip": "1"})
    assert second == periods[1:3]


def test_period_values_come_latest_period_first_by_default(get: Get) -> None:
    first = get("nominal_period_value_views", **{"$top": "3"})
    assert [row["nominal_code_id"] for row in first] == [ACCOUNTS, ACCOUNTS - 1, ACCOUNTS - 2]
    assert first[0]["year_relative_to_current_year"] == 1
    assert first[0]["accounting_period_period_number"] == 12
