"""The tables of a company's books: which schema each follows, its indexes, its enum fields.

A ``$filter`` may name an enum value or give its number, and both select the same rows. Where Sage
serves an enumeration as a lookup resource (``sop_document_status_types`` and the like), its names,
numbers and labels are written here once, as Sage's SDK orders them, and both the lookup rows and
the ``$filter`` evaluator are built from that one list. Other enums' numbers are the sandbox's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sage200_mcp.sandbox.layout import Layout, entity_layout, inline_layout

EnumMap = dict[str, int]
Labels = dict[str, str]  # Sage's enum name -> the description its lookup resource gives


def numbered(labels: Labels) -> EnumMap:
    """An enum's numbers: its members' positions, from 0, in Sage's order."""
    return {name: number for number, name in enumerate(labels)}


ACCOUNT_STATUS_LABELS: Labels = {"AccountStatusActive": "Active", "AccountStatusHidden": "Hidden"}
# Zynk's Sage 200 documentation, in its order. The spec gives the description 30 characters, so
# the payment and receipt labels are written without spaces around the slash.
TRADER_TRANSACTION_TYPE_LABELS: Labels = {
    "TradingAccountEntryTypeDeletedRecord": "Deleted",
    "TradingAccountEntryTypePurchasePaymentSalesReceipt": "Purchase Payment/Sales Receipt",
    "TradingAccountEntryTypePurchaseReceiptSalesPayment": "Purchase Receipt/Sales Payment",
    "TradingAccountEntryTypeNOTUSED": "Unknown",
    "TradingAccountEntryTypeInvoice": "Invoice",
    "TradingAccountEntryTypeCreditNote": "Credit Note",
    "TradingAccountEntryTypeOpeningBalanceInvoice": "Opening Bal. Invoice",
    "TradingAccountEntryTypeOpeningBalanceCreditNote": "Opening Bal. Credit Note",
}
# the Sage SDK's order; Sage's own example filters document_status eq '2' (Complete)
DOCUMENT_STATUS_LABELS: Labels = {
    "EnumDocumentStatusLive": "Live",
    "EnumDocumentStatusOnHold": "On Hold",
    "EnumDocumentStatusComplete": "Complete",
    "EnumDocumentStatusDispute": "Dispute",
    "EnumDocumentStatusCancelled": "Cancelled",
    "EnumDocumentStatusDraft": "Draft",
    "EnumDocumentStatusPrinted": "Printed",
}
# Sage's real names for these are unknown (the spec says only "None, Part or Full"): the
# sandbox's own, kept until evidence shows otherwise
PROGRESS_STATUS_LABELS: Labels = {
    "EnumStatusNone": "None",
    "EnumStatusPartial": "Part",
    "EnumStatusComplete": "Full",
}

# the four types Sage answers with; their order and labels are the sandbox's own [assume]
REPORT_CATEGORY_TYPE_LABELS: Labels = {
    "NominalReportingCategoryTypeIncome": "Income",
    "NominalReportingCategoryTypeExpense": "Expense",
    "NominalReportingCategoryTypeAsset": "Asset",
    "NominalReportingCategoryTypeLiability": "Liability",
}
# Sage answers a report type ProfitLoss or BalanceSheet; a layout's type is taken to be the same
# enumeration [assume]
REPORT_TYPE_LABELS: Labels = {"ProfitLoss": "Profit and Loss", "BalanceSheet": "Balance Sheet"}
# nothing public names these: the sandbox's own [assume] (docs/SAGE200_API.md)
ROW_LINE_TYPE_LABELS: Labels = {
    "FinancialReportRowLineTypeHeading": "Heading",
    "FinancialReportRowLineTypeCategory": "Category",
    "FinancialReportRowLineTypeSubtotal": "Subtotal",
    "FinancialReportRowLineTypeTotal": "Total",
}
ROW_POSITION_LABELS: Labels = {
    "FinancialReportRowLayoutPositionTypeLeft": "Left",
    "FinancialReportRowLayoutPositionTypeRight": "Right",
}
ROW_DEBIT_OR_CREDIT_LABELS: Labels = {
    "FinancialReportRowLayoutDebitOrCreditTypeBoth": "Both",
    "FinancialReportRowLayoutDebitOrCreditTypeDebit": "Debit",
    "FinancialReportRowLayoutDebitOrCreditTypeCredit": "Credit",
}
CONTROL_CODE_TYPE_LABELS: Labels = {
    "ControlNominalCodeTypeDebtors": "Debtors control",
    "ControlNominalCodeTypeCreditors": "Creditors control",
    "ControlNominalCodeTypeDefaultBank": "Default bank",
    "ControlNominalCodeTypeSalesTax": "Sales tax",
    "ControlNominalCodeTypePurchaseTax": "Purchase tax",
    "ControlNominalCodeTypeRetainedProfit": "Retained profit",
    "ControlNominalCodeTypeBadDebts": "Bad debts",
    "ControlNominalCodeTypeBankCharges": "Bank charges",
}

