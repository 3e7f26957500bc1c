"""The second table, "over a slow link": every tool the server lists, one realistic call each
(a few tools twice: a second page, one account and company-wide), against large books behind
an API that answers each request only after a delay, as Sage 200's cloud API does from afar.

Each call is measured on this code and, in the same run, on the previous approach: the server
as it was at BASELINE_COMMIT, exported from git into a temporary directory. The two take turns
call by call (and swap who goes first each row), so drifts in machine load hit both alike.

For each call: the requests that reached the API and the longest chain of them that had to
wait for one another (what latency multiplies; "n/a" until the sandbox counts it), the tool
call's wall time over stdio, the server's peak RSS growth during it, and the bytes the model
reads. A call that fails shows its error in its row: one broken tool must not hide the others.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.peers import MAIN_COMPANY, PeerError, Profile, SandboxProcess, StdioPeer

ROOT = Path(__file__).resolve().parent.parent
# The last commit before issue 11 (fewer round trips to Sage): the "previous approach" every
# figure of the table is set beside. The bench runs from a git checkout that holds it.
BASELINE_COMMIT = "961ff94"
# The link to emulate, and what the sandbox gains when the other branch lands: postings kept
# one per document (not one per day), so a control account's year is many thousand rows.
LATENCY_MS = 150
POSTINGS = ("--postings", "per-document")
# Sign-in tools change or end the sign-in every other call needs; they talk to Sage ID, not to
# the API this table counts, and login (signed in already) only says as whom.
SIGN_IN_TOOLS = {
    "login": "starts a browser sign-in",
    "complete_login": "finishes a browser sign-in",
    "logout": "ends the sign-in",
}
CALL_TIMEOUT = 300.0  # seconds; a call that takes longer is stopped and its server restarted
ERROR_CHARS = 90


# -- what is asked -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One tool call a finance user of a large company would make.

    ``arguments`` may name facts of the books in braces ({customer}), filled in once the books
    are read; ``after`` names an earlier call (its ``key``) whose next page this one asks for;
    ``scan`` says why the call may read the API many times over (empty: it must not);
    ``new`` names arguments the previous code lacks (its call leaves them out: the previous
    code did that by default).
    """

    tool: str
    arguments: dict[str, Any]
    why: str
    key: str = ""
    after: str = ""
    scan: str = ""
    new: tuple[str, ...] = ()


