"""A profile's saved sign-in: ``profiles/<name>/tokens.json``, 0600 in a 0700 directory.

Writes are atomic and read-modify-write happens under ``tokens.lock``, so two processes never
interleave a refresh. A file that cannot be read is reported as "sign in again", never crashed on;
only a regular file of a sane size is read (not a link, a pipe or a device), and one that others
could read is made private again, with a warning. When Sage ID ends a sign-in, the file keeps why
(an ``EndedSignIn``, no tokens), so that later calls can still tell the person the real cause.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import stat
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from sage200_mcp.auth.errors import TokenFileError
from sage200_mcp.auth.oauth import TokenResponse, identity_from_id_token
from sage200_mcp.files import FileLock, write_private

log = logging.getLogger(__name__)

MAX_TOKEN_FILE = 1024 * 1024  # a sign-in is a few KB; anything far larger is not one


class StoredTokens(BaseModel):
    """Everything kept about one sign-in. Times are Unix epoch seconds."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    access_token: str
    refresh_token: str | None
    id_token: str | None
    scope: str
    token_type: str
    access_expires_at: float
    access_lifetime: float
    signed_in_at: float
    refresh_expires_at: float  # an estimate: sign-in time + the refresh lifetime Sage allows
    email: str | None
    name: str | None
    id_url: str
    client_id: str

    @classmethod
    def from_sign_in(
        cls, response: TokenResponse, now: float, refresh_days: float, id_url: str, client_id: str
    ) -> StoredTokens:
        email, name = identity_from_id_token(response.id_token)
        return cls(
            access_token=response.access_token,
            refresh_token=response.refresh_token,
            id_token=response.id_token,
            scope=response.scope,
            token_type=response.token_type,
            access_expires_at=now + response.expires_in,
            access_lifetime=response.expires_in,
            signed_in_at=now,
            refresh_expires_at=now + refresh_days * 86400,
            email=email,
            name=name,
            id_url=id_url,
            client_id=client_id,
        )

    def after_refresh(self, response: TokenResponse, now: float) -> StoredTokens:
        """The new pair; the sign-in's identity and absolute refresh deadline carry over."""
        email, name = identity_from_id_token(response.id_token)
        return self.model_copy(
            update={
                "access_token": response.access_token,
                "refresh_token": response.refresh_token or self.refresh_token,
                "id_token": response.id_token or self.id_token,
                "scope": response.scope or self.scope,
                "token_type": response.token_type,
                "access_expires_at": now + response.expires_in,
                "access_lifetime": response.expires_in,
                "email": email or self.email,
                "name": name or self.name,
            }
        )

    @property
    def who(self) -> str:
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.email or self.name or "an unnamed Sage user"


class EndedSignIn(BaseModel):
    """What is kept of a sign-in Sage ID ended: who, when, and why (never a token)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    reason: str
    kind: str = "refused"
    ended_at: float
    email: str | None
    name: str | None
    id_url: str
    client_id: str

    @classmethod
    def of(cls, tokens: StoredTokens, reason: str, kind: str, now: float) -> EndedSignIn:
        return cls(
            reason=reason,
            kind=kind,
            ended_at=now,
            email=tokens.email,
            name=tokens.name,
            id_url=tokens.id_url,
            client_id=tokens.client_id,
        )


Saved = StoredTokens | EndedSignIn


class TokenStore:
    def __init__(self, path: Path, lock_timeout: float = 30.0) -> None:
        self.path = path
        self.lock = FileLock(path.with_name("tokens.lock"), timeout=lock_timeout)
        self._cache: tuple[tuple[int, int, int, int], Saved] | None = None

    def read(self, fresh: bool = False) -> StoredTokens | None:
        """The saved sign-in, or None when there is none (or only the note of an ended one).

        A file whose inode, size and times are unchanged is not parsed again, unless ``fresh``
        (use it under the lock: two rewrites can share a coarse mtime).
        """
        saved = self._load(fresh)
        return saved if isinstance(saved, StoredTokens) else None

    def ended(self) -> EndedSignIn | None:
        """Why the last sign-in ended, if Sage ID ended it and nobody has signed in since."""
        saved = self._load(fresh=True)
        return saved if isinstance(saved, EndedSignIn) else None

    def _load(self, fresh: bool) -> Saved | None:
        try:
            info = os.lstat(self.path)
        except FileNotFoundError:
            self._cache = None
            return None
        except OSError as error:
            raise self._damaged(error.strerror or str(error)) from None
        key = (info.st_ino, info.st_mtime_ns, info.st_ctime_ns, info.st_size)
        if not fresh and self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        data = self._read_private()
        if data is None:
            return None
        try:
            parsed = json.loads(data)
            saved: Saved = (
                EndedSignIn.model_validate(parsed["ended"])
                if isinstance(parsed, dict) and "ended" in parsed
                else StoredTokens.model_validate(parsed)
            )
        except (ValidationError, ValueError):
            raise self._damaged("it is not a valid token file") from None
        self._cache = (key, saved)
        return saved

    def _read_private(self) -> bytes | None:
        """The file's bytes, if it is a regular file of a sane size; tightened if loose.

        Opened without following a link and without waiting on a pipe, then checked through
        the open descriptor: what is read is what was checked.
        """
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            descriptor = os.open(self.path, flags)
        except FileNotFoundError:
            return None
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise self._damaged("it is a symbolic link, not the file itself") from None
            raise self._damaged(error.strerror or str(error)) from None
        try:
            opened = os.fstat(descriptor)  # the file actually opened, not the name looked at
            if not stat.S_ISREG(opened.st_mode):
                raise self._damaged("it is not a regular file")
            if opened.st_size > MAX_TOKEN_FILE:
                raise self._damaged(f"at {opened.st_size} bytes it is far larger than a sign-in")
            if os.name == "posix" and opened.st_mode & 0o077:
                os.fchmod(descriptor, 0o600)
                log.warning(
                    "%s could be read by other users (mode %o); it is now private (0600).",
                    self.path,
                    stat.S_IMODE(opened.st_mode),
                )
            with os.fdopen(descriptor, "rb", closefd=False) as handle:
                return handle.read(MAX_TOKEN_FILE + 1)
        except OSError as error:
            raise self._damaged(error.strerror or str(error)) from None
        finally:
            os.close(descriptor)

    def write(self, tokens: StoredTokens) -> None:
        write_private(self.path, json.dumps(tokens.model_dump(), indent=2).encode())
        self._cache = None

    def end(self, ended: EndedSignIn) -> None:
        """Replace the sign-in with the note of why it ended: its tokens are useless now."""
        write_private(self.path, json.dumps({"ended": ended.model_dump()}, indent=2).encode())
        self._cache = None

    def delete(self) -> bool:
        self._cache = None
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True

    def _damaged(self, reason: str) -> TokenFileError:
        return TokenFileError(
            f"The saved Sage sign-in at {self.path} cannot be used ({reason}); run"
            " `sage200-mcp login` to sign in again, which replaces it."
        )
