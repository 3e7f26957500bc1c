"""The ways to reach an account, each its own table: addresses, contacts with their emails and
telephones, and a supplier's bank details.

The main address and bank details take the account's id; other rows take ids from the caller:
``trading.py`` numbers contacts across the whole ledger and gives a contact's email and telephone
rows the contact's number, so the tables join as Sage's do.
"""

from __future__ import annotations

from datetime import date

from sage200_mcp.sandbox.seed import reference
from sage200_mcp.sandbox.seed.model import CompanyModel
from sage200_mcp.sandbox.seed.parties import Address, Contact, Party, Phone
from sage200_mcp.sandbox.seed.rows.fields import Row, address_fields, audit


def main_address(kind: str, party: Party) -> Row:
    return {
        "id": party.id,
        f"{kind}_id": party.id,
        **address_fields(party.address),
        "contact_name": party.contacts[0].name,
        "address_country_code_id": reference.country_id(party.address.country_code),
        **audit(party.opened),
    }


def delivery_address(
    model: CompanyModel, row_id: int, party: Party, is_default: bool, label: str, address: Address
) -> Row:
    return {
        "id": row_id,
        "customer_id": party.id,
        "is_default": is_default,
        "description": label,
        "postal_name": party.name,
        **address_fields(address),
        "address_country_code_id": reference.country_id(address.country_code),
        "contact": party.contacts[0].name,
        "telephone": party.phone.full,
        "email": party.contacts[0].email,
        "tax_number": party.vat_number,
        "tax_code_id": model.rates.tax_code_for(party).id,
        "country_code_id": reference.country_id(address.country_code),
        **audit(party.opened),
    }


def contact(kind: str, party: Party, contact: Contact, contact_id: int) -> Row:
    return {
        "id": contact_id,
        f"{kind}_id": party.id,
        "name": contact.name,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "default_telephone": contact.phone.full,
        "default_email": contact.email,
        "is_default": contact.is_default,
        **audit(party.opened),
    }


def email(kind: str, party: Party, contact: Contact, contact_id: int) -> Row:
    return {
        "id": contact_id,
        "email": contact.email,
        f"{kind}_contact_id": contact_id,
        "is_default": True,
        **audit(party.opened),
    }


def telephone(kind: str, phone: Phone, contact_id: int, row_id: int, created: date) -> Row:
    return {
        "id": row_id,
        "full_number": phone.full,
        "country_code": phone.country_code,
        "area_code": phone.area_code,
        "subscriber_number": phone.subscriber,
        f"{kind}_contact_id": contact_id,
        "is_default": True,
        **audit(created),
    }


def supplier_bank(party: Party) -> Row:
    digits = f"{party.id * 7919 % 100_000_000:08d}"
    sort_code = f"{20 + party.id % 60:02d}{party.id * 31 % 100:02d}{party.id * 17 % 100:02d}"
    return {
        "id": party.id,
        "supplier_id": party.id,
        "sort_code": sort_code,
        "account_number": digits,
        "account_name": party.name[:60],
        "bank_payment_reference": party.reference,
        **audit(party.opened),
    }