ACCOUNT_STATUS = numbered(ACCOUNT_STATUS_LABELS)
TRADER_TRANSACTION_TYPE = numbered(TRADER_TRANSACTION_TYPE_LABELS)
DOCUMENT_STATUS = numbered(DOCUMENT_STATUS_LABELS)
PROGRESS_STATUS = numbered(PROGRESS_STATUS_LABELS)
PAYMENT_TERMS_BASIS: EnumMap = {"PaymentDueFromDocumentDate": 0, "PaymentDueFromCalendarMonth": 1}
TRADING_ACCOUNT_TYPE: EnumMap = {
    "TradingAccountTypeOpenItem": 0,
    "TradingAccountTypeBalanceForward": 1,
}
LINE_TYPE: EnumMap = {
    "EnumLineTypeStandard": 0,
    "EnumLineTypeFreeText": 1,
    "EnumLineTypeCharge": 2,
    "EnumLineTypeComment": 3,
}
PRODUCT_STATUS: EnumMap = {"EnumStockItemStatusTypeActive": 0, "EnumStockItemStatusTypeInactive": 1}
BANK_ACCOUNT_TYPE: EnumMap = {
    "BankAccountTypeCurrent": 0,
    "BankAccountTypeDeposit": 1,
    "BankAccountTypePettyCash": 2,
}
TRANSACTION_STATUS: EnumMap = {"Outstanding": 0, "PartAllocated": 1, "FullyAllocated": 2}


@dataclass(frozen=True)
class TableSpec:
    name: str
    module: str
    schema: str
    inline_field: str | None = None
    indexes: tuple[str, ...] = ()
    enums: tuple[tuple[str, EnumMap], ...] = ()

    @property
    def layout(self) -> Layout:
        if self.inline_field:
            return inline_layout(self.module, self.schema, self.inline_field)
        return entity_layout(self.module, self.schema)

    @property
    def enum_maps(self) -> dict[str, EnumMap]:
        return dict(self.enums)


_TRADER = (
    ("account_status_type", ACCOUNT_STATUS),
    ("payment_terms_basis", PAYMENT_TERMS_BASIS),
    ("account_type", TRADING_ACCOUNT_TYPE),
)
_VIEW = (("account_status_type", ACCOUNT_STATUS), ("account_type", TRADING_ACCOUNT_TYPE))
_POSTED = (("trader_transaction_type", TRADER_TRANSACTION_TYPE),)
_TRANSACTION_VIEW = (("transaction_type", TRADER_TRANSACTION_TYPE), ("status", TRANSACTION_STATUS))
_ORDER = (
    ("document_status", DOCUMENT_STATUS),
    ("despatch_receipt_status", PROGRESS_STATUS),
    ("receipt_return_status", PROGRESS_STATUS),
    ("invoice_credit_status", PROGRESS_STATUS),
    ("cancelled_status", PROGRESS_STATUS),
)
_LINE = (
    ("line_type", LINE_TYPE),
    ("allocation_status", PROGRESS_STATUS),
    ("despatch_receipt_status", PROGRESS_STATUS),
    ("receipt_return_status", PROGRESS_STATUS),
    ("invoice_credit_status", PROGRESS_STATUS),
)

