"""Seeded books: deterministic from the seed and the sandbox's date, realistic, and adding up."""

from __future__ import annotations

from datetime import date

from sage200_mcp.sandbox.seed.companies import USERS, CompanyPlan
from sage200_mcp.sandbox.seed.model import build_model
from sage200_mcp.sandbox.seed.rows import company_tables
from sage200_mcp.sandbox.store import Store
from sage200_mcp.sandbox.tables import LOOKUPS, all_tables, lookup_rows


def build_books(plan: CompanyPlan, seed: int, today: date) -> Store:
    """A company's books in a fresh store: every table created, every row inserted."""
    store = Store()
    for spec in all_tables():
        keys = ("id",) if "id" in spec.layout.columns else ()
        store.create(spec.name, spec.layout, (*keys, *spec.indexes))
    for table, rows in company_tables(build_model(plan, seed, today), USERS):
        store.insert(table, rows)
    for resource in LOOKUPS:
        store.insert(resource, lookup_rows(resource))
    return store
