"""Table rows from a company model, field by field as Sage names them.

Only fields the books give a value are set; the store fills every other column with its blank.
Money leaves pence here, as two-decimal numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sage200_mcp.sandbox.seed import ledger, orders, reference
from sage200_mcp.sandbox.seed.companies import CompanyPlan, UserPlan
from sage200_mcp.sandbox.seed.model import CompanyModel, TradingLedger
from sage200_mcp.sandbox.seed.parties import Address, Contact, Party
from sage200_mcp.sandbox.tables import AGEING_BASES, aged_table

Row = dict[str, Any]
Rows = dict[str, list[Row]]
TableRows = tuple[str, Iterable[Row]]


def money(pence: int) -> float:
    return round(pence / 100, 2)


def stamp(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def company_tables(model: CompanyModel, users: tuple[UserPlan, ...]) -> Iterator[TableRows]:
    """Every table's rows; the big ledgers' rows are generated lazily, one table at a time."""
    rows: Rows = defaultdict(list)
    _reference_data(rows, model)
    _stock(rows, model)
    _orders(rows, model)
    _nominal(rows, model)
    _banks(rows, model)
    _company(rows, model.plan, model.today, users)
    yield from rows.items()
    yield from _trading(model, model.sales, "customer")
    yield from _trading(model, model.purchases, "supplier")


# ---------------------------------------------------------------------------------------------
# Sales and purchase ledgers


def _trading(model: CompanyModel, trading: TradingLedger, kind: str) -> Iterator[TableRows]:
    """Accounts, their addresses and contacts, postings, views and aged views of one ledger."""
    parties = trading.parties
    on_order = _on_order(model.sales_orders if kind == "customer" else model.purchase_orders)
    yield f"{kind}s", (_account(model, trading, p, kind, on_order[p.id]) for p in parties)
    yield f"{kind}_main_addresses", (_main_address(kind, p) for p in parties)
    yield f"{kind}_views", (_view(model, trading, p, kind, on_order[p.id]) for p in parties)
    yield (
        f"lookup_{kind}s",
        (
            {
                "id": p.id,
                "reference": p.reference,
                "name": p.name,
                "short_name": p.short_name,
                "account_status_type_id": int(p.hidden),
                "post_code": p.address.postcode,
            }
            for p in parties
        ),
    )
    # one email and one telephone per contact, numbered like the contact
    contacts = [
        (number, party, contact)
        for number, (party, contact) in enumerate(
            ((party, contact) for party in parties for contact in party.contacts), start=1
        )
    ]
    yield f"{kind}_contacts", (_contact(kind, p, c, number) for number, p, c in contacts)
    yield (
        f"{kind}_emails",
        (
            {
                "id": number,
                "email": c.email,
                f"{kind}_contact_id": number,
                "is_default": True,
                **_audit(p.opened),
            }
            for number, p, c in contacts
        ),
    )
    yield (
        f"{kind}_telephones",
        (_phone_row(kind, c.phone, number, number, p.opened) for number, p, c in contacts),
    )
    if kind == "customer":
        mobiles = ((number, p, c.mobile) for number, p, c in contacts if c.mobile is not None)
        yield (
            "customer_mobiles",
            (
                _phone_row(kind, mobile, number, row_id, p.opened)
                for row_id, (number, p, mobile) in enumerate(mobiles, start=1)
            ),
        )
        addresses = (
            (p, number, label, address)
            for p in parties
            for number, (label, address) in enumerate(p.delivery_addresses)
        )
        yield (
            "customer_delivery_addresses",
            (
                _delivery_address(model, row_id, p, number == 0, label, address)
                for row_id, (p, number, label, address) in enumerate(addresses, start=1)
            ),
        )
    else:
        yield "supplier_banks", (_supplier_bank(p) for p in parties)
    yield _posted_table(kind), (_posted(model, posting, kind) for posting in trading.postings)
    yield (
        _view_table(kind),
        (_transaction_view(model, posting, kind) for posting in trading.postings),
    )
    yield from _aged(model, trading, kind)


def _main_address(kind: str, party: Party) -> Row:
    return {
        "id": party.id,
        f"{kind}_id": party.id,
        **_address_fields(party.address),
        "contact_name": party.contacts[0].name,
        "address_country_code_id": reference.country_id(party.address.country_code),
        **_audit(party.opened),
    }


def _delivery_address(
    model: CompanyModel, row_id: int, party: Party, is_default: bool, label: str, address: Address
) -> Row:
    return {
        "id": row_id,
        "customer_id": party.id,
        "is_default": is_default,
        "description": label,
        "postal_name": party.name,
        **_address_fields(address),
        "address_country_code_id": reference.country_id(address.country_code),
        "contact": party.contacts[0].name,
        "telephone": party.phone.full,
        "email": party.contacts[0].email,
        "tax_number": party.vat_number,
        "tax_code_id": model.rates.tax_code_for(party).id,
        "country_code_id": reference.country_id(address.country_code),
        **_audit(party.opened),
    }


def _posted_table(kind: str) -> str:
    return "sales_posted_transactions" if kind == "customer" else "purchase_posted_transactions"


def _view_table(kind: str) -> str:
    return "sales_transaction_views" if kind == "customer" else "purchase_transaction_views"


def _address_fields(address: Address) -> Row:
    return {
        "address_1": address.lines[0],
        "address_2": address.lines[1],
        "address_3": address.lines[2],
        "address_4": address.lines[3],
        "city": address.city,
        "county": address.county,
        "postcode": address.postcode,
        "country": address.country,
    }


def _audit(created: date, updated: date | None = None) -> Row:
    return {
        "date_time_created": stamp(created, 9, 12),
        "date_time_updated": stamp(updated or created, 16, 40),
    }


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
        **_audit(party.opened, _last_activity(postings, party)),
    }


def _account(
    model: CompanyModel, trading: TradingLedger, party: Party, kind: str, on_order: int
) -> Row:
    tax = model.rates.tax_code_for(party)
    row: Row = {
        **_shared(model, trading, party),
        "on_hold": party.on_hold,
        "status_reason": "Payments overdue - account stopped" if party.on_hold else "",
        "default_tax_code_id": tax.id,
        "early_settlement_discount_days": 7 if party.payer == "prompt" else 0,
        "payment_terms_days": party.terms_days,
        "payment_terms_basis": party.terms_basis,
        "last_credit_review": model.today - timedelta(days=(party.id * 37) % 300 + 20),
        "next_credit_review": model.today + timedelta(days=(party.id * 53) % 200 + 10),
        "default_nominal_code_reference": trading.nominal_code[party.id],
        "default_nominal_code_id": model.nominal_ledger.accounts[trading.nominal_code[party.id]].id,
    }
    if kind == "customer":
        row["average_time_to_pay"] = _average_days_to_pay(trading.postings_of(party.id))
        row["value_of_current_orders_in_sop"] = money(on_order)
    else:
        row["value_of_current_orders_in_pop"] = money(on_order)
    return row


def _on_order(order_book: list[orders.Order]) -> defaultdict[int, int]:
    """Gross value of each account's live orders."""
    totals: defaultdict[int, int] = defaultdict(int)
    for order in order_book:
        if order.status == orders.LIVE:
            totals[order.party.id] += order.gross
    return totals


