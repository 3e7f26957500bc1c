"""Add or remove our server in a client's config file: refuse what we cannot read, back up
what we change, and replace the file whole or not at all.

The file is the user's, often shared with the client itself (Claude Code rewrites
``~/.claude.json`` while it runs), so the replacement only lands if the file still holds what we
read; otherwise we start over from its new contents.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sage200_mcp.errors import Sage200Error
from sage200_mcp.install import jsonc

Action = Literal["added", "updated", "unchanged", "removed", "absent"]
_ATTEMPTS = 3


class ConfigFileError(Sage200Error):
    """A client's config file we will not touch: unreadable, not JSON, or not shaped as one."""


@dataclass(frozen=True)
class Change:
    path: Path
    action: Action
    backup: Path | None  # the previous contents, when the file existed and was changed


def add_server(
    path: Path, container: str, name: str, entry: dict[str, Any], allow_comments: bool
) -> Change:
    """Set ``container.name`` to ``entry`` in ``path``, creating the file and the container when
    they are missing; every other byte of the file stays as it was."""

    def edit(text: str | None) -> tuple[str | None, Action]:
        if text is None or not text.strip():
            return json.dumps({container: {name: entry}}, indent=2) + "\n", "added"
        root, servers = _servers(path, text, container, allow_comments)
        if servers is None:
            return jsonc.set_member(text, root, container, {name: entry}), "added"
        action: Action = "updated" if servers.member(name) else "added"
        changed = jsonc.set_member(text, servers, name, entry)
        return (None, "unchanged") if changed == text else (changed, action)

    return _edit(path, edit)


def remove_server(path: Path, container: str, name: str, allow_comments: bool) -> Change:
    """Take ``container.name`` out of ``path``, and nothing else."""

    def edit(text: str | None) -> tuple[str | None, Action]:
        if text is None or not text.strip():
            return None, "absent"
        _, servers = _servers(path, text, container, allow_comments)
        if servers is None or servers.member(name) is None:
            return None, "absent"
        return jsonc.remove_member(text, servers, name), "removed"

    return _edit(path, edit)


def _refusal(path: Path, text: str, position: int, reason: str) -> ConfigFileError:
    where = jsonc.JsonSyntaxError(reason, text, position)
    return ConfigFileError(
        f"{path}:{where.line}:{where.column}: {reason}. Fix the file by hand (or move it aside)"
        " and run this again; it was left untouched."
    )


def _servers(
    path: Path, text: str, container: str, allow_comments: bool
) -> tuple[jsonc.Value, jsonc.Value | None]:
    """The top-level object and the servers' object within it (None when absent)."""
    try:
        root = jsonc.parse(text, allow_comments)
    except jsonc.JsonSyntaxError as error:
        kind = "JSON with comments" if allow_comments else "JSON"
        raise ConfigFileError(
            f"{path}:{error.line}:{error.column}: not valid {kind} ({error.reason}). Fix the file"
            " by hand (or move it aside) and run this again; it was left untouched."
        ) from None
    if root.kind != "object":
        raise _refusal(path, text, root.start, f"the top level is {_kind(root)}, not an object")
    member = root.member(container)
    if member is None:
        return root, None
    if member.value.kind != "object":
        raise _refusal(
            path, text, member.value.start, f'"{container}" is {_kind(member.value)}, not an object'
        )
    return root, member.value


def _kind(value: jsonc.Value) -> str:
    return {"array": "an array", "string": "a string", "number": "a number"}.get(
        value.kind, value.kind
    )


def _edit(path: Path, edit: Callable[[str | None], tuple[str | None, Action]]) -> Change:
    # a config file kept in a dotfiles repository is often a symlink: edit the file it points
    # to, rather than replacing the link with a copy
    real = path.resolve() if path.is_symlink() else path
    for _ in range(_ATTEMPTS):
        try:
            original: bytes | None = real.read_bytes()
        except FileNotFoundError:
            original = None
        except OSError as error:
            raise ConfigFileError(f"Cannot read {path}: {error.strerror}.") from None
        text = _decode(path, original)
        changed, action = edit(text)
        if changed is None:
            return Change(path, action, None)
        try:
            backup = _backup(real, original) if original is not None else None
            if _replace(real, changed.encode("utf-8"), original):
                return Change(path, action, backup)
        except OSError as error:
            raise ConfigFileError(
                f"Cannot write {error.filename or path}: {error.strerror}; it was left untouched."
            ) from None
    raise ConfigFileError(
        f"{path} kept changing while sage200-mcp edited it (is the client rewriting it?);"
        " close the client and run this again."
    )


def _decode(path: Path, data: bytes | None) -> str | None:
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigFileError(
            f"{path}: byte {error.start + 1} is not UTF-8 text. Fix the file by hand (or move it"
            " aside) and run this again; it was left untouched."
        ) from None


def _backup(path: Path, data: bytes) -> Path:
    """A copy of ``data`` beside ``path``, ``<name>.bak-YYYYmmdd-HHMMSS``, as readable as it."""
    stem = f"{path.name}.bak-{datetime.now():%Y%m%d-%H%M%S}"
    mode = path.stat().st_mode & 0o777
    for suffix in ("", *(f"-{n}" for n in range(2, 100))):
        target = path.with_name(stem + suffix)
        try:
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            continue
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        return target
    raise ConfigFileError(f"Too many backups of {path} this second; try again in a moment.")


def _replace(path: Path, data: bytes, expected: bytes | None) -> bool:
    """Write ``data`` to a temporary file beside ``path`` and rename it over ``path``, keeping
    the file's permission bits, unless ``path`` no longer holds ``expected`` (then False)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o7777 if expected is not None else _default_mode()
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        try:
            current: bytes | None = path.read_bytes()
        except FileNotFoundError:
            current = None
        if current != expected:
            os.unlink(temporary)
            return False
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    if os.name == "posix":  # the rename itself survives a crash once the directory is synced
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    return True


def _default_mode() -> int:
    """What a new file gets from the user's umask (a config file, not a secret)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask
