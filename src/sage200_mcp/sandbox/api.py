"""The Sage 200 API as the sandbox serves it, under both editions' base paths.

A request passes, in order: the edition (a base path the tenant does not serve is the gateway's
404), the bearer token (401, empty body), the site and company headers (missing, unknown or not
the user's: the ApiStyle's ``bad_company_status``), the path (404 as the gateway answers it),
then the query options, which are checked before anything is read (400), and last the tunnel's
row limit (504). Error bodies follow the ApiStyle's ``error_style``; see styles.py for why each
of these is a setting.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sage200_mcp.sandbox.identity.tokens import Tokens
from sage200_mcp.sandbox.layout import Column
from sage200_mcp.sandbox.odata import (
    ODataError,
    compile_filter,
    compile_orderby,
    quote,
    split_paths,
)
from sage200_mcp.sandbox.resources import EXPANSIONS, Route, match, table_for
from sage200_mcp.sandbox.seed.companies import UserPlan
from sage200_mcp.sandbox.store import Row, Store
from sage200_mcp.sandbox.styles import ApiStyle, error_json
from sage200_mcp.sandbox.tables import AGED_VIEWS, AGEING_BASES, TABLE_SPECS, aged_table
from sage200_mcp.sandbox.trips import RequestLog
from sage200_mcp.sandbox.world import World

EDITIONS = {
    "/uk/sage200extra/accounts/v1": True,  # Professional
    "/uk/sage200/accounts/v1": False,  # Standard
}
DEFAULT_TOP = 500
MAX_TOP = 5000
_OPTIONS = frozenset({"$filter", "$select", "$orderby", "$top", "$skip", "$expand", "$count"})
_ITEM_OPTIONS = frozenset({"$select", "$expand"})
NO_ACCESS = "You do not have access to this company."
NO_COMPANY = "The X-Site and X-Company headers are required."
COUNT_UNSUPPORTED = "The query parameter '$count' is not supported."
TUNNEL_TIMEOUT = "The on-premises connection timed out."


class ApiError(Exception):
    def __init__(self, status: int, message: str | None) -> None:
        super().__init__(message or "")
        self.status = status
        self.message = message


class TunnelTimeout(ApiError):
    def __init__(self, rows: int) -> None:
        super().__init__(504, TUNNEL_TIMEOUT)
        self.rows = rows


NOT_SERVED = "(not served)"  # refused before its path was matched: a bad token, a bad company


@dataclass
class Served:
    """What one request turned out to be, learnt as it is answered: its counter key once its
    path is known, and whose access token it carried once that was found good."""

    key: str = NOT_SERVED
    user: str | None = None  # the user's email


@dataclass
class ApiCounters:
    requests: dict[str, int] = field(default_factory=dict)
    # requests by the email of the user whose access token made them: on a server several
    # people share, whose client asked how often
    by_user: dict[str, int] = field(default_factory=dict)
    # (path, rows asked) of each request the tunnel timed out: a client that sends the same
    # heavy request again shows up twice
    tunnel_timeouts: list[tuple[str, int]] = field(default_factory=list)
    # when each request began and ended, latency included: how many waited on one another
    log: RequestLog = field(default_factory=RequestLog)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, served: Served) -> None:
        with self.lock:
            self.requests[served.key] = self.requests.get(served.key, 0) + 1
            if served.user is not None:
                self.by_user[served.user] = self.by_user.get(served.user, 0) + 1

    def user_requests(self) -> dict[str, int]:
        with self.lock:
            return dict(self.by_user)

    def timed_out(self, key: str, rows: int) -> None:
        with self.lock:
            self.tunnel_timeouts.append((key, rows))

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()
            self.by_user.clear()
            self.tunnel_timeouts.clear()
        self.log.clear()


@dataclass
class Query:
    """One request's resolved context: who, which books, which edition."""

    user: UserPlan
    store: Store
    professional: bool
    params: Mapping[str, str]
    style: ApiStyle


