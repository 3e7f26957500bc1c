"""Which API paths the sandbox serves, from which table, and what each can ``$expand``.

Paths come from Sage's OpenAPI files: a path is served when its last collection is one of the
sandbox's tables. Nested paths such as ``/customers/{customerId}/customer_contacts`` filter the
child table by the column the placeholder names (``customerId`` -> ``customer_id``), so every
nested path Sage documents over these tables works without being listed here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from sage200_mcp.openapi import api_spec
from sage200_mcp.sandbox.tables import AGED_VIEWS, TABLE_SPECS


@dataclass(frozen=True)
class Expansion:
    """A related object (``many=False``) or list (``many=True``) that ``$expand`` attaches."""

    table: str
    local: str
    remote: str
    many: bool = False


def _one(table: str, local: str, remote: str = "id") -> Expansion:
    return Expansion(table, local, remote)


def _many(table: str, remote: str, local: str = "id") -> Expansion:
    return Expansion(table, local, remote, many=True)


EXPANSIONS: dict[str, dict[str, Expansion]] = {
    "customers": {
        "main_address": _one("customer_main_addresses", "id", "customer_id"),
        "contacts": _many("customer_contacts", "customer_id"),
        "currency": _one("currencies", "currency_id"),
        "default_tax_code": _one("tax_codes", "default_tax_code_id"),
        "country_code": _one("country_codes", "country_code_id"),
        "default_nominal_code": _one("nominal_codes", "default_nominal_code_id"),
    },
    "customer_contacts": {
        "emails": _many("customer_emails", "customer_contact_id"),
        "telephones": _many("customer_telephones", "customer_contact_id"),
        "mobiles": _many("customer_mobiles", "customer_contact_id"),
    },
    "customer_delivery_addresses": {
        "customer": _one("customers", "customer_id"),
        "tax_code": _one("tax_codes", "tax_code_id"),
    },
    "sales_posted_transactions": {"customer": _one("customers", "customer_id")},
    "suppliers": {
        "main_address": _one("supplier_main_addresses", "id", "supplier_id"),
        "contacts": _many("supplier_contacts", "supplier_id"),
        "bank": _one("supplier_banks", "id", "supplier_id"),
        "currency": _one("currencies", "currency_id"),
        "default_tax_code": _one("tax_codes", "default_tax_code_id"),
        "country_code": _one("country_codes", "country_code_id"),
        "default_nominal_code": _one("nominal_codes", "default_nominal_code_id"),
    },
    "supplier_contacts": {
        "emails": _many("supplier_emails", "supplier_contact_id"),
        "telephones": _many("supplier_telephones", "supplier_contact_id"),
    },
    "purchase_posted_transactions": {"supplier": _one("suppliers", "supplier_id")},
    "sop_orders": {
        "lines": _many("sop_order_lines", "sop_order_id"),
        "customer": _one("customers", "customer_id"),
        "currency": _one("currencies", "currency_id"),
    },
    "sop_order_lines": {
        "product": _one("products", "product_id"),
        "warehouse": _one("warehouses", "warehouse_id"),
        "tax_code": _one("tax_codes", "tax_code_id"),
        "sop_order": _one("sop_orders", "sop_order_id"),
    },
    "pop_orders": {
        "lines": _many("pop_order_lines", "pop_order_id"),
        "supplier": _one("suppliers", "supplier_id"),
    },
    "pop_order_lines": {
        "product": _one("products", "product_id"),
        "warehouse": _one("warehouses", "warehouse_id"),
        "tax_code": _one("tax_codes", "tax_code_id"),
        "pop_order": _one("pop_orders", "pop_order_id"),
    },
    "products": {
        "warehouse_holdings": _many("warehouse_holdings", "product_id"),
        "product_group": _one("product_groups", "product_group_id"),
        "tax_code": _one("tax_codes", "tax_code_id"),
    },
    "warehouse_holdings": {
        "product": _one("products", "product_id"),
        "warehouse": _one("warehouses", "warehouse_id"),
    },
    "banks": {"account_currency": _one("currencies", "account_currency_id")},
    "currencies": {"currency_iso_code": _one("currency_iso_codes", "currency_iso_code_id")},
    "company_details": {
        "address": _one("company_addresses", "id"),
        "country_code": _one("country_codes", "country_code_id"),
    },
}

# tables that exist only to back an expansion; no path of their own
_INTERNAL_TABLES = frozenset(
    {"customer_main_addresses", "supplier_main_addresses", "supplier_banks", "company_addresses"}
)


@dataclass(frozen=True)
class Route:
    """A request path matched against the spec."""

    template: str  # as written in the spec, e.g. /customers/{customerId}/customer_contacts
    collections: tuple[str, ...]
    ids: tuple[str, ...]
    placeholders: tuple[str, ...]
    professional_only: bool

    @property
    def collection(self) -> str:
        return self.collections[-1]

    @property
    def is_item(self) -> bool:
        return len(self.ids) == len(self.collections)

    @property
    def parent_filters(self) -> list[tuple[str, str, str]]:
        """(parent collection, child column, parent id) for each parent segment."""
        count = len(self.collections) - 1
        return [
            (self.collections[i], snake(self.placeholders[i]), self.ids[i]) for i in range(count)
        ]


def match(path: str) -> Route | None:
    """The spec path a request path fits, if any (``None`` means 404 at the gateway)."""
    segments = [s for s in path.strip("/").split("/") if s] or [""]
    shape = "/" + "/".join(s if i % 2 == 0 else "{}" for i, s in enumerate(segments))
    found = _templates().get(shape)
    if found is None:
        return None
    template, professional_only = found
    return Route(
        template=template,
        collections=tuple(segments[0::2]),
        ids=tuple(segments[1::2]),
        placeholders=tuple(re.findall(r"\{(\w+)\}", template)),
        professional_only=professional_only,
    )


def table_for(collection: str) -> str | None:
    """The table behind a collection (aged views depend on the ageing basis: see api.py)."""
    if collection in AGED_VIEWS or collection in ("sites", "current_user"):
        return collection
    if collection in TABLE_SPECS and collection not in _INTERNAL_TABLES:
        return collection
    return None


def snake(placeholder: str) -> str:
    """``customerId`` -> ``customer_id``; ``CustomerContactId`` -> ``customer_contact_id``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", placeholder).lower()


@functools.cache
def _templates() -> dict[str, tuple[str, bool]]:
    shapes: dict[str, tuple[str, bool]] = {}
    for path, operation in api_spec().operations.items():
        shape = re.sub(r"\{\w+\}", "{}", path)
        shapes[shape] = (path, operation.professional_only)
    return shapes
