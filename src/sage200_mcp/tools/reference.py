"""Small reference lists the tools use to label things, read once and kept for a while."""

from __future__ import annotations

from sage200_mcp.api.client import Company
from sage200_mcp.api.nominal import currencies
from sage200_mcp.api.stock import warehouses
from sage200_mcp.tools.state import AppState


async def currency_codes(state: AppState, company: Company) -> dict[int, str]:
    """Currency id -> ISO code (or the symbol, when Sage gives no code)."""
    listed = (await currencies(state.client, company)).value  # remembered by the API layer
    return {c.id: c.label for c in listed if c.id is not None}


async def warehouse_names(state: AppState, company: Company) -> dict[int, str]:
    async def load() -> dict[int, str]:
        listed = await warehouses(state.client, company)
        return {w.id: w.name for w in listed if w.id is not None}

    return await state.cached(("warehouses", company), load)


def label(labels: dict[int, str], key: int | None) -> str | None:
    """The label of ``key``; None when there is no key or no label for it."""
    return (labels.get(key) or None) if key is not None else None
