"""Sales and purchase orders and their lines.

An order's progress (despatched, received, invoiced) is read from its lines' quantities, so the
header and the lines tell the same story.
"""

from __future__ import annotations

from sage200_mcp.sandbox.seed.model import CompanyModel
from sage200_mcp.sandbox.seed.orders import CANCELLED, Order, OrderLine
from sage200_mcp.sandbox.seed.rows.fields import Row, Rows, audit, money


def add_orders(rows: Rows, model: CompanyModel) -> None:
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
                if order.status == CANCELLED
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
                **audit(order.day),
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
                if order.status == CANCELLED
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
                **audit(order.day),
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
                    **audit(order.day),
                }
            )


def _sop_line(model: CompanyModel, order: Order, line: OrderLine) -> Row:
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
        **audit(order.day),
    }


def _progress(done: int, total: int) -> str:
    if done <= 0:
        return "EnumStatusNone"
    return "EnumStatusComplete" if done >= total else "EnumStatusPartial"


def _order_progress(order: Order, attribute: str) -> str:
    done = sum(getattr(line, attribute) for line in order.lines)
    return _progress(done, sum(line.quantity for line in order.lines))