TABLES: tuple[TableSpec, ...] = (
    TableSpec("customers", "sales", "customer", indexes=("reference", "name"), enums=_TRADER),
    TableSpec("customer_main_addresses", "sales", "customer", "main_address", ("customer_id",)),
    TableSpec(
        "customer_views", "sales", "customer_view", indexes=("reference", "name"), enums=_VIEW
    ),
    TableSpec("lookup_customers", "sales", "lookup_customer"),
    TableSpec("customer_contacts", "sales", "customer_contact", indexes=("customer_id",)),
    TableSpec("customer_emails", "sales", "customer_email", indexes=("customer_contact_id",)),
    TableSpec(
        "customer_telephones", "sales", "customer_telephone", indexes=("customer_contact_id",)
    ),
    TableSpec("customer_mobiles", "sales", "customer_mobile", indexes=("customer_contact_id",)),
    TableSpec(
        "customer_delivery_addresses",
        "sales",
        "customer_delivery_address",
        indexes=("customer_id",),
    ),
    TableSpec(
        "sales_posted_transactions",
        "sales",
        "sales_posted_transaction",
        indexes=("customer_id",),
        enums=_POSTED,
    ),
    TableSpec(
        "sales_transaction_views",
        "sales",
        "sales_transaction_view",
        indexes=("customer_id",),
        enums=_TRANSACTION_VIEW,
    ),
    TableSpec(
        "customer_sop_invoice_credit_line_views",
        "sales",
        "customer_sop_invoice_credit_line_view",
        indexes=("sop_invoice_credit_document_date",),
    ),
    TableSpec("suppliers", "purchases", "supplier", indexes=("reference", "name"), enums=_TRADER),
    TableSpec("supplier_main_addresses", "purchases", "supplier", "main_address", ("supplier_id",)),
    TableSpec("supplier_banks", "purchases", "supplier", "bank", ("supplier_id",)),
    TableSpec("supplier_views", "purchases", "supplier_view", indexes=("reference",), enums=_VIEW),
    TableSpec("lookup_suppliers", "purchases", "lookup_supplier"),
    TableSpec("supplier_contacts", "purchases", "supplier_contact", indexes=("supplier_id",)),
    TableSpec("supplier_emails", "purchases", "supplier_email", indexes=("supplier_contact_id",)),
    TableSpec(
        "supplier_telephones", "purchases", "supplier_telephone", indexes=("supplier_contact_id",)
    ),
    TableSpec(
        "purchase_posted_transactions",
        "purchases",
        "purchase_posted_transaction",
        indexes=("supplier_id",),
        enums=_POSTED,
    ),
    TableSpec(
        "purchase_transaction_views",
        "purchases",
        "purchase_transaction_view",
        indexes=("supplier_id",),
        enums=_TRANSACTION_VIEW,
    ),
    TableSpec("sop_orders", "sop", "sop_order", indexes=("customer_id",), enums=_ORDER),
    TableSpec("sop_order_lines", "sop", "sop_order_line", indexes=("sop_order_id",), enums=_LINE),
    TableSpec("pop_orders", "pop", "pop_order", indexes=("supplier_id",), enums=_ORDER),
    TableSpec("pop_order_lines", "pop", "pop_order_line", indexes=("pop_order_id",), enums=_LINE),
    TableSpec(
        "products",
        "stock",
        "product",
        indexes=("code",),
        enums=(("product_status_type", PRODUCT_STATUS),),
    ),
    TableSpec("product_views", "stock", "product_view", indexes=("code",)),
    TableSpec("product_groups", "stock", "product_group"),
    TableSpec("warehouses", "stock", "warehouse"),
    TableSpec(
        "warehouse_holdings", "stock", "warehouse_holding", indexes=("product_id", "warehouse_id")
    ),
    TableSpec(
        "nominal_codes",
        "nominal",
        "nominal_code",
        indexes=("reference",),
        enums=(("account_status_type", ACCOUNT_STATUS),),
    ),
    TableSpec("nominal_code_views", "nominal", "nominal_code_view", indexes=("reference",)),
    TableSpec(
        "nominal_transaction_enquiry_views",
        "nominal",
        "nominal_transaction_enquiry_view",
        indexes=("nominal_code_id", "transaction_date"),
    ),
    TableSpec(
        "nominal_period_value_views",
        "nominal",
        "nominal_period_value_view",
        indexes=("nominal_code_id", "accounting_period_id"),
    ),
    TableSpec(
        "nominal_report_categories",
        "nominal",
        "nominal_report_category",
        enums=(
            ("account_report_type", numbered(REPORT_TYPE_LABELS)),
            ("account_report_category_type", numbered(REPORT_CATEGORY_TYPE_LABELS)),
        ),
    ),
    TableSpec(
        "control_nominal_codes",
        "nominal",
        "control_nominal_code",
        enums=(("control_nominal_code_type", numbered(CONTROL_CODE_TYPE_LABELS)),),
    ),
    TableSpec("cost_centres", "nominal", "cost_centre"),
    TableSpec("departments", "nominal", "department"),
    TableSpec(
        "financial_report_layout_views",
        "financials",
        "financial_report_layout_view",
        enums=(
            ("financial_report_layout_account_report_type", numbered(REPORT_TYPE_LABELS)),
            ("financial_report_row_line_type", numbered(ROW_LINE_TYPE_LABELS)),
            ("financial_report_row_layout_position_type", numbered(ROW_POSITION_LABELS)),
            (
                "financial_report_row_layout_debit_or_credit_type",
                numbered(ROW_DEBIT_OR_CREDIT_LABELS),
            ),
        ),
    ),
    TableSpec(
        "banks",
        "cash-book",
        "bank",
        enums=(("account_status_type", ACCOUNT_STATUS), ("account_type", BANK_ACCOUNT_TYPE)),
    ),
    TableSpec("bank_views", "cash-book", "bank_view"),
    TableSpec("currencies", "financials", "currency"),
    TableSpec("currency_iso_codes", "financials", "currency_iso_code"),
    TableSpec("tax_codes", "financials", "tax_code"),
    TableSpec("country_codes", "financials", "country_code"),
    TableSpec("financial_year_period_views", "financials", "financial_year_period_view"),
    TableSpec("company_details", "general", "company_details"),
    TableSpec("company_addresses", "general", "company_details", "address"),
    TableSpec("current_user", "general", "current_user"),
)

