"""Sales and purchase orders with their lines, and the stock they allocate or bring in.

Totals are sums of their lines (net and tax, rounded per line), live sales orders allocate free
stock warehouse by warehouse, and live purchase orders put stock on order, so the stock figures
and the order books agree.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from sage200_mcp.sandbox.seed.parties import Party
from sage200_mcp.sandbox.seed.stock import Catalogue, Holding, Product

LIVE = "EnumDocumentStatusLive"
COMPLETE = "EnumDocumentStatusComplete"
CANCELLED = "EnumDocumentStatusCancelled"
ON_HOLD = "EnumDocumentStatusOnHold"
DISPUTE = "EnumDocumentStatusDispute"


@dataclass
class OrderLine:
    id: int
    number: int
    product: Product
    holding: Holding
    quantity: int
    unit_price: int  # pence in the order's currency, after discount
    discount_percent: float
    net: int
    tax: int
    allocated: int = 0
    delivered: int = 0  # despatched (sales) or received (purchases)
    invoiced: int = 0


@dataclass
class Order:
    id: int
    document_no: str
    party: Party
    day: date
    status: str
    exchange_rate: float
    tax_rate: float
    customer_reference: str
    created_by: str
    requested: date
    promised: date
    lines: list[OrderLine] = field(default_factory=list)

    @property
    def net(self) -> int:
        return sum(line.net for line in self.lines)

    @property
    def tax(self) -> int:
        return sum(line.tax for line in self.lines)

    @property
    def gross(self) -> int:
        return self.net + self.tax


def make_orders(
    kind: str,
    count: int,
    parties: list[Party],
    catalogue: Catalogue,
    rates: dict[str, float],
    tax_rate_of: dict[int, float],
    seed: int,
    company_id: int,
    today: date,
) -> list[Order]:
    """``kind`` is ``"sop"`` (customers) or ``"pop"`` (suppliers)."""
    rng = random.Random(f"{seed}:{company_id}:{kind}")
    active = [p for p in parties if not p.hidden]
    orders: list[Order] = []
    line_id = 0
    for index in range(count):
        party = rng.choice(active)
        day = today - timedelta(days=int(rng.triangular(0, 180, 5)))
        status = _status(rng, party, (today - day).days)
        rate = rates[party.currency]
        order = Order(
            id=index + 1,
            document_no=f"{index + 1:010d}" if kind == "sop" else f"PO{index + 1:07d}",
            party=party,
            day=day,
            status=status,
            exchange_rate=rate,
            tax_rate=tax_rate_of[party.id],
            customer_reference=f"PO-{rng.randint(1000, 99999)}" if kind == "sop" else "",
            created_by=rng.choice(("MANAGER", "SARAH", "JAMES", "PRIYA")),
            requested=day + timedelta(days=rng.randint(2, 21)),
            promised=day + timedelta(days=rng.randint(3, 28)),
        )
        discount = rng.choice((0.0, 0.0, 2.5, 5.0, 10.0)) if kind == "sop" else 0.0
        for number, product in enumerate(rng.sample(catalogue.products, rng.randint(1, 6)), 1):
            line_id += 1
            quantity = rng.randint(1, 4) if product.price > 10_000 else rng.randint(1, 25)
            base_price = product.price if kind == "sop" else product.cost
            unit = round(base_price * rate * (1 - discount / 100))
            net = unit * quantity
            order.lines.append(
                OrderLine(
                    id=line_id,
                    number=number,
                    product=product,
                    holding=rng.choice(product.holdings),
                    quantity=quantity,
                    unit_price=unit,
                    discount_percent=discount,
                    net=net,
                    tax=round(net * order.tax_rate),
                )
            )
        _progress(order, rng)
        orders.append(order)
    if kind == "sop":
        _allocate(orders)
    else:
        for order in orders:
            if order.status == LIVE:
                for line in order.lines:
                    line.holding.on_order += line.quantity - line.delivered
    return orders


def _status(rng: random.Random, party: Party, age: int) -> str:
    if rng.random() < 0.04:
        return CANCELLED
    if age > 45 and rng.random() < 0.9:
        return COMPLETE
    if party.on_hold:
        return ON_HOLD
    return DISPUTE if rng.random() < 0.02 else LIVE


def _progress(order: Order, rng: random.Random) -> None:
    """How far each line has got: complete orders are delivered and invoiced in full."""
    for line in order.lines:
        if order.status == COMPLETE:
            line.delivered = line.invoiced = line.quantity
        elif order.status == LIVE and rng.random() < 0.25:
            line.delivered = line.invoiced = rng.randint(0, line.quantity)


def _allocate(orders: list[Order]) -> None:
    """Live sales orders, oldest first, allocate what is still to despatch from free stock."""
    for order in sorted(orders, key=lambda o: (o.day, o.id)):
        if order.status != LIVE:
            continue
        for line in order.lines:
            wanted = line.quantity - line.delivered
            line.allocated = max(0, min(wanted, line.holding.free))
            line.holding.allocated += line.allocated
