"""`query`: read any collection of the Sage 200 API, checked against Sage's schemas."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from sage200_mcp.api.query import MAX_TOP, build_query, run_query
from sage200_mcp.tools import paging
from sage200_mcp.tools.arguments import naming
from sage200_mcp.tools.output import CompanyRef, fit, respond
from sage200_mcp.tools.paging import CursorArg
from sage200_mcp.tools.state import AppState, app_state
from sage200_mcp.tools.toolkit import READ_ONLY, ToolContext, add_tool, current_company


class QueryResult(BaseModel):
    company: CompanyRef
    resource: str = Field(description="The collection read, as Sage documents it.")
    rows: list[dict[str, Any]]
    returned: int
    next_cursor: str | None = Field(
        default=None,
        description=(
            "Pass as cursor, with the same query, for the rows after these; absent when there"
            " are none."
        ),
    )
    truncated: bool = False
    note: str | None = None


Names = Annotated[list[str] | None, Field(max_length=60)]


async def query(
    resource: Annotated[
        str,
        Field(
            min_length=1,
            max_length=200,
            description="The collection, e.g. 'nominal_transaction_enquiry_views'.",
        ),
        naming("a collection, e.g. 'nominal_transaction_enquiry_views'"),
    ],
    ctx: ToolContext,
    filter: Annotated[str | None, Field(max_length=2000, description="OData $filter.")] = None,
    select: Annotated[
        Names,
        Field(
            description=(
                "Fields to return (fewer is better); 'customer.name' reaches into an expansion."
            )
        ),
    ] = None,
    orderby: Annotated[
        str | None,
        Field(max_length=300, description="e.g. 'transaction_date desc, id desc'."),
    ] = None,
    expand: Annotated[Names, Field(description="Related objects to include.")] = None,
    ageing: Annotated[
        Literal["transactiondate", "duedate", "calendarmonth"] | None,
        Field(description="$ageingdatetype of the aged views (sales_aged_debtor_..._views...)."),
    ] = None,
    top: Annotated[int, Field(ge=1, le=MAX_TOP, description="Rows to return.")] = 50,
    cursor: CursorArg = None,
) -> Annotated[CallToolResult, QueryResult]:
    state = app_state(ctx)
    checked = build_query(
        resource,
        await state.client.resolve_edition(),
        filter_text=filter,
        select=select,
        expand=expand,
        orderby=orderby,
        top=top,
        ageing=ageing,
    )
    company = await current_company(state)
    # the cursor holds where the next page starts (after the last row shown, whatever cut the
    # page) and is bound to this query: the same rows in the same order, or it is refused
    pages = paging.for_search(
        state.settings,
        "query",
        company,
        checked.collection.path,
        checked.filter,
        checked.select,
        checked.expand,
        checked.orderby,
        checked.ageing,
    )
    offset = pages.start(cursor).offset
    rows, more = await run_query(state.client, company, checked, offset)
    kept = fit(rows, state.settings.max_result_chars)
    further = more or kept < len(rows)
    note = None
    if kept < len(rows):
        note = (
            f"Showing {kept} of {len(rows)} rows to keep the answer small; select fewer"
            " fields, or continue with next_cursor."
        )
    if further and not checked.orderby:
        note = f"{note or ''} More rows match: give orderby to page through them.".strip()
    return respond(
        QueryResult(
            company=CompanyRef.of(company),
            resource=checked.collection.template,
            rows=rows[:kept],
            returned=kept,
            truncated=kept < len(rows),
            note=note,
            next_cursor=pages.cursor(offset + kept, None) if further and checked.orderby else None,
        )
    )


def register(mcp: MCPServer[AppState]) -> None:
    add_tool(
        mcp,
        query,
        title="Query any Sage 200 collection (advanced)",
        description=(
            "Read any GET collection of the Sage 200 API for the selected company, e.g."
            " 'nominal_transaction_enquiry_views', 'sop_order_line_views' or"
            " 'customers/10001/customer_contacts'. Prefer the dedicated tools (customers,"
            " suppliers, orders, products, nominal); use this only for what they do not cover."
            " Names are Sage's own (snake_case). `filter` is OData: eq ne gt ge lt le and or not,"
            " contains(field,'text'), startswith, endswith; text in single quotes (double a quote"
            " inside: 'O''Brien'); dates unquoted (2024-02-23). Everything is checked before it is"
            " sent; mistakes come back with the closest valid names. Ask for few fields. Page on"
            " with `cursor` (the answer's next_cursor)."
        ),
        annotations=READ_ONLY,
    )
