"""SageClient: every call to the Sage 200 API goes through here.

It adds the headers Sage requires (docs/SAGE200_API.md §2), accepts lists as bare arrays or in
a ``{"value": [...]}`` wrapper, pages with ``$top``/``$skip``, and retries reads that failed for
a passing reason (429 with ``Retry-After``, 500/502/503/504, time-outs, dropped connections),
bounded in attempts and in total time. Every failure leaves as a typed error whose message says
what to do next.

What Sage leaves undocumented is found out on first use and remembered (docs/SAGE200_API.md §8):
the edition, when not configured (``/sites`` on each base path); how a company answers
``$count=true``; the page size a collection can be read in without timing out; what a 401 on a
company's call means (the token, or the company: ``/sites`` tells them apart). What Sage's
answers say (error text, Retry-After, the shape of a count) is read in api/answers.py.

Over a slow link the client asks side by side (api/gate.py bounds how many at once), reads a
whole collection as a scan that streams its pages, and remembers slow-changing answers with the
time they were read (docs/ARCHITECTURE.md, "As built (issue 11)").
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from sage200_mcp.api import progress
from sage200_mcp.api.answers import (
    CountStyle,
    Json,
    count_answer,
    error_detail,
    records,
    retry_after,
    sites_of,
)
from sage200_mcp.api.errors import (
    ApiError,
    BadRequest,
    CompanyRefused,
    EditionNotFound,
    Forbidden,
    NotFound,
    NotSupported,
    RateLimited,
    TooMuch,
    TooSlow,
    Unavailable,
    UnexpectedAnswer,
)
from sage200_mcp.api.gate import IN_FLIGHT, Gate
from sage200_mcp.auth.errors import NotSignedIn
from sage200_mcp.config import EDITIONS, Edition, Settings, remember_edition
from sage200_mcp.errors import ConfigError

log = logging.getLogger(__name__)

T = TypeVar("T")
Value = TypeVar("Value", covariant=True)

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Characters left as they are in a query string (readable, and never special to Sage's gateway);
# everything else is percent-encoded, a space as %20: whether the gateway reads "+" as a space is
# unknown, %20 is a space to every server.
_QUERY_SAFE = "$,'():/"
SITES_TTL = 60.0  # seconds; switching company, or asking again, need not ask Sage again
BIG_BODY = 256 * 1024  # bytes; a body this big is parsed on a worker thread, not the event loop


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


@dataclass(frozen=True)
class PagePolicy:
    """How many rows to ask for at once.

    Sage warns that big queries time out, and over Sage 200 Professional's on-premises tunnel a
    big page gets a 504. A request for more than ``light`` rows (or with no ``$top``: Sage's
    default is 500) is never sent twice unchanged after a time-out: it fails at once, as
    TooSlow, and a scan asks for half as many, down to ``floor``.
    """

    first: int = 1000  # rows per page a scan starts with
    floor: int = 50  # the smallest page a scan goes down to
    light: int = 250  # at most this many rows: a time-out may be retried as it is


@dataclass(frozen=True)
class ScanLimits:
    """How far one scan goes before it stops with advice (TooMuch) rather than running on until
    the assistant's client gives up on the call (many do at 60 seconds) with nothing said."""

    rows: int = 250_000
    seconds: float = 45.0


@dataclass(frozen=True)
class Remembered(Generic[Value]):
    """A remembered answer and when it was read from Sage (answers built on it say so)."""

    value: Value
    read_at: datetime


