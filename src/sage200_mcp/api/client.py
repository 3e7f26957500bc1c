"""SageClient: every call to the Sage 200 API goes through here.

It adds the headers Sage requires (docs/SAGE200_API.md §2), accepts lists as bare arrays or in
a ``{"value": [...]}`` wrapper, pages with ``$top``/``$skip``, and retries reads that failed for
a passing reason (429 with ``Retry-After``, 500/502/503/504, time-outs, dropped connections),
bounded in attempts and in total time. A 401 renews the access token once and tries again.
Every failure leaves as a typed error whose message says what to do next.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import math
import random
import re
import time
import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from html import unescape
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import httpx

from sage200_mcp.api.errors import (
    ApiError,
    BadRequest,
    Forbidden,
    NotFound,
    RateLimited,
    Unavailable,
    UnexpectedAnswer,
)
from sage200_mcp.auth.errors import NotSignedIn
from sage200_mcp.config import Settings

log = logging.getLogger(__name__)

Json = dict[str, Any]
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Characters left as they are in a query string (readable, and never special to Sage's gateway);
# everything else is percent-encoded, a space as %20: whether the gateway reads "+" as a space is
# unknown, %20 is a space to every server.
_QUERY_SAFE = "$,'():/"
DETAIL_CHARS = 300  # of Sage's own text in an error message
LONGEST_RETRY_AFTER = 86_400.0  # seconds; advice beyond a day is taken as a day


class TokenSource(Protocol):
    """What the client needs from the sign-in: a valid token, and a new one after a 401."""

    async def access_token(self) -> str: ...

    async def token_after_rejection(self, rejected: str) -> str: ...


@dataclass(frozen=True)
class Company:
    """The books a call reads: a company on a site (the pair selects them, not the id alone)."""

    site_id: str
    company_id: int
    site_name: str = ""
    company_name: str = ""

    def describe(self) -> str:
        name = self.company_name or f"company {self.company_id}"
        return f"{name} (site {self.site_name})" if self.site_name else name


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # including the first
    budget: float = 20.0  # seconds for all attempts and waits together
    base_delay: float = 0.5
    max_retry_after: float = 10.0


class SageClient:
    def __init__(
        self,
        settings: Settings,
        tokens: TokenSource,
        http: httpx.AsyncClient,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.tokens = tokens
        self.http = http
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.clock = clock

    # -- reading ---------------------------------------------------------------------------------

    async def get_json(
        self, path: str, company: Company | None, params: Mapping[str, str] | None = None
    ) -> Any:
        response = await self._get(path, company, params or {})
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise UnexpectedAnswer(
                f"Sage sent an unreadable answer for {path} (not JSON); try again. If it keeps"
                " happening, the Sage 200 API may be misbehaving."
            ) from None

    async def get_list(
        self, path: str, company: Company, params: Mapping[str, str] | None = None
    ) -> list[Json]:
        """A collection, as a list of objects (a bare array or ``{"value": [...]}``)."""
        body = await self.get_json(path, company, params)
        if isinstance(body, dict) and isinstance(body.get("value"), list):
            body = body["value"]
        if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
            raise UnexpectedAnswer(f"Sage's answer for {path} is not a list of records; try again.")
        return body

    async def get_item(
        self, path: str, company: Company, params: Mapping[str, str] | None = None
    ) -> Json:
        body = await self.get_json(path, company, params)
        if not isinstance(body, dict):
            raise UnexpectedAnswer(f"Sage's answer for {path} is not a record; try again.")
        return body

    async def page(
        self, path: str, company: Company, params: Mapping[str, str], offset: int, limit: int
    ) -> tuple[list[Json], bool]:
        """Up to ``limit`` records from ``offset`` (``params`` must order them), and whether
        more follow. One record more than asked is fetched to know."""
        query = {**params, "$top": str(limit + 1)}
        if offset:
            query["$skip"] = str(offset)
        rows = await self.get_list(path, company, query)
        return rows[:limit], len(rows) > limit

    async def count(self, path: str, company: Company, filter_text: str | None) -> int | None:
        """How many records match, or None if the count cannot be had: a total is a nicety,
        never a reason to fail the answer it accompanies."""
        params = {"$count": "true"}
        if filter_text:
            params["$filter"] = filter_text
        try:
            body = await self.get_json(path, company, params)
        except ApiError:
            return None
        return _count_of(body)

    async def sites(self) -> list[Json]:
        body = await self.get_json("sites", None)
        if isinstance(body, dict) and isinstance(body.get("value"), list):
            body = body["value"]
        if not isinstance(body, list):
            raise UnexpectedAnswer("Sage's list of sites is not a list; try again.")
        return [item for item in body if isinstance(item, dict)]

    # -- one request, with retries ---------------------------------------------------------------

    async def _get(
        self, path: str, company: Company | None, params: Mapping[str, str]
    ) -> httpx.Response:
        url = self.settings.api_url + path.lstrip("/") + query_string(params)
        deadline = self.clock() + self.retry.budget
        token = await self.tokens.access_token()
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            started = self.clock()
            try:
                response = await self.http.get(url, headers=self._headers(token, company))
            except httpx.TimeoutException:
                failure: Exception = Unavailable(
                    f"Sage 200 did not answer {path} in time; try again, or ask for less (a"
                    " narrower search or a smaller limit)."
                )
                wait = self._backoff(attempt)
            except httpx.TransportError as error:
                host = urlsplit(url).netloc
                failure = Unavailable(
                    f"Could not reach the Sage 200 API at {host} ({type(error).__name__}); check"
                    " the connection and SAGE200_API_URL, then try again."
                )
                wait = self._backoff(attempt)
            else:
                log.debug(
                    "GET %s -> %s in %.0f ms",
                    path,
                    response.status_code,
                    (self.clock() - started) * 1000,
                )
                if response.status_code == 401 and not renewed:
                    renewed = True
                    token = await self.tokens.token_after_rejection(token)
                    attempt -= 1  # a renewed token is a fresh start, not a retry
                    continue
                if response.status_code not in _RETRY_STATUSES:
                    return self._checked(response, path, company)
                failure = self._status_error(response, path, company)
                advised = _retry_after(response)
                if advised is not None and advised > self.retry.max_retry_after:
                    raise failure
                wait = self._backoff(attempt) if advised is None else advised
            if attempt >= self.retry.attempts or self.clock() + wait > deadline:
                raise failure
            log.info("GET %s failed (%s); retrying in %.1f s", path, type(failure).__name__, wait)
            await self.sleep(wait)

    def _headers(self, token: str, company: Company | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if company is not None:
            headers["X-Site"] = company.site_id
            headers["X-Company"] = str(company.company_id)
        if self.settings.subscription_key:
            headers["ocp-apim-subscription-key"] = self.settings.subscription_key
        return headers

    def _backoff(self, attempt: int) -> float:
        return float(self.retry.base_delay * 2 ** (attempt - 1) * random.uniform(0.5, 1.0))

    def _checked(
        self, response: httpx.Response, path: str, company: Company | None
    ) -> httpx.Response:
        if response.is_success:
            return response
        raise self._status_error(response, path, company)

    def _status_error(
        self, response: httpx.Response, path: str, company: Company | None
    ) -> Exception:
        status = response.status_code
        where = company.describe() if company else "Sage"
        if status == 400:
            return BadRequest(error_detail(response))
        if status == 401:
            return NotSignedIn(
                "Sage rejected the sign-in even after renewing it; sign in again with"
                " `sage200-mcp login` (or ask the assistant to sign you in)."
            )
        if status == 403:
            return Forbidden(
                f"Your Sage user may not read {where} (403). Switch to a company you can reach"
                " (list_sites / switch_site, or `sage200-mcp use`), or ask your Sage"
                " administrator for access."
            )
        if status == 404:
            return NotFound(
                f"Sage answered 404 for {path.split('?')[0]}: the record does not exist, or the"
                f" path is wrong for the {self.settings.edition} edition (check SAGE200_EDITION)."
            )
        if status == 429:
            return RateLimited(_retry_after(response))
        advised = _retry_after(response)
        later = f"Sage asks to try again in about {advised:.0f} seconds." if advised else ""
        if status == 504:
            return Unavailable(
                "Sage 200 timed out (504); for Sage 200 Professional this usually means the"
                " connection to the on-premises server timed out. Try again shortly; if it"
                f" persists, check the Sage 200 API service on that server. {later}".rstrip()
            )
        if status >= 500:
            return Unavailable(
                f"Sage 200 failed (HTTP {status}); {later or 'try again in a minute.'}"
            )
        return UnexpectedAnswer(f"Sage answered HTTP {status} for {path}. {error_detail(response)}")


def query_string(params: Mapping[str, str]) -> str:
    """``?name=value&...`` percent-encoded by hand: a space as %20 (httpx would write "+")."""
    if not params:
        return ""
    return "?" + "&".join(
        f"{quote(name, safe=_QUERY_SAFE)}={quote(value, safe=_QUERY_SAFE)}"
        for name, value in params.items()
    )


def error_detail(response: httpx.Response) -> str:
    """Sage's message from an error body in any of the shapes seen (docs/SAGE200_API.md §5),
    labelled as Sage's and quoted: the text is Sage's (or a gateway's), not ours, and a model must
    not take it for an instruction. Control and format characters are removed, the length capped.
    """
    text = _sage_text(response)
    if not text:
        return "Sage gave no detail."
    if len(text) > DETAIL_CHARS:
        text = text[: DETAIL_CHARS - 1].rstrip() + "…"
    return f"Sage said: {json.dumps(text, ensure_ascii=False)}"


def _sage_text(response: httpx.Response) -> str:
    text = response.text.strip()
    if not text:
        return ""
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    messages: list[str] = []
    if isinstance(body, dict):
        for key in ("Message", "message", "error_description", "$message", "detail", "title"):
            if isinstance(body.get(key), str):
                messages.append(body[key])
                break
        else:
            error = body.get("error")
            if isinstance(error, dict) and isinstance(error.get("message"), str):
                messages.append(error["message"])
            elif isinstance(error, str):
                messages.append(error)
    elif isinstance(body, list):
        messages += [
            str(item.get("$message") or item.get("message") or "")
            for item in body
            if isinstance(item, dict)
        ]
    elif isinstance(body, str):
        messages.append(body)
    elif body is None:
        stripped = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", text, flags=re.S | re.I)
        messages.append(unescape(re.sub(r"<[^>]+>", " ", stripped)))
    return " ".join(" ".join(_printable(m).split()) for m in messages if m.strip())


def _printable(text: str) -> str:
    """``text`` without control, format (bidi overrides, zero-width) or unassigned characters;
    line and paragraph separators become spaces."""
    return "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
        for c in text
        if unicodedata.category(c) not in ("Cf", "Cs", "Co", "Cn")
    )


def _retry_after(response: httpx.Response) -> float | None:
    """Sage's ``Retry-After`` in seconds, clamped to [0, a day]; None if absent or unreadable.

    Seconds or an HTTP date; a negative value or a date in the past means now, a huge one or a
    date years ahead is taken as a day (the message then gives the advice, nobody waits that long).
    """
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
            if moment.tzinfo is None:  # "-0000": UTC, by RFC 5322
                moment = moment.replace(tzinfo=UTC)
            seconds = moment.timestamp() - time.time()
        except (TypeError, ValueError, OverflowError, IndexError):
            return None
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), LONGEST_RETRY_AFTER)


def _count_of(body: Any) -> int | None:
    if isinstance(body, bool):
        return None
    if isinstance(body, int):
        return body
    if isinstance(body, str) and re.fullmatch(r"\s*[0-9]+\s*", body):
        return int(body)
    if isinstance(body, dict):
        for key in ("@odata.count", "count", "Count", "value"):
            value = body.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
    return None