def _view(
    model: CompanyModel, trading: TradingLedger, party: Party, kind: str, on_order: int
) -> Row:
    postings = trading.postings_of(party.id)
    balance = trading.balance(party.id)
    currency = model.rates.currency(party.currency)
    tax = model.rates.tax_code_for(party)
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
        "default_nominal_account_number": trading.nominal_code[party.id],
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


def _contact(kind: str, party: Party, contact: Contact, contact_id: int) -> Row:
    return {
        "id": contact_id,
        f"{kind}_id": party.id,
        "name": contact.name,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "default_telephone": contact.phone.full,
        "default_email": contact.email,
        "is_default": contact.is_default,
        **_audit(party.opened),
    }


def _phone_row(kind: str, phone: Any, contact_id: int, row_id: int, created: date) -> Row:
    return {
        "id": row_id,
        "full_number": phone.full,
        "country_code": phone.country_code,
        "area_code": phone.area_code,
        "subscriber_number": phone.subscriber,
        f"{kind}_contact_id": contact_id,
        "is_default": True,
        **_audit(created),
    }


def _supplier_bank(party: Party) -> Row:
    digits = f"{party.id * 7919 % 100_000_000:08d}"
    sort_code = f"{20 + party.id % 60:02d}{party.id * 31 % 100:02d}{party.id * 17 % 100:02d}"
    return {
        "id": party.id,
        "supplier_id": party.id,
        "sort_code": sort_code,
        "account_number": digits,
        "account_name": party.name[:60],
        "bank_payment_reference": party.reference,
        **_audit(party.opened),
    }


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


