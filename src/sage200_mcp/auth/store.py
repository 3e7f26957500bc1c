"""A profile's saved sign-in: ``profiles/<name>/tokens.json``, 0600 in a 0700 directory.

Writes are atomic and read-modify-write happens under ``tokens.lock``, so two processes never
interleave a refresh. A file that cannot be read is reported as "sign in again", never crashed on.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from sage200_mcp.auth.errors import TokenFileError
from sage200_mcp.auth.oauth import TokenResponse, identity_from_id_token
from sage200_mcp.files import FileLock, write_private


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


class TokenStore:
    def __init__(self, path: Path, lock_timeout: float = 30.0) -> None:
        self.path = path
        self.lock = FileLock(path.with_name("tokens.lock"), timeout=lock_timeout)
        self._cache: tuple[tuple[int, int, int, int], StoredTokens] | None = None

    def read(self, fresh: bool = False) -> StoredTokens | None:
        """The saved sign-in, or None when there is none.

        A file whose inode, size and times are unchanged is not parsed again, unless ``fresh``
        (use it under the lock: two rewrites can share a coarse mtime).
        """
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            self._cache = None
            return None
        except OSError as error:
            raise self._damaged(error.strerror or str(error)) from None
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size)
        if not fresh and self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        try:
            tokens = StoredTokens.model_validate_json(self.path.read_bytes())
        except FileNotFoundError:
            return None
        except OSError as error:
            raise self._damaged(error.strerror or str(error)) from None
        except (ValidationError, ValueError):
            raise self._damaged("it is not a valid token file") from None
        self._cache = (key, tokens)
        return tokens

    def write(self, tokens: StoredTokens) -> None:
        write_private(self.path, json.dumps(tokens.model_dump(), indent=2).encode())
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
