"""A throwaway PostgreSQL server for the team store's tests: Debian's, started by the tests.

PostgreSQL refuses to run as root (as CI runs), so ``initdb`` and ``pg_ctl`` run as the
``postgres`` user, on a fresh directory that user owns, listening on a unix socket in it only (no
TCP port to collide with). Locally, a machine without PostgreSQL skips these tests; in CI
(``CI`` set) a missing server is a failure, never a silent skip.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from itertools import count

import pytest

PORT = 5432  # names the socket file only: nothing listens on TCP


def _binaries() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return os.path.dirname(found[-1]) if found else None


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class PostgresServer:
    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._names = count(1)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.directory}&port={PORT}"

    def new_database(self) -> str:
        """The URL of an empty database of its own, for one test."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        subprocess.run(
            [f"{_binaries()}/psql", "-q", "-d", self.url(), "-c", f"CREATE DATABASE {name}"],
            check=True,
            capture_output=True,
        )
        return self.url(name)


def require_postgres() -> str:
    """The PostgreSQL binaries' directory, or a skip (locally) / failure (in CI)."""
    binaries = _binaries()
    if binaries is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        reason = "PostgreSQL is not installed (/usr/lib/postgresql/*/bin)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must install it (apt-get install -y postgresql)")
        pytest.skip(reason)
    return binaries


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    binaries = require_postgres()
    directory = tempfile.mkdtemp(prefix="sage200-pg-")
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    data = os.path.join(directory, "data")
    run = _as_postgres()
    subprocess.run(
        [*run, f"{binaries}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    options = f"-k {directory} -p {PORT} -c listen_addresses='' -c fsync=off"
    log = f"{directory}/log"
    subprocess.run(
        [*run, f"{binaries}/pg_ctl", "-D", data, "-l", log, "-o", options, "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield PostgresServer(directory)
    finally:
        subprocess.run(
            [*run, f"{binaries}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(directory, ignore_errors=True)
