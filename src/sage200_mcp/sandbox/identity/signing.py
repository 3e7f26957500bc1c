"""How the tenant signs its JWTs (HS256, with a key of its own) and checks one it is shown.

Nothing but the sandbox checks these signatures (a client may read the claims but never verifies
them), so a symmetric key drawn per process is enough, and a token from another run is not genuine.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any


def same_text(received: str, expected: str) -> bool:
    """Constant-time, and as bytes: ``hmac.compare_digest`` raises on a non-ASCII ``str``, and
    what a client sends (a password, a secret, a verifier, a token) may be anything."""
    return hmac.compare_digest(received.encode("utf-8", "replace"), expected.encode("utf-8"))


class Signer:
    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def sign(self, claims: dict[str, Any]) -> str:
        header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "sandbox"}).encode())
        payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
        signature = hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256)
        return f"{header}.{payload}.{b64url(signature.digest())}"

    def verify(self, token: str) -> dict[str, Any] | None:
        """The claims of a token this signer made; None for anything else."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        expected = hmac.new(self._key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256)
        if not same_text(parts[2], b64url(expected.digest())):
            return None
        try:
            claims: dict[str, Any] = json.loads(_unb64(parts[1]))
        except ValueError:
            return None
        return claims


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
