"""Where team mode keeps its state: ``SAGE200_DATABASE_URL``, opened, migrated and checked.

``sqlite:///absolute/path`` (the default: ``team.sqlite3`` in the config directory, for one
machine) or ``postgresql://user:password@host:port/database`` (for replicas). The URL may hold a
password, so messages name the host and database only.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sage200_mcp.config import config_dir_of
from sage200_mcp.errors import ConfigError
from sage200_mcp.team.crypto import TokenCipher
from sage200_mcp.team.database import Database
from sage200_mcp.team.postgres import PostgresDatabase
from sage200_mcp.team.sqlite import SqliteDatabase
from sage200_mcp.team.store import TeamStore

URL_VARIABLE = "SAGE200_DATABASE_URL"
DEFAULT_FILE = "team.sqlite3"


def database_url(environ: Mapping[str, str]) -> str:
    url = environ.get(URL_VARIABLE)
    return url or f"sqlite:///{config_dir_of(environ) / DEFAULT_FILE}"


def database_of(url: str) -> Database:
    """The backend a URL names, not yet connected (PostgreSQL connects in ``open_store``)."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = Path(unquote(parts.path))
        if parts.netloc or not path.is_absolute():
            raise ConfigError(
                f"{URL_VARIABLE} must name an absolute file for SQLite, as"
                " sqlite:///home/me/team.sqlite3 (three slashes, then the path)."
            )
        return SqliteDatabase(path)
    if parts.scheme in ("postgresql", "postgres"):
        where = f"{parts.hostname or 'the local socket'}{parts.path or ''}"
        return PostgresDatabase(url, where)
    raise ConfigError(
        f"{URL_VARIABLE} must start with sqlite:/// or postgresql://"
        f" (it starts with {parts.scheme or 'nothing'}:)."
    )


async def open_store(
    environ: Mapping[str, str] | None = None, clock: Callable[[], float] = time.time
) -> TeamStore:
    """The store every replica uses: connected, its schema migrated, its key checked against
    the stored sign-ins. Every anticipated failure is a ``ConfigError`` naming what to fix."""
    environ = os.environ if environ is None else environ
    cipher = TokenCipher.from_environ(environ)  # first: no point connecting without a key
    database = database_of(database_url(environ))
    if isinstance(database, PostgresDatabase):
        await database.open()
    store = TeamStore(database, cipher, clock)
    try:
        await store.migrate()
        await store.check_key()
    except BaseException:
        await store.close()
        raise
    return store