CALLS = [
    Call("get_status", {}, "who am I signed in as, to which company"),
    Call("list_sites", {}, "which companies can I reach"),
    Call("switch_site", {"site": "{company}"}, "choose the main company by its name"),
    Call("diagnose", {}, "why does nothing work?", scan="checks every hop in turn, on purpose"),
    Call("get_reference_data", {"kind": "financial_periods"}, "when do our years end"),
    Call(
        "list_customers",
        {"sort": "-balance", "limit": 25},
        "who owes us most",
        key="customers",
    ),
    Call(
        "list_customers",
        {"sort": "-balance", "limit": 25},
        "the next 25 (second cursor page)",
        after="customers",
    ),
    Call(
        "list_customers",
        {"no_invoice_since": "{half_year_ago}", "min_balance": 0.01},
        "who owes us but has had no invoice in six months",
        scan="reads the invoices since the day, beside every account owing",
        new=("no_invoice_since",),
    ),
    Call("get_customer", {"customer": "{customer_name}"}, "one customer, by name"),
    Call(
        "list_customer_transactions",
        {"customer": "{customer}"},
        "what makes up their balance",
    ),
    Call(
        "get_aged_debt",
        {"customer": "{customer}"},
        "how overdue is one customer",
        key="aged_one",
    ),
    Call(
        "get_aged_debt",
        {"customer": "{customer}", "items": True},
        "and which invoices make it up",
        new=("items",),
    ),
    Call(
        "get_aged_debt",
        {},
        "company-wide aged debt, most overdue first",
        key="aged",
        scan="ranks every account's aged balance",
    ),
    Call("get_aged_debt", {}, "the next 25 accounts (second cursor page)", after="aged"),
    Call("list_suppliers", {"sort": "-balance"}, "whom do we owe most"),
    Call("get_supplier", {"supplier": "{supplier_name}"}, "one supplier, by name"),
    Call(
        "list_supplier_transactions",
        {"supplier": "{supplier}"},
        "what makes up what we owe them",
    ),
    Call("get_aged_creditors", {"supplier": "{supplier}"}, "how overdue are we with one"),
    Call(
        "get_aged_creditors",
        {},
        "company-wide aged creditors",
        scan="ranks every account's aged balance",
    ),
    Call("list_sales_orders", {"status": "live"}, "open sales orders"),
    Call("get_sales_order", {"order": "{sales_order}"}, "the newest sales order, in full"),
    Call("list_purchase_orders", {"supplier": "{supplier}"}, "our orders with one supplier"),
    Call("get_purchase_order", {"order": "{purchase_order}"}, "the newest purchase order"),
    Call("list_products", {"in_stock_only": True}, "what can we sell from stock"),
    Call(
        "list_products",
        {"below_reorder_level": True, "sort": "-shortfall"},
        "what to re-order, the biggest shortfall first",
        scan="reads every product with a re-order level (Sage cannot compare two fields)",
        new=("below_reorder_level", "sort"),
    ),
    Call("get_product", {"product": "{product}"}, "one product, warehouse by warehouse"),
    Call("list_nominal_codes", {}, "the chart of accounts with this year's figures"),
    Call(
        "get_nominal_activity",
        {"code": "1100", "from_date": "{year_start}", "to_date": "{year_end}"},
        "the debtors control account over last financial year",
        key="nominal",
        scan="totals every posting of the year",
    ),
    Call(
        "get_nominal_activity",
        {"code": "2100", "from_date": "{year_start}", "to_date": "{year_end}"},
        "the creditors control account, a far quieter one, over the same year",
        key="nominal_quiet",
        scan="totals every posting of the year",
    ),
    Call(
        "get_nominal_activity",
        {"code": "1100", "from_date": "{year_start_late}", "to_date": "{year_end_early}"},
        "the debtors control account over a year off the period boundaries",
        key="nominal_streamed",
        scan="totals every posting of the year",
    ),
    Call("list_bank_accounts", {}, "cash at bank"),
    Call(
        "get_trial_balance",
        {},
        "is the ledger in balance at today's period",
        scan="a value per account and period, and both ledgers' balances for the tie-out",
    ),
    Call(
        "get_profit_and_loss",
        {},
        "this year's profit against last year and budget",
        scan="a value per account and period over two years",
    ),
    Call(
        "get_balance_sheet",
        {},
        "the balance sheet today and a year ago",
        scan="a value per account and period, and both ledgers' balances for the tie-out",
    ),
    Call(
        "summarise_sales",
        {"group_by": "customer"},
        "top 10 customers this year",
        scan="totals every sales transaction of the year",
    ),
    Call(
        "summarise_sales",
        {"period": "last_month"},
        "what did we invoice last month",
        scan="totals every sales transaction of the month",
    ),
    Call(
        "summarise_sales",
        {"period": "this_quarter", "group_by": "product"},
        "sales by product this quarter",
        scan="totals every sales invoice line of the quarter, beside its ledger transactions",
    ),
    Call(
        "summarise_purchases",
        {"period": "last_year", "group_by": "supplier"},
        "top suppliers last year",
        scan="totals every purchase transaction of the year",
    ),
    Call(
        "query",
        {
            "resource": "nominal_transaction_enquiry_views",
            "filter": "transaction_date ge {month_start}",
            "select": ["transaction_date", "reference", "narrative", "debit", "credit"],
            "orderby": "transaction_date desc, id desc",
            "top": 100,
        },
        "this month's postings, through the general tool",
        key="query",
    ),
    Call(
        "query",
        {
            "resource": "nominal_transaction_enquiry_views",
            "filter": "transaction_date ge {month_start}",
            "select": ["transaction_date", "reference", "narrative", "debit", "credit"],
            "orderby": "transaction_date desc, id desc",
            "top": 100,
        },
        "the next 100 (cursor)",
        after="query",
    ),
]


