"""One company's books: an in-memory SQLite database with one table per entity.

SQLite (standard library) keeps filtered, sorted queries over 50,000 customers fast, and does the
paging. Each table has exactly the scalar columns of its entity's layout; columns the seeded books
leave out take their layout's blank. Date-times are stored as epoch seconds, booleans as 0/1, text
with a case-insensitive collation.
"""

from __future__ import annotations

import functools
import itertools
import operator
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sage200_mcp.sandbox.layout import Kind, Layout
from sage200_mcp.sandbox.odata import quote, to_epoch

Row = dict[str, Any]

_SQL_TYPES = {
    Kind.STRING: "TEXT COLLATE NOCASE",
    Kind.INTEGER: "INTEGER",
    Kind.NUMBER: "REAL",
    Kind.BOOLEAN: "INTEGER",
    Kind.DATETIME: "REAL",
}


class Store:
    def __init__(self) -> None:
        self._connection = sqlite3.connect(":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        self._layouts: dict[str, Layout] = {}

    def layout(self, table: str) -> Layout:
        return self._layouts[table]

    def create(self, table: str, layout: Layout, indexes: Sequence[str] = ()) -> None:
        definitions = [
            f"{quote(c.name)} {_SQL_TYPES[c.kind]} DEFAULT {_sql_literal(_stored(c.default))}"
            for c in layout.columns.values()
        ]
        with self._lock:
            self._connection.execute(f"CREATE TABLE {quote(table)} ({', '.join(definitions)})")
            for column in indexes:
                self._connection.execute(
                    f"CREATE INDEX {quote(f'{table}_{column}')} ON {quote(table)} ({quote(column)})"
                )
        self._layouts[table] = layout

    def insert(self, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
        """Insert rows, streamed; every row of one call must set the same fields."""
        iterator = iter(rows)
        first = next(iterator, None)
        if first is None:
            return
        columns = self._layouts[table].columns
        names = tuple(first)
        unknown = set(names) - set(columns)
        if unknown:
            raise KeyError(f"{table} has no column(s) {sorted(unknown)}")
        keys = first.keys()
        pick = operator.itemgetter(*names)
        converted = [
            (i, _CONVERTERS[columns[n].kind])
            for i, n in enumerate(names)
            if columns[n].kind in _CONVERTERS
        ]

        def values() -> Iterator[list[Any]]:
            for row in itertools.chain((first,), iterator):
                if row.keys() != keys:
                    raise KeyError(f"{table}: rows of one insert must set the same fields")
                value = list(pick(row)) if len(names) > 1 else [pick(row)]
                for index, convert in converted:
                    value[index] = convert(value[index])
                yield value

        sql = (
            f"INSERT INTO {quote(table)} ({', '.join(map(quote, names))})"
            f" VALUES ({', '.join('?' * len(names))})"
        )
        with self._lock:
            self._connection.executemany(sql, values())

    def select(
        self,
        table: str,
        where: str = "",
        params: Sequence[Any] = (),
        order: str = "",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Row]:
        layout = self._layouts[table]
        names = list(layout.columns)
        sql = f"SELECT {', '.join(map(quote, names))} FROM {quote(table)}"
        if where:
            sql += f" WHERE {where}"
        sql += f" ORDER BY {order + ', ' if order else ''}rowid"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        with self._lock:
            records = self._connection.execute(sql, params).fetchall()
        kinds = [layout.columns[n].kind for n in names]
        return [
            {
                name: _loaded(kind, value)
                for name, kind, value in zip(names, kinds, record, strict=True)
            }
            for record in records
        ]

    def count(self, table: str, where: str = "", params: Sequence[Any] = ()) -> int:
        sql = f"SELECT COUNT(*) FROM {quote(table)}" + (f" WHERE {where}" if where else "")
        with self._lock:
            (total,) = self._connection.execute(sql, params).fetchone()
        return int(total)

    def by_key(self, table: str, column: str, values: Iterable[Any]) -> list[Row]:
        """Rows whose ``column`` is one of ``values`` (for expansions and parent filters)."""
        wanted = list(dict.fromkeys(values))
        if not wanted:
            return []
        rows: list[Row] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            placeholders = ", ".join("?" * len(chunk))
            rows += self.select(table, f"{quote(column)} IN ({placeholders})", chunk)
        return rows


def _stored(value: Any) -> Any:
    """A Python value as SQLite stores it (booleans as 0/1, dates as epoch seconds)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):
        return _epoch(value)
    return value


def _epoch(value: date | None) -> float | None:
    if value is None:
        return None
    if type(value) is date:
        return _date_epoch(value)
    return to_epoch(value)


@functools.lru_cache(maxsize=8192)
def _date_epoch(day: date) -> float:
    return to_epoch(day)


_CONVERTERS: dict[Kind, Callable[[Any], Any]] = {
    Kind.BOOLEAN: lambda value: int(value),
    Kind.DATETIME: _epoch,
}


def _loaded(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind is Kind.BOOLEAN:
        return bool(value)
    if kind is Kind.DATETIME:
        return format_datetime(float(value))
    if kind is Kind.INTEGER:
        return int(value)
    if kind is Kind.NUMBER:
        number = float(value)
        return int(number) if number.is_integer() else number
    return value


def format_datetime(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


def _sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"
