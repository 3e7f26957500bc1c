"""A company's reporting set-up: report categories, financial statement layouts, default nominal
codes, and the cost centres and departments its profit and loss codes are split by.

Layout rows come in report order, as Sage's view sorts them (by layout, then row). Only a
category row names a category; headings and sums leave those fields blank.
"""

from __future__ import annotations

from datetime import timedelta

from sage200_mcp.sandbox.seed import chart
from sage200_mcp.sandbox.seed.model import CompanyModel
from sage200_mcp.sandbox.seed.reporting import (
    CATEGORIES,
    CONTROL_CODES,
    LAYOUTS,
    LayoutRow,
    category_of,
)
from sage200_mcp.sandbox.seed.rows.fields import Row, Rows, audit
from sage200_mcp.sandbox.shape import DEPARTMENTS


def add_reporting(rows: Rows, model: CompanyModel) -> None:
    stamps = audit(model.today - timedelta(days=1500))
    for category in CATEGORIES:
        rows["nominal_report_categories"].append(
            {
                "id": category.id,
                "account_report_type": category.report_type,
                "code": category.code,
                "description": category.description,
                "account_report_category_type": category.category_type,
                **stamps,
            }
        )
    for number, control in enumerate(CONTROL_CODES, start=1):
        rows["control_nominal_codes"].append(
            {
                "id": number,
                "name": control.name,
                "account_number": control.reference,
                "nominal_reporting_type": "NominalReportingTypeBalance"
                if category_of(control.reference).report_type == "BalanceSheet"
                else "NominalReportingTypePnL",
                "control_nominal_code_type": f"ControlNominalCodeType{control.kind}",
                **stamps,
            }
        )
    if model.plan.report_layouts:
        _add_layouts(rows)
    _add_splits(rows, model, stamps)


def _add_layouts(rows: Rows) -> None:
    row_id = 0
    for layout in LAYOUTS:
        for number, row in enumerate(layout.rows, start=1):
            row_id += 1
            rows["financial_report_layout_views"].append(
                {
                    "financial_report_layout_id": layout.id,
                    "financial_report_layout_account_report_type": layout.report_type,
                    "financial_report_layout_name": layout.name,
                    "financial_report_row_id": row_id,
                    "financial_report_row_line_type": f"FinancialReportRowLineType{row.line_type}",
                    "financial_report_row_layout_position_type": _position(row),
                    "financial_report_row_layout_debit_or_credit_type": (
                        "FinancialReportRowLayoutDebitOrCreditTypeBoth"
                    ),
                    "financial_report_row_report_row": number,
                    "financial_report_row_title": row.title,
                    **_category_fields(row),
                }
            )


def _position(row: LayoutRow) -> str:
    """Categories' figures in the left column, the sums beside them on the right."""
    side = "Right" if row.line_type in ("Subtotal", "Total") else "Left"
    return f"FinancialReportRowLayoutPositionType{side}"


def _category_fields(row: LayoutRow) -> Row:
    if row.category is None:
        return {
            "nominal_account_report_category_id": 0,
            "nominal_account_report_category_code": "",
            "nominal_account_report_category_description": "",
        }
    return {
        "nominal_account_report_category_id": row.category.id,
        "nominal_account_report_category_code": row.category.code,
        "nominal_account_report_category_description": row.category.description,
    }


def _add_splits(rows: Rows, model: CompanyModel, stamps: Row) -> None:
    """Cost centres and departments, numbered as the split accounts point at them; a company
    that does not split its codes has neither."""
    branches = chart.branches(model.plan)
    if not branches:
        return
    for number, code in enumerate(branches, start=1):
        rows["cost_centres"].append(
            {"id": number, "code": code, "name": chart.BRANCH_NAMES[code], **stamps}
        )
    for number, code in enumerate(DEPARTMENTS, start=1):
        rows["departments"].append(
            {"id": number, "code": code, "name": chart.DEPARTMENT_NAMES[code], **stamps}
        )
