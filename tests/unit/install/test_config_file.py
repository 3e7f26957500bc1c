"""Changing a client's config file: what is refused, what is kept, and racing the client."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sage200_mcp.install import config_file
from sage200_mcp.install.config_file import ConfigFileError, add_server, remove_server

ENTRY = {"command": "/bin/sage200-mcp", "args": ["serve"]}


def add(path: Path, allow_comments: bool = False) -> config_file.Change:
    return add_server(path, "mcpServers", "sage200", ENTRY, allow_comments)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]\n", ":1:1: the top level is an array, not an object."),
        ('{\n  "mcpServers": null\n}', ':2:17: "mcpServers" is null, not an object.'),
        ('{"mcpServers": ["a"]}', ':1:16: "mcpServers" is an array, not an object.'),
        ('{"mcpServers": {}} // x', ":1:20: not valid JSON (comments are not allowed"),
    ],
)
def test_a_file_of_the_wrong_shape_is_refused_and_kept(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "mcp.json"
    path.write_text(text)
    with pytest.raises(ConfigFileError, match="Fix the file by hand") as refused:
        add(path)
    assert str(refused.value).startswith(f"{path}{message}")
    with pytest.raises(ConfigFileError):
        remove_server(path, "mcpServers", "sage200", False)
    assert path.read_text() == text and os.listdir(tmp_path) == ["mcp.json"]


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mcp.json"
    path.write_bytes(b'{"a": "\xff"}')
    with pytest.raises(ConfigFileError, match="byte 8 is not UTF-8"):
        add(path)
    assert path.read_bytes() == b'{"a": "\xff"}'


def test_an_empty_file_is_filled_and_kept_as_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "mcp.json"
    path.write_text("\n")
    change = add(path)
    assert json.loads(path.read_text()) == {"mcpServers": {"sage200": ENTRY}}
    assert change.backup is not None and change.backup.read_text() == "\n"
    assert remove_server(tmp_path / "missing.json", "mcpServers", "x", False).action == "absent"


def test_permissions_are_kept_and_a_new_file_follows_the_umask(tmp_path: Path) -> None:
    private = tmp_path / "private.json"
    private.write_text("{}")
    private.chmod(0o600)
    change = add(private)
    assert private.stat().st_mode & 0o777 == 0o600
    assert change.backup is not None and change.backup.stat().st_mode & 0o777 == 0o600
    old = os.umask(0o027)
    try:
        add(tmp_path / "new" / "mcp.json")
    finally:
        os.umask(old)
    assert (tmp_path / "new" / "mcp.json").stat().st_mode & 0o777 == 0o640


def test_the_same_entry_twice_changes_nothing_and_backups_never_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "mcp.json"
    path.write_text('{"mcpServers": {}}')
    first = add(path)
    assert add(path).action == "unchanged"
    other = add_server(path, "mcpServers", "sage200", {"command": "other"}, False)
    assert first.backup is not None and other.backup is not None
    assert first.backup != other.backup
    assert first.backup.read_text() == '{"mcpServers": {}}'
    assert json.loads(other.backup.read_text())["mcpServers"]["sage200"] == ENTRY
    assert len(list(tmp_path.glob("mcp.json.bak-*"))) == 2


def test_a_symlinked_file_is_edited_where_it_lives(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "claude.json"
    real.parent.mkdir()
    real.write_text('{"theme": "dark"}')
    link = tmp_path / ".claude.json"
    link.symlink_to(real)
    add(link)
    assert link.is_symlink() and json.loads(real.read_text())["mcpServers"]["sage200"] == ENTRY


def test_a_file_the_client_rewrites_meanwhile_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / ".claude.json"
    path.write_text('{"numStartups": 1}')
    replace = config_file._replace
    calls = []

    def client_writes_first(target: Path, data: bytes, expected: bytes | None) -> bool:
        calls.append(expected)
        if len(calls) == 1:  # the client saves its own change just before we replace
            target.write_text('{"numStartups": 2}')
        return replace(target, data, expected)

    monkeypatch.setattr(config_file, "_replace", client_writes_first)
    add(path)
    assert json.loads(path.read_text()) == {"numStartups": 2, "mcpServers": {"sage200": ENTRY}}
    assert len(calls) == 2
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_file_that_never_settles_is_given_up_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mcp.json"
    path.write_text("{}")
    monkeypatch.setattr(config_file, "_replace", lambda *_: False)
    with pytest.raises(ConfigFileError, match="kept changing"):
        add(path)
    assert path.read_text() == "{}"
