"""The sales invoice and credit note lines, as Sage's customer_sop_invoice_credit_line_views
shows them: one row per line, with its document, customer and product.

Only the fields a reader of sales by product needs, and the document's and customer's
identities, are written (the store fills the rest with blanks): the table is the size of the
ledger's lines, and every column costs memory at 50,000 customers.
"""

from __future__ import annotations

from collections.abc import Iterator

from sage200_mcp.sandbox.seed.invoice_lines import invoice_lines
from sage200_mcp.sandbox.seed.ledger import CREDIT_NOTE
from sage200_mcp.sandbox.seed.model import CompanyModel
from sage200_mcp.sandbox.seed.rows.fields import Row, money

TABLE = "customer_sop_invoice_credit_line_views"
# the document type as the view writes it (a string of up to 20 characters) [assume]
TYPES = {True: "Credit Note", False: "Invoice"}


def line_rows(model: CompanyModel) -> Iterator[Row]:
    rates = model.rates
    for line in invoice_lines(model):
        posting, product = line.posting, line.product
        party = posting.party
        yield {
            "customer_id": party.id,
            "customer_reference": party.reference,
            "sop_invoice_credit_id": posting.id,
            "sop_invoice_credit_type": TYPES[posting.kind == CREDIT_NOTE],
            "sop_invoice_credit_document_no": posting.reference,
            "sop_invoice_credit_document_date": posting.day,
            "sop_invoice_credit_exchange_rate": rates.rate(party),
            "sop_invoice_credit_line_id": line.id,
            "sop_invoice_credit_line_invoice_credit_date": posting.day,
            "sop_invoice_credit_line_total_value": money(line.net),
            "sop_invoice_credit_line_tax_value": money(line.tax),
            "invoice_line_profit_analysis_id": line.id,
            "invoice_line_profit_analysis_line_quantity": line.quantity,
            "product_id": product.id,
            "product_code": product.code,
            "product_name": product.name,
            "product_group_id": product.group.id,
            "product_group_code": product.group.code,
        }
