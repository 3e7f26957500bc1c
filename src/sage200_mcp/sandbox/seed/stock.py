"""Products, product groups, warehouses and the stock each warehouse holds."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sage200_mcp.sandbox.seed import words
from sage200_mcp.sandbox.seed.companies import CompanyPlan

_VARIANTS = ("", " - value range", " - premium range", " - eco range")
_VARIANT_PRICE = (1.0, 0.8, 1.35, 1.1)

_WAREHOUSES = {
    1: ("HOME", "MANCHESTER", "BRISTOL"),
    2: ("DUBLIN", "CORK"),
}


@dataclass
class ProductGroup:
    id: int
    code: str
    description: str


@dataclass
class Warehouse:
    id: int
    name: str
    city: str


@dataclass
class Holding:
    id: int
    product: Product
    warehouse: Warehouse
    in_stock: int
    reorder_level: int
    minimum_level: int
    maximum_level: int
    allocated: int = 0
    on_order: int = 0

    @property
    def free(self) -> int:
        return self.in_stock - self.allocated


@dataclass
class Product:
    id: int
    code: str
    name: str
    group: ProductGroup
    unit: str
    price: int  # pence, selling price before tax in the base currency
    cost: int  # pence
    barcode: str
    weight: float
    holdings: list[Holding] = field(default_factory=list)

    @property
    def free_stock(self) -> int:
        return sum(h.free for h in self.holdings)


@dataclass
class Catalogue:
    groups: list[ProductGroup]
    warehouses: list[Warehouse]
    products: list[Product]
    holdings: list[Holding]


def make_catalogue(plan: CompanyPlan, seed: int, price_factor: float) -> Catalogue:
    rng = random.Random(f"{seed}:{plan.id}:stock")
    city = plan.address[1]
    warehouses = [
        Warehouse(index, name, name.title() if name != "HOME" else city)
        for index, name in enumerate(_WAREHOUSES.get(plan.id, ("HOME",)), start=1)
    ]
    group_names = list(dict.fromkeys(item.group for item in words.CATALOGUE))
    groups = [
        ProductGroup(index, name[:4].upper() + f"{index:02d}", name)
        for index, name in enumerate(group_names, start=1)
    ]
    by_name = {g.description: g for g in groups}
    counters: dict[str, int] = {}
    products: list[Product] = []
    holdings: list[Holding] = []
    for index in range(plan.products):
        item = words.CATALOGUE[index % len(words.CATALOGUE)]
        variant = (index // len(words.CATALOGUE)) % len(_VARIANTS)
        counters[item.code_prefix] = counters.get(item.code_prefix, 0) + 1
        price = int(item.price * _VARIANT_PRICE[variant] * price_factor * 100)
        product = Product(
            id=index + 1,
            code=f"{item.code_prefix}{counters[item.code_prefix]:03d}",
            name=(item.name + _VARIANTS[variant])[:60],
            group=by_name[item.group],
            unit=item.unit,
            price=price,
            cost=int(price * rng.uniform(0.45, 0.7)),
            barcode="50" + "".join(str(rng.randint(0, 9)) for _ in range(11)),
            weight=round(rng.uniform(0.05, 25.0), 2),
        )
        stocked = warehouses[: rng.randint(1, len(warehouses))]
        for warehouse in stocked:
            reorder = rng.choice((5, 10, 20, 50))
            holding = Holding(
                id=len(holdings) + 1,
                product=product,
                warehouse=warehouse,
                in_stock=0 if rng.random() < 0.08 else rng.randint(reorder // 2, reorder * 12),
                reorder_level=reorder,
                minimum_level=reorder // 2,
                maximum_level=reorder * 15,
            )
            product.holdings.append(holding)
            holdings.append(holding)
        products.append(product)
    return Catalogue(groups, warehouses, products, holdings)