def _posted(model: CompanyModel, posting: ledger.Posting, kind: str) -> Row:
    values = _posting_values(model, posting)
    settled = posting.settled if posting.outstanding == 0 else None
    row = {
        "id": posting.id,
        f"{kind}_id": posting.party.id,
        "trader_transaction_type": posting.kind,
        "control_value_in_base_currency": values["base_gross_value"],
        **values,
        **_audit(posting.day, posting.settled or posting.day),
    }
    if kind == "customer":
        row["full_settlement_date"] = settled
    return row


def _allocation_status(posting: ledger.Posting) -> str:
    if posting.outstanding == 0:
        return "FullyAllocated"
    return "PartAllocated" if posting.allocated else "Outstanding"


def _transaction_view(model: CompanyModel, posting: ledger.Posting, kind: str) -> Row:
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


def _aged(model: CompanyModel, trading: TradingLedger, kind: str) -> Iterator[TableRows]:
    """Summary and detailed aged views, for each ageing basis, from the outstanding items."""
    prefix = "sales_aged_debtor" if kind == "customer" else "purchase_aged_creditor"
    limits = model.plan.ageing_days
    id_field = f"posted_{kind}_transaction_id"
    for basis in AGEING_BASES:
        by_month = basis == "calendarmonth"
        labels = ledger.period_labels(model.today, limits, by_month)
        names = {f"aged_period_{n}": label for n, label in enumerate(labels, start=1)}
        summary: list[Row] = []
        detailed: list[Row] = []
        for party in trading.parties:
            items = [p for p in trading.postings_of(party.id) if p.outstanding != 0]
            if not items:
                continue
            totals: dict[str, list[int]] = {}
            for item in items:
                when = item.due if basis == "duedate" else item.day
                bucket = ledger.aged_bucket(when, item.day, model.today, limits, by_month)
                doc, base = item.outstanding, model.rates.to_base(item.outstanding, party)
                total = totals.setdefault(bucket, [0, 0])
                total[0] += doc
                total[1] += base
                detailed.append(
                    {
                        f"{kind}_id": party.id,
                        id_field: item.id,
                        **names,
                        **_bucket_fields({bucket: [doc, base]}),
                    }
                )
            summary.append({f"{kind}_id": party.id, id_field: 0, **names, **_bucket_fields(totals)})
        yield aged_table(f"{prefix}_summary_views", basis), summary
        yield aged_table(f"{prefix}_detailed_views", basis), detailed


_BUCKETS = ("past", "future", "current", *(f"period_{n}" for n in range(1, 9)))


def _bucket_fields(totals: dict[str, list[int]]) -> Row:
    """Every bucket's document and base values (zero where nothing falls)."""
    fields: Row = {}
    for bucket in _BUCKETS:
        doc, base = totals.get(bucket, (0, 0))
        fields[f"doc_{bucket}"] = money(doc)
        fields[f"base_{bucket}"] = money(base)
    return fields


# ---------------------------------------------------------------------------------------------
# Stock and orders