def books_facts(profile: Profile) -> dict[str, str]:
    """What the calls name, read from the books straight from the API: the largest customer
    and supplier (by a name that finds only them), the newest orders, a product, last year."""
    direct = profile.direct()
    try:
        sites = direct.get("sites").json()
        year = first(
            direct,
            "financial_year_period_views",
            "year_relative_to_current_year eq -1",
            "period_number asc",
        )
        customer = largest(direct, "customer_views")
        supplier = largest(direct, "supplier_views")
        return {
            "company": next(s["company_name"] for s in sites if s["company_id"] == MAIN_COMPANY),
            "customer": customer["reference"],
            "customer_name": customer["name"],
            "supplier": supplier["reference"],
            "supplier_name": supplier["name"],
            "sales_order": newest(direct, "sop_orders"),
            "purchase_order": newest(direct, "pop_orders"),
            "product": first(direct, "product_views", None, "code asc")["code"],
            "year_start": year["financial_year_start_date"][:10],
            "year_end": year["financial_year_end_date"][:10],
            "year_start_late": shifted(year["financial_year_start_date"], 1),
            "year_end_early": shifted(year["financial_year_end_date"], -1),
            "month_start": newest(direct, "sop_orders", "document_date")[:8] + "01",
            "half_year_ago": shifted(newest(direct, "sop_orders", "document_date"), -182),
        }
    finally:
        direct.close()


def shifted(day: str, days: int) -> str:
    """``day`` (an ISO date, perhaps with a time) moved by ``days``."""
    return (date.fromisoformat(day[:10]) + timedelta(days=days)).isoformat()


def first(
    direct: httpx.Client, path: str, where: str | None, orderby: str = "id asc"
) -> dict[str, Any]:
    params = {"$orderby": orderby, "$top": "1", **({"$filter": where} if where else {})}
    answer = direct.get(path, params=params)
    answer.raise_for_status()
    rows: list[dict[str, Any]] = answer.json()
    if not rows:
        raise SystemExit(f"the slow-link books have no {path} ({where})")
    return rows[0]


def newest(direct: httpx.Client, path: str, column: str = "document_no") -> str:
    value: str = first(direct, path, None, "document_date desc, id desc")[column]
    return value


def largest(direct: httpx.Client, path: str) -> dict[str, Any]:
    """The account with the largest balance whose name finds it alone (as get_customer
    searches: part of the name), so the call by name answers rather than asks which."""
    params = {"$orderby": "balance desc, id asc", "$top": "20", "$select": "reference,name"}
    for row in direct.get(path, params=params).json():
        quoted = row["name"].replace("'", "''")
        where = f"contains(name,'{quoted}') or contains(short_name,'{quoted}')"
        if len(direct.get(path, params={"$filter": where, "$top": "2"}).json()) == 1:
            account: dict[str, Any] = row
            return account
    raise SystemExit(f"none of the 20 largest {path} has a name of its own")


def filled(value: Any, facts: dict[str, str]) -> Any:
    """An argument with the books' facts put in its {names}."""
    if isinstance(value, str):
        return value.format_map(facts)
    if isinstance(value, list):
        return [filled(item, facts) for item in value]
    return value


# -- who answers -------------------------------------------------------------------------------


def baseline_source(into: Path) -> Path:
    """The package as it was at BASELINE_COMMIT (the code before issue 11)."""
    return exported_source(BASELINE_COMMIT, "the code before issue 11", into)


