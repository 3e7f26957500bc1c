"""The sandbox as one ASGI application: Sage ID, the Sage 200 API and its control endpoints."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from sage200_mcp.sandbox import pages
from sage200_mcp.sandbox.api import EDITIONS, Sage200Api
from sage200_mcp.sandbox.faults import CONTROL_PREFIX, Fault, FaultMiddleware, FaultPlan
from sage200_mcp.sandbox.identity import Identity, IdentitySettings, redirect_kind
from sage200_mcp.sandbox.sageid import SageIdRoutes
from sage200_mcp.sandbox.shape import check_postings
from sage200_mcp.sandbox.styles import ApiStyle
from sage200_mcp.sandbox.world import World

STYLE_FIELDS = tuple(f.name for f in fields(ApiStyle))


@dataclass
class SandboxSettings:
    """How the sandbox starts. ``redirect_uris`` are registered beside each client's default:
    an https URI with the web client, a loopback http URI with the desktop client."""

    seed: int = 200
    customers: int = 500
    access_token_ttl: float = 28800
    refresh_token_ttl_days: float = 90
    latency_ms: float = 0
    today: date | None = None
    redirect_uris: list[str] = field(default_factory=list)
    device_interval: int = 5
    code_ttl: float = 60
    device_flow: bool = False
    count_style: str = "number"
    error_style: str = "message"
    bad_company_status: int = 403
    tunnel_timeout_rows: int | None = None
    edition: str = "both"
    postings: str = "daily"  # shape.POSTINGS
    cost_centres: int | None = None  # None: by the main company's size (shape.py)
    unbalanced: bool = False  # a one-sided debit to the main company's debtors control

    def style(self) -> ApiStyle:
        """The API's answers to the unknowns, checked (a ValueError names a bad setting)."""
        style = ApiStyle(**{name: getattr(self, name) for name in STYLE_FIELDS})
        style.check()
        return style


