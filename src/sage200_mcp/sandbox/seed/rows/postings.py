"""A ledger's postings as Sage keeps them twice: the posted transaction and its flattened view."""

from __future__ import annotations

from sage200_mcp.sandbox.seed import ledger
from sage200_mcp.sandbox.seed.model import CompanyModel
from sage200_mcp.sandbox.seed.rows.fields import Row, audit, money, stamp


def posted_table(kind: str) -> str:
    return "sales_posted_transactions" if kind == "customer" else "purchase_posted_transactions"


def view_table(kind: str) -> str:
    return "sales_transaction_views" if kind == "customer" else "purchase_transaction_views"


def _posting_values(model: CompanyModel, posting: ledger.Posting) -> Row:
    party = posting.party
    base = model.rates.to_base
    return {
        "document_goods_value": money(posting.goods),
        "document_gross_value": money(posting.gross),
        "document_tax_value": money(posting.tax),
        "document_allocated_value": money(posting.allocated),
        "document_outstanding_value": money(posting.outstanding),
        "base_goods_value": money(base(posting.goods, party)),
        "base_gross_value": money(base(posting.gross, party)),
        "base_tax_value": money(base(posting.tax, party)),
        "base_allocated_value": money(base(posting.allocated, party)),
        "exchange_rate": model.rates.rate(party),
        "settled_immediately": "cash" in party.traits,
        "urn": posting.urn,
        "user_name": posting.user,
        "reference": posting.reference,
        "second_reference": posting.second_reference,
        "transaction_date": posting.day,
        "posted_date": posting.day,
        "due_date": posting.due,
    }


def posted(model: CompanyModel, posting: ledger.Posting, kind: str) -> Row:
    values = _posting_values(model, posting)
    settled = posting.settled if posting.outstanding == 0 else None
    row = {
        "id": posting.id,
        f"{kind}_id": posting.party.id,
        "trader_transaction_type": posting.kind,
        "control_value_in_base_currency": values["base_gross_value"],
        **values,
        **audit(posting.day, posting.settled or posting.day),
    }
    if kind == "customer":
        row["full_settlement_date"] = settled
    return row


def _allocation_status(posting: ledger.Posting) -> str:
    if posting.outstanding == 0:
        return "FullyAllocated"
    return "PartAllocated" if posting.allocated else "Outstanding"


def transaction_view(model: CompanyModel, posting: ledger.Posting, kind: str) -> Row:
    party = posting.party
    currency = model.rates.currency(party.currency)
    id_field = (
        "posted_customer_transaction_id" if kind == "customer" else "posted_supplier_transaction_id"
    )
    return {
        id_field: posting.id,
        "transaction_type": posting.kind,
        "status": _allocation_status(posting),
        "ledger_type": "LedgerTypeSales" if kind == "customer" else "LedgerTypePurchase",
        **_posting_values(model, posting),
        "base_outstanding_value": money(model.rates.to_base(posting.outstanding, party)),
        f"{kind}_id": party.id,
        f"{kind}_reference": party.reference,
        f"{kind}_name": party.name,
        "currency_name": currency.name,
        "currency_symbol": currency.symbol,
        "transaction_date_time_updated": stamp(posting.settled or posting.day, 17),
    }
