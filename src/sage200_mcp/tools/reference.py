"""Small reference lists the tools use to label things, read once and kept for a while."""

from __future__ import annotations

from typing import Any

from sage200_mcp.api.client import Company
from sage200_mcp.api.nominal import reference_data
from sage200_mcp.tools.state import AppState


async def currency_codes(state: AppState, company: Company) -> dict[int, str]:
    """Currency id -> ISO code (or the symbol, when Sage gives no code)."""

    async def load() -> dict[int, str]:
        codes: dict[int, str] = {}
        for row in await reference_data(state.client, company, "currencies"):
            iso = row.get("currency_iso_code")
            code = iso.get("code") if isinstance(iso, dict) else None
            if isinstance(row.get("id"), int):
                codes[row["id"]] = str(code or row.get("symbol") or row.get("name") or "")
        return codes

    return await state.cached(("currencies", company), load)


async def warehouse_names(state: AppState, company: Company) -> dict[int, str]:
    async def load() -> dict[int, str]:
        rows: list[dict[str, Any]] = await state.client.all_rows(
            "warehouses", company, {"$select": "id,name", "$orderby": "id asc"}
        )
        return {
            row["id"]: str(row.get("name", "")) for row in rows if isinstance(row.get("id"), int)
        }

    return await state.cached(("warehouses", company), load)
