"""`doctor`: a read-only check of every hop between this computer and the user's Sage 200 books.

Each hop is tried for real, in order (the configuration, Sage ID, the saved sign-in and its
renewal, `/sites` on both editions, the selected company, how this Sage answers `$count`, what
its errors look like, what a refused company gets, a 1-row and a 1000-row read, the lookup
resources) and reported with what was found. Sage's undocumented behaviours are named as the
variant seen (``count_style=odata``, ``error_style=gateway``, ``bad_company_status=401``) so a
bug report says at once what kind of Sage it came from; faults are named too (``wrong_edition``,
``bad_company``, ``count_unsupported``, ``refresh_token_expired``...).

The report is meant to be pasted into a bug report: it carries no token, no secret, no customer
data beyond counts, and every identifier (client, user, site, company) as a short hash.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from pydantic import BaseModel, Field

from sage200_mcp import __version__
from sage200_mcp.api.client import Company
from sage200_mcp.api.probe import Look, count_style, error_style, look
from sage200_mcp.auth import RENEWAL_WARNING_DAYS
from sage200_mcp.auth.errors import NotSignedIn, SignInEnded
from sage200_mcp.auth.loopback import is_loopback
from sage200_mcp.auth.session import Session
from sage200_mcp.config import EDITION_PATHS, Edition, Settings
from sage200_mcp.errors import Sage200Error
from sage200_mcp.profile import selected_company

Status = Literal["pass", "warn", "fail", "skip"]
LOOKUPS = (
    "sop_document_status_types",
    "sop_document_process_status_types",
    "trader_transaction_types",
    "account_status_types",
)
BIG_READ = 1000


class Hop(BaseModel):
    name: str
    status: Status
    detail: str
    findings: list[str] = Field(default_factory=list)
    ms: float | None = None


class Report(BaseModel):
    """What `doctor` found; ``ok`` only when every hop passed."""

    version: str
    checked_at: str
    profile: str
    ok: bool
    findings: list[str] = Field(description="Every variant and fault found, by name.")
    hops: list[Hop]


def hashed(value: object) -> str:
    """A short stand-in for an identifier: the same value always gives the same hash."""
    return "h:" + hashlib.sha256(str(value).encode()).hexdigest()[:8]


@dataclass
class Doctor:
    """One run of the checks, for one profile."""

    settings: Settings
    session: Session
    http: httpx.AsyncClient
    hops: list[Hop] = field(default_factory=list)
    token: str | None = None
    edition: Edition | None = None
    company: Company | None = None
    company_answers: bool = False  # the later hops read the company's books

    async def run(self) -> Report:
        checks: list[Callable[[], Awaitable[Hop | None]]] = [
            self.configuration,
            self.sage_id,
            self.sign_in,
            self.renewal,
            self.sites,
            self.company_access,
            self.counting,
            self.errors,
            self.refused_company,
            self.reads,
            self.lookups,
        ]
        for check in checks:
            hop = await check()
            if hop is not None:
                self.hops.append(hop)
        findings = [name for hop in self.hops for name in hop.findings]
        return Report(
            version=__version__,
            checked_at=datetime.now(UTC).isoformat(timespec="seconds"),
            profile=self.settings.profile,
            ok=all(hop.status == "pass" for hop in self.hops),
            findings=findings,
            hops=self.hops,
        )

    # -- before any network -----------------------------------------------------------------

    async def configuration(self) -> Hop:
        s = self.settings
        problems: list[str] = []
        notes = [f"client type {s.client_type}"]
        if not s.client_id:
            problems.append("no client id (SAGE200_CLIENT_ID)")
        else:
            notes.append(f"client {hashed(s.client_id)}")
        if s.client_type == "web" and not s.client_secret:
            problems.append("a web application needs its secret (SAGE200_CLIENT_SECRET)")
        if s.client_type == "desktop" and s.client_secret:
            notes.append("a client secret is set but not sent: desktop applications have none")
        try:
            redirect = s.sign_in_redirect()
        except Sage200Error:
            problems.append("a web application needs SAGE200_REDIRECT_URI (its https address)")
        else:
            if s.client_type == "web" and not redirect.startswith("https://"):
                problems.append(
                    f"redirect {redirect} is not https, which Sage does not register for a web"
                    " application"
                )
            elif s.client_type == "desktop" and not is_loopback(redirect):
                notes.append(f"redirect {redirect} is not loopback: sign in by pasting")
            else:
                notes.append(f"redirect {redirect}")
        notes.append(f"edition {s.edition}, API {s.api_url}, Sage ID {s.id_url}")
        if problems:
            return Hop(
                name="configuration",
                status="fail",
                detail="; ".join(problems),
                findings=["configuration"],
            )
        return Hop(name="configuration", status="pass", detail="; ".join(notes))

    # -- Sage ID ----------------------------------------------------------------------------

    async def sage_id(self) -> Hop:
        started = time.monotonic()
        try:
            found = await self.session.sage_id.discovery()
        except Sage200Error as error:
            return Hop(
                name="sage_id",
                status="fail",
                detail=str(error),
                findings=["sage_id_unreachable"],
                ms=_since(started),
            )
        device = isinstance(found.get("device_authorization_endpoint"), str)
        return Hop(
            name="sage_id",
            status="pass",
            detail=f"discovery read; device sign-in {'offered' if device else 'not offered'}",
            findings=["device_flow" if device else "no_device_flow"],
            ms=_since(started),
        )

    async def sign_in(self) -> Hop:
        try:
            tokens = self.session.current()
        except NotSignedIn as damaged:
            return Hop(
                name="sign_in", status="fail", detail=str(damaged), findings=["token_file_damaged"]
            )
        if tokens is None:
            why = self.session.why_signed_out()
            finding = f"sign_in_{why.kind}" if isinstance(why, SignInEnded) else "not_signed_in"
            return Hop(name="sign_in", status="fail", detail=str(why), findings=[finding])
        days = (tokens.refresh_expires_at - time.time()) / 86400
        return Hop(
            name="sign_in",
            status="pass" if days > RENEWAL_WARNING_DAYS else "warn",
            detail=f"signed in as {hashed(tokens.email or tokens.name)}; the sign-in lasts about"
            f" {max(0, int(days))} more days",
            findings=[] if days > RENEWAL_WARNING_DAYS else ["sign_in_ending"],
        )

    async def renewal(self) -> Hop | None:
        tokens = self.session.current()
        if tokens is None:
            return None
        started = time.monotonic()
        try:
            self.token = await self.session.token_after_rejection(tokens.access_token)
        except SignInEnded as ended:
            return Hop(
                name="token_refresh",
                status="fail",
                detail=str(ended),
                findings=[f"refresh_token_{ended.kind}"],
                ms=_since(started),
            )
        except Sage200Error as error:
            return Hop(
                name="token_refresh",
                status="fail",
                detail=str(error),
                findings=["refresh_failed"],
                ms=_since(started),
            )
        return Hop(
            name="token_refresh",
            status="pass",
            detail="Sage ID renewed the sign-in (a new refresh token was saved)",
            ms=_since(started),
        )

    # -- the API ----------------------------------------------------------------------------

    async def sites(self) -> Hop | None:
        if self.token is None:
            return None
        answers = {
            edition: await self._look(None, "sites", base=_base_for(self.settings, edition))
            for edition in EDITION_PATHS
        }
        working = [e for e, a in answers.items() if a.ok and isinstance(a.body, list)]
        detail = "; ".join(
            f"{e}: {_said(a, count=True)} in {a.ms:.0f} ms" for e, a in answers.items()
        )
        wanted = working[0] if self.settings.detect_edition and working else self.settings.edition
        if self.settings.detect_edition and working:
            detail += f"; the edition was not set, and {wanted} answers"
        if wanted in working:
            self.edition = wanted
            reachable = answers[wanted].body
            self.company = self._company(reachable)
            return Hop(name="sites", status="pass", detail=detail, ms=answers[wanted].ms)
        if working:
            return Hop(
                name="sites",
                status="fail",
                detail=f"{detail}. The edition is wrong: set SAGE200_EDITION={working[0]}.",
                findings=["wrong_edition"],
            )
        return Hop(
            name="sites",
            status="fail",
            detail=f"{detail}. Neither edition answers: check SAGE200_API_URL.",
            findings=["api_unreachable"],
        )

    def _company(self, reachable: list[Any]) -> Company | None:
        chosen = selected_company(self.settings)
        if chosen is not None:
            return chosen
        rows = [r for r in reachable if isinstance(r, dict)]
        if len(rows) == 1:
            return Company(str(rows[0].get("site_id")), int(rows[0].get("company_id") or 0))
        return None

    async def company_access(self) -> Hop | None:
        if self.edition is None:
            return None
        if self.company is None:
            return Hop(
                name="company",
                status="warn",
                detail="no company is selected (several are reachable): `sage200-mcp use`",
                findings=["no_company_selected"],
            )
        answer = await self._look(self.company, "company_details", {"$top": "1"})
        who = f"company {hashed(self.company.company_id)} on site {hashed(self.company.site_id)}"
        if answer.ok:
            self.company_answers = True
            return Hop(name="company", status="pass", detail=f"{who} answers", ms=answer.ms)
        return Hop(
            name="company",
            status="fail",
            detail=f"{who}: Sage answered {_said(answer)}; choose a company you can reach"
            " (`sage200-mcp sites`, `sage200-mcp use`)",
            findings=["bad_company"],
            ms=answer.ms,
        )

    async def counting(self) -> Hop | None:
        if not self.company_answers:
            return None
        answer = await self._look(
            self.company, "customer_views", {"$count": "true", "$top": "1", "$select": "id"}
        )
        style = count_style(answer)
        if style is None:
            return Hop(
                name="count",
                status="warn",
                detail=f"could not tell: Sage answered {_said(answer)}",
                ms=answer.ms,
            )
        if style == "unsupported":
            return Hop(
                name="count",
                status="warn",
                detail=f"$count is not supported here ({_said(answer)}); totals are shown as"
                " 'more than N'",
                findings=["count_unsupported", "count_style=unsupported"],
                ms=answer.ms,
            )
        return Hop(
            name="count",
            status="pass",
            detail=f"$count answers as {'a bare number' if style == 'number' else 'OData'}",
            findings=[f"count_style={style}"],
            ms=answer.ms,
        )

    async def errors(self) -> Hop | None:
        if not self.company_answers:
            return None
        answer = await self._look(
            self.company, "customer_views", {"$filter": "no_such_field eq 1", "$top": "1"}
        )
        if answer.status != 400:
            return Hop(
                name="errors",
                status="warn",
                detail=f"a bad filter was answered {_said(answer)}, not 400",
                ms=answer.ms,
            )
        style = error_style(answer)
        return Hop(
            name="errors",
            status="pass",
            detail=f"a bad request gets a {style} error body",
            findings=[f"error_style={style}"],
            ms=answer.ms,
        )

    async def refused_company(self) -> Hop | None:
        if not self.company_answers or self.company is None:
            return None
        stranger = Company(self.company.site_id, 2_000_000_000)
        answer = await self._look(stranger, "company_details", {"$top": "1"})
        if answer.status in (401, 403):
            return Hop(
                name="refused_company",
                status="pass",
                detail=f"a company the user cannot reach gets {answer.status}",
                findings=[f"bad_company_status={answer.status}"],
                ms=answer.ms,
            )
        return Hop(
            name="refused_company",
            status="warn",
            detail=f"a company the user cannot reach got {_said(answer)}",
            ms=answer.ms,
        )

    async def reads(self) -> Hop | None:
        if not self.company_answers:
            return None
        times = []
        for rows in (1, BIG_READ):
            answer = await self._look(
                self.company,
                "customer_views",
                {"$select": "id", "$orderby": "id asc", "$top": str(rows)},
            )
            if not answer.ok:
                finding = "tunnel_timeout" if answer.status == 504 else "read_failed"
                return Hop(
                    name="reads",
                    status="warn" if answer.status == 504 else "fail",
                    detail=f"a {rows}-row read got {_said(answer)}"
                    + (
                        "; large pages time out (an on-premises tunnel?): the client reads in"
                        " smaller pages"
                        if answer.status == 504
                        else ""
                    ),
                    findings=[finding],
                    ms=answer.ms,
                )
            got = len(answer.body) if isinstance(answer.body, list) else 0
            times.append(f"{rows} row{'s' if rows > 1 else ''}: {got} in {answer.ms:.0f} ms")
        return Hop(name="reads", status="pass", detail="; ".join(times))

    async def lookups(self) -> Hop | None:
        if not self.company_answers:
            return None
        found, missing = [], []
        for resource in LOOKUPS:
            answer = await self._look(self.company, resource)
            if answer.ok and isinstance(answer.body, list):
                found.append(f"{resource}: {len(answer.body)}")
            else:
                missing.append(f"{resource}: {_said(answer)}")
        if missing:
            return Hop(
                name="lookups",
                status="warn",
                detail="; ".join(found + missing) + ". The client falls back to built-in names.",
                findings=["lookups_missing"],
            )
        return Hop(name="lookups", status="pass", detail="; ".join(found))

    # -- helpers ----------------------------------------------------------------------------

    async def _look(
        self,
        company: Company | None,
        path: str,
        params: dict[str, str] | None = None,
        base: str | None = None,
    ) -> Look:
        return await look(
            self.http,
            base or _base_for(self.settings, self.edition or self.settings.edition),
            path,
            self.token or "",  # the hops that look run only once a token is held
            company,
            params,
            self.settings.subscription_key,
        )


def _base_for(settings: Settings, edition: Edition) -> str:
    """The API base URL for an edition, on the configured host (Sage's, or a sandbox)."""
    url = settings.api_url
    for path in EDITION_PATHS.values():
        if url.endswith(path):
            return url[: -len(path)] + EDITION_PATHS[edition]
    return url


def _said(answer: Look, count: bool = False) -> str:
    if answer.status is None:
        return f"no answer ({answer.failure})"
    if count and answer.ok and isinstance(answer.body, list):
        return f"{len(answer.body)} companies"
    return f"HTTP {answer.status}"


def _since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


async def diagnose(settings: Settings, session: Session, http: httpx.AsyncClient) -> Report:
    return await Doctor(settings, session, http).run()


def render(report: Report) -> str:
    """The report as text for a terminal or a bug report."""
    marks = {"pass": "ok  ", "warn": "WARN", "fail": "FAIL", "skip": "skip"}
    lines = [
        f"sage200-mcp {report.version} doctor, {report.checked_at}, profile {report.profile}",
        "",
    ]
    for hop in report.hops:
        took = f" ({hop.ms:.0f} ms)" if hop.ms is not None else ""
        lines.append(f"[{marks[hop.status]}] {hop.name}{took}: {hop.detail}")
    lines += [
        "",
        f"Found: {', '.join(report.findings) or 'nothing of note'}",
        "All hops pass." if report.ok else "Some hops did not pass (see above).",
    ]
    return "\n".join(lines)
