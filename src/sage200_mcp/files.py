"""Private files: written atomically, readable by the user alone, and a cross-process lock.

Tokens are the keys to a company's books, so they live in a 0700 directory in 0600 files, and a
write either lands whole or not at all (temp file, fsync, rename): a crash mid-write leaves the
old file. The lock serialises read-modify-write between processes (two MCP servers and the CLI
may run at once for one person).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from sage200_mcp.errors import Sage200Error

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(descriptor: int) -> None:
        msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)

    def _unlock(descriptor: int) -> None:
        os.lseek(descriptor, 0, os.SEEK_SET)
        msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)


class LockTimeout(Sage200Error):
    """Another process kept the lock for longer than we are prepared to wait."""


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) as 0700 directories; tighten ``path`` if looser."""
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=0o700)
    if os.name == "posix" and path.stat().st_mode & 0o077:
        path.chmod(0o700)


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically; the file is created 0600."""
    ensure_private_dir(path.parent)
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(path.parent)
    _remove_stale_temporaries(path)


def _remove_stale_temporaries(path: Path, age: float = 60.0) -> None:
    """Temporary files left by a process killed mid-write, once they are clearly abandoned."""
    cutoff = time.time() - age
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()


def _fsync_directory(path: Path) -> None:
    if os.name != "posix":  # pragma: no cover
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class FileLock:
    """An exclusive lock on a file, between processes and between threads.

    Waiting polls a non-blocking lock, so the async form never blocks an event loop. One
    FileLock may be held by several callers in turn; each ``hold`` opens its own descriptor.
    """

    def __init__(self, path: Path, timeout: float = 30.0, poll: float = 0.01) -> None:
        self.path = path
        self.timeout = timeout
        self.poll = poll

    def _try(self) -> int | None:
        ensure_private_dir(self.path.parent)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(descriptor)
        except OSError:
            os.close(descriptor)
            return None
        return descriptor

    @staticmethod
    def _release(descriptor: int) -> None:
        try:
            _unlock(descriptor)
        finally:
            os.close(descriptor)

    def _timeout(self) -> LockTimeout:
        return LockTimeout(
            f"Another sage200-mcp process has held {self.path} for over {self.timeout:.0f} s;"
            " try again, or stop the other process."
        )

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        deadline = time.monotonic() + self.timeout
        while (descriptor := self._try()) is None:
            if time.monotonic() > deadline:
                raise self._timeout()
            time.sleep(self.poll)
        try:
            yield
        finally:
            self._release(descriptor)

    @contextlib.asynccontextmanager
    async def hold_async(self) -> AsyncIterator[None]:
        deadline = time.monotonic() + self.timeout
        while (descriptor := self._try()) is None:
            if time.monotonic() > deadline:
                raise self._timeout()
            await asyncio.sleep(self.poll)
        try:
            yield
        finally:
            self._release(descriptor)
