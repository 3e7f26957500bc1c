"""The ``sage200-mcp`` command line.

Each subcommand parses its own options and returns an exit code; anticipated failures print one
clear line to stderr and exit non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sage200_mcp import __version__
from sage200_mcp.config import Settings
from sage200_mcp.errors import Sage200Error

Command = Callable[[argparse.Namespace], int]


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be between 0 and 65535")
    return value


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a date such as 2026-11-28") from None


def _redirect_uri(text: str) -> str:
    from sage200_mcp.sandbox.identity import redirect_kind

    try:
        redirect_kind(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _add_sandbox_styles(parser: argparse.ArgumentParser) -> None:
    """The options that play each unknown of the real service one way or the other."""
    from sage200_mcp.sandbox import styles

    parser.add_argument(
        "--device-flow",
        action="store_true",
        help="offer device sign-in (RFC 8628); off by default, as Sage ID is not known to",
    )
    parser.add_argument(
        "--count-style",
        choices=styles.COUNT_STYLES,
        default="number",
        help="what $count=true answers: a bare number (default), OData's"
        ' {"@odata.count", "value"}, or a 400',
    )
    parser.add_argument(
        "--error-style",
        choices=styles.ERROR_STYLES,
        default="message",
        help='the body of API errors: {"Message"} (default), a gateway list, or empty',
    )
    parser.add_argument(
        "--bad-company-status",
        type=int,
        choices=styles.BAD_COMPANY_STATUSES,
        default=403,
        help="the status for missing, unknown or forbidden X-Site/X-Company (default 403)",
    )
    parser.add_argument(
        "--tunnel-timeout-rows",
        type=_positive_int,
        default=None,
        metavar="N",
        help="answer 504, as a slow on-premises tunnel, to any list request for more than N"
        " rows (no $top asks for 500); default off",
    )
    parser.add_argument(
        "--edition",
        choices=styles.EDITIONS,
        default="both",
        help="which edition's base path serves the books (default both); the other answers 404",
    )


def _cost_centres(text: str) -> int:
    from sage200_mcp.sandbox import shape

    value = int(text)
    if not 0 <= value <= shape.MAX_COST_CENTRES:
        raise argparse.ArgumentTypeError(f"must be from 0 to {shape.MAX_COST_CENTRES}")
    return value


def _add_sandbox(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from sage200_mcp.sandbox import shape

    parser = commands.add_parser(
        "sandbox",
        help="run the built-in emulator of Sage ID and the Sage 200 API",
        description="Serve a local Sage ID and Sage 200 API with seeded books, for trying the"
        " server without a Sage account.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8200, help="port (default 8200)")
    parser.add_argument(
        "--customers",
        type=_positive_int,
        default=500,
        help="customers in the main company (default 500, up to 50000 and more)",
    )
    parser.add_argument("--seed", type=int, default=200, help="seed of the books (default 200)")
    parser.add_argument(
        "--postings",
        choices=shape.POSTINGS,
        default="daily",
        help="how sales and purchase documents reach the nominal ledger: one batch per ledger"
        " a day (default), or each document on its own, line by line",
    )
    parser.add_argument(
        "--cost-centres",
        type=_cost_centres,
        default=None,
        metavar="N",
        help=f"split the main company's profit and loss codes by N cost centres (0 to"
        f" {shape.MAX_COST_CENTRES}) of {len(shape.DEPARTMENTS)} departments each; default"
        f" {shape.BIG_COMPANY_COST_CENTRES} from {shape.SPLIT_FROM_CUSTOMERS:,} customers,"
        " none below",
    )
    parser.add_argument(
        "--unbalanced-books",
        action="store_true",
        help="post a one-sided debit of 1,234.56 to the main company's debtors control account"
        " (1100) this period, so its trial balance fails to balance; for trying the checks",
    )
    parser.add_argument(
        "--today",
        type=_iso_date,
        default=None,
        help="the books' today (default: the real date), for reproducible books",
    )
    parser.add_argument(
        "--access-token-ttl",
        type=_positive_int,
        default=28800,
        help="access token lifetime in seconds (default 28800, as Sage's)",
    )
    parser.add_argument(
        "--refresh-token-ttl-days",
        type=float,
        default=90,
        help="refresh token lifetime in days (default 90)",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0,
        help="delay added to every API request, in milliseconds",
    )
    parser.add_argument(
        "--redirect-uri",
        action="append",
        type=_redirect_uri,
        default=[],
        metavar="URI",
        help="register another redirect URI (repeatable): an https URI with the web client"
        " sandbox-client, a loopback http URI with the desktop client sandbox-desktop",
    )
    parser.add_argument(
        "--device-interval",
        type=_positive_int,
        default=5,
        help="polling interval of device sign-in, in seconds (default 5)",
    )
    _add_sandbox_styles(parser)

    def handler(args: argparse.Namespace) -> int:
        from sage200_mcp.commands import sandbox

        return sandbox.run(args)

    parser.set_defaults(handler=handler)


def _with_profile(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        default=None,
        help="which saved sign-in to use (default: SAGE200_PROFILE or 'default')",
    )


def _add_account(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    login = commands.add_parser(
        "login",
        help="sign in with Sage ID in the browser",
        description="Sign in with Sage ID. By default a browser opens and the sign-in returns to"
        " a listener on the redirect URI (SAGE200_REDIRECT_URI).",
    )
    _with_profile(login)
    mode = login.add_mutually_exclusive_group()
    mode.add_argument(
        "--no-browser",
        action="store_const",
        dest="mode",
        const="paste",
        help="print the sign-in address and accept the redirected URL, pasted",
    )
    mode.add_argument(
        "--device",
        action="store_const",
        dest="mode",
        const="device",
        help="sign in with a code on another device (RFC 8628), where offered",
    )
    login.set_defaults(mode="browser", handler=lambda a: _account().login(_settings(a), a.mode))

    logout = commands.add_parser("logout", help="revoke and delete this profile's saved sign-in")
    _with_profile(logout)
    logout.set_defaults(handler=lambda a: _account().logout(_settings(a)))

    status = commands.add_parser(
        "status",
        help="who is signed in, the edition, the company, and how long the sign-in lasts",
        description="Show the saved sign-in (never a token). Exits 0 when signed in, 1 when not.",
    )
    _with_profile(status)
    status.set_defaults(handler=lambda a: _account().status(_settings(a)))

    doctor = commands.add_parser(
        "doctor",
        help="check every hop to your Sage 200 books and print a report for a bug report",
        description="A read-only check of the configuration, Sage ID, the sign-in and its"
        " renewal, both editions' /sites, the selected company, $count support, error bodies,"
        " a 1-row and a 1000-row read, and the lookup resources. The report holds no token and"
        " hashes every identifier. Exits 0 only when every hop passes.",
    )
    _with_profile(doctor)
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")

    def run_doctor(args: argparse.Namespace) -> int:
        from sage200_mcp.commands.doctor import doctor as run

        return run(_settings(args), args.json)

    doctor.set_defaults(handler=run_doctor)


def _add_setup(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    setup = commands.add_parser(
        "setup",
        help="answer a few questions to configure your Sage credentials, then sign in",
        description="Ask for the application type, client id (and secret, saved only if you"
        " agree), edition and redirect URL, write config.toml, then offer to sign in.",
    )
    setup.add_argument(
        "--profile",
        default=None,
        help="write this profile's own config.toml (default: the shared one, for every profile)",
    )

    def run_setup(args: argparse.Namespace) -> int:
        from sage200_mcp.commands import setup

        return setup.setup(
            args.profile,
            setup.terminal_prompter(),
            lambda settings: _account().login(settings, "browser"),
        )

    setup.set_defaults(handler=run_setup)


def _add_server(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the MCP server (stdio by default)",
        description="Run the MCP server: over stdio for desktop clients, or streamable HTTP.",
    )
    _with_profile(serve)
    serve.add_argument(
        "--transport",
        choices=("stdio", "http"),
        default="stdio",
        help="stdio (default) or streamable HTTP",
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="HTTP interface (default 127.0.0.1; Host/Origin checks stay on)",
    )
    serve.add_argument("--port", type=_port, default=8000, help="HTTP port (default 8000)")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="serve the built-in sandbox's books, signed in as its demo user",
    )
    serve.add_argument(
        "--toolsets",
        default=None,
        metavar="LIST",
        help="tools to offer: a comma list of customers, suppliers, orders, stock, nominal,"
        " query (default: all; also SAGE200_TOOLSETS)",
    )

    _add_exposure(serve)

    def run_serve(args: argparse.Namespace) -> int:
        from sage200_mcp.commands.serve import serve as run
        from sage200_mcp.serving.limits import HttpLimits

        load = None if args.demo else functools.partial(Settings.load, profile=args.profile)
        limits = HttpLimits(
            header_timeout=args.header_timeout,
            body_timeout=args.body_timeout,
            max_body_size=args.max_body_size,
            max_connections=args.max_connections,
            session_idle_timeout=args.session_idle_timeout,
            rate_limit=args.rate_limit,
        )
        return run(
            load,
            args.transport,
            args.host,
            args.port,
            args.toolsets,
            limits=limits,
            team=args.team,
            insecure_no_auth=args.insecure_no_auth,
            public_url=args.public_url,
            access_token_ttl=args.access_token_ttl,
        )

    serve.set_defaults(handler=run_serve)

    sites = commands.add_parser("sites", help="list the sites and companies you can reach")
    _with_profile(sites)
    sites.set_defaults(handler=lambda a: _sites().sites(_settings(a)))

    use = commands.add_parser(
        "use",
        help="choose the company the server reads",
        description="Choose the company by company id, site id, or part of its name.",
    )
    _with_profile(use)
    use.add_argument("site", help="company id, site id, or part of a company or site name")
    use.set_defaults(handler=lambda a: _sites().use(_settings(a), a.site))

    demo = commands.add_parser(
        "demo",
        help="a guided tour against the built-in sandbox, no account needed",
        description="Run the server against the built-in sandbox, ask it a few questions as an"
        " MCP client would, and print configuration for Claude Desktop, Claude Code, VS Code"
        " and Cursor.",
    )

    def run_demo(args: argparse.Namespace) -> int:
        from sage200_mcp.commands.demo import demo as run

        return run()

    demo.set_defaults(handler=run_demo)


def _positive_seconds(text: str) -> float:
    value = float(text)
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


def _add_exposure(serve: argparse.ArgumentParser) -> None:
    from sage200_mcp.serving.limits import HttpLimits

    default = HttpLimits()
    exposure = serve.add_argument_group(
        "HTTP exposure",
        "Without sign-in, --host must be a loopback address (127.0.0.0/8, ::1, localhost).",
    )
    exposure.add_argument(
        "--team",
        action="store_true",
        help="team mode: each person signs in with Sage ID through this server (OAuth 2.1);"
        " state in SAGE200_DATABASE_URL, Sage tokens sealed with SAGE200_TOKEN_KEY, who may"
        " sign in in SAGE200_TEAM_ALLOW; any --host",
    )
    exposure.add_argument(
        "--public-url",
        metavar="URL",
        help="with --team: the https origin clients reach (a load balancer's), whose"
        " /sage/callback is registered with Sage (default: this listener, on loopback only;"
        " or SAGE200_PUBLIC_URL)",
    )
    exposure.add_argument(
        "--access-token-ttl",
        type=_positive_seconds,
        metavar="SECONDS",
        help="with --team: how long the access tokens this server issues live (default 900);"
        " clients renew them with a rotated refresh token",
    )
    exposure.add_argument(
        "--insecure-no-auth",
        action="store_true",
        help="listen on any --host without sign-in: anyone who can reach the port can read the"
        " books; requests are rate-limited per client address",
    )
    limits = serve.add_argument_group("HTTP limits")
    limits.add_argument(
        "--header-timeout",
        type=_positive_seconds,
        default=default.header_timeout,
        metavar="SECONDS",
        help="close a connection whose request head takes longer (default"
        f" {default.header_timeout:g})",
    )
    limits.add_argument(
        "--body-timeout",
        type=_positive_seconds,
        default=default.body_timeout,
        metavar="SECONDS",
        help="close a connection whose request body takes longer (default"
        f" {default.body_timeout:g})",
    )
    limits.add_argument(
        "--max-body-size",
        type=_positive_int,
        default=default.max_body_size,
        metavar="BYTES",
        help=f"answer 413 to a larger request body (default {default.max_body_size})",
    )
    limits.add_argument(
        "--max-connections",
        type=_positive_int,
        default=default.max_connections,
        metavar="N",
        help="past N open connections, close the one waiting longest for a request head, or"
        f" if none is, answer 503 to the new one (default {default.max_connections})",
    )
    limits.add_argument(
        "--session-idle-timeout",
        type=_positive_seconds,
        default=default.session_idle_timeout,
        metavar="SECONDS",
        help="close an MCP session unused this long; its client starts a new one (default"
        f" {default.session_idle_timeout:g})",
    )
    limits.add_argument(
        "--rate-limit",
        type=_positive_int,
        default=default.rate_limit,
        metavar="N",
        help="answer 429 past N requests a minute per client address (--insecure-no-auth), or"
        " refuse tool calls past N a minute per person (--team)"
        f" (default {default.rate_limit})",
    )


def _add_install(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from sage200_mcp.install.clients import CLIENTS

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("client", choices=sorted(CLIENTS), help="the MCP client")
        parser.add_argument("--name", default="sage200", help="the server's name (default sage200)")
        parser.add_argument(
            "--scope",
            choices=("user", "project", "workspace"),
            default=None,
            help="user (default): every project; project/workspace: this directory's file"
            " (.mcp.json, .cursor/mcp.json, .vscode/mcp.json)",
        )
        parser.add_argument(
            "--workspace",
            default=None,
            metavar="DIR",
            help="the project directory (implies --scope project)",
        )
        parser.add_argument(
            "--config",
            default=None,
            metavar="PATH",
            help="edit this file instead of the client's own",
        )

    install = commands.add_parser(
        "install",
        help="add this server to an MCP client's config (Claude Desktop, Claude Code, ...)",
        description="Add this server to the client's config file, leaving everything else in it"
        " as it was; the file is backed up first. Never writes a secret.",
    )
    common(install)
    install.add_argument("--demo", action="store_true", help="serve the built-in sandbox's books")
    _with_profile(install)
    install.add_argument("--toolsets", default=None, metavar="LIST", help="as for serve")
    install.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a non-secret setting for the server, such as SAGE200_EDITION=standard (repeatable)",
    )
    install.add_argument(
        "--uvx", action="store_true", help="start the server with `uvx sage200-mcp`"
    )
    install.add_argument(
        "--print", action="store_true", dest="show_only", help="show the entry; write nothing"
    )

    def run_install(args: argparse.Namespace) -> int:
        from sage200_mcp.commands.install import install as run

        return run(
            args.client,
            args.name,
            scope=args.scope,
            workspace=args.workspace,
            config=args.config,
            demo=args.demo,
            profile=args.profile,
            toolsets=args.toolsets,
            env_pairs=args.env,
            uvx=args.uvx,
            show_only=args.show_only,
        )

    install.set_defaults(handler=run_install)

    uninstall = commands.add_parser(
        "uninstall",
        help="take this server out of an MCP client's config",
        description="Remove only this server's entry from the client's config file (backed up"
        " first).",
    )
    common(uninstall)

    def run_uninstall(args: argparse.Namespace) -> int:
        from sage200_mcp.commands.install import uninstall as run

        return run(
            args.client, args.name, scope=args.scope, workspace=args.workspace, config=args.config
        )

    uninstall.set_defaults(handler=run_uninstall)


def _add_team(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The admin commands of a team server, run on its machine with the replicas' environment."""
    team = commands.add_parser(
        "team",
        help="a team server's admin: who signed in, revoking, toolsets, the audit log, keys",
        description="Administer a team server from its machine, with the replicas' environment"
        " (SAGE200_DATABASE_URL, SAGE200_TOKEN_KEY). Needs the [team] extra.",
    )

    def usage(args: argparse.Namespace) -> int:
        team.print_help(sys.stderr)
        return 2

    team.set_defaults(handler=usage)
    actions = team.add_subparsers(dest="team_command", metavar="ACTION")

    def run(action: str) -> Command:
        def handler(args: argparse.Namespace) -> int:
            from sage200_mcp.commands import team as admin

            if action == "users":
                return admin.users(args.json)
            if action == "allow":
                return admin.allow(args.who)
            if action == "revoke":
                return admin.revoke(args.who, args.yes)
            if action == "toolsets":
                return admin.toolsets(args.who, args.toolsets)
            if action == "audit":
                return admin.audit(args.since, args.person, args.limit, args.json_lines)
            return admin.rotate_key()

        return handler

    def who(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "who", metavar="EMAIL|SUBJECT", help="the person's email, or their Sage ID subject"
        )

    users = actions.add_parser(
        "users",
        help="everyone who has signed in: status, toolsets, Sage sign-in, last seen",
        description="List everyone who has signed in: email, name, allowed or revoked, their"
        " toolsets, whether a Sage sign-in is held and until when (never a token), and when"
        " they were last seen (their latest tool call, else their sign-in), in UTC.",
    )
    users.add_argument("--json", action="store_true", help="print a JSON list")
    users.set_defaults(handler=run("users"))

    revoke = actions.add_parser(
        "revoke",
        help="bar a person at once, ending their sign-in and tokens",
        description="Bar a person at once: their Sage sign-in, codes and tokens on this server"
        " are deleted, so their next request is refused. Their Sage refresh token is revoked"
        " at Sage ID too, where it can be (SAGE200_CLIENT_ID and SAGE200_CLIENT_SECRET as the"
        " server has them). `team allow` undoes it.",
    )
    who(revoke)
    revoke.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    revoke.set_defaults(handler=run("revoke"))

    allow = actions.add_parser(
        "allow",
        help="undo a revocation: the person may sign in again",
        description="Let a revoked person sign in again (SAGE200_TEAM_ALLOW must still admit"
        " them).",
    )
    who(allow)
    allow.set_defaults(handler=run("allow"))

    toolsets = actions.add_parser(
        "toolsets",
        help="choose the toolsets one person gets",
        description="Choose one person's toolsets: a comma list of customers, suppliers,"
        " orders, stock, nominal, query; or all, for every toolset the server offers.",
    )
    who(toolsets)
    toolsets.add_argument("toolsets", metavar="LIST|all")
    toolsets.set_defaults(handler=run("toolsets"))

    audit = actions.add_parser(
        "audit",
        help="the audit log of tool calls, as a table or JSON lines",
        description="Show the audit log: one row per tool call (who, company, tool, arguments,"
        " result size, duration, outcome; never the data or a token). A table of the latest 50"
        " by default; --json-lines streams the whole log for export (sage200-mcp team audit"
        " --json-lines > audit.jsonl).",
    )
    audit.add_argument(
        "--since",
        metavar="ISO",
        help="from this date or time on, as 2026-12-01 or 2026-12-01T09:30 (UTC unless it"
        " carries an offset)",
    )
    audit.add_argument("--person", metavar="EMAIL|SUBJECT", help="only this person's calls")
    audit.add_argument(
        "--limit",
        type=_positive_int,
        metavar="N",
        help="the N latest calls (default 50 for the table, every one for --json-lines)",
    )
    audit.add_argument(
        "--json-lines", action="store_true", help="one JSON object a line, oldest first"
    )
    audit.set_defaults(handler=run("audit"))

    rotate = actions.add_parser(
        "rotate-key",
        help="re-encrypt every stored Sage sign-in with a new SAGE200_TOKEN_KEY",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Re-encrypt every stored Sage sign-in with SAGE200_TOKEN_KEY, and print how"
        " many were.\n\nTo rotate the key:\n"
        "  1. Make a new key: openssl rand -base64 32\n"
        "  2. On every replica, set SAGE200_TOKEN_KEY to the new key and\n"
        "     SAGE200_TOKEN_KEY_PREVIOUS to the old one, and restart it (a replica\n"
        "     reads sign-ins under either key and writes them under the new one).\n"
        "  3. Run `sage200-mcp team rotate-key` once, with that same environment.\n"
        "  4. Remove SAGE200_TOKEN_KEY_PREVIOUS from every replica, restart them,\n"
        "     and destroy the old key.\n"
        "A lost key cannot be recovered: revoke everyone, and each person signs in again.",
    )
    rotate.set_defaults(handler=run("rotate-key"))


def _sites() -> Any:
    from sage200_mcp.commands import sites

    return sites


def _account() -> Any:
    from sage200_mcp.commands import account

    return account


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.load(profile=args.profile)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sage200-mcp",
        description="An MCP server for Sage 200 (UK & Ireland), with a built-in sandbox.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_setup(commands)
    _add_server(commands)
    _add_account(commands)
    _add_sandbox(commands)
    _add_install(commands)
    _add_team(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Command | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return handler(args)
    except Sage200Error as error:
        print(f"sage200-mcp: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("sage200-mcp: interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
