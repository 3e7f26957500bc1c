"""Bodies generated from Sage's own schemas (any values the schemas allow, nulls included, as the
real API sends them) parse into the models, and the tools' views show exactly what was sent."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sage200_mcp.api.ledgers import PURCHASE, SALES, Ledger
from sage200_mcp.api.models import Account, AccountView, TransactionView
from sage200_mcp.openapi import api_spec, is_enum_valued
from sage200_mcp.tools.accounts import account_detail, account_row, transaction_row
from sage200_mcp.tools.output import compact

SCALARS = {"string", "integer", "number", "boolean"}
ZONES = st.sampled_from(["", "Z", "+01:00"])


def field_values(field: str, spec: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Any value the schema allows for one single-value field, or null as the real API sends."""
    kind = spec.get("type")
    values: st.SearchStrategy[Any]
    if kind == "boolean":
        values = st.booleans()
    elif kind == "integer":
        values = st.integers(min_value=-(10**12), max_value=10**12)
    elif kind == "number":
        values = st.integers(-(10**12), 10**12) | st.floats(-1e12, 1e12, allow_nan=False)
    elif spec.get("format") == "date-time":
        moments = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31))
        values = st.builds(lambda moment, zone: moment.isoformat() + zone, moments, ZONES)
    else:
        limit = None if is_enum_valued(field, spec) else spec.get("maxLength")
        values = st.text(max_size=min(limit or 80, 80))
    return st.none() | values


def entity(module: str, name: str) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies of the entity: any subset of its single-value fields, each with any allowed value."""
    fields = {
        field: field_values(field, spec)
        for field, spec in api_spec().properties(module, name).items()
        if spec.get("type") in SCALARS
    }
    return st.fixed_dictionaries({}, optional=fields)


def same_number(shown: float | None, sent: Any) -> bool:
    if isinstance(sent, bool) or not isinstance(sent, int | float):
        return shown is None
    return shown is not None and math.isclose(shown, float(sent))


def same_date(shown: str | None, sent: Any) -> bool:
    return shown is None if not isinstance(sent, str) else shown == sent[:10]


def refuse(constant: str) -> None:
    raise AssertionError(f"{constant} is not JSON: a client's parser would refuse the answer")


SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(st.sampled_from([SALES, PURCHASE]), st.data())
def test_list_rows_show_what_the_view_sent(ledger: Ledger, data: st.DataObject) -> None:
    body = data.draw(entity(ledger.module, ledger.view_schema))
    row = account_row(AccountView.model_validate(body))
    assert row.reference == (body.get("reference") or "") and row.name == (body.get("name") or "")
    assert same_number(row.balance, body.get("balance"))
    assert same_number(row.credit_limit, body.get("credit_limit"))
    assert row.on_hold is bool(body.get("account_is_on_hold"))
    assert row.currency == (body.get("currency_iso_code") or None)
    json.loads(compact(row.model_dump(mode="json", exclude_none=True)), parse_constant=refuse)


@SLOW
@given(st.sampled_from([SALES, PURCHASE]), st.data())
def test_full_records_show_what_the_record_sent(ledger: Ledger, data: st.DataObject) -> None:
    body = data.draw(entity(ledger.module, ledger.party if ledger is SALES else "supplier"))
    view = data.draw(entity(ledger.module, ledger.view_schema))
    detail = account_detail(ledger, Account.model_validate(body), AccountView.model_validate(view))
    assert detail.reference == (body.get("reference") or "")
    assert same_number(detail.balance, body.get("balance"))
    assert same_number(detail.credit_limit, body.get("credit_limit"))
    assert detail.vat_number == (body.get("vat_number") or None)
    assert same_date(detail.dates.account_opened, body.get("account_opened"))
    assert same_date(detail.dates.last_transaction, view.get("date_of_last_transaction"))
    shown = dict(detail.analysis or {})
    sent = {f"analysis_code_{n}": body.get(f"analysis_code_{n}") for n in range(1, 21)}
    assert shown == {k: v.strip() for k, v in sent.items() if isinstance(v, str) and v.strip()}
    json.loads(compact(detail.model_dump(mode="json", exclude_none=True)), parse_constant=refuse)


@SLOW
@given(st.sampled_from([SALES, PURCHASE]), st.data())
def test_transactions_show_what_was_sent(ledger: Ledger, data: st.DataObject) -> None:
    body = data.draw(entity(ledger.module, ledger.transaction_schema))
    row = transaction_row(ledger, TransactionView.model_validate(body), date(2026, 11, 28))
    assert same_number(row.outstanding, body.get("document_outstanding_value"))
    assert same_number(row.gross, body.get("document_gross_value"))
    assert same_date(row.date, body.get("transaction_date"))
    assert row.reference == (body.get("reference") or None)
    if row.days_overdue is not None:
        assert row.days_overdue > 0 and row.outstanding
