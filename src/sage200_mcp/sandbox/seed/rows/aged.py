"""Aged debtors and creditors: summary and detailed views for each ageing basis.

Every bucket is cut from the same outstanding items the balances are summed from, so an account's
aged total always equals its balance.
"""

from __future__ import annotations

from collections.abc import Iterator

from sage200_mcp.sandbox.seed import ledger
from sage200_mcp.sandbox.seed.model import CompanyModel, TradingLedger
from sage200_mcp.sandbox.seed.rows.fields import Row, TableRows, money
from sage200_mcp.sandbox.tables import AGEING_BASES, aged_table


def aged_tables(model: CompanyModel, trading: TradingLedger, kind: str) -> Iterator[TableRows]:
    """Summary and detailed aged views, for each ageing basis, from the outstanding items."""
    prefix = "sales_aged_debtor" if kind == "customer" else "purchase_aged_creditor"
    limits = model.plan.ageing_days
    id_field = f"posted_{kind}_transaction_id"
    for basis in AGEING_BASES:
        by_month = basis == "calendarmonth"
        labels = ledger.period_labels(model.today, limits, by_month)
        names = {f"aged_period_{n}": label for n, label in enumerate(labels, start=1)}
        summary: list[Row] = []
        detailed: list[Row] = []
        for party in trading.parties:
            items = [p for p in trading.postings_of(party.id) if p.outstanding != 0]
            if not items:
                continue
            totals: dict[str, list[int]] = {}
            for item in items:
                when = item.due if basis == "duedate" else item.day
                bucket = ledger.aged_bucket(when, item.day, model.today, limits, by_month)
                doc, base = item.outstanding, model.rates.to_base(item.outstanding, party)
                total = totals.setdefault(bucket, [0, 0])
                total[0] += doc
                total[1] += base
                detailed.append(
                    {
                        f"{kind}_id": party.id,
                        id_field: item.id,
                        **names,
                        **_bucket_fields({bucket: [doc, base]}),
                    }
                )
            summary.append({f"{kind}_id": party.id, id_field: 0, **names, **_bucket_fields(totals)})
        yield aged_table(f"{prefix}_summary_views", basis), summary
        yield aged_table(f"{prefix}_detailed_views", basis), detailed


_BUCKETS = ("past", "future", "current", *(f"period_{n}" for n in range(1, 9)))


def _bucket_fields(totals: dict[str, list[int]]) -> Row:
    """Every bucket's document and base values (zero where nothing falls)."""
    fields: Row = {}
    for bucket in _BUCKETS:
        doc, base = totals.get(bucket, (0, 0))
        fields[f"doc_{bucket}"] = money(doc)
        fields[f"base_{bucket}"] = money(base)
    return fields
