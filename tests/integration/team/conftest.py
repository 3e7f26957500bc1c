"""The team store on each backend: SQLite in a temporary file, and a real PostgreSQL."""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from sage200_mcp.team.settings import open_store
from sage200_mcp.team.store import TeamStore
from tests.postgres import PostgresServer, postgres_server

KEY = base64.b64encode(b"k" * 32).decode()
OTHER_KEY = base64.b64encode(b"o" * 32).decode()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'team.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()


@pytest.fixture
def environ(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "SAGE200_DATABASE_URL": database_url,
        "SAGE200_TOKEN_KEY": KEY,
        "SAGE200_CONFIG_DIR": str(tmp_path),
        "PATH": os.environ.get("PATH", ""),
    }


@pytest.fixture
async def store(environ: dict[str, str]) -> AsyncIterator[TeamStore]:
    opened = await open_store(environ)
    yield opened
    await opened.close()
