"""PostgreSQL, for a team's replicas: psycopg 3 (async) and a psycopg_pool connection pool.

The pool is worth its dependency: a replica answers many tool calls at once, each needing a few
statements, and opening a PostgreSQL connection costs a TCP handshake, authentication and a
backend process; a pool pays that once and caps how many connections each replica holds
(``max_connections`` is shared by every replica). Connections are in autocommit, so a lone
statement costs one round trip; transactions are opened only where atomicity is needed.

Schema changes are serialised between replicas starting at once by a transaction-scoped
advisory lock, released by COMMIT or by the connection dying, so a crashed replica never
leaves it held.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg_pool import AsyncConnectionPool

from sage200_mcp.errors import ConfigError
from sage200_mcp.team.database import Dialect, Row

MIGRATION_LOCK = 0x5A6E_2000  # any constant of our own; pg_advisory_xact_lock's key space is ours
POOL_SIZE = 10
CONNECT_TIMEOUT = 10.0


def _placeholders(sql: str) -> str:
    """The store's ``?`` placeholders as psycopg's ``%s`` (its SQL holds no ``%`` of its own)."""
    return sql.replace("?", "%s")


def unreachable(url_host: str, error: Exception, url: str) -> ConfigError:
    return ConfigError(
        without_password(
            f"Cannot connect to the team database (PostgreSQL at {url_host}): {error}", url
        )
        + " Check SAGE200_DATABASE_URL and that the server is running."
    )


def without_password(text: str, url: str) -> str:
    """``text`` on one line without the URL's password in any form a driver may quote it:
    psycopg quotes a malformed URL's parts back, password and all."""
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    for secret in {password, unquote(password or "")} - {None, ""}:
        text = text.replace(str(secret), "***")
    return re.sub(r"\s+", " ", text).strip()


class PostgresDatabase:
    dialect: Dialect = "postgresql"
    for_update = " FOR UPDATE"

    def __init__(self, url: str, where: str, pool_size: int = POOL_SIZE) -> None:
        self._url = url
        self._where = where  # host and database, for messages: the URL may hold a password
        self.round_trips = 0
        self._pool = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "connect_timeout": int(CONNECT_TIMEOUT)},
            open=False,
        )

    async def open(self) -> None:
        # one connection first, for its error: the pool would only report a time-out
        try:
            connection = await psycopg.AsyncConnection.connect(
                self._url, connect_timeout=int(CONNECT_TIMEOUT)
            )
        except psycopg.Error as error:
            raise unreachable(self._where, error, self._url) from None
        await connection.close()
        await self._pool.open(wait=True, timeout=CONNECT_TIMEOUT)

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        self.round_trips += 1
        async with self._pool.connection() as connection:
            cursor = await connection.execute(_placeholders(sql), tuple(params))
            return await cursor.fetchall() if cursor.description else []

    async def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        self.round_trips += 1
        async with self._pool.connection() as connection:
            cursor = await connection.execute(_placeholders(sql), tuple(params))
            return cursor.rowcount

    @asynccontextmanager
    async def transaction(self, *, migrating: bool = False) -> AsyncIterator[PostgresTransaction]:
        async with self._pool.connection() as connection:
            transaction = PostgresTransaction(self, connection)
            await transaction.run("BEGIN")
            try:
                if migrating:
                    await transaction.run("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                yield transaction
            except BaseException:
                await transaction.end("ROLLBACK")
                raise
            await transaction.end("COMMIT")

    async def close(self) -> None:
        await self._pool.close()


class PostgresTransaction:
    def __init__(self, database: PostgresDatabase, connection: psycopg.AsyncConnection) -> None:
        self._database = database
        self._connection = connection
        self._open = True

    async def run(self, sql: str, params: Sequence[object] = ()) -> psycopg.AsyncCursor[Row]:
        self._database.round_trips += 1
        return await self._connection.execute(sql, tuple(params))

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        cursor = await self.run(_placeholders(sql), params)
        return await cursor.fetchall() if cursor.description else []

    async def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        return (await self.run(_placeholders(sql), params)).rowcount

    async def end(self, how: str) -> None:
        if self._open:
            self._open = False
            await self.run(how)

    async def commit(self) -> None:
        await self.end("COMMIT")
