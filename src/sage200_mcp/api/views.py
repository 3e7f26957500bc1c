"""The orders, stock, nominal and reference records the tools read, as tolerant models.

As in models.py: field names are Sage's (see src/sage200_mcp/openapi/), every field may be
missing or null, numbers may come as text, and a nested record or list that is not one reads as
empty. A tool that reads a model instead of a dict cannot crash on ``{"id": null}``: it sees
``id is None`` and says what it left out.

Sales and purchase orders mirror each other in fields named for their side (``customer_id``,
``supplier_id``); the model names such a field for both (``party_id``) and reads either.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, BeforeValidator, Field

from sage200_mcp.api.models import (
    Flag,
    Id,
    Number,
    SageDate,
    SageRecord,
    Text,
    nested_record,
    nested_records,
)


def _either(sales: str, purchases: str, default: Any = None) -> Any:
    """A field as a sales order names it, or as a purchase order does."""
    return Field(default=default, validation_alias=AliasChoices(sales, purchases))


# -- orders ---------------------------------------------------------------------------------------


class OrderParty(SageRecord):
    """The expanded ``customer`` of a sales order or ``supplier`` of a purchase order."""

    id: Id = None
    reference: Text = ""
    name: Text = ""
    currency_id: Id = None


class OrderLine(SageRecord):
    """A row of ``sop_order_lines`` or ``pop_order_lines``."""

    line_number: Id = None
    code: Text = ""
    description: Text = ""
    warehouse_id: Id = None
    line_quantity: Number = None
    list_price: Number = _either("selling_unit_price", "unit_buying_price")
    unit_price: Number = _either("discounted_unit_price", "unit_buying_price")  # after discount
    unit_discount_percent: Number = None
    unit_discount_value: Number = None
    line_total_value: Number = None
    line_tax_value: Number = None
    allocated_quantity: Number = None  # sales only: allocated from stock
    delivered_quantity: Number = _either("despatch_receipt_quantity", "receipt_return_quantity")
    invoice_credit_quantity: Number = None


class Order(SageRecord):
    """A ``sop_orders`` or ``pop_orders`` record; ``lines`` and the party when expanded."""

    id: Id = None
    document_no: Text = ""
    document_date: SageDate = None
    document_status: Text = ""
    invoice_credit_status: Text = ""
    delivery_status: Text = _either("despatch_receipt_status", "receipt_return_status", "")
    total_net_value: Number = None
    total_tax_value: Number = None
    total_gross_value: Number = None
    requested_delivery_date: SageDate = None
    currency_id: Id = None  # sales orders only: a purchase order's is its supplier's
    party_id: Id = _either("customer_id", "supplier_id")
    party_document_no: Text = _either("customer_document_no", "supplier_document_no", "")
    party: Annotated[OrderParty, BeforeValidator(nested_record)] = Field(
        default_factory=OrderParty, validation_alias=AliasChoices("customer", "supplier")
    )
    lines: Annotated[list[OrderLine], BeforeValidator(nested_records)] = Field(default_factory=list)

    @property
    def currency(self) -> int | None:
        """The order's currency, else its customer's or supplier's."""
        return self.currency_id if self.currency_id is not None else self.party.currency_id


# -- stock ----------------------------------------------------------------------------------------


class ProductView(SageRecord):
    """A row of ``product_views``: a product with its stock over all warehouses."""

    id: Id = None
    code: Text = ""
    name: Text = ""
    product_group_description: Text = ""
    stock_unit_name: Text = ""
    free_stock_quantity: Number = None
    confirmed_quantity_in_stock: Number = None
    quantity_allocated_sop: Number = None
    quantity_on_pop_order: Number = None
    reorder_level: Number = None
    selling_price: Number = None
    status_type: Text = ""

    @property
    def shortfall(self) -> float | None:
        """How far free stock is below the re-order level (0 when not below; None when either
        is missing or no re-order level is set)."""
        free, level = self.free_stock_quantity, self.reorder_level
        if free is None or not level:
            return None
        return max(0.0, round(level - free, 4))


class WarehouseHolding(SageRecord):
    """One warehouse's stock of one product (``warehouse_holdings``)."""

    warehouse_id: Id = None
    warehouse_name: Text = ""
    quantity_in_stock: Number = None
    quantity_allocated: Number = None
    free_stock_available: Number = None
    quantity_on_order: Number = None
    reorder_level: Number = None


class Product(SageRecord):
    """A ``products/{id}`` record, ``warehouse_holdings`` expanded."""

    description: Text = ""
    barcode: Text = ""
    average_buying_price: Number = None
    warehouse_holdings: Annotated[list[WarehouseHolding], BeforeValidator(nested_records)] = Field(
        default_factory=list
    )


class Warehouse(SageRecord):
    id: Id = None
    name: Text = ""


# -- nominal ledger and cash book -----------------------------------------------------------------


class NominalCodeView(SageRecord):
    """A row of ``nominal_code_views``: one account (reference, cost centre, department) with
    this financial year's figures."""

    id: Id = None
    reference: Text = ""
    name: Text = ""
    cost_centre_code: Text = ""
    department_code: Text = ""
    report_category_description: Text = ""
    balance_year_to_date: Number = None
    debit_year_to_date: Number = None
    credit_year_to_date: Number = None
    brought_forward_balance: Number = None


class NominalPosting(SageRecord):
    """A row of ``nominal_transaction_enquiry_views``: one posting to one nominal account."""

    id: Id = None
    nominal_code_id: Id = None
    transaction_date: SageDate = None
    reference: Text = ""
    narrative: Text = ""
    debit: Number = None
    credit: Number = None
    source: Text = ""
    user_name: Text = ""


class BankAccount(SageRecord):
    """A row of ``bank_views``."""

    id: Id = None
    code: Text = ""
    description: Text = ""
    bank_name: Text = ""
    sort_code: Text = ""
    account_no: Text = ""
    currency_id: Id = None
    currency_iso_code: Text = ""
    balance: Number = None
    overdraft_limit: Number = None
    statement_balance: Number = None
    statement_date: SageDate = None


# -- reference data -------------------------------------------------------------------------------


class FinancialPeriod(SageRecord):
    """A row of ``financial_year_period_views``: one period of one financial year."""

    financial_year_start_date: SageDate = None
    financial_year_end_date: SageDate = None
    year_relative_to_current_year: Id = None
    period_number: Id = None
    period_start_date: SageDate = None
    period_end_date: SageDate = None


class CurrencyIsoCode(SageRecord):
    code: Text = ""


class Currency(SageRecord):
    """A ``currencies`` record, ``currency_iso_code`` expanded."""

    id: Id = None
    name: Text = ""
    symbol: Text = ""
    core_currency_rate: Number = None
    is_base_currency: Flag = None
    currency_iso_code: Annotated[CurrencyIsoCode, BeforeValidator(nested_record)] = Field(
        default_factory=CurrencyIsoCode
    )

    @property
    def label(self) -> str:
        """The ISO code, or the symbol or name when Sage gives no code."""
        return self.currency_iso_code.code or self.symbol or self.name


class TaxCode(SageRecord):
    id: Id = None
    code: Id = None  # Sage numbers its tax codes (0 to 99)
    name: Text = ""
    tax_rate: Number = None
    terms_description: Text = ""