class Sandbox:
    """Everything the sandbox knows, and the Starlette app that serves it."""

    def __init__(
        self, settings: SandboxSettings | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings or SandboxSettings()
        today = self.settings.today or datetime.now(UTC).date()
        self.world = World(
            self.settings.seed,
            self.settings.customers,
            today,
            check_postings(self.settings.postings),
            self.settings.cost_centres,
            bool(self.settings.unbalanced),
        )
        self.identity = Identity(
            IdentitySettings(
                access_token_ttl=self.settings.access_token_ttl,
                refresh_token_ttl_days=self.settings.refresh_token_ttl_days,
                code_ttl=self.settings.code_ttl,
                device_interval=self.settings.device_interval,
                device_flow=self.settings.device_flow,
            ),
            clock,
            self.settings.redirect_uris,
        )
        self.api = Sage200Api(
            self.identity.tokens, self.world, self.settings.latency_ms, self.settings.style()
        )
        self.faults = FaultPlan()
        self.app = self._build_app()

    def _build_app(self) -> Starlette:
        routes = [
            Route("/", self._home, methods=["GET"]),
            *SageIdRoutes(self.identity).routes(),
            Route(f"{CONTROL_PREFIX}/stats", self._stats, methods=["GET"]),
            Route(f"{CONTROL_PREFIX}/faults", self._faults, methods=["GET", "POST", "DELETE"]),
            Route(f"{CONTROL_PREFIX}/reset", self._reset, methods=["POST"]),
            Route(f"{CONTROL_PREFIX}/expire-tokens", self._expire, methods=["POST"]),
        ]
        for prefix in EDITIONS:
            routes.append(Route(prefix + "/{path:path}", self._api_route(prefix), methods=["GET"]))
        app = Starlette(routes=routes)
        app.add_middleware(FaultMiddleware, plan=self.faults)
        return app

    def _api_route(self, prefix: str) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            return await self.api.handle(request, prefix)

        return endpoint

    async def _home(self, request: Request) -> Response:
        origin = str(request.base_url).rstrip("/")
        return HTMLResponse(pages.home(origin, list(self.identity.clients.values())))

    # -- control ---------------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        counters = self.identity.counters
        requests = dict(self.api.counters.requests)
        return {
            "token_requests": dict(counters.token_requests),
            "token_errors": dict(counters.token_errors),
            "refresh_token_reuse": counters.refresh_token_reuse,
            "revocations": counters.revocations,
            "sign_ins": counters.sign_ins,
            "api_requests": requests,
            "api_requests_total": sum(requests.values()),
            "api_round_trips": self.api.counters.log.round_trips(),
            "by_user": self._by_user(),
            "tunnel_timeouts": [list(item) for item in self.api.counters.tunnel_timeouts],
            "faults_served": self.faults.served,
            "faults_pending": len(self.faults.pending()),
            "books_ready": self.world.ready,
            "styles": {
                **self.api.style.as_dict(),
                "device_flow": self.identity.settings.device_flow,
            },
        }

    def _by_user(self) -> dict[str, dict[str, Any]]:
        """Every user's token requests, refresh-token reuse and API requests, by email."""
        api = self.api.counters.user_requests()
        return {
            email: {**counts, "api_requests": api.get(email, 0)}
            for email, counts in self.identity.counters.per_user(
                self.identity.users.values()
            ).items()
        }

    async def _stats(self, request: Request) -> Response:
        return JSONResponse(self.stats())

    async def _faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
        elif request.method == "POST":
            try:
                data = json.loads(await request.body() or b"null")
                items = data["faults"] if isinstance(data, dict) and "faults" in data else [data]
                self.faults.add([Fault.parse(item) for item in items])
            except (ValueError, TypeError, KeyError) as error:
                return JSONResponse({"error": str(error)}, status_code=400)
        return JSONResponse({"pending": self.faults.pending()})

    async def _reset(self, request: Request) -> Response:
        try:
            options = json.loads(await request.body() or b"{}")
            if not isinstance(options, dict):
                raise ValueError("the reset options are a JSON object")
            style = {name: options.pop(name) for name in STYLE_FIELDS if name in options}
            self.reset(style=style, **options)
        except (ValueError, TypeError) as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        return JSONResponse(self.stats())

    async def _expire(self, request: Request) -> Response:
        self.identity.tokens.expire_access_tokens()
        return JSONResponse({"expired": True})

    def reset(
        self,
        *,
        keep_tokens: bool = False,
        access_token_ttl: float | None = None,
        refresh_token_ttl_days: float | None = None,
        latency_ms: float | None = None,
        device_interval: int | None = None,
        redirect_uris: list[str] | None = None,
        device_flow: bool | None = None,
        style: dict[str, Any] | None = None,
    ) -> None:
        """Clear counters and faults (and tokens, unless kept); optionally change settings.

        Everything is checked before anything changes, so a refused reset (ValueError) leaves
        the sandbox as it was. ``style`` changes only the ApiStyle fields it names.
        """
        new_style = replace(self.api.style, **(style or {}))
        new_style.check()
        uris = [str(uri) for uri in redirect_uris or []]
        for uri in uris:
            redirect_kind(uri)
        if device_flow is not None and not isinstance(device_flow, bool):
            raise ValueError("device_flow must be true or false")
        self.faults.clear()
        self.api.counters.clear()
        if keep_tokens:
            self.identity.counters.clear()
        else:
            self.identity.reset()
        settings = self.identity.settings
        if access_token_ttl is not None:
            settings.access_token_ttl = float(access_token_ttl)
        if refresh_token_ttl_days is not None:
            settings.refresh_token_ttl_days = float(refresh_token_ttl_days)
        if device_interval is not None:
            settings.device_interval = int(device_interval)
        if device_flow is not None:
            settings.device_flow = device_flow
        if latency_ms is not None:
            self.api.latency_ms = float(latency_ms)
        self.api.style = new_style
        for uri in uris:
            self.identity.clients.add_redirect_uri(uri)