class Sage200Api:
    def __init__(
        self, tokens: Tokens, world: World, latency_ms: float = 0, style: ApiStyle | None = None
    ) -> None:
        self.tokens = tokens
        self.world = world
        self.latency_ms = latency_ms
        self.style = style or ApiStyle()
        self.counters = ApiCounters()

    async def handle(self, request: Request, prefix: str) -> Response:
        """Serve one API request; every one is counted (under its path, or as not served when
        it was refused before its path was known) and logged with its start and end, so that
        requests and round trips are told of the same requests."""
        start = time.monotonic()
        served = Served()
        try:
            return await self._handle(request, prefix, served)
        finally:
            self.counters.add(served)
            self.counters.log.record(start, time.monotonic())

    async def _handle(self, request: Request, prefix: str, served: Served) -> Response:
        if self.latency_ms:
            await asyncio.sleep(self.latency_ms / 1000)
        professional = EDITIONS[prefix]
        path = request.url.path[len(prefix) :] or "/"
        style = self.style  # one request sees one style, even if a reset changes it meanwhile
        try:
            if not style.serves(professional):
                raise ApiError(404, None)
            user = self._user(request)
            served.user = user.email
            if path.strip("/") == "sites":
                served.key = "sites"
                return JSONResponse(self._sites(user))
            store = self._books(request, user, style.bad_company_status)
            route = match(path)
            if route is None or (route.professional_only and not professional):
                raise ApiError(404, None)
            served.key = _count_key(route)
            query = Query(user, store, professional, request.query_params, style)
            # building a large company's books may take a while: keep the event loop free
            body = await asyncio.to_thread(self._answer, route, query)
        except TunnelTimeout as timeout:
            self.counters.timed_out(path.strip("/"), timeout.rows)
            return _error(timeout, style.error_style)
        except ApiError as error:
            return _error(error, style.error_style)
        return JSONResponse(body)

    # -- checks ----------------------------------------------------------------------------------

    def _user(self, request: Request) -> UserPlan:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        user = self.tokens.user_for(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise ApiError(401, None)
        return user

    def _books(self, request: Request, user: UserPlan, refusal: int) -> Store:
        """The books X-Site/X-Company name; ``refusal`` (401 or 403) when they are missing,
        unknown or not the user's, since which one Sage answers is not known."""
        site = request.headers.get("x-site")
        company = request.headers.get("x-company")
        if not site or not company:
            raise ApiError(refusal, NO_COMPANY)
        try:
            company_id = int(company.strip())
        except ValueError:
            raise ApiError(refusal, NO_ACCESS) from None
        plan = self.world.company(site.strip(), company_id)
        if plan is None or company_id not in user.companies:
            raise ApiError(refusal, NO_ACCESS)
        return self.world.books(company_id)

    def _sites(self, user: UserPlan) -> list[dict[str, Any]]:
        return [
            {
                "site_id": site.id,
                "site_name": site.name,
                "site_short_name": site.short_name,
                "company_id": company.id,
                "company_name": company.name,
                "tenant_id": site.tenant_id,
            }
            for site, company in self.world.reachable(user)
        ]

    # -- answering -------------------------------------------------------------------------------

    def _answer(self, route: Route, query: Query) -> Any:
        collection = route.collection
        if collection == "current_user":
            rows = query.store.select("current_user", '"id" = ?', [query.user.id])
            if not rows:
                raise ApiError(404, "No current user.")
            return _render(rows[0], TABLE_SPECS["current_user"].layout.visible(query.professional))
        table = self._table(collection, query.params)
        if table is None:
            raise ApiError(501, f"The sandbox does not emulate {route.template}.")
        where, params = self._parent_filters(route, table, query.store)
        if route.is_item:
            return self._item(route, table, where, params, query)
        return self._list(table, where, params, query)

    def _table(self, collection: str, params: Mapping[str, str]) -> str | None:
        if collection in AGED_VIEWS:
            basis = params.get("$ageingdatetype", "transactiondate").lower()
            if basis not in AGEING_BASES:
                raise ApiError(400, f"$ageingdatetype must be one of {', '.join(AGEING_BASES)}.")
            return aged_table(collection, basis)
        return table_for(collection)

    def _parent_filters(
        self, route: Route, table: str, store: Store
    ) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        columns = store.layout(table).columns
        for parent, column, parent_id in route.parent_filters:
            parent_table = table_for(parent)
            if parent_table is None or column not in columns:
                raise ApiError(501, f"The sandbox does not emulate {route.template}.")
            key = _int_id(parent_id)
            if not store.count(parent_table, '"id" = ?', [key]):
                raise ApiError(404, f"No {parent[:-1].replace('_', ' ')} with id {key}.")
            where.append(f"{quote(column)} = ?")
            params.append(key)
        return where, params

    def _item(
        self, route: Route, table: str, where: list[str], params: list[Any], query: Query
    ) -> Any:
        _check_options(query.params, _ITEM_OPTIONS)
        key = _int_id(route.ids[-1])
        rows = query.store.select(table, " AND ".join([*where, '"id" = ?']), [*params, key])
        if not rows:
            raise ApiError(404, f"No {route.collection[:-1].replace('_', ' ')} with id {key}.")
        return self._shape(table, rows, query)[0]

    def _list(self, table: str, where: list[str], params: list[Any], query: Query) -> Any:
        extra = {"$ageingdatetype"} if table.split("__")[0] in AGED_VIEWS else set()
        _check_options(query.params, _OPTIONS | extra)
        columns = self._visible(table, query)
        spec = TABLE_SPECS[table]
        try:
            if "$filter" in query.params:
                sql, values = compile_filter(
                    query.params["$filter"], spec.schema, columns, spec.enum_maps
                )
                where, params = [*where, sql], [*params, *values]
            order = (
                compile_orderby(query.params["$orderby"], spec.schema, columns)
                if "$orderby" in query.params
                else ""
            )
        except ODataError as error:
            raise ApiError(400, f"The query specified in the URI is not valid. {error}") from None
        condition = " AND ".join(where)
        top = _bounded_int(query.params, "$top", DEFAULT_TOP, MAX_TOP)
        skip = _bounded_int(query.params, "$skip", 0, None)
        if "$skip" in query.params and not order:
            raise ApiError(
                400,
                "The query specified in the URI is not valid. $skip requires"
                " $orderby, so that pages do not overlap.",
            )
        count_style = _counting(query)
        _check_tunnel(query.style, 0 if count_style == "number" else top)
        if count_style == "number":
            return query.store.count(table, condition, params)
        rows = self._shape(
            table, query.store.select(table, condition, params, order, top, skip), query
        )
        if count_style == "odata":
            return {"@odata.count": query.store.count(table, condition, params), "value": rows}
        return rows

    def _visible(self, table: str, query: Query) -> dict[str, Column]:
        return query.store.layout(table).visible(query.professional)

    def _shape(self, table: str, rows: list[Row], query: Query) -> list[dict[str, Any]]:
        """Render rows, attach expansions, then apply ``$select``."""
        columns = self._visible(table, query)
        expand = _expansions(table, query.params.get("$expand"))
        select = (
            split_paths(query.params["$select"], "$select") if "$select" in query.params else None
        )
        try:
            chosen = _check_select(table, select, columns, expand, query) if select else None
        except ODataError as error:
            raise ApiError(400, f"The query specified in the URI is not valid. {error}") from None
        bodies = [_render(row, columns) for row in rows]
        for name, expansion in expand.items():
            targets = query.store.by_key(
                expansion.table, expansion.remote, [row[expansion.local] for row in rows]
            )
            target_columns = self._visible(expansion.table, query)
            grouped: dict[Any, list[dict[str, Any]]] = {}
            for target in targets:
                grouped.setdefault(target[expansion.remote], []).append(
                    _render(target, target_columns)
                )
            for row, body in zip(rows, bodies, strict=True):
                found = grouped.get(row[expansion.local], [])
                if expansion.many:
                    body[name] = found
                elif found:
                    body[name] = found[0]
        return [_project(body, chosen) for body in bodies] if chosen else bodies


def _counting(query: Query) -> str | None:
    """The count style that answers this request; None when it asks for no count."""
    if "$count" in query.params and query.style.count_style == "unsupported":
        raise ApiError(400, COUNT_UNSUPPORTED)
    if query.params.get("$count", "").lower() != "true":
        return None
    return query.style.count_style


def _check_tunnel(style: ApiStyle, rows: int) -> None:
    """A request for more rows than the on-premises tunnel carries in time times out (504)."""
    limit = style.tunnel_timeout_rows
    if limit is not None and rows > limit:
        raise TunnelTimeout(rows)


def _check_options(params: Mapping[str, str], allowed: frozenset[str] | set[str]) -> None:
    for name in params:
        if name.startswith("$") and name not in allowed:
            raise ApiError(400, f"The query parameter '{name}' is not supported here.")


def _expansions(table: str, text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    available = EXPANSIONS.get(table, {})
    chosen = {}
    for path in split_paths(text, "$expand"):
        name = path[0]
        if len(path) > 1:
            raise ApiError(400, f"Nested $expand ('{'.'.join(path)}') is not supported.")
        if name not in available:
            known = ", ".join(sorted(available)) or "none"
            raise ApiError(
                400,
                f"The query specified in the URI is not valid. '{name}' cannot be"
                f" expanded on {table}; the sandbox supports: {known}.",
            )
        chosen[name] = available[name]
    return chosen


def _check_select(
    table: str,
    select: list[list[str]],
    columns: Mapping[str, Column],
    expand: Mapping[str, Any],
    query: Query,
) -> dict[str, set[str] | None]:
    """Top-level names to keep, each with the nested fields to keep (None: all of them)."""
    chosen: dict[str, set[str] | None] = {}
    entity = TABLE_SPECS[table].schema
    for path in select:
        name = path[0]
        if name in expand:
            if len(path) == 1:
                chosen[name] = None
                continue
            target = TABLE_SPECS[expand[name].table]
            nested = target.layout.visible(query.professional)
            if path[1] not in nested or len(path) > 2:
                raise ODataError(
                    f"Could not find a property named '{'.'.join(path[1:])}' on '{name}'."
                )
            existing = chosen.get(name, set())
            if existing is not None:
                existing.add(path[1])
                chosen[name] = existing
            continue
        if len(path) > 1 and name in EXPANSIONS.get(table, {}):
            raise ODataError(f"To select '{'.'.join(path)}', also $expand={name}.")
        if len(path) > 1 or name not in columns:
            raise ODataError(
                f"Could not find a property named '{'.'.join(path)}' on type '{entity}'."
            )
        chosen[name] = None
    for name in expand:
        chosen.setdefault(name, None)
    return chosen


def _project(body: dict[str, Any], chosen: Mapping[str, set[str] | None]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, nested in chosen.items():
        if name not in body:
            continue
        value = body[name]
        if nested is not None and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k in nested}
        elif nested is not None and isinstance(value, list):
            value = [{k: v for k, v in item.items() if k in nested} for item in value]
        result[name] = value
    return result


def _render(row: Row, columns: Mapping[str, Column]) -> dict[str, Any]:
    """A row as Sage sends it: the edition's fields, unset date-times left out."""
    return {name: value for name, value in row.items() if name in columns and value is not None}


def _int_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ApiError(400, f"The request is invalid: '{text}' is not a valid id.") from None


def _bounded_int(params: Mapping[str, str], name: str, default: int, maximum: int | None) -> int:
    if name not in params:
        return default
    try:
        value = int(params[name])
    except ValueError:
        raise ApiError(
            400, f"The query specified in the URI is not valid. {name} must be a whole number."
        ) from None
    if value < 0:
        raise ApiError(
            400, f"The query specified in the URI is not valid. {name} cannot be negative."
        )
    if maximum is not None and value > maximum:
        raise ApiError(
            400,
            f"The query specified in the URI is not valid. The limit of"
            f" {maximum} for {name} has been exceeded.",
        )
    return value


def _count_key(route: Route) -> str:
    """The path with ids blanked, e.g. ``customers/{id}/customer_contacts``."""
    parts: list[str] = []
    for index, collection in enumerate(route.collections):
        parts.append(collection)
        if index < len(route.ids):
            parts.append("{id}")
    return "/".join(parts)


def _error(error: ApiError, style: str) -> Response:
    """401 is always empty and the gateway's own 404 keeps its shape; every other error the
    sandbox makes is written in the error style."""
    if error.status == 401:
        return Response(status_code=401)
    if error.status == 404 and error.message is None:
        return JSONResponse({"statusCode": 404, "message": "Resource not found"}, status_code=404)
    body = error_json(style, error.status, error.message or "")
    if body is None:
        return Response(status_code=error.status)
    return JSONResponse(body, status_code=error.status)
