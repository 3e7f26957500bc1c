"""Sign-in failures, each worded so the person (or the model) knows what to do next."""

from __future__ import annotations

from sage200_mcp.errors import Sage200Error

LOGIN_HINT = "run `sage200-mcp login` (or ask the assistant to sign you in)"


class AuthError(Sage200Error):
    """Signing in, or keeping a sign-in alive, failed."""


class NotSignedIn(AuthError):
    """There is no usable sign-in for this profile."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or f"Not signed in to Sage; {LOGIN_HINT}.")


class SignInExpired(NotSignedIn):
    """Sage ID refused the refresh token (``invalid_grant``): expired, revoked or already used."""

    def __init__(self, detail: str | None = None) -> None:
        reason = f" ({detail})" if detail else ""
        super().__init__(
            f"Your Sage sign-in has expired or was revoked{reason}; {LOGIN_HINT} to sign in again."
        )


class TokenFileError(NotSignedIn):
    """The saved sign-in cannot be read; signing in again replaces it."""


class InvalidClient(AuthError):
    def __init__(self) -> None:
        super().__init__(
            "Sage ID rejected this application's credentials (invalid_client); check"
            " SAGE200_CLIENT_ID and SAGE200_CLIENT_SECRET against the credentials Sage issued."
        )


class AccessDenied(AuthError):
    def __init__(self) -> None:
        super().__init__(
            "Sign-in was denied in the browser, so no access was granted; run `sage200-mcp"
            " login` again and choose Allow to continue."
        )


class SageIdUnavailable(AuthError):
    """Sage ID could not be reached, or failed; trying again later may work."""


class SignInFailed(AuthError):
    """A sign-in attempt stopped: a mismatched state, a timeout, a busy port, a bad paste."""