def exported_source(commit: str, what: str, into: Path) -> Path:
    """The package as it was at ``commit``, exported from git (the work tree untouched); the
    ``src`` directory to run it from."""
    command = ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "src"]
    try:
        archive = subprocess.run(command, capture_output=True, check=True)
    except FileNotFoundError:
        raise SystemExit("the bench needs git, to export the previous code") from None
    except subprocess.CalledProcessError as error:
        raise SystemExit(
            f"the bench needs commit {commit} ({what}) from the git checkout at {ROOT}:"
            f" {error.stderr.decode().strip()} (a shallow clone lacks it: git fetch"
            " --unshallow)"
        ) from None
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


@dataclass
class Contender:
    """One of the two servers, restarted if a call kills it; remembers its own answers, since
    a cursor is only good on the server that handed it out."""

    name: str
    profile: Profile
    source: Path | None
    peer: StdioPeer | None = None
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def start(self) -> None:
        """Start the process only; server() then waits for it to be ready."""
        self.peer = self.profile.spawn(self.source)

    def server(self) -> StdioPeer:
        """The server, ready; started afresh if it died (its cursors die with it)."""
        if self.peer is None or self.peer.process.poll() is not None:
            self.peer = self.profile.spawn(self.source)
            self.answers.clear()
        if not self.peer.tools:
            self.profile.ready(self.peer)
        return self.peer

    def close(self) -> None:
        if self.peer is not None:
            self.peer.close()


