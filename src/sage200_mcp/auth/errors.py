"""Sign-in failures, each worded so the person (or the model) knows what to do next."""

from __future__ import annotations

from sage200_mcp.errors import Sage200Error

LOGIN_HINT = "run `sage200-mcp login` (or ask the assistant to sign you in)"
CLIENT_TYPES = (
    "Sage registers two kinds of application: a desktop one has no secret and signs in through"
    " http://localhost:<port>; a web one has a secret and an https redirect URL"
)


class AuthError(Sage200Error):
    """Signing in, or keeping a sign-in alive, failed."""


class NotSignedIn(AuthError):
    """There is no usable sign-in for this profile."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or f"Not signed in to Sage; {LOGIN_HINT}.")
        self.explained = message is not None  # False: simply never signed in


class SignInExpired(NotSignedIn):
    """Sage ID refused the refresh token (``invalid_grant``): expired, revoked or already used.

    ``description`` is Sage ID's own wording, which the session turns into the real cause.
    """

    def __init__(self, description: str | None = None) -> None:
        said = f' (Sage ID said: "{_quoted(description)}")' if description else ""
        super().__init__(
            f"Your Sage sign-in has expired or was revoked{said}; {LOGIN_HINT} to sign in again."
        )
        self.description = description or ""


class SignInEnded(NotSignedIn):
    """A sign-in that Sage ID ended, with the reason kept so later calls can still say it.

    ``kind`` names the cause for programs (doctor): expired, revoked, reused, lost (the answer
    to a renewal went missing) or no_refresh_token.
    """

    def __init__(self, reason: str, kind: str) -> None:
        super().__init__(f"Your Sage sign-in has ended: {reason}. To continue, {LOGIN_HINT}.")
        self.reason = reason
        self.kind = kind


class TokenFileError(NotSignedIn):
    """The saved sign-in cannot be read; signing in again replaces it."""


class InvalidClient(AuthError):
    """Sage ID does not accept the application's id or secret."""

    def __init__(self, description: str, secret_sent: bool) -> None:
        said = f': "{_quoted(description)}"' if description else ""
        if secret_sent:
            advice = (
                "Check SAGE200_CLIENT_ID and SAGE200_CLIENT_SECRET against the credentials Sage"
                " issued. A desktop application has no secret: if Sage registered yours as"
                " desktop, remove SAGE200_CLIENT_SECRET (or set SAGE200_CLIENT_TYPE=desktop)."
            )
        else:
            advice = (
                "Check SAGE200_CLIENT_ID against the credentials Sage issued. No secret was sent"
                " (this is set up as a desktop application): if Sage registered a web application"
                " and gave you a secret, set SAGE200_CLIENT_SECRET."
            )
        super().__init__(
            f"Sage ID rejected this application's credentials (invalid_client{said}). {advice}"
        )


class UnauthorizedClient(AuthError):
    """Sage ID knows the application but does not let it sign in this way."""

    def __init__(self, description: str, grant: str) -> None:
        said = f': "{_quoted(description)}"' if description else ""
        if grant == "device":
            advice = (
                "Device sign-in is not enabled for this application; sign in with `sage200-mcp"
                " login` (a browser on this computer) or `sage200-mcp login --no-browser`."
            )
        else:
            advice = (
                f"{CLIENT_TYPES}. Check that SAGE200_CLIENT_TYPE, SAGE200_CLIENT_SECRET and"
                " SAGE200_REDIRECT_URI match what Sage registered, or ask Sage's developer"
                " support to allow this application to sign users in."
            )
        super().__init__(
            f"Sage ID does not allow this application to {_GRANTS.get(grant, grant)}"
            f" (unauthorized_client{said}). {advice}"
        )


_GRANTS = {
    "authorization_code": "finish a browser sign-in",
    "refresh_token": "renew a sign-in",
    "device": "sign in with a device code",
}


class SignInFailed(AuthError):
    """A sign-in attempt stopped: a timeout, a busy port, a bad paste."""


class RedirectRefused(SignInFailed):
    """Sage ID will not send the browser back to the redirect URI: it is not registered."""

    def __init__(self, redirect_uri: str, client_type: str, detail: str = "") -> None:
        said = f' (Sage ID said: "{_quoted(detail)}")' if detail else ""
        if client_type == "web" and redirect_uri.startswith("http:"):
            advice = (
                "A web application's redirect URLs must be https, so this one cannot be"
                " registered for it: register an https address you control (for example"
                " https://www.your-company.com/sage200/callback) and set SAGE200_REDIRECT_URI"
                " to it exactly, or use a desktop application (no secret), which may use"
                " http://localhost."
            )
        else:
            advice = (
                "Register exactly this address with Sage for your application (scheme, host,"
                " port and path), or set SAGE200_REDIRECT_URI to the one that is registered;"
                " or use a desktop application (no secret), which may use http://localhost."
            )
        super().__init__(f"Sage ID refused the redirect URI {redirect_uri}{said}. {advice}")


class DeviceFlowUnavailable(AuthError):
    def __init__(self, why: str) -> None:
        super().__init__(
            f"Device sign-in is not offered by Sage ID ({why}). Sign in with `sage200-mcp login`"
            " (a browser on this computer), or `sage200-mcp login --no-browser` to sign in on"
            " any device and paste the address back."
        )


class AccessDenied(AuthError):
    def __init__(self) -> None:
        super().__init__(
            "Sign-in was denied in the browser, so no access was granted; run `sage200-mcp"
            " login` again and choose Allow to continue."
        )


class SageIdUnavailable(AuthError):
    """Sage ID could not be reached, or failed; trying again later may work.

    ``maybe_processed`` is True when the request may have reached Sage ID and been acted on
    (the answer was lost on the way back), so resending a refresh token could be a reuse.
    """

    def __init__(self, message: str, maybe_processed: bool = False) -> None:
        super().__init__(message)
        self.maybe_processed = maybe_processed


def _quoted(text: str | None, limit: int = 200) -> str:
    """Sage ID's own words, made safe to put in one line of a message."""
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in text or "").split())
    flat = flat.replace('"', "'")
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
