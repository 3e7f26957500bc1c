"""The Sage 200 entities the tools read, as tolerant models.

Field names are Sage's (see src/sage200_mcp/openapi/). Every field is optional and may be null,
numbers may arrive as text, dates as date-times with or without a zone: the real API varies, and
a model that refuses a body would lose the user's answer over a detail. Fields not declared here
are kept (``extra="allow"``) for tools that show them on request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict


def _lenient_date(value: Any) -> date | None:
    """A date from Sage's date-times (``2024-05-24T00:00:00Z``), dates, or nothing usable."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        for parse in (datetime.fromisoformat, date.fromisoformat):
            try:
                parsed = parse(text[:10] if parse is date.fromisoformat else text)
            except ValueError:
                continue
            return parsed.date() if isinstance(parsed, datetime) else parsed
    return None


def lenient_number(value: Any) -> float | None:
    """A number from a number or numeric text; None for anything else (booleans included)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _lenient_text(value: Any) -> str:
    return "" if value is None else str(value)


def _lenient_flag(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    return None


def lenient_int(value: Any) -> int | None:
    number = lenient_number(value)
    return int(number) if number is not None and number.is_integer() else None


def nested_record(value: Any) -> Any:
    """A nested record as sent, or an empty one for anything else (null, or not expanded)."""
    return value if isinstance(value, dict) else {}


def nested_records(value: Any) -> list[Any]:
    """The records of a nested list; anything else in it, or a list that is not one, is no row."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _record_or_none(value: Any) -> Any:
    return value if isinstance(value, dict) else None


SageDate = Annotated[date | None, BeforeValidator(_lenient_date)]
Number = Annotated[float | None, BeforeValidator(lenient_number)]
Text = Annotated[str, BeforeValidator(_lenient_text)]
Flag = Annotated[bool | None, BeforeValidator(_lenient_flag)]
Id = Annotated[int | None, BeforeValidator(lenient_int)]


