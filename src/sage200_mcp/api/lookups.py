"""Sage's enumerations, read from its lookup resources, so that names and numbers both work.

A filter needs an enumeration's name (``document_status eq 'EnumDocumentStatusDispute'``), and an
answer may carry a name or a number (Sage's own examples filter ``document_status eq '2'``). Each
company's lookup resource (``sop_document_status_types``, ``trader_transaction_types``, ...) is
read when first needed and kept for an hour. Which field of a lookup row holds the name is
undocumented (``value`` or ``description``): the one that looks like an identifier is taken. An
older Sage without the resource (404, 400 or 501), or one that answers with nothing usable, gets
the names of Sage's SDK, and that is logged once.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sage200_mcp.api.answers import Json
from sage200_mcp.api.client import Company, SageClient
from sage200_mcp.api.errors import ApiError, BadRequest, NotFound, NotSupported

log = logging.getLogger(__name__)
T = TypeVar("T")

TTL = 3600.0  # seconds a company's enumeration is kept
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_fell_back: set[str] = set()  # resources already reported as missing, to log each once


@dataclass(frozen=True)
class Lookup:
    """A lookup resource and the SDK's names for it, numbered from 0 in this order."""

    resource: str
    builtin: tuple[str, ...]

    def fallback(self) -> Enumeration:
        return Enumeration(dict(enumerate(self.builtin)), self.builtin)


_DOCUMENT_STATUS = tuple(
    f"EnumDocumentStatus{name}"
    for name in ("Live", "OnHold", "Complete", "Dispute", "Cancelled", "Draft", "Printed")
)
_PROCESS_STATUS = ("EnumStatusNone", "EnumStatusPartial", "EnumStatusComplete")
SOP_STATUS = Lookup("sop_document_status_types", _DOCUMENT_STATUS)
POP_STATUS = Lookup("pop_document_status_types", _DOCUMENT_STATUS)
SOP_PROGRESS = Lookup("sop_document_process_status_types", _PROCESS_STATUS)
POP_PROGRESS = Lookup("pop_document_process_status_types", _PROCESS_STATUS)
TRANSACTION_TYPES = Lookup(
    "trader_transaction_types",
    tuple(
        f"TradingAccountEntryType{name}"
        for name in (
            "DeletedRecord",
            "PurchasePaymentSalesReceipt",
            "PurchaseReceiptSalesPayment",
            "NOTUSED",
            "Invoice",
            "CreditNote",
            "OpeningBalanceInvoice",
            "OpeningBalanceCreditNote",
        )
    ),
)
ACCOUNT_STATUS = Lookup("account_status_types", ("AccountStatusActive", "AccountStatusHidden"))
# the view of invoice lines gives the type as a short string; these names are read only if a
# number comes instead, and the SDK's order is not known [assume]
SOP_INVOICE_CREDIT_TYPES = Lookup("sop_invoice_credit_types", ("Invoice", "CreditNote"))


@dataclass(frozen=True)
class Enumeration:
    """One enumeration of one company: its names by number, and the fallback names."""

    by_number: dict[int, str]
    builtin: tuple[str, ...]

    def name(self, value: Any) -> Any:
        """The name for ``value`` when it is a number this enumeration knows; else ``value``."""
        number = _number(value)
        if number is None:
            return value
        return self.by_number.get(number, value)

    def named(self, suffix: str) -> str:
        """The full name ending in ``suffix`` (``Dispute`` -> ``EnumDocumentStatusDispute``): the
        shortest such name Sage lists (so ``Invoice`` is not ``OpeningBalanceInvoice``), or the
        SDK's when Sage lists none in full."""
        for names in (self.by_number.values(), self.builtin):
            found = _ending(names, suffix)
            if found is not None:
                return found
        raise ValueError(f"no name ends in {suffix!r}")


async def enumeration(client: SageClient, company: Company, lookup: Lookup) -> Enumeration:
    """The company's enumeration, read from its lookup resource at most once an hour."""

    async def load() -> Enumeration:
        try:
            rows = await client.get_list(lookup.resource, company, small=True)
        except (NotFound, BadRequest, NotSupported) as error:
            return _fall_back(lookup, type(error).__name__)
        by_number = dict(filter(None, map(_entry, rows)))
        if not by_number:
            return _fall_back(lookup, "no usable rows")
        return Enumeration(by_number, lookup.builtin)

    key = ("lookup", company.site_id, company.company_id, lookup.resource)
    try:
        return await client.remembered(key, load, TTL)
    except ApiError as error:
        # a passing failure (a time-out, a 5xx): the SDK's names serve this call, and the
        # resource is asked again next time; the question the user asked must not fail on it
        log.info("Could not read %s (%s); using the SDK's names", lookup.resource, error)
        return lookup.fallback()


async def along(client: SageClient, company: Company, request: Awaitable[T], *lookups: Lookup) -> T:
    """What ``request`` answers, with these enumerations read beside it when not yet known, so
    that naming its numbers afterwards costs no second round trip. Each is read at most once
    an hour, even where Sage sends names and it proves unneeded: a request an hour, against a
    round trip on every cold call."""
    answer, _ = await asyncio.gather(
        request, asyncio.gather(*(enumeration(client, company, lookup) for lookup in lookups))
    )
    return answer


async def name_numbers(
    client: SageClient, company: Company, lookup: Lookup, rows: Iterable[Json], *fields: str
) -> None:
    """Replace numbers in ``fields`` of ``rows`` by their names; the lookup resource is read only
    when a number is there (Sage usually sends names)."""
    rows = list(rows)
    if not any(_number(row.get(f)) is not None for row in rows for f in fields):
        return
    names = await enumeration(client, company, lookup)
    for row in rows:
        for field in fields:
            if field in row:
                row[field] = names.name(row[field])


def words(name: Any, prefix: str) -> str:
    """An enumeration name as the tools name it, in the form their arguments take (so that a
    name read in an answer can be passed back as a filter): ``EnumDocumentStatusOnHold`` ->
    ``on_hold``."""
    text = str(name).removeprefix(prefix)
    return _WORD_BREAK.sub("_", text).lower() if text else str(name)


def progress(name: Any) -> str | None:
    """none, part or all for a progress status (despatched, received, invoiced), whatever the
    release calls it (``EnumStatusPartial``, ``...Part``, ``...Full``): told by its ending."""
    text = str(name).lower()
    if text.endswith("none"):
        return "none"
    if text.endswith(("partial", "partially", "part")):
        return "part"
    if text.endswith(("complete", "completed", "full", "fully")):
        return "all"
    return None


def _fall_back(lookup: Lookup, why: str) -> Enumeration:
    if lookup.resource not in _fell_back:
        _fell_back.add(lookup.resource)
        log.info("Sage has no usable %s (%s); using the SDK's names", lookup.resource, why)
    return lookup.fallback()


def _entry(row: Json) -> tuple[int, str] | None:
    """(number, name) of a lookup row, or None. The name is the field that looks like an
    identifier (``EnumDocumentStatusDispute``, not ``In dispute``): the longest if several."""
    number = _number(row.get("id"))
    names = [
        value
        for key, value in row.items()
        if key != "id" and isinstance(value, str) and _IDENTIFIER.fullmatch(value)
    ]
    if number is None or not names:
        return None
    return number, max(names, key=len)


def _ending(names: Iterable[str], suffix: str) -> str | None:
    found = [n for n in names if n.lower().endswith(suffix.lower()) and len(n) > len(suffix)]
    return min(found, key=len) if found else None


def _number(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]{1,9}\s*", value):
        return int(value)
    return None
