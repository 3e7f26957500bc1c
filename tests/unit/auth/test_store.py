"""The token file: private, atomic, locked, and reported (not crashed on) when damaged."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sage200_mcp.auth.errors import TokenFileError
from sage200_mcp.auth.oauth import TokenResponse
from sage200_mcp.auth.store import MAX_TOKEN_FILE, EndedSignIn, StoredTokens, TokenStore
from sage200_mcp.files import FileLock, LockTimeout, ensure_private_dir, write_private


def tokens(access: str = "access-1", refresh: str | None = "refresh-1") -> StoredTokens:
    response = TokenResponse(access, refresh, None, "openid offline_access", 3600, "Bearer")
    return StoredTokens.from_sign_in(response, 1_800_000_000, 90, "https://id.test", "client-1")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_file_is_0600_in_a_0700_directory_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "config" / "profiles" / "default" / "tokens.json"
    store = TokenStore(path)
    assert store.read() is None
    store.write(tokens())
    assert mode(path) == 0o600
    for directory in (path.parent, path.parent.parent, path.parent.parent.parent):
        assert mode(directory) == 0o700
    assert store.read() == tokens()
    assert store.delete() and store.read() is None and not store.delete()


def test_a_loose_existing_directory_is_tightened(tmp_path: Path) -> None:
    directory = tmp_path / "profile"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    ensure_private_dir(directory)
    assert mode(directory) == 0o700


def test_a_failure_mid_write_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    store.write(tokens("old"))

    def crash(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        store.write(tokens("new"))
    monkeypatch.undo()
    assert store.read(fresh=True) == tokens("old")
    assert [p.name for p in tmp_path.iterdir()] == ["tokens.json"]  # no temporary file left


def test_abandoned_temporary_files_are_cleared_by_the_next_write(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    old, recent = tmp_path / ".tokens.json.abc.tmp", tmp_path / ".tokens.json.def.tmp"
    old.write_bytes(b"{")
    recent.write_bytes(b"{")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    write_private(path, b"new")
    assert not old.exists() and recent.exists()  # a recent one may belong to a live writer


def test_a_replace_that_fails_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tokens.json"
    write_private(path, b"old")
    monkeypatch.setattr(os, "replace", lambda *_: (_ for _ in ()).throw(OSError("no")))
    with pytest.raises(OSError, match="no"):
        write_private(path, b"new")
    monkeypatch.undo()
    assert path.read_bytes() == b"old" and len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize("content", [b"", b"{", b"[]", b'{"access_token": 1}', b"\xff\xfe"])
def test_a_damaged_file_says_sign_in_again(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "tokens.json"
    path.write_bytes(content)
    with pytest.raises(TokenFileError) as raised:
        TokenStore(path).read()
    assert str(path) in str(raised.value) and "sage200-mcp login" in str(raised.value)


def test_an_unreadable_file_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    store.write(tokens())
    real_open = os.open

    def refuse(path: object, flags: int, *args: object) -> int:
        if str(path).endswith("tokens.json"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(TokenFileError, match="Permission denied"):
        store.read(fresh=True)


def test_only_a_regular_file_of_a_sane_size_is_read(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere.json"
    TokenStore(real).write(tokens())
    path = tmp_path / "tokens.json"
    path.symlink_to(real)
    with pytest.raises(TokenFileError, match="symbolic link"):
        TokenStore(path).read()
    path.unlink()
    os.mkfifo(path)  # reading a pipe would block the server for ever
    with pytest.raises(TokenFileError, match="not a regular file"):
        TokenStore(path).read()
    path.unlink()
    path.mkdir()
    with pytest.raises(TokenFileError, match="not a regular file"):
        TokenStore(path).read()
    path.rmdir()
    path.write_bytes(b" " * (MAX_TOKEN_FILE + 1))
    with pytest.raises(TokenFileError, match="far larger"):
        TokenStore(path).read()


def test_a_token_file_others_can_read_is_made_private_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    store.write(tokens())
    store.path.chmod(0o644)
    assert store.read(fresh=True) == tokens()
    assert mode(store.path) == 0o600
    assert "could be read by other users" in caplog.text and "access-1" not in caplog.text


def test_an_ended_sign_in_keeps_why_and_no_token(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    store.write(tokens())
    store.end(EndedSignIn.of(tokens(), "it was revoked", "revoked", 1_800_000_500))
    assert store.read() is None
    ended = store.ended()
    assert ended is not None and ended.reason == "it was revoked"
    assert "access-1" not in store.path.read_text() and "refresh-1" not in store.path.read_text()
    assert mode(store.path) == 0o600
    store.write(tokens("new"))
    assert store.ended() is None and store.read() == tokens("new")


def test_another_writer_is_seen_even_within_one_clock_tick(tmp_path: Path) -> None:
    first, second = TokenStore(tmp_path / "tokens.json"), TokenStore(tmp_path / "tokens.json")
    first.write(tokens("one"))
    assert second.read() == tokens("one")
    first.write(tokens("two"))
    assert second.read(fresh=True) == tokens("two")
    assert second.read() == tokens("two")


def test_refresh_keeps_the_sign_in_and_its_deadline() -> None:
    signed_in = tokens()
    rotated = signed_in.after_refresh(
        TokenResponse("access-2", "refresh-2", None, "", 600, "Bearer"), 1_800_001_000
    )
    assert (rotated.access_token, rotated.refresh_token) == ("access-2", "refresh-2")
    assert rotated.access_expires_at == 1_800_001_600 and rotated.access_lifetime == 600
    assert rotated.signed_in_at == signed_in.signed_in_at
    assert rotated.refresh_expires_at == signed_in.refresh_expires_at == 1_800_000_000 + 90 * 86400
    kept = signed_in.after_refresh(TokenResponse("access-3", None, None, "", 600, "Bearer"), 1)
    assert kept.refresh_token == "refresh-1" and kept.scope == signed_in.scope


HOLDER = """
import sys, time
from pathlib import Path
from sage200_mcp.files import FileLock
with FileLock(Path(sys.argv[1])).hold():
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_the_lock_excludes_other_processes_and_times_out(tmp_path: Path) -> None:
    lock_path = tmp_path / "tokens.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock_path), "1.5"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with (
            pytest.raises(LockTimeout, match="Another sage200-mcp process"),
            FileLock(lock_path, timeout=0.2).hold(),
        ):
            pass
        started = time.monotonic()
        with FileLock(lock_path, timeout=10).hold():
            waited = time.monotonic() - started
        assert 0.5 < waited < 5  # it waited for the holder to let go, then got the lock
    finally:
        holder.wait(timeout=10)


def test_the_lock_excludes_other_threads(tmp_path: Path) -> None:
    lock = FileLock(tmp_path / "tokens.lock")
    inside = 0
    most = 0
    guard = threading.Lock()

    def work() -> None:
        nonlocal inside, most
        for _ in range(20):
            with lock.hold():
                with guard:
                    inside += 1
                    most = max(most, inside)
                time.sleep(0.001)
                with guard:
                    inside -= 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1
