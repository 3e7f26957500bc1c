"""Every way a Sage 200 API call can fail, as a typed error with an actionable message.

The messages are written for a person or a model: what happened and what to do next. They never
include a token or a request header.
"""

from __future__ import annotations

from sage200_mcp.errors import Sage200Error


class ApiError(Sage200Error):
    """The Sage 200 API could not answer the request."""


class BadRequest(ApiError):
    """400: Sage refused the request; ``detail`` is Sage's own message, labelled and quoted."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"Sage refused the request. {detail}")
        self.detail = detail


class Forbidden(ApiError):
    """403: the signed-in user may not use this site and company."""


class CompanyRefused(ApiError):
    """401 on a company's call while the sign-in is good (``/sites`` answers with the same token):
    Sage refused the site and company, not the token. ``reachable``: whether the company is still
    among those ``/sites`` lists (then the on-premises connection is the likely cause)."""

    def __init__(self, message: str, reachable: bool) -> None:
        super().__init__(message)
        self.reachable = reachable


class NotFound(ApiError):
    """404: no such record, or the path does not exist for this edition."""


class Ambiguous(ApiError):
    """What a person typed matches several records; the message lists them to choose from."""


class EditionNotFound(NotFound):
    """Neither edition's base path answered ``/sites``: the API URL is wrong."""


class NotSupported(ApiError):
    """501: this Sage 200 (or the sandbox) does not offer the resource."""


class RateLimited(ApiError):
    """429 that outlasted the retries; ``retry_after`` is Sage's advice in seconds, if given."""

    def __init__(self, retry_after: float | None) -> None:
        wait = f" in about {_duration(retry_after)}" if retry_after else " in a minute"
        super().__init__(f"Sage is limiting the request rate; try again{wait}.")
        self.retry_after = retry_after


class Unavailable(ApiError):
    """The service failed (5xx), timed out or could not be reached, even after retries."""


class TooSlow(Unavailable):
    """A request for many rows timed out (504, or no answer in time). It is not sent again as it
    was: the caller asks for fewer rows (a scan halves its page) or passes the advice on."""


class TooMuch(ApiError):
    """A read would go past its ceiling (rows or seconds, api/client.ScanLimits): it stops with
    advice on asking for less, rather than running into a client's time-out unannounced."""


class UnexpectedAnswer(ApiError):
    """Sage answered 200 with something that is not the JSON this endpoint returns."""


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} seconds"
    if seconds < 7200:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.0f} hours"