class SageRecord(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    def extra(self, name: str) -> Any:
        """A field Sage sent that this model does not declare (None if absent)."""
        return (self.model_extra or {}).get(name)

    def field(self, name: str) -> Any:
        """A field by its Sage name, declared (as this model reads it) or not (as sent)."""
        if name in type(self).model_fields:
            return getattr(self, name)
        return self.extra(name)


class Site(SageRecord):
    site_id: Text = ""
    site_name: Text = ""
    site_short_name: Text = ""
    company_id: Id = None
    company_name: Text = ""
    tenant_id: Text = ""


class AccountView(SageRecord):
    """A row of ``customer_views`` or ``supplier_views``: Sage's flattened, faster lists."""

    id: Id = None
    reference: Text = ""
    name: Text = ""
    short_name: Text = ""
    balance: Number = None
    base_balance: Number = None
    credit_limit: Number = None
    currency_iso_code: Text = ""
    currency_symbol: Text = ""
    account_is_on_hold: Flag = None
    is_over_credit_limit: Flag = None
    account_status_type: Text = ""
    payment_terms: Text = ""
    payment_terms_in_days: Id = None
    average_time_to_pay: Id = None
    date_of_last_transaction: SageDate = None
    contact_name: Text = ""
    contact_default_telephone_number: Text = ""
    contact_default_email_address: Text = ""


class Address(SageRecord):
    address_1: Text = ""
    address_2: Text = ""
    address_3: Text = ""
    address_4: Text = ""
    city: Text = ""
    county: Text = ""
    postcode: Text = ""
    country: Text = ""

    def lines(self) -> list[str]:
        return [
            part
            for part in (
                self.address_1,
                self.address_2,
                self.address_3,
                self.address_4,
                self.city,
                self.county,
                self.postcode,
                self.country,
            )
            if part.strip()
        ]


class Contact(SageRecord):
    id: Id = None
    name: Text = ""
    first_name: Text = ""
    last_name: Text = ""
    default_telephone: Text = ""
    default_email: Text = ""
    is_default: Flag = None

    @property
    def full_name(self) -> str:
        return self.name or " ".join(p for p in (self.first_name, self.last_name) if p)


class Account(SageRecord):
    """A ``customers/{id}`` or ``suppliers/{id}`` record (with ``main_address`` and ``contacts``
    when expanded)."""

    id: Id = None
    reference: Text = ""
    name: Text = ""
    short_name: Text = ""
    balance: Number = None
    credit_limit: Number = None
    on_hold: Flag = None
    status_reason: Text = ""
    account_status_type: Text = ""
    currency_id: Id = None
    telephone_country_code: Text = ""
    telephone_area_code: Text = ""
    telephone_subscriber_number: Text = ""
    website: Text = ""
    vat_number: Text = ""
    payment_terms_days: Id = None
    payment_terms_basis: Text = ""
    early_settlement_discount_percent: Number = None
    early_settlement_discount_days: Id = None
    terms_agreed: Flag = None
    trading_terms: Text = ""
    average_time_to_pay: Id = None
    account_opened: SageDate = None
    last_credit_review: SageDate = None
    next_credit_review: SageDate = None
    date_time_updated: SageDate = None
    main_address: Annotated[Address | None, BeforeValidator(_record_or_none)] = None
    contacts: Annotated[list[Contact], BeforeValidator(nested_records)] = []

    def analysis_codes(self) -> dict[str, str]:
        """The analysis codes (1..20) that hold a value."""
        codes: dict[str, str] = {}
        for number in range(1, 21):
            value = self.extra(f"analysis_code_{number}")
            if isinstance(value, str) and value.strip():
                codes[f"analysis_code_{number}"] = value.strip()
        return codes

    @property
    def telephone(self) -> str:
        parts = [self.telephone_area_code, self.telephone_subscriber_number]
        number = " ".join(p for p in parts if p)
        if number and self.telephone_country_code:
            return f"+{self.telephone_country_code.lstrip('+')} {number}"
        return number


class TransactionView(SageRecord):
    """A row of ``sales_transaction_views`` or ``purchase_transaction_views``."""

    transaction_type: Text = ""
    transaction_date: SageDate = None
    due_date: SageDate = None
    reference: Text = ""
    second_reference: Text = ""
    status: Text = ""
    document_gross_value: Number = None
    document_allocated_value: Number = None
    document_outstanding_value: Number = None
    base_outstanding_value: Number = None
    currency_symbol: Text = ""
    currency_name: Text = ""


class AgedBalance(SageRecord):
    """A row of an aged debtors or creditors view: one account's (or item's) outstanding value,
    split into the ledger's ageing periods. Fields are read by bucket name (``doc_period_3``)."""

    def amount(self, bucket: str, base: bool = False) -> float:
        """``bucket`` is future, current, past or period_1..period_8."""
        return lenient_number(self.extra(f"{'base' if base else 'doc'}_{bucket}")) or 0.0

    def label(self, period: int) -> str:
        value = self.extra(f"aged_period_{period}")
        return value.strip() if isinstance(value, str) else ""


AGED_BUCKETS = ("future", "current", "past", *(f"period_{n}" for n in range(1, 9)))


@dataclass(frozen=True, slots=True)
class AgedRow:
    """One account's aged balance, kept small: a big company's whole table (thousands of rows)
    is remembered for minutes, where a model of each row would hold every field Sage sent.
    Read like an AgedBalance: by bucket name, in document or base currency."""

    account_id: int | None
    doc: tuple[float, ...]  # by AGED_BUCKETS
    base: tuple[float, ...]
    labels: tuple[str, ...]  # the names of period_1..period_8

    @classmethod
    def of(cls, row: AgedBalance, account_id: int | None) -> AgedRow:
        return cls(
            account_id,
            tuple(row.amount(bucket) for bucket in AGED_BUCKETS),
            tuple(row.amount(bucket, base=True) for bucket in AGED_BUCKETS),
            tuple(row.label(n) for n in range(1, 9)),
        )

    def amount(self, bucket: str, base: bool = False) -> float:
        """``bucket`` is future, current, past or period_1..period_8."""
        return (self.base if base else self.doc)[AGED_BUCKETS.index(bucket)]

    def label(self, period: int) -> str:
        return self.labels[period - 1]
