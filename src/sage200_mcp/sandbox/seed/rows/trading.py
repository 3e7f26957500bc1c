"""One trading ledger (sales or purchase) as the tables Sage keeps it in, in order.

The two ledgers share nearly every table's shape, named after the side (``customer`` or
``supplier``); only customers have mobiles and delivery addresses, only suppliers bank details.
Rows are generated lazily, one table at a time, because a big ledger's rows are most of the books.
"""

from __future__ import annotations

from collections.abc import Iterator

from sage200_mcp.sandbox.seed.model import CompanyModel, TradingLedger
from sage200_mcp.sandbox.seed.rows import accounts, aged, contacts, postings
from sage200_mcp.sandbox.seed.rows.fields import TableRows


def trading_tables(model: CompanyModel, trading: TradingLedger, kind: str) -> Iterator[TableRows]:
    """Accounts, their addresses and contacts, postings, views and aged views of one ledger."""
    parties = trading.parties
    on_order = accounts.on_order_by_party(
        model.sales_orders if kind == "customer" else model.purchase_orders
    )
    yield f"{kind}s", (accounts.account(model, trading, p, kind, on_order[p.id]) for p in parties)
    yield f"{kind}_main_addresses", (contacts.main_address(kind, p) for p in parties)
    yield f"{kind}_views", (accounts.view(model, trading, p, kind, on_order[p.id]) for p in parties)
    yield f"lookup_{kind}s", (accounts.lookup(p) for p in parties)
    # one email and one telephone per contact, numbered like the contact
    numbered = [
        (number, party, contact)
        for number, (party, contact) in enumerate(
            ((party, contact) for party in parties for contact in party.contacts), start=1
        )
    ]
    yield f"{kind}_contacts", (contacts.contact(kind, p, c, number) for number, p, c in numbered)
    yield f"{kind}_emails", (contacts.email(kind, p, c, number) for number, p, c in numbered)
    yield (
        f"{kind}_telephones",
        (contacts.telephone(kind, c.phone, number, number, p.opened) for number, p, c in numbered),
    )
    if kind == "customer":
        mobiles = ((number, p, c.mobile) for number, p, c in numbered if c.mobile is not None)
        yield (
            "customer_mobiles",
            (
                contacts.telephone(kind, mobile, number, row_id, p.opened)
                for row_id, (number, p, mobile) in enumerate(mobiles, start=1)
            ),
        )
        addresses = (
            (p, number, label, address)
            for p in parties
            for number, (label, address) in enumerate(p.delivery_addresses)
        )
        yield (
            "customer_delivery_addresses",
            (
                contacts.delivery_address(model, row_id, p, number == 0, label, address)
                for row_id, (p, number, label, address) in enumerate(addresses, start=1)
            ),
        )
    else:
        yield "supplier_banks", (contacts.supplier_bank(p) for p in parties)
    yield (
        postings.posted_table(kind),
        (postings.posted(model, posting, kind) for posting in trading.postings),
    )
    yield (
        postings.view_table(kind),
        (postings.transaction_view(model, posting, kind) for posting in trading.postings),
    )
    yield from aged.aged_tables(model, trading, kind)
