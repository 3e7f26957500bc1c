"""A customer's or supplier's own record, in its three shapes: the account, its flattened view and
its lookup entry.

The account and the view carry many of the same figures (balance, terms, credit limit) under the
same names, so those come from one function and cannot drift apart.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sage200_mcp.sandbox.seed import ledger, orders, reference
from sage200_mcp.sandbox.seed.model import CompanyModel, TradingLedger
from sage200_mcp.sandbox.seed.parties import Party
from sage200_mcp.sandbox.seed.rows.fields import Row, audit, money, stamp


def _shared(model: CompanyModel, trading: TradingLedger, party: Party) -> Row:
    """Fields an account and its flattened view both carry, under the same names."""
    postings = trading.postings_of(party.id)
    return {
        "id": party.id,
        "reference": party.reference,
        "name": party.name,
        "short_name": party.short_name,
        "balance": money(trading.balance(party.id)),
        "currency_id": model.rates.currency(party.currency).id,
        "credit_limit": money(party.credit_limit),
        "country_code_id": reference.country_id(party.address.country_code),
        "vat_number": party.vat_number,
        "early_settlement_discount_percent": 2.5 if party.payer == "prompt" else 0,
        "telephone_country_code": party.phone.country_code,
        "telephone_area_code": party.phone.area_code,
        "telephone_subscriber_number": party.phone.subscriber,
        "website": party.website,
        "account_status_type": "AccountStatusHidden" if party.hidden else "AccountStatusActive",
        "terms_agreed": True,
        "trading_terms": _terms_text(party),
        "credit_reference": f"CR{party.id:07d}",
        "account_opened": party.opened,
        "analysis_code_1": party.address.county,
        "analysis_code_2": party.sector,
        **audit(party.opened, _last_activity(postings, party)),
    }


def account(
    model: CompanyModel, trading: TradingLedger, party: Party, kind: str, on_order: int
) -> Row:
    tax = model.rates.tax_code_for(party)
    nominal = model.nominal_ledger.accounts[trading.nominal_code[party.id]]
    row: Row = {
        **_shared(model, trading, party),
        "on_hold": party.on_hold,
        "status_reason": hold_reason(model, trading, party, kind) if party.on_hold else "",
        "default_tax_code_id": tax.id,
        "early_settlement_discount_days": 7 if party.payer == "prompt" else 0,
        "payment_terms_days": party.terms_days,
        "payment_terms_basis": party.terms_basis,
        "last_credit_review": model.today - timedelta(days=(party.id * 37) % 300 + 20),
        "next_credit_review": model.today + timedelta(days=(party.id * 53) % 200 + 10),
        "default_nominal_code_reference": nominal.reference,
        "default_nominal_code_cost_centre": nominal.cost_centre,
        "default_nominal_code_department": nominal.department,
        "default_nominal_code_id": nominal.id,
    }
    if kind == "customer":
        row["average_time_to_pay"] = _average_days_to_pay(trading.postings_of(party.id))
        row["value_of_current_orders_in_sop"] = money(on_order)
    else:
        row["value_of_current_orders_in_pop"] = money(on_order)
    return row


def view(
    model: CompanyModel, trading: TradingLedger, party: Party, kind: str, on_order: int
) -> Row:
    postings = trading.postings_of(party.id)
    balance = trading.balance(party.id)
    currency = model.rates.currency(party.currency)
    tax = model.rates.tax_code_for(party)
    nominal = model.nominal_ledger.accounts[trading.nominal_code[party.id]]
    contact = party.contacts[0]
    prefix = f"{kind}_location"
    address = party.address
    orders_field = (
        "value_of_current_orders_in_sop" if kind == "customer" else "value_of_current_orders_in_pop"
    )
    full_address = ", ".join(
        x for x in (*address.lines, address.city, address.county, address.postcode) if x
    )
    row: Row = {
        **_shared(model, trading, party),
        "country_code": address.country_code,
        "currency_name": currency.name,
        "currency_symbol": currency.symbol,
        "currency_iso_code_id": reference.iso_id(currency.iso),
        "currency_iso_code": currency.iso,
        "currency_iso_code_name": currency.name,
        "base_balance": money(sum(model.rates.to_base(p.outstanding, party) for p in postings)),
        "default_tax_rate_id": tax.id,
        "default_tax_rate_code": tax.code,
        "default_tax_rate_name": tax.name,
        "default_tax_rate": int(tax.rate),
        "default_nominal_account_number": nominal.reference,
        "default_nominal_cost_centre": nominal.cost_centre,
        "default_nominal_department": nominal.department,
        "days_early_settlement_disc_applies": 7 if party.payer == "prompt" else 0,
        "payment_terms_in_days": party.terms_days,
        "payment_terms": _terms_text(party),
        "account_is_on_hold": party.on_hold,
        "account_status_type_id": int(party.hidden),
        "account_type": "TradingAccountTypeOpenItem",
        orders_field: money(on_order),
        "date_account_details_last_changed": stamp(party.opened, 10),
        "date_of_last_transaction": _last_activity(postings, party),
        "is_over_credit_limit": party.credit_limit != 0 and balance > party.credit_limit,
        "months_to_keep_transactions_for": 12,
        "contact_name": contact.name,
        "contact_first_name": contact.first_name,
        "contact_last_name": contact.last_name,
        "contact_default_telephone_number": contact.phone.full,
        "contact_default_email_address": contact.email,
        f"{prefix}_id": party.id,
        f"{prefix}_address_line_1": address.lines[0],
        f"{prefix}_address_line_2": address.lines[1],
        f"{prefix}_address_line_3": address.lines[2],
        f"{prefix}_address_line_4": address.lines[3],
        f"{prefix}_post_code": address.postcode,
        f"{prefix}_city": address.city,
        f"{prefix}_county": address.county,
        f"{prefix}_country": address.country,
        f"{prefix}_full_address": full_address,
        f"{prefix}_country_code": address.country_code,
        f"{prefix}_country_code_name": address.country,
        f"{prefix}_address_country_code": address.country_code,
        f"{prefix}_address_country_code_name": address.country,
    }
    if kind == "customer":
        row["average_time_to_pay"] = _average_days_to_pay(postings)
    return row


def hold_reason(model: CompanyModel, trading: TradingLedger, party: Party, kind: str) -> str:
    """Why an account on hold is held, as its own history says: a customer for what it owes
    (overdue items first, then its credit limit), a supplier for an invoice in dispute; failing
    those, a new account awaits its checks and an old one a review."""
    owed = sorted(
        (
            p
            for p in trading.postings_of(party.id)
            if p.kind == ledger.INVOICE and p.outstanding > 0
        ),
        key=lambda p: (p.day, p.id),
    )
    new = (model.today - party.opened).days < 365
    if kind == "customer":
        if any(p.due < model.today for p in owed):
            return "Payments overdue - account stopped"
        if party.credit_limit and trading.balance(party.id) > party.credit_limit:
            return "Over credit limit"
        if owed:
            return f"Invoice {owed[0].reference} disputed"
        return "Awaiting trade references" if new else "Credit review - awaiting latest accounts"
    if owed:
        return f"Invoice {owed[0].reference} in dispute - payment held"
    return "Awaiting bank details verification" if new else "Supplier review - no new orders"


def lookup(party: Party) -> Row:
    return {
        "id": party.id,
        "reference": party.reference,
        "name": party.name,
        "short_name": party.short_name,
        "account_status_type_id": int(party.hidden),
        "post_code": party.address.postcode,
    }


def on_order_by_party(order_book: list[orders.Order]) -> defaultdict[int, int]:
    """Gross value of each account's live orders."""
    totals: defaultdict[int, int] = defaultdict(int)
    for order in order_book:
        if order.status == orders.LIVE:
            totals[order.party.id] += order.gross
    return totals


def _terms_text(party: Party) -> str:
    if party.terms_days == 0:
        return "Cash on order"
    if party.terms_basis == "PaymentDueFromCalendarMonth":
        return f"{party.terms_days} days end of month"
    return f"{party.terms_days} days net"


def _last_activity(postings: list[ledger.Posting], party: Party) -> date:
    return max((p.day for p in postings), default=party.opened)


def _average_days_to_pay(postings: list[ledger.Posting]) -> int:
    days = [
        (p.settled - p.day).days
        for p in postings
        if p.kind == ledger.INVOICE and p.settled is not None
    ]
    return round(sum(days) / len(days)) if days else 0