def check_source(profile: Profile, source: Path) -> None:
    """Fail now, clearly, if the previous server would import anything but the exported code."""
    env = {**profile.env, "PYTHONPATH": str(source)}
    where = subprocess.run(
        [sys.executable, "-c", "import sage200_mcp; print(sage200_mcp.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(where).resolve().is_relative_to(source.resolve()):
        raise SystemExit(f"the previous server would run {where}, not the code in {source}")


# -- measuring ---------------------------------------------------------------------------------


@dataclass
class Measure:
    """One call on one server. ``round_trips`` is None until the sandbox counts them."""

    requests: int
    round_trips: int | None
    ms: float
    rss_mb: float
    bytes: int
    error: str = ""


@dataclass
class Row:
    tool: str
    call: str
    why: str
    key: str
    after: str
    scan: str
    ours: Measure | None
    previous: Measure | None  # None for a tool the previous code does not have
    skipped: str = ""


@dataclass
class Check:
    """One of the issue's acceptance checks: "met", "not met", or "unknown" (not measurable)."""

    name: str
    status: str
    detail: str


@contextmanager
def watchdog(peer: StdioPeer, seconds: float) -> Iterator[threading.Event]:
    """Kill the server if the call outlasts ``seconds``: its answer never comes, the read ends.
    The event says whether it had to."""
    fired = threading.Event()

    def stop() -> None:
        fired.set()
        peer.process.kill()

    timer = threading.Timer(seconds, stop)
    timer.start()
    try:
        yield fired
    finally:
        timer.cancel()


def settle(sandbox: SandboxProcess, quiet: float) -> None:
    """Wait until no request has reached the API for ``quiet`` seconds (up to 10 s), so what a
    server fetches after answering (ahead of a next page, say) is not charged to the next call."""
    deadline = time.monotonic() + 10
    seen = sandbox.stats()["api_requests_total"]
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = sandbox.stats()["api_requests_total"]
        if now == seen:
            return
        seen = now


def measure(
    contender: Contender, sandbox: SandboxProcess, call: Call, arguments: dict[str, Any]
) -> Measure:
    """One call, its counters zeroed first; a failure is the measure's error, not the bench's."""
    try:
        peer = contender.server()
        arguments = {**arguments, **next_page(contender, call)}
    except (PeerError, LookupError) as unready:
        return Measure(0, None, 0, 0, 0, error=str(unready)[:ERROR_CHARS])
    sandbox.reset_counters()
    fresh_peak = peer.reset_peak_rss()
    rss = peer.rss_bytes()
    started = time.perf_counter()
    text, error = answer(peer, call.tool, arguments)
    ms = (time.perf_counter() - started) * 1000
    stats = sandbox.stats()
    if call.key and not error:
        contender.answers[call.key] = parsed(text)
    return Measure(
        requests=int(stats["api_requests_total"]),
        round_trips=stats.get("api_round_trips"),
        ms=ms,
        rss_mb=(peak_rss(peer, fresh_peak, rss) - rss) / 2**20,
        bytes=len(text.encode()),
        error=error[:ERROR_CHARS],
    )


def answer(peer: StdioPeer, tool: str, arguments: dict[str, Any]) -> tuple[str, str]:
    """The call's text content, and what went wrong ("" if nothing): the tool's own error, a
    JSON-RPC error, or a server that died or outlasted CALL_TIMEOUT."""
    with watchdog(peer, CALL_TIMEOUT) as fired:
        try:
            result = peer.request("tools/call", {"name": tool, "arguments": arguments})
        except PeerError as failed:
            return "", f"no answer in {CALL_TIMEOUT:.0f} s" if fired.is_set() else str(failed)
    text = "".join(item.get("text", "") for item in result.get("content", []))
    if result.get("isError"):
        first = (text.splitlines() or ["isError, no text"])[0]
        return text, first.removeprefix(f"Error executing tool {tool}: ")
    return text, ""


def peak_rss(peer: StdioPeer, fresh_peak: bool, before: int) -> int:
    """The most RSS the server held during the call: the kernel's peak when it could be reset
    before the call, else RSS after it (``before`` if the server is gone)."""
    if peer.process.poll() is not None:
        return before
    after = peer.rss_bytes()
    return max(after, peer.peak_rss_bytes()) if fresh_peak else after


def next_page(contender: Contender, call: Call) -> dict[str, Any]:
    """The arguments that ask for the page after the one ``call.after`` answered."""
    if not call.after:
        return {}
    earlier = contender.answers.get(call.after)
    if earlier is None:
        raise LookupError(f"no first page: the call '{call.after}' failed")
    if earlier.get("next_cursor"):
        return {"cursor": earlier["next_cursor"]}
    if earlier.get("next_skip"):  # the previous code paged `query` by skip
        return {"skip": earlier["next_skip"]}
    raise LookupError(f"the first page ('{call.after}') has no next page")


def parsed(text: str) -> dict[str, Any]:
    try:
        answer = json.loads(text)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def shown(arguments: dict[str, Any], call: Call) -> str:
    """The call's arguments as the table shows them; a page as the one it continues."""
    parts = [f"{name}={json.dumps(value)}" for name, value in arguments.items()]
    if call.after:
        parts.append("cursor=<next page>")
    return ", ".join(parts) or "(none)"


# -- the table ---------------------------------------------------------------------------------


@dataclass
class SlowLink:
    sandbox_args: list[str]
    customers: int
    baseline_commit: str
    rows: list[Row]
    checks: list[Check]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def run_table(
    sandbox: SandboxProcess,
    profile: Profile,
    tmp: Path,
    latency_ms: float,
    sandbox_args: list[str],
    customers: int,
    say: Callable[[str], None],
) -> SlowLink:
    """Every listed tool's calls on both servers, turn about; then the issue's checks."""
    source = baseline_source(tmp / "previous")
    check_source(profile, source)
    facts = books_facts(profile)
    ours = Contender("ours", profile, None)
    previous = Contender("previous", profile, source)
    quiet = max(0.01, 2 * latency_ms / 1000)
    try:
        ours.start()
        previous.start()
        listed = [tool["name"] for tool in ours.server().tools]
        known = {tool["name"] for tool in previous.server().tools}
        rows = []
        for number, (call, skipped) in enumerate(planned(listed)):
            if skipped:
                rows.append(Row(call.tool, "-", "", "", "", "", None, None, skipped))
                continue
            arguments = {name: filled(value, facts) for name, value in call.arguments.items()}
            turn = [ours, previous] if number % 2 == 0 else [previous, ours]
            if call.tool not in known:  # a tool added since: nothing to compare it with
                turn = [ours]
            measures: dict[str, Measure] = {}
            for contender in turn:
                settle(sandbox, quiet)
                asked = arguments
                if contender is previous:
                    asked = {k: v for k, v in arguments.items() if k not in call.new}
                measures[contender.name] = measure(contender, sandbox, call, asked)
            row = Row(
                call.tool,
                shown(arguments, call),
                call.why,
                call.key,
                call.after,
                call.scan,
                measures["ours"],
                measures.get("previous"),
            )
            say(f"{call.tool}({row.call}): {brief(row.ours)} | previous {brief(row.previous)}")
            rows.append(row)
    finally:
        ours.close()
        previous.close()
    return SlowLink(sandbox_args, customers, BASELINE_COMMIT, rows, checks(rows))


def planned(listed: list[str]) -> Iterator[tuple[Call, str]]:
    """Each call of a listed tool (in the order of CALLS); then each listed tool without one,
    with why: a sign-in tool, or a tool this bench has not been taught to call yet."""
    for call in CALLS:
        if call.tool in listed:
            yield call, ""
    called = {call.tool for call in CALLS}
    for tool in listed:
        if tool in SIGN_IN_TOOLS:
            yield Call(tool, {}, ""), f"not measured: {SIGN_IN_TOOLS[tool]}"
        elif tool not in called:
            yield Call(tool, {}, ""), "NO CALL CHOSEN: add one to bench/slow_link.py CALLS"


def brief(measure: Measure | None) -> str:
    if measure is None:
        return "-"
    if measure.error:
        return f"error: {measure.error}"
    return f"{measure.requests} requests, {measure.ms:,.0f} ms"


# -- the checks ------------------------------------------------------------------------


def checks(rows: list[Row]) -> list[Check]:
    return [
        round_trips_check(rows),
        requests_check(rows, "aged_one", "One customer's aged debt: at most 2 requests", 2),
        faster_check(rows, "aged", "Company-wide aged debt: wall time against before"),
        requests_check(rows, "aged/page", "A cursor page of company-wide aged debt: 0 requests", 0),
        same_requests_check(rows, "nominal", "nominal_quiet"),
        nominal_check(rows, "nominal_streamed"),
    ]


def find(rows: list[Row], key: str) -> Row | None:
    """The row of the call ``key``; "x/page" is the page after call x's."""
    first, _, page = key.partition("/")
    for row in rows:
        if (row.after == first) if page else (row.key == first and not row.after):
            return row
    return None


def measured(rows: list[Row], key: str) -> tuple[Row, Measure] | Check:
    """The row and our measure, or the check's verdict when there is none to judge."""
    row = find(rows, key)
    if row is None or row.ours is None:
        return Check("", "unknown", f"the call '{key}' was not made")
    if row.ours.error:
        return Check("", "not met", f"the call failed: {row.ours.error}")
    return row, row.ours


def round_trips_check(rows: list[Row]) -> Check:
    name = "Every call but the scans: at most 2 sequential round trips"
    done = [row for row in rows if row.ours is not None]
    scans = ", ".join(f"{row.tool} ({row.scan}): {trips(row.ours)}" for row in done if row.scan)
    held = [row for row in done if not row.scan]
    if any(row.ours is not None and row.ours.round_trips is None for row in held):
        return Check(name, "unknown", "the sandbox does not count round trips yet")
    over = [
        f"{row.tool}({row.call}): {trips(row.ours)}"
        for row in held
        if row.ours is not None and (row.ours.error or (row.ours.round_trips or 0) > 2)
    ]
    detail = ("over: " + "; ".join(over) + ". " if over else "") + f"Scans, not held: {scans}"
    return Check(name, "not met" if over else "met", detail)


def trips(measure: Measure | None) -> str:
    if measure is None or measure.error:
        return "error"
    return "n/a" if measure.round_trips is None else str(measure.round_trips)


def requests_check(rows: list[Row], key: str, name: str, most: int) -> Check:
    found = measured(rows, key)
    if isinstance(found, Check):
        return Check(name, found.status, found.detail)
    row, ours = found
    before = row.previous.requests if row.previous and not row.previous.error else "error"
    detail = f"{ours.requests} requests (before: {before})"
    return Check(name, "met" if ours.requests <= most else "not met", detail)


def faster_check(rows: list[Row], key: str, name: str) -> Check:
    found = measured(rows, key)
    if isinstance(found, Check):
        return Check(name, found.status, found.detail)
    row, ours = found
    if row.previous is None or row.previous.error:
        return Check(name, "unknown", f"{ours.ms:,.0f} ms; the previous code failed")
    ratio = ours.ms / row.previous.ms if row.previous.ms else float("inf")
    detail = f"{ours.ms:,.0f} ms against {row.previous.ms:,.0f} ms before ({ratio:.2f})"
    return Check(name, "met" if ours.ms < row.previous.ms else "not met", detail)


def same_requests_check(rows: list[Row], busy: str, quiet: str) -> Check:
    name = (
        "Nominal activity over a financial year of whole periods: requests independent of"
        " the number of postings"
    )
    busy_found, quiet_found = measured(rows, busy), measured(rows, quiet)
    if isinstance(busy_found, Check):
        return Check(name, busy_found.status, busy_found.detail)
    if isinstance(quiet_found, Check):
        return Check(name, quiet_found.status, quiet_found.detail)
    loud, calm = busy_found[1], quiet_found[1]
    detail = (
        f"the busiest control account {loud.requests} requests, a quiet one {calm.requests}"
        f" (before: {'; '.join(was(find(rows, key)) for key in (busy, quiet))})"
    )
    return Check(name, "met" if loud.requests == calm.requests else "not met", detail)


def was(row: Row | None) -> str:
    before = row.previous if row else None
    return f"{before.requests} requests" if before else "not measured"


def nominal_check(rows: list[Row], key: str) -> Check:
    name = "Nominal activity, 1100 over a year off period boundaries: server RSS growth <= 20 MB"
    found = measured(rows, key)
    if isinstance(found, Check):
        return Check(name, found.status, found.detail)
    row, ours = found
    before = row.previous
    was = f"{before.requests} requests, {before.rss_mb:.1f} MB" if before else "not measured"
    detail = f"{ours.requests} requests, {ours.rss_mb:.1f} MB (before: {was})"
    return Check(name, "met" if ours.rss_mb <= 20 else "not met", detail)


# -- printing ----------------------------------------------------------------------------------


def table(slow: SlowLink) -> str:
    args = " ".join(slow.sandbox_args) or "with no latency (quick)"
    head = (
        f"Over a slow link: {slow.customers:,} customers, sandbox {args};"
        f" before = the code at {slow.baseline_commit}, the last commit before issue 11"
    )
    lines = [
        head,
        "",
        "| Tool | Call | Round trips | Requests | ms | RSS MB | Bytes"
        " | Before: round trips | Requests | ms | RSS MB | Bytes |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in slow.rows:
        call = cell(row.call) + (" (scan)" if row.scan else "")
        if row.skipped:
            lines.append(f"| {row.tool} | {row.skipped} |" + " - |" * 10)
            continue
        lines.append(f"| {row.tool} | {call} | {cells(row.ours)} | {cells(row.previous)} |")
    lines.append("")
    lines += [f"- {check.status}: {check.name}. {check.detail}" for check in slow.checks]
    return "\n".join(lines)


def cells(measure: Measure | None) -> str:
    if measure is None:
        return "(a new tool) | - | - | - | -"
    last = f"error: {cell(measure.error)}" if measure.error else f"{measure.bytes:,}"
    round_trips = "n/a" if measure.round_trips is None else str(measure.round_trips)
    return (
        f"{round_trips} | {measure.requests:,} | {measure.ms:,.0f} | {measure.rss_mb:.1f} | {last}"
    )


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