def _stock(rows: Rows, model: CompanyModel) -> None:
    catalogue = model.catalogue
    standard = next(t for t in model.rates.tax_codes if t.code == 1)
    created = model.today - timedelta(days=900)
    revenue = {"Furniture": "4010", "Technology": "4020"}
    for group in catalogue.groups:
        rows["product_groups"].append(
            {
                "id": group.id,
                "code": group.code,
                "description": group.description,
                "product_type": "EnumStockItemTypeStock",
                "costing_method": "EnumCostingMethodAverage",
                "keep_movement_history": True,
                **_audit(created),
            }
        )
    for warehouse in catalogue.warehouses:
        rows["warehouses"].append(
            {
                "id": warehouse.id,
                "name": warehouse.name,
                "description": f"{warehouse.city} warehouse",
                "use_for_sales_trading": True,
                "city": warehouse.city,
                **_audit(created),
            }
        )
    for product in catalogue.products:
        on_order = sum(h.on_order for h in product.holdings)
        in_stock = sum(h.in_stock for h in product.holdings)
        allocated = sum(h.allocated for h in product.holdings)
        rows["products"].append(
            {
                "id": product.id,
                "code": product.code,
                "name": product.name,
                "description": product.name,
                "barcode": product.barcode,
                "free_stock_quantity": product.free_stock,
                "product_group_id": product.group.id,
                "tax_code_id": standard.id,
                "product_status_type": "EnumStockItemStatusTypeActive",
                "average_buying_price": money(product.cost),
                "standard_cost": money(product.cost),
                "weight": product.weight,
                "stock_nominal_code_id": model.nominal_ledger.accounts["1001"].id,
                "revenue_nominal_code_id": model.nominal_ledger.accounts[
                    revenue.get(product.group.description, "4000")
                ].id,
                "base_unit_id": 1,
                "stock_unit_id": 1,
                **_audit(created),
            }
        )
        rows["product_views"].append(
            {
                "id": product.id,
                "code": product.code,
                "name": product.name,
                "status_type_id": 0,
                "status_type": "Active",
                "product_group_code": product.group.code,
                "product_group_description": product.group.description,
                "stock_unit_name": product.unit,
                "base_unit_name": product.unit,
                "allow_sales_order": True,
                "average_buying_price": money(product.cost),
                "selling_price": money(product.price),
                "sop_item_price": money(product.price),
                "price": money(product.price),
                "standard_cost": money(product.cost),
                "free_stock_quantity": product.free_stock,
                "confirmed_quantity_in_stock": in_stock,
                "actual_quantity": in_stock,
                "quantity_allocated_sop": allocated,
                "quantity_on_pop_order": on_order,
                "reorder_level": sum(h.reorder_level for h in product.holdings),
                "weight": product.weight,
            }
        )
        for holding in product.holdings:
            rows["warehouse_holdings"].append(
                {
                    "id": holding.id,
                    "warehouse_id": holding.warehouse.id,
                    "product_id": product.id,
                    "reorder_level": holding.reorder_level,
                    "minimum_level": holding.minimum_level,
                    "maximum_level": holding.maximum_level,
                    "confirmed_qty_in_stock": holding.in_stock,
                    "quantity_in_stock": holding.in_stock,
                    "quantity_in_stock_less_reserved": holding.in_stock,
                    "quantity_on_order": holding.on_order,
                    "quantity_allocated_sop": holding.allocated,
                    "quantity_allocated": holding.allocated,
                    "free_stock_available": holding.free,
                    "free_stock_available_less_reserved": holding.free,
                    "warehouse_name": holding.warehouse.name,
                    **_audit(created),
                }
            )


def _progress(done: int, total: int) -> str:
    if done <= 0:
        return "EnumStatusNone"
    return "EnumStatusComplete" if done >= total else "EnumStatusPartial"


def _order_progress(order: orders.Order, attribute: str) -> str:
    done = sum(getattr(line, attribute) for line in order.lines)
    return _progress(done, sum(line.quantity for line in order.lines))


