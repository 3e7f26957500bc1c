"""Each person's Sage tokens at rest: AES-GCM from ``cryptography``, with key rotation.

A leaked database (a backup, a replica's disk) must not be a leaked set of Sage sign-ins, each a
90-day key to a company's books. So the tokens are sealed with AES-256-GCM (authenticated: a
tampered ciphertext fails to open rather than decrypt to garbage) under ``SAGE200_TOKEN_KEY``,
which lives in the replicas' environment, never in the database. The associated data names the
person and the field, so a ciphertext copied to another person's row, or from the access-token
column to the refresh-token one, does not open either.

Each ciphertext is stored with the id of its key (a digest of the key, so ids need no
configuring and never collide by accident). To rotate: set ``SAGE200_TOKEN_KEY`` to a new key
and ``SAGE200_TOKEN_KEY_PREVIOUS`` to the old one; rows open with either and are written back
under the new one (at their next refresh, or all at once by ``TeamStore.rotate_key``), after
which the previous key can be dropped.

Generate a key with ``openssl rand -base64 32`` or
``python -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())"``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sage200_mcp.errors import ConfigError

KEY_VARIABLE = "SAGE200_TOKEN_KEY"
PREVIOUS_KEY_VARIABLE = "SAGE200_TOKEN_KEY_PREVIOUS"
# GCM's standard nonce, random for each encryption: safe for far more writes than tokens see
NONCE_BYTES = 12
HOW_TO_MAKE_A_KEY = (
    "generate one with `openssl rand -base64 32` and give every replica the same value"
)


class TokenKeyError(ConfigError):
    """The token key is missing, malformed, or not the one the stored tokens were sealed with."""


@dataclass(frozen=True)
class Sealed:
    """A ciphertext (nonce first) and the id of the key that sealed it."""

    key_id: str
    data: bytes


def key_id_of(key: bytes) -> str:
    """A short public name for ``key``: says which key sealed a row without revealing it."""
    return hashlib.sha256(b"sage200-mcp token key id\0" + key).hexdigest()[:16]


def _decode(variable: str, text: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        key = b""
    if len(key) != 32:
        raise TokenKeyError(
            f"{variable} must be 32 random bytes in base64 (44 characters ending in '='):"
            f" {HOW_TO_MAKE_A_KEY}."
        )
    return key


class TokenCipher:
    """Seals with the current key; opens with the current or the previous one."""

    def __init__(self, current: bytes, previous: bytes | None = None) -> None:
        self.current_id = key_id_of(current)
        self._current = current
        self._keys = {self.current_id: AESGCM(current)}
        if previous is not None and key_id_of(previous) != self.current_id:
            self._keys[key_id_of(previous)] = AESGCM(previous)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> TokenCipher:
        text = environ.get(KEY_VARIABLE)
        if not text:
            raise TokenKeyError(
                f"Team mode keeps each person's Sage sign-in encrypted, and {KEY_VARIABLE} is"
                f" not set: {HOW_TO_MAKE_A_KEY}, then keep it safe (losing it means everyone"
                " signs in again)."
            )
        previous = environ.get(PREVIOUS_KEY_VARIABLE)
        return cls(
            _decode(KEY_VARIABLE, text),
            _decode(PREVIOUS_KEY_VARIABLE, previous) if previous else None,
        )

    def derived_key(self, purpose: str) -> bytes:
        """A 32-byte key for another ``purpose`` (signing cursors), the same on every replica
        that shares the token key and unrelated to it: HMAC-SHA256 as a key-derivation function
        (HKDF's expand step with one block)."""
        return hmac.new(self._current, f"sage200-mcp {purpose}\x01".encode(), "sha256").digest()

    def seal(self, plaintext: str, context: bytes) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        data = self._keys[self.current_id].encrypt(nonce, plaintext.encode(), context)
        return Sealed(self.current_id, nonce + data)

    def opens(self, key_id: str) -> bool:
        return key_id in self._keys

    def open(self, sealed: Sealed, context: bytes) -> str:
        aead = self._keys.get(sealed.key_id)
        if aead is None:
            raise TokenKeyError(
                f"The stored Sage sign-ins were encrypted with a key (id {sealed.key_id}) that"
                f" is neither {KEY_VARIABLE} (id {self.current_id}) nor"
                f" {PREVIOUS_KEY_VARIABLE}: set {KEY_VARIABLE} to the key they were written"
                f" with, or, while rotating, that key as {PREVIOUS_KEY_VARIABLE}. If the key is"
                " lost, revoke the sign-ins and have each person sign in again."
            )
        nonce, data = sealed.data[:NONCE_BYTES], sealed.data[NONCE_BYTES:]
        try:
            return aead.decrypt(nonce, data, context).decode()
        except InvalidTag:
            raise TokenKeyError(
                f"A stored Sage sign-in does not decrypt with the key that claims it (id"
                f" {sealed.key_id}): the row was altered or copied from another person. Revoke"
                " that person's sign-in; they sign in again."
            ) from None
