"""Bodies generated from Sage's own schemas (any values the schemas allow, nulls included, as the
real API sends them) parse into the models, and the tools' views show exactly what was sent."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import AliasChoices, BaseModel
from pydantic.fields import FieldInfo

from sage200_mcp.api.ledgers import PURCHASE, SALES, Ledger
from sage200_mcp.api.models import Account, AccountView, SageRecord, TransactionView
from sage200_mcp.api.views import (
    BankAccount,
    Currency,
    CurrencyIsoCode,
    FinancialPeriod,
    NominalCodeView,
    NominalPosting,
    Order,
    OrderLine,
    Product,
    ProductView,
    TaxCode,
    Warehouse,
    WarehouseHolding,
)
from sage200_mcp.openapi import api_spec, is_enum_valued
from sage200_mcp.tools.accounts import account_detail, account_row, transaction_row
from sage200_mcp.tools.nominal import bank_row, nominal_row, posting, reference_row
from sage200_mcp.tools.orders import order_line, order_row
from sage200_mcp.tools.output import compact
from sage200_mcp.tools.stock import holding, product_row

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


def assert_json(*answers: BaseModel) -> None:
    for answer in answers:
        shown = answer.model_dump(mode="json", exclude_none=True)
        json.loads(compact(shown), parse_constant=refuse)


SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(st.sampled_from([SALES, PURCHASE]), st.data())
def test_list_rows_show_what_the_view_sent(ledger: Ledger, data: st.DataObject) -> None:
    body = data.draw(entity(ledger.module, ledger.view_schema))
    row = account_row(AccountView.model_validate(body), 1)
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


# -- the models of api/views.py, one per schema the orders, stock and nominal tools read ----------

VIEWS: list[tuple[str, str, type[SageRecord]]] = [
    ("sop", "sop_order", Order),
    ("pop", "pop_order", Order),
    ("sop", "sop_order_line", OrderLine),
    ("pop", "pop_order_line", OrderLine),
    ("stock", "product_view", ProductView),
    ("stock", "product", Product),
    ("stock", "warehouse_holding", WarehouseHolding),
    ("stock", "warehouse", Warehouse),
    ("nominal", "nominal_code_view", NominalCodeView),
    ("nominal", "nominal_transaction_enquiry_view", NominalPosting),
    ("cash-book", "bank_view", BankAccount),
    ("financials", "financial_year_period_view", FinancialPeriod),
    ("financials", "currency", Currency),
    ("financials", "currency_iso_code", CurrencyIsoCode),
    ("financials", "tax_code", TaxCode),
]


def sent_names(name: str, field: FieldInfo) -> list[str]:
    alias = field.validation_alias
    return [str(c) for c in alias.choices] if isinstance(alias, AliasChoices) else [name]


def kept(field: FieldInfo, shown: Any, sent: Any) -> bool:
    """Whether a model's value is what Sage sent, read the lenient way its type promises."""
    kind = field.annotation
    if kind == float | None:
        return same_number(shown, sent)
    if kind == date | None:
        return same_date(shown.isoformat() if shown else None, sent)
    if kind == int | None:
        whole = isinstance(sent, int) and not isinstance(sent, bool)
        return shown == (sent if whole else None)
    if kind == bool | None:
        return shown is sent
    if kind is str:
        return shown == ("" if sent is None else str(sent))
    raise AssertionError(f"no reading for {kind}")


def test_every_view_model_names_fields_of_its_schemas() -> None:
    """A misspelt field would read nothing, silently: each is in one of the model's schemas."""
    for model in {model for _, _, model in VIEWS}:
        known = {
            field
            for module, schema, of in VIEWS
            if of is model
            for field in api_spec().properties(module, schema)
        }
        for name, field in model.model_fields.items():
            assert set(sent_names(name, field)) <= known, f"{model.__name__}.{name}"


@settings(SLOW, max_examples=30)
@pytest.mark.parametrize(("module", "schema", "model"), VIEWS)
@given(data=st.data())
def test_view_models_keep_what_was_sent(
    module: str, schema: str, model: type[SageRecord], data: st.DataObject
) -> None:
    body = data.draw(entity(module, schema))
    record = model.model_validate(body)
    for name, field in model.model_fields.items():
        sent = [key for key in sent_names(name, field) if key in body]
        if sent:
            assert kept(field, getattr(record, name), body[sent[0]]), name


