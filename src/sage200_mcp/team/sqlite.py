"""SQLite, the embedded default: one file in the config directory, for one machine.

Called through ``asyncio.to_thread`` on the standard library's ``sqlite3`` rather than through
aiosqlite: aiosqlite also runs each connection on a thread, and adds a dependency for nothing we
need, while the refresh lock (``BEGIN IMMEDIATE`` held while the caller refreshes) needs a
connection that stays ours across awaits, which a small pool of our own gives directly.

WAL lets readers go on while one writer writes; the busy timeout makes a second writer (another
process on this machine, such as the admin CLI) wait for the first rather than fail. A write
transaction here locks the whole file, so a Sage refresh in progress delays other writes (audit
rows included) by its length: acceptable on one machine, and the reason teams use PostgreSQL.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

from sage200_mcp.errors import ConfigError
from sage200_mcp.files import ensure_private_dir
from sage200_mcp.team.database import Dialect, Row

T = TypeVar("T")
BUSY_TIMEOUT = 60.0  # longer than a Sage refresh can take (the HTTP time-out is 30 s)


class SqliteDatabase:
    dialect: Dialect = "sqlite"
    for_update = ""

    def __init__(self, path: Path, busy_timeout: float = BUSY_TIMEOUT) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self.round_trips = 0
        self._idle: list[sqlite3.Connection] = []
        self._guard = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        try:
            ensure_private_dir(self.path.parent)
            # isolation_level=None: no implicit BEGIN; transactions are the ones we open
            connection = sqlite3.connect(
                self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
            )
            self._write_ahead(connection)
            connection.execute("PRAGMA foreign_keys=ON")
        except (sqlite3.Error, OSError) as error:
            raise ConfigError(
                f"Cannot open the team database {self.path}: {error}. Check SAGE200_DATABASE_URL"
                " and that the directory is writable."
            ) from None
        return connection

    def _write_ahead(self, connection: sqlite3.Connection) -> None:
        """Switch a new database to WAL, waiting as a busy database is waited for elsewhere.

        The switch needs the database to itself, and SQLite reports "database is locked" at
        once, without its busy handler, when another process is switching or migrating the
        same new file: replicas starting together must wait their turn, not fail."""
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)

    def _take(self) -> sqlite3.Connection:
        with self._guard:
            if self._idle:
                return self._idle.pop()
        return self._connect()

    def _give_back(self, connection: sqlite3.Connection) -> None:
        with self._guard:
            self._idle.append(connection)

    @staticmethod
    def _run(
        connection: sqlite3.Connection, sql: str, params: Sequence[object]
    ) -> tuple[list[Row], int]:
        cursor = connection.execute(sql, tuple(params))
        return cursor.fetchall(), cursor.rowcount

    async def _on_thread(self, call: Callable[[sqlite3.Connection], T]) -> T:
        def work() -> T:
            connection = self._take()
            try:
                return call(connection)
            finally:
                self._give_back(connection)

        return await asyncio.to_thread(work)

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        self.round_trips += 1  # counted on the event loop's thread, so no increment is lost
        return (await self._on_thread(lambda c: self._run(c, sql, params)))[0]

    async def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        self.round_trips += 1
        return (await self._on_thread(lambda c: self._run(c, sql, params)))[1]

    @asynccontextmanager
    async def transaction(self, *, migrating: bool = False) -> AsyncIterator[SqliteTransaction]:
        # every write transaction is IMMEDIATE: it takes the write lock at BEGIN, so a
        # read-then-write never meets SQLITE_BUSY half-way (which no busy timeout retries);
        # that lock also serialises migrations, so ``migrating`` needs nothing more
        connection = await asyncio.to_thread(self._take)
        try:
            transaction = SqliteTransaction(self, connection)
            await transaction.begin()
            try:
                yield transaction
            except BaseException:
                await transaction.end("ROLLBACK")
                raise
            await transaction.end("COMMIT")
        finally:
            self._give_back(connection)

    async def close(self) -> None:
        with self._guard:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


class SqliteTransaction:
    def __init__(self, database: SqliteDatabase, connection: sqlite3.Connection) -> None:
        self._database = database
        self._connection = connection
        self._open = False

    async def begin(self) -> None:
        await self._statement("BEGIN IMMEDIATE", ())
        self._open = True

    async def _statement(self, sql: str, params: Sequence[object]) -> tuple[list[Row], int]:
        self._database.round_trips += 1
        return await asyncio.to_thread(self._database._run, self._connection, sql, params)

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        return (await self._statement(sql, params))[0]

    async def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        return (await self._statement(sql, params))[1]

    async def end(self, how: str) -> None:
        if self._open:
            self._open = False
            await self._statement(how, ())

    async def commit(self) -> None:
        await self.end("COMMIT")