def _orders(rows: Rows, model: CompanyModel) -> None:
    for order in model.sales_orders:
        currency = model.rates.currency(order.party.currency)
        rows["sop_orders"].append(
            {
                "id": order.id,
                "customer_id": order.party.id,
                "document_no": order.document_no,
                "customer_type": "EnumCustomerTypeCredit",
                "document_date": order.day,
                "document_status": order.status,
                "despatch_receipt_status": _order_progress(order, "delivered"),
                "invoice_credit_status": _order_progress(order, "invoiced"),
                "cancelled_status": "EnumStatusComplete"
                if order.status == orders.CANCELLED
                else "EnumStatusNone",
                "currency_id": currency.id,
                "exchange_rate": order.exchange_rate,
                "subtotal_goods_value": money(order.net),
                "total_net_value": money(order.net),
                "total_tax_value": money(order.tax),
                "total_gross_value": money(order.gross),
                "customer_document_no": order.customer_reference,
                "is_credit_limit_exceeded": order.party.credit_limit != 0
                and model.sales.balance(order.party.id) + order.gross > order.party.credit_limit,
                "use_invoice_address": True,
                "document_created_by": order.created_by,
                "requested_delivery_date": order.requested,
                "promised_delivery_date": order.promised,
                **_audit(order.day),
            }
        )
        for line in order.lines:
            rows["sop_order_lines"].append(_sop_line(model, order, line))
    for order in model.purchase_orders:
        rows["pop_orders"].append(
            {
                "id": order.id,
                "supplier_id": order.party.id,
                "document_no": order.document_no,
                "document_date": order.day,
                "document_status": order.status,
                "receipt_return_status": _order_progress(order, "delivered"),
                "invoice_credit_status": _order_progress(order, "invoiced"),
                "cancelled_status": "EnumStatusComplete"
                if order.status == orders.CANCELLED
                else "EnumStatusNone",
                "authorisation_status": "EnumAuthorisationStatusAuthorised",
                "exchange_rate": order.exchange_rate,
                "subtotal_goods_value": money(order.net),
                "total_net_value": money(order.net),
                "total_tax_value": money(order.tax),
                "total_gross_value": money(order.gross),
                "document_created_by": order.created_by,
                "document_originator_name": order.created_by,
                "requested_delivery_date": order.requested,
                **_audit(order.day),
            }
        )
        for line in order.lines:
            rows["pop_order_lines"].append(
                {
                    "id": line.id,
                    "pop_order_id": order.id,
                    "line_number": line.number,
                    "line_type": "EnumLineTypeStandard",
                    "product_id": line.product.id,
                    "warehouse_id": line.holding.warehouse.id,
                    "code": line.product.code,
                    "description": line.product.name,
                    "line_quantity": line.quantity,
                    "receipt_return_quantity": line.delivered,
                    "invoice_credit_quantity": line.invoiced,
                    "stock_unit_on_order_quantity": line.quantity - line.delivered,
                    "buying_unit_description": line.product.unit,
                    "unit_buying_price": money(line.unit_price),
                    "discounted_unit_price": money(line.unit_price),
                    "line_total_value": money(line.net),
                    "line_tax_value": money(line.tax),
                    "receipt_return_status": _progress(line.delivered, line.quantity),
                    "invoice_credit_status": _progress(line.invoiced, line.quantity),
                    "is_complete": line.invoiced >= line.quantity,
                    **_audit(order.day),
                }
            )


def _sop_line(model: CompanyModel, order: orders.Order, line: orders.OrderLine) -> Row:
    list_price = round(line.unit_price / (1 - line.discount_percent / 100))
    return {
        "id": line.id,
        "sop_order_id": order.id,
        "line_type": "EnumLineTypeStandard",
        "product_id": line.product.id,
        "warehouse_id": line.holding.warehouse.id,
        "code": line.product.code,
        "description": line.product.name,
        "line_quantity": line.quantity,
        "to_allocate_quantity": line.quantity - line.delivered - line.allocated,
        "line_number": line.number,
        "tax_code_id": model.rates.tax_code_for(order.party).id,
        "allocated_quantity": line.allocated,
        "available_for_despatch": line.allocated,
        "despatch_receipt_quantity": line.delivered,
        "invoice_credit_quantity": line.invoiced,
        "posted_invoice_credit_quantity": line.invoiced,
        "stock_unit_line_quantity": line.quantity,
        "stock_unit_allocated_quantity": line.allocated,
        "allocation_status": _progress(line.allocated + line.delivered, line.quantity),
        "despatch_receipt_status": _progress(line.delivered, line.quantity),
        "invoice_credit_status": _progress(line.invoiced, line.quantity),
        "selling_unit_description": line.product.unit,
        "selling_unit_price": money(list_price),
        "unit_discount_percent": line.discount_percent,
        "unit_discount_value": money(list_price - line.unit_price),
        "discounted_unit_price": money(line.unit_price),
        "cost_price": money(line.product.cost),
        "line_tax_value": money(line.tax),
        "line_total_value": money(line.net),
        "requested_delivery_date": order.requested,
        "promised_delivery_date": order.promised,
        "show_on_customer_docs": True,
        "is_complete": line.invoiced >= line.quantity,
        **_audit(order.day),
    }


# ---------------------------------------------------------------------------------------------
# Nominal ledger, cash book, reference data, company