# lookup resource -> (module, schema, the enumeration it lists)
LOOKUPS: dict[str, tuple[str, str, Labels]] = {
    "sop_document_status_types": ("sop", "sop_document_status_type", DOCUMENT_STATUS_LABELS),
    "pop_document_status_types": ("pop", "pop_document_status_type", DOCUMENT_STATUS_LABELS),
    "sop_document_process_status_types": (
        "sop",
        "sop_document_process_status_type",
        PROGRESS_STATUS_LABELS,
    ),
    "pop_document_process_status_types": (
        "pop",
        "pop_document_process_status_type",
        PROGRESS_STATUS_LABELS,
    ),
    "trader_transaction_types": (
        "financials",
        "trader_transaction_type",
        TRADER_TRANSACTION_TYPE_LABELS,
    ),
    "account_status_types": ("financials", "account_status_type", ACCOUNT_STATUS_LABELS),
    "nominal_report_category_types": (
        "nominal",
        "nominal_report_category_type",
        REPORT_CATEGORY_TYPE_LABELS,
    ),
    "control_nominal_code_types": (
        "nominal",
        "control_nominal_code_type",
        CONTROL_CODE_TYPE_LABELS,
    ),
    "financial_report_layout_types": (
        "financials",
        "financial_report_layout_type",
        REPORT_TYPE_LABELS,
    ),
    "financial_report_row_line_types": (
        "financials",
        "financial_report_row_line_type",
        ROW_LINE_TYPE_LABELS,
    ),
    "financial_report_row_layout_position_types": (
        "financials",
        "financial_report_row_layout_position_type",
        ROW_POSITION_LABELS,
    ),
    "financial_report_row_layout_debit_or_credit_types": (
        "financials",
        "financial_report_row_layout_debit_or_credit_type",
        ROW_DEBIT_OR_CREDIT_LABELS,
    ),
}


def lookup_rows(resource: str) -> list[dict[str, Any]]:
    """A lookup resource's rows, ``{"id", "value", "description"}``, from its enumeration."""
    labels = LOOKUPS[resource][2]
    numbers = numbered(labels)
    return [
        {"id": numbers[name], "value": name, "description": label} for name, label in labels.items()
    ]


AGEING_BASES = ("transactiondate", "duedate", "calendarmonth")
AGED_VIEWS = {
    "sales_aged_debtor_summary_views": ("sales", "sales_aged_debtor_view"),
    "sales_aged_debtor_detailed_views": ("sales", "sales_aged_debtor_view"),
    "purchase_aged_creditor_summary_views": ("purchases", "purchase_aged_creditor_view"),
    "purchase_aged_creditor_detailed_views": ("purchases", "purchase_aged_creditor_view"),
}


def aged_table(view: str, basis: str) -> str:
    """Aged views are computed for each ageing basis at seed time, one table per basis."""
    return f"{view}__{basis}"


def all_tables() -> tuple[TableSpec, ...]:
    lookups = tuple(
        TableSpec(resource, module, schema) for resource, (module, schema, _) in LOOKUPS.items()
    )
    aged = tuple(
        TableSpec(
            aged_table(view, basis),
            module,
            schema,
            indexes=("customer_id",) if view.startswith("sales") else ("supplier_id",),
        )
        for view, (module, schema) in AGED_VIEWS.items()
        for basis in AGEING_BASES
    )
    return TABLES + lookups + aged


TABLE_SPECS: dict[str, TableSpec] = {spec.name: spec for spec in all_tables()}