@SLOW
@given(st.sampled_from(["sop", "pop"]), st.data())
def test_orders_show_what_was_sent(module: str, data: st.DataObject) -> None:
    body = data.draw(entity(module, f"{module}_order"))
    row = order_row(Order.model_validate(body), 1, {})
    party = "customer" if module == "sop" else "supplier"
    assert row.number == (body.get("document_no") or "")
    assert same_date(row.date, body.get("document_date"))
    assert row.account.id == body.get(f"{party}_id")
    assert same_number(row.net, body.get("total_net_value"))
    assert same_number(row.gross, body.get("total_gross_value"))
    assert row.their_reference == (body.get(f"{party}_document_no") or None)
    assert_json(row)


@SLOW
@given(st.sampled_from(["sop", "pop"]), st.data())
def test_order_lines_show_what_was_sent(module: str, data: st.DataObject) -> None:
    body = data.draw(entity(module, f"{module}_order_line"))
    line = order_line(OrderLine.model_validate(body), {})
    delivered = "despatch_receipt_quantity" if module == "sop" else "receipt_return_quantity"
    price = "discounted_unit_price" if "discounted_unit_price" in body else "unit_buying_price"
    assert same_number(line.quantity, body.get("line_quantity"))
    assert same_number(line.delivered, body.get(delivered))
    assert same_number(line.unit_price, body.get(price))
    assert same_number(line.net, body.get("line_total_value"))
    assert line.code == (body.get("code") or None)
    assert_json(line)


@SLOW
@given(st.data())
def test_products_and_holdings_show_what_was_sent(data: st.DataObject) -> None:
    view = data.draw(entity("stock", "product_view"))
    row = product_row(ProductView.model_validate(view), 1)
    assert row.code == (view.get("code") or "")
    assert same_number(row.free_stock, view.get("free_stock_quantity"))
    assert same_number(row.price, view.get("selling_price"))
    held = data.draw(entity("stock", "warehouse_holding"))
    shown = holding(WarehouseHolding.model_validate(held))
    assert same_number(shown.free_stock, held.get("free_stock_available"))
    assert same_number(shown.in_stock, held.get("quantity_in_stock"))
    number = "" if held.get("warehouse_id") is None else str(held["warehouse_id"])
    assert shown.warehouse == (held.get("warehouse_name") or number)
    assert_json(row, shown)


@SLOW
@given(st.data())
def test_nominal_and_bank_rows_show_what_was_sent(data: st.DataObject) -> None:
    code = data.draw(entity("nominal", "nominal_code_view"))
    row = nominal_row(NominalCodeView.model_validate(code), 1)
    assert row.reference == (code.get("reference") or "")
    assert same_number(row.balance_year_to_date, code.get("balance_year_to_date"))
    entry = data.draw(entity("nominal", "nominal_transaction_enquiry_view"))
    shown = posting(NominalPosting.model_validate(entry))
    assert same_date(shown.date, entry.get("transaction_date"))
    assert same_number(shown.debit, entry.get("debit"))
    bank = data.draw(entity("cash-book", "bank_view"))
    account = bank_row(BankAccount.model_validate(bank), {})
    assert same_number(account.balance, bank.get("balance"))
    assert same_date(account.statement_date, bank.get("statement_date"))
    assert account.currency == (bank.get("currency_iso_code") or None)
    assert_json(row, shown, account)


@SLOW
@given(
    st.sampled_from(
        [
            ("financials", "tax_code", TaxCode),
            ("financials", "currency", Currency),
            ("financials", "financial_year_period_view", FinancialPeriod),
        ]
    ),
    st.data(),
)
def test_reference_rows_show_what_was_sent(
    kind: tuple[str, str, type[SageRecord]], data: st.DataObject
) -> None:
    module, schema, model = kind
    body = data.draw(entity(module, schema))
    row = reference_row(model.model_validate(body))
    for name, field in model.model_fields.items():
        if name in body and name != "currency_iso_code":
            sent = body[name]
            assert name in row if sent not in (None, "") else name not in row
            if name in row:
                shown = row[name]
                value = date.fromisoformat(shown) if field.annotation == date | None else shown
                assert kept(field, value, sent), name
    json.loads(compact(row), parse_constant=refuse)
