"""The little a store needs from a database, so its SQL is written (and tested) once for both.

Two backends implement it: SQLite on one machine (``sqlite.py``) and PostgreSQL for replicas
(``postgres.py``). SQL is written with ``?`` placeholders and the portable subset both accept;
the few differences (a locking read, a blob type) are attributes here, not forks in the store.

``round_trips`` counts the statements sent, BEGIN and COMMIT included: on PostgreSQL each is a
network round trip, the figure that bounds a tool call's latency once the database is remote.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Literal, Protocol

Row = tuple[Any, ...]
Dialect = Literal["sqlite", "postgresql"]


class Transaction(Protocol):
    """Statements inside one transaction, on one connection."""

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]: ...

    async def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        """Run ``sql``; the number of rows it changed."""
        ...

    async def commit(self) -> None:
        """End the transaction now, releasing its locks; the block's end then does nothing."""
        ...


class Database(Protocol):
    dialect: Dialect
    # appended to a SELECT that must lock the rows it reads until the transaction ends; empty
    # on SQLite, whose write transaction (BEGIN IMMEDIATE) already excludes every other writer
    for_update: str
    round_trips: int

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        """One statement in a transaction of its own."""
        ...

    async def execute(self, sql: str, params: Sequence[object] = ()) -> int: ...

    def transaction(self, *, migrating: bool = False) -> AbstractAsyncContextManager[Transaction]:
        """A write transaction: committed when the block ends, rolled back if it raises.
        ``migrating``: also hold the database-wide lock that serialises schema changes
        between processes."""
        ...

    async def close(self) -> None: ...