def _nominal(rows: Rows, model: CompanyModel) -> None:
    created = model.today - timedelta(days=1200)
    for code, account in model.nominal_ledger.accounts.items():
        balance = model.balances[code]
        rows["nominal_codes"].append(
            {
                "id": account.id,
                "name": account.name,
                "reference": code,
                "nominal_account_type": "NominalAccountTypePosting",
                "account_status_type": "AccountStatusActive",
                "report_category_id": 2 if account.is_profit_and_loss else 1,
                "display_balances_in_selection_list": True,
                "balance_year_to_date": money(balance.year_to_date),
                "debit_balance_year_to_date": money(balance.debit_ytd),
                "credit_balance_year_to_date": money(balance.credit_ytd),
                "brought_forward_balance": money(balance.brought_forward),
                "allow_manual_journal_entries": True,
                "use_batch_postings": True,
                "periods_to_keep_transactions": 24,
                **_audit(created),
            }
        )
        rows["nominal_code_views"].append(
            {
                "id": account.id,
                "name": account.name,
                "reference": code,
                "nominal_account_type_id": 0,
                "account_status_type_id": 0,
                "report_category_id": 2 if account.is_profit_and_loss else 1,
                "report_category_code": "PL" if account.is_profit_and_loss else "BS",
                "report_category_description": "Profit and loss"
                if account.is_profit_and_loss
                else "Balance sheet",
                "allow_manual_journal_entries": True,
                "use_batch_postings": True,
                "periods_to_keep_transactions": 24,
                "display_balances_in_selection_list": True,
                "balance_year_to_date": money(balance.year_to_date),
                "debit_year_to_date": money(balance.debit_ytd),
                "credit_year_to_date": money(balance.credit_ytd),
                "brought_forward_balance": money(balance.brought_forward),
            }
        )
    for line in model.nominal_ledger.lines:
        period = reference.period_of(model.periods, line.day)
        rows["nominal_transaction_enquiry_views"].append(
            {
                "id": line.id,
                "nominal_code_id": line.account.id,
                "transaction_date": line.day,
                "period_number": period.number,
                "reference": line.reference,
                "narrative": line.narrative,
                "debit": money(max(line.pence, 0)),
                "credit": money(max(-line.pence, 0)),
                "user_name": line.user,
                "source": line.source,
                "urn": line.urn,
                "accounting_period_id": period.accounting_period_id,
                "financial_year_id": period.financial_year_id,
                "financial_year_start_date": period.year_start,
                "year_relative_to_current_year": period.year_relative,
            }
        )


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


def _banks(rows: Rows, model: CompanyModel) -> None:
    base = model.rates.currency(model.plan.base_currency)
    statement = model.today - timedelta(days=model.today.weekday() + 3)
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
            "statement_balance": balance,
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
                **_audit(model.today - timedelta(days=1200)),
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


def _reference_data(rows: Rows, model: CompanyModel) -> None:
    created = model.today - timedelta(days=1500)
    for currency in model.rates.currencies:
        rows["currencies"].append(
            {
                "id": currency.id,
                "symbol": currency.symbol,
                "name": currency.name,
                "core_currency_rate": currency.rate,
                "euro_currency_rate": currency.rate,
                "is_base_currency": currency.is_base,
                "is_euro_currency": currency.iso == "EUR",
                "use_for_new_accounts": True,
                "currency_iso_code_id": reference.iso_id(currency.iso),
                **_audit(created),
            }
        )
    for number, code, name in reference.ISO_CURRENCIES:
        rows["currency_iso_codes"].append(
            {"id": number, "code": code, "name": name, **_audit(created)}
        )
    for tax in model.rates.tax_codes:
        rows["tax_codes"].append(
            {
                "id": tax.id,
                "code": tax.code,
                "name": tax.name,
                "tax_rate": tax.rate,
                **_audit(created),
            }
        )
    for country in reference.COUNTRIES:
        rows["country_codes"].append(
            {
                "id": country.id,
                "code": country.code,
                "name": country.name,
                "eu_member": country.eu_member,
                **_audit(created),
            }
        )
    for period in model.periods:
        rows["financial_year_period_views"].append(
            {
                "financial_year_id": period.financial_year_id,
                "financial_year_start_date": period.year_start,
                "financial_year_end_date": period.year_end,
                "year_relative_to_current_year": period.year_relative,
                "number_of_periods_in_year": 12,
                "accounting_period_id": period.accounting_period_id,
                "period_number": period.number,
                "period_start_date": period.start,
                "period_end_date": period.end,
            }
        )


def _company(rows: Rows, plan: CompanyPlan, today: date, users: tuple[UserPlan, ...]) -> None:
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
            **_audit(created),
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