class SageClient:
    def __init__(
        self,
        settings: Settings,
        tokens: TokenSource,
        http: httpx.AsyncClient,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        pages: PagePolicy | None = None,
        in_flight: int = IN_FLIGHT,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self._tokens = tokens  # private: no tool reaches a token through the client
        self.http = http
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.clock = clock
        self.pages = pages or PagePolicy()
        self.scan_limits = ScanLimits()
        self._edition: Edition | None = None if settings.detect_edition else settings.edition
        self._edition_lock = asyncio.Lock()
        self._count_styles: dict[tuple[str, int], CountStyle] = {}
        self._page_sizes: dict[tuple[str, int, str], int] = {}
        self.now = now
        self._gate = Gate(clock, sleep, in_flight)
        self._remembered: dict[Hashable, tuple[float, Remembered[Any]]] = {}
        self._remembering: dict[Hashable, asyncio.Lock] = {}

    # -- the edition -----------------------------------------------------------------------------

    @property
    def edition(self) -> Edition | None:
        """The edition calls go to; None until the first call has found it (when not set)."""
        return self._edition

    @property
    def base_url(self) -> str | None:
        """The API base URL calls go to; None until the edition is known."""
        return self.settings.api_url_for(self._edition) if self._edition else None

    async def resolve_edition(self) -> Edition:
        """The edition, found now if it is not known yet (see ``_find_edition``)."""
        await self._find_edition()  # sets the edition, or raises EditionNotFound
        return self._edition or self.settings.edition

    async def _find_edition(self) -> Any:
        """Find the edition if unknown: ``/sites`` on the Professional base path, then on the
        Standard one; the first that answers is used and written to the profile's config.toml
        (so the next start need not ask). Returns that ``/sites`` answer when this call found
        the edition (``sites`` uses it rather than asking again), else None."""
        async with self._edition_lock:
            if self._edition is not None:
                return None
            tried: list[str] = []
            for edition in EDITIONS:
                base = self.settings.api_url_for(edition)
                try:
                    body = await self._json("sites", None, {}, base=base)
                except NotFound:
                    tried.append(base + "sites")
                    continue
                self._edition = edition
                log.info("Sage 200 %s answers at %s", edition, base)
                try:
                    remember_edition(self.settings, edition)
                except (OSError, ConfigError) as error:
                    log.warning("Could not remember the edition in the profile: %s", error)
                return body
        raise EditionNotFound(
            f"Neither Sage 200 edition answered: {' and '.join(tried)} both said 404. Check"
            " SAGE200_API_URL (a gateway origin such as https://api.columbus.sage.com, or a full"
            " base URL ending in /accounts/v1/) and, if you know it, set SAGE200_EDITION"
            " (professional or standard)."
        )

    # -- reading ---------------------------------------------------------------------------------

    async def get_json(
        self, path: str, company: Company | None, params: Mapping[str, str] | None = None
    ) -> Any:
        return await self._json(path, company, params or {})

    async def get_list(
        self,
        path: str,
        company: Company,
        params: Mapping[str, str] | None = None,
        *,
        small: bool = False,
    ) -> list[Json]:
        """A collection, as a list of objects (a bare array or ``{"value": [...]}``). ``small``:
        the collection is known to be a few rows (an enumeration), so a time-out may be retried
        as it is even without a ``$top``."""
        return records(await self._json(path, company, params or {}, single=small), path)

    async def get_item(
        self, path: str, company: Company, params: Mapping[str, str] | None = None
    ) -> Json:
        body = await self._json(path, company, params or {}, single=True)
        if not isinstance(body, dict):
            raise UnexpectedAnswer(f"Sage's answer for {path} is not a record; try again.")
        return body

    async def page(
        self, path: str, company: Company, params: Mapping[str, str], offset: int, limit: int
    ) -> tuple[list[Json], bool]:
        """Up to ``limit`` records from ``offset`` (``params`` must order them), and whether
        more follow. One record more than asked is fetched to know."""
        return await self._page(path, company, params, offset, limit)

    async def page_with_total(
        self,
        path: str,
        company: Company,
        params: Mapping[str, str],
        offset: int,
        limit: int,
        *,
        shrink: bool = False,
    ) -> tuple[list[Json], bool, int | None]:
        """A page, as ``page``, and how many records match in all (None when unknown).

        How the total is had depends on how the company answers ``$count=true`` (undocumented;
        found with its first total, then remembered): a bare number (a count request beside
        the page), the OData shape (one request gives rows and total together), or not at all
        (no count request; the tools then say "more than N"). ``shrink``: the caller halves
        the page after a time-out, so it is never sent again as it was.
        """
        key = (company.site_id, company.company_id)
        style = self._count_styles.get(key)
        if style == "unsupported":
            return (*await self._page(path, company, params, offset, limit, shrink=shrink), None)
        if style == "odata":
            return await self._page_counted(path, company, params, offset, limit, shrink=shrink)
        if style == "number":
            (rows, more), total = await asyncio.gather(
                self._page(path, company, params, offset, limit, shrink=shrink),
                self.count(path, company, params.get("$filter")),
            )
            return rows, more, total
        (rows, more), (found, total) = await asyncio.gather(
            self._page(path, company, params, offset, limit, shrink=shrink),
            self._count_probe(path, company, _page_query(params, offset, limit)),
        )
        if found is not None:
            log.info("%s answers $count=true as %r", company.describe(), found)
            self._count_styles[key] = found
        if total is not None and total < offset + len(rows) + more:
            total = None  # a count cut short by the page's $top: not a total
        return rows, more, total

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
        return count_answer(body)[1]

    async def all_rows(
        self,
        path: str,
        company: Company,
        params: Mapping[str, str],
        *,
        limits: ScanLimits | None = None,
        advice: str = "",
        counted: bool = False,
    ) -> list[Json]:
        """Every matching record (``params`` must order them), read as ``scan`` reads them."""
        rows: list[Json] = []
        await self.scan(
            path, company, params, rows.extend, limits=limits, advice=advice, counted=counted
        )
        return rows

    async def scan(
        self,
        path: str,
        company: Company,
        params: Mapping[str, str],
        consume: Callable[[list[Json]], object],
        *,
        limits: ScanLimits | None = None,
        advice: str = "",
        counted: bool = False,
    ) -> int:
        """Hand every matching record to ``consume``, a page at a time; return how many.

        ``counted``: the first page comes with the total (when the company gives totals; it
        may cost a request beside the page, so only reads that may run to many pages ask); the
        other pages are then asked for side by side, as many at once as the gate lets through,
        so a slow link costs a round trip per few pages rather than per page. Each page is
        handed over as it arrives and not kept, so memory holds a few pages whatever the
        collection's size. Pages shrink when Sage times out (the size that works is
        remembered). Progress is reported after each page. A scan that would pass ``limits``
        stops with TooMuch, whose message ends with ``advice`` (how to ask for less).
        """
        if "$orderby" not in params:
            raise ValueError("reading every row needs an $orderby to page by")
        limits = limits or self.scan_limits
        started = self.clock()
        key = (company.site_id, company.company_id, path)
        size = self._page_sizes.get(key, self.pages.first)
        while True:
            try:
                if counted:
                    rows, more, total = await self.page_with_total(
                        path, company, params, 0, size, shrink=True
                    )
                else:
                    (rows, more), total = (
                        await self._page(path, company, params, 0, size, shrink=True),
                        None,
                    )
                break
            except TooSlow:
                size = self._smaller(key, size)
        if total is not None and total > limits.rows:
            raise _too_much(path, f"{total:,} rows match", limits, advice)
        consume(rows)
        done = len(rows)
        read = object()  # this scan, among the reads of one call
        await progress.report(read, done, total, _progress_text(path, done, total))
        while more:
            if done > limits.rows:
                raise _too_much(path, f"more than {limits.rows:,} rows match", limits, advice)
            if self.clock() - started > limits.seconds:
                raise _too_much(
                    path, f"{done:,} rows took over {limits.seconds:.0f} seconds", limits, advice
                )
            steps = self._gate.in_flight if total is not None else 1
            offsets = [
                done + n * size for n in range(steps) if n == 0 or done + n * size < (total or 0)
            ]
            pages = await asyncio.gather(
                *(self._page(path, company, params, at, size, shrink=True) for at in offsets),
                return_exceptions=True,
            )
            for page in pages:  # in order, up to the first that failed
                if isinstance(page, TooSlow):
                    size = self._smaller(key, size)
                    break
                if isinstance(page, BaseException):
                    raise page
                rows, more = page
                consume(rows)
                done += len(rows)
                if not more:
                    break
            await progress.report(read, done, total, _progress_text(path, done, total))
        return done

    def _smaller(self, key: tuple[str, int, str], size: int) -> int:
        """Half the page size that just timed out, remembered for the collection. (A page at
        the floor is light: a time-out there is retried as it is, never raised as TooSlow.)"""
        smaller = max(self.pages.floor, size // 2)
        self._page_sizes[key] = smaller
        log.info("%s timed out at %d rows a page; now %d", key[2], size, smaller)
        return smaller

    async def read_rows(
        self,
        path: str,
        company: Company,
        params: Mapping[str, str],
        *,
        offset: int,
        limit: int,
    ) -> tuple[list[Json], bool]:
        """Up to ``limit`` records from ``offset``, and whether more follow, read in pages that
        adapt: a page that times out is asked for again as half as many rows (down to the
        policy's floor), and the size that works is remembered for this company and
        collection. Without ``$orderby`` Sage cannot page: one request then."""
        if "$orderby" not in params:
            return await self._page(path, company, params, offset, limit)
        key = (company.site_id, company.company_id, path)
        size = self._page_sizes.get(key, self.pages.first)
        rows: list[Json] = []
        read = object()  # this read, among the reads of one call
        while True:
            want = min(size, limit - len(rows))
            try:
                page, more = await self._page(
                    path, company, params, offset + len(rows), want, shrink=True
                )
            except TooSlow:
                size = self._smaller(key, want)
                continue
            rows += page
            if not more or len(rows) >= limit:
                return rows, more
            await progress.report(
                read, len(rows), limit, f"read {len(rows):,} of up to {limit:,} rows"
            )

    async def sites(self) -> list[Json]:
        return (await self.sites_read()).value

    async def sites_read(self) -> Remembered[list[Json]]:
        """The sites and companies this sign-in reaches, and when Sage said so: remembered for
        SITES_TTL, keyed by a digest of the token, so that another person's sign-in (or a
        renewed token) reads them afresh."""
        token = await self._tokens.access_token()
        key = ("sites", hashlib.sha256(token.encode()).hexdigest())
        return await self.remember(key, self._read_sites, SITES_TTL)

    async def _read_sites(self) -> list[Json]:
        body = await self._find_edition()
        if body is None:
            body = await self.get_json("sites", None)
        sites = sites_of(body)
        if sites is None:
            raise UnexpectedAnswer("Sage's list of sites is not a list; try again.")
        return sites

    async def remembered(self, key: Hashable, load: Callable[[], Awaitable[T]], ttl: float) -> T:
        """What ``load`` answers, kept for ``ttl`` seconds (see ``remember``)."""
        return (await self.remember(key, load, ttl)).value

    async def remember(
        self, key: Hashable, load: Callable[[], Awaitable[T]], ttl: float
    ) -> Remembered[T]:
        """What ``load`` answers and when it was read, kept for ``ttl`` seconds: facts about a
        company that rarely change (its enumerations, periods, sites), or a big answer several
        calls in a row use (an aged table and its cursor pages). Calls that miss together load
        once."""
        hit = self._fresh(key)
        if hit is not None:
            return hit
        async with self._remembering.setdefault(key, asyncio.Lock()):
            hit = self._fresh(key)
            if hit is not None:
                return hit
            read_at = self.now()
            found = Remembered(await load(), read_at)
            self._remembered[key] = (self.clock() + ttl, found)
            return found

    def _fresh(self, key: Hashable) -> Remembered[Any] | None:
        hit = self._remembered.get(key)
        return hit[1] if hit is not None and hit[0] > self.clock() else None

    # -- pages -----------------------------------------------------------------------------------

    async def _page(
        self,
        path: str,
        company: Company,
        params: Mapping[str, str],
        offset: int,
        limit: int,
        *,
        shrink: bool = False,
    ) -> tuple[list[Json], bool]:
        query = _page_query(params, offset, limit)
        body = await self._json(path, company, query, shrink=shrink and limit > self.pages.floor)
        rows = records(body, path)
        return rows[:limit], len(rows) > limit

    async def _page_counted(
        self,
        path: str,
        company: Company,
        params: Mapping[str, str],
        offset: int,
        limit: int,
        *,
        shrink: bool = False,
    ) -> tuple[list[Json], bool, int | None]:
        """One request for the page and its total (``$count=true``, the OData shape)."""
        query = {**_page_query(params, offset, limit), "$count": "true"}
        try:
            body = await self._json(
                path, company, query, shrink=shrink and limit > self.pages.floor
            )
        except BadRequest:
            return (*await self._page(path, company, params, offset, limit, shrink=shrink), None)
        total = count_answer(body)[1] if isinstance(body, dict) else None
        rows = records(body, path)
        return rows[:limit], len(rows) > limit, total

    async def _count_probe(
        self, path: str, company: Company, query: Mapping[str, str]
    ) -> tuple[CountStyle | None, int | None]:
        """Ask for a page with ``$count=true`` and read how the answer is shaped: the style and
        the total, or (None, None) when the answer proves nothing (Sage failed)."""
        try:  # heavy: a probe that times out is not worth a retry (TooSlow at once)
            body = await self._json(path, company, {**query, "$count": "true"}, shrink=True)
        except BadRequest:
            return "unsupported", None
        except ApiError:
            return None, None
        return count_answer(body)

    # -- one request, with retries ---------------------------------------------------------------

    async def _json(
        self,
        path: str,
        company: Company | None,
        params: Mapping[str, str],
        *,
        single: bool = False,
        shrink: bool = False,
        base: str | None = None,
    ) -> Any:
        heavy = shrink or (not single and self._asks_many_rows(params))
        response = await self._get(path, company, params, heavy=heavy, base=base)
        try:
            if len(response.content) > BIG_BODY:  # seconds of parsing would stall other calls
                return await asyncio.to_thread(json.loads, response.content)
            return json.loads(response.content)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise UnexpectedAnswer(
                f"Sage sent an unreadable answer for {path} (not JSON); try again. If it keeps"
                " happening, the Sage 200 API may be misbehaving."
            ) from None

    def _asks_many_rows(self, params: Mapping[str, str]) -> bool:
        """Whether a list request asks for more rows than may be asked again after a time-out:
        no ``$top`` means Sage's default of 500. A count is light whatever its ``$top``."""
        if params.get("$count", "").lower() == "true" and "$top" not in params:
            return False
        try:
            return int(params.get("$top", "500")) > self.pages.light
        except ValueError:
            return True

    async def _get(
        self,
        path: str,
        company: Company | None,
        params: Mapping[str, str],
        *,
        heavy: bool,
        base: str | None = None,
    ) -> httpx.Response:
        if base is None:
            base = self.settings.api_url_for(await self.resolve_edition())
        url = base + path.lstrip("/") + query_string(params)
        deadline = self.clock() + self.retry.budget
        token = await self._tokens.access_token()
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            started = self.clock()
            try:
                async with self._gate.slot():
                    response = await self.http.get(url, headers=self._headers(token, company))
            except (httpx.ReadTimeout, httpx.WriteTimeout):
                if heavy:
                    raise self._too_slow(path, params) from None
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
                if response.status_code == 401:
                    token = await self._after_401(base, token, company, renewed)
                    renewed = True
                    attempt -= 1  # a renewed token is a fresh start, not a retry
                    continue
                if response.status_code == 504 and heavy:
                    raise self._too_slow(path, params)
                if response.status_code not in _RETRY_STATUSES:
                    return self._checked(response, path, company)
                failure = self._status_error(response, path, company)
                advised = retry_after(response)
                if advised is not None and advised > self.retry.max_retry_after:
                    raise failure
                wait = self._backoff(attempt) if advised is None else advised
                if response.status_code == 429:
                    self._gate.pause(wait)  # the limit is the whole client's, not this request's
            if attempt >= self.retry.attempts or self.clock() + wait > deadline:
                raise failure
            log.info("GET %s failed (%s); retrying in %.1f s", path, type(failure).__name__, wait)
            await self.sleep(wait)

    async def _after_401(
        self, base: str, token: str, company: Company | None, renewed: bool
    ) -> str:
        """What a 401 means, and the token to try next.

        Whether Sage answers 401 for a bad token or for a site and company it refuses is
        undocumented (some releases do the latter). So after a 401 on a company's call,
        ``/sites`` is asked with the same token: if it answers, the token is good and the company
        is the problem (CompanyRefused, and the sign-in is left alone). Otherwise the token is
        renewed, once; a second refusal means the sign-in is over.
        """
        if company is not None:
            reachable = await self._sites_with(base, token)
            if reachable is not None:
                raise _company_refused(company, reachable)
        if renewed:
            raise NotSignedIn(
                "Sage rejected the sign-in even after renewing it; sign in again with"
                " `sage200-mcp login` (or ask the assistant to sign you in)."
            )
        return await self._tokens.token_after_rejection(token)

    async def _sites_with(self, base: str, token: str) -> list[Json] | None:
        """``/sites`` with this token, once: its list, or None if it did not answer with one."""
        try:
            response = await self.http.get(base + "sites", headers=self._headers(token, None))
            body = response.json() if response.status_code == 200 else None
        except (httpx.TransportError, json.JSONDecodeError, UnicodeDecodeError):
            return None
        return sites_of(body)

    def _headers(self, token: str, company: Company | None) -> dict[str, str]:
        return sage_headers(token, company, self.settings.subscription_key)

    def _backoff(self, attempt: int) -> float:
        return float(self.retry.base_delay * 2 ** (attempt - 1) * random.uniform(0.5, 1.0))

    def _too_slow(self, path: str, params: Mapping[str, str]) -> TooSlow:
        rows = params.get("$top", "Sage's default of 500")
        return TooSlow(
            f"Sage 200 timed out reading {path} (asking for {rows} rows at once); ask for less"
            " (a narrower filter, fewer fields or fewer rows), or try again shortly. For Sage 200"
            " Professional, big reads through the on-premises connection time out first."
        )

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
        if status == 403:
            return Forbidden(
                f"Your Sage user may not read {where} (403). Switch to a company you can reach"
                " (list_sites / switch_site, or `sage200-mcp use`), or ask your Sage"
                " administrator for access."
            )
        if status == 404:
            edition = self._edition or self.settings.edition
            return NotFound(
                f"Sage answered 404 for {path.split('?')[0]}: the record does not exist, or the"
                f" path is wrong for the {edition} edition (check SAGE200_EDITION)."
            )
        if status == 429:
            return RateLimited(retry_after(response))
        if status == 501:
            return NotSupported(
                f"This Sage 200 does not offer {path.split('?')[0]} (501). {error_detail(response)}"
            )
        advised = retry_after(response)
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


def _progress_text(path: str, done: int, total: int | None) -> str:
    return f"read {done:,} of {f'{total:,}' if total is not None else 'all the'} rows of {path}"


def _too_much(path: str, found: str, limits: ScanLimits, advice: str) -> TooMuch:
    return TooMuch(
        f"Stopped reading {path}: {found}, past what one answer reads ({limits.rows:,} rows or"
        f" {limits.seconds:.0f} seconds), so as to answer before the assistant gives up waiting."
        f" {advice or 'Ask for less: a narrower filter or date range.'}"
    )


def _page_query(params: Mapping[str, str], offset: int, limit: int) -> dict[str, str]:
    query = {**params, "$top": str(limit + 1)}
    if offset:
        query["$skip"] = str(offset)
    return query


def _company_refused(company: Company, sites: list[Json]) -> CompanyRefused:
    where = company.describe()
    listed = any(
        str(s.get("site_id")) == company.site_id and _int(s.get("company_id")) == company.company_id
        for s in sites
    )
    if listed:
        return CompanyRefused(
            f"Sage refused {where} (401), although your sign-in is valid and the company is"
            " still among those you can reach. For Sage 200 Professional this usually means the"
            " connection to its on-premises server (the Sage 200 API service) is down: try again"
            " shortly, or ask your Sage administrator to check it. To read another company"
            " meanwhile, use switch_site (or `sage200-mcp use`).",
            reachable=True,
        )
    names = [
        f"{s.get('company_name') or 'company'} (company {s.get('company_id')},"
        f" site {s.get('site_name') or s.get('site_id')})"
        for s in sites[:8]
    ]
    more = f" and {len(sites) - 8} more" if len(sites) > 8 else ""
    reach = (
        f"The companies you can reach: {'; '.join(names)}{more}. Switch to one with switch_site"
        " (or `sage200-mcp use`), or ask your Sage administrator for access."
        if sites
        else "You can reach no companies at all: for Sage 200 Professional the connection to the"
        " on-premises server is probably down; ask your Sage administrator."
    )
    return CompanyRefused(
        f"Sage refused {where} (401): your Sage user can no longer reach it (your sign-in itself"
        f" is fine). {reach}",
        reachable=False,
    )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def query_string(params: Mapping[str, str]) -> str:
    """``?name=value&...`` percent-encoded by hand: a space as %20 (httpx would write "+")."""
    if not params:
        return ""
    return "?" + "&".join(
        f"{quote(name, safe=_QUERY_SAFE)}={quote(value, safe=_QUERY_SAFE)}"
        for name, value in params.items()
    )


def sage_headers(
    token: str, company: Company | None, subscription_key: str | None = None
) -> dict[str, str]:
    """The headers every call carries: the token, and the books it reads (not on /sites)."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if company is not None:
        headers["X-Site"] = company.site_id
        headers["X-Company"] = str(company.company_id)
    if subscription_key:
        headers["ocp-apim-subscription-key"] = subscription_key
    return headers
