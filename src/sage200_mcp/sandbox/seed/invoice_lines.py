"""The lines behind the sales ledger's invoices and credit notes: which products were sold.

Most documents reach the sales ledger from sales order processing, with lines; some are typed
straight into the ledger and have none (``SOP_SHARE``). A document's lines are products from the
stock catalogue whose net values, in pence of the document's currency, add up exactly to its
goods value, and whose tax adds up to its tax, so that sales by product over any days equal the
ledger's goods invoiced over those days for the documents with lines.

The lines are drawn document by document as their rows are written, from one random stream in
the ledger's order, and never held: a big company's ledger has hundreds of thousands of them.
Which SOP order each came from is not modelled: the order book (orders.py) is today's, while the
ledger's documents span two years.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from sage200_mcp.sandbox.seed.ledger import CREDIT_NOTE, INVOICE, Posting
from sage200_mcp.sandbox.seed.model import CompanyModel
from sage200_mcp.sandbox.seed.stock import Product

SOP_SHARE = 0.9  # of invoices and credit notes raised through sales order processing
LINE_COUNTS = (1, 1, 2, 2, 2, 3, 4)  # products on a document, drawn from these


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    id: int
    posting: Posting
    product: Product
    quantity: int
    net: int  # pence in the document's currency, positive on credit notes too
    tax: int


def invoice_lines(model: CompanyModel) -> Iterator[InvoiceLine]:
    """Every line of the sales ledger's invoices and credit notes that have lines, in order."""
    rng = random.Random(f"{model.seed}:{model.plan.id}:invoice-lines")
    products = model.catalogue.products
    line_id = 0
    for posting in model.sales.postings:
        if posting.kind not in (INVOICE, CREDIT_NOTE) or rng.random() >= SOP_SHARE:
            continue
        chosen = rng.sample(products, min(rng.choice(LINE_COUNTS), len(products)))
        nets = split(abs(posting.goods), [rng.randint(1, 8) * p.price for p in chosen])
        taxes = split(abs(posting.tax), nets)
        price_rate = model.rates.rate(posting.party)
        for product, net, tax in zip(chosen, nets, taxes, strict=True):
            if net == 0:
                continue  # a document too small to share between its products
            line_id += 1
            quantity = max(1, round(net / (product.price * price_rate)))
            yield InvoiceLine(line_id, posting, product, quantity, net, tax)


def split(total: int, weights: list[int]) -> list[int]:
    """``total`` shared in proportion to ``weights``, in whole pence adding up to it exactly
    (the pence lost to rounding down go to the first share)."""
    whole = sum(weights)
    if whole == 0:
        return [total] + [0] * (len(weights) - 1)
    shares = [total * weight // whole for weight in weights]
    shares[0] += total - sum(shares)
    return shares
