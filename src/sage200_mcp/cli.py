"""The ``sage200-mcp`` command line.

Each subcommand parses its own options and returns an exit code; anticipated failures print one
clear line to stderr and exit non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import sys
from collections.abc import Callable, Sequence
from datetime import date

from sage200_mcp import __version__


class CliError(Exception):
    """A failure the user can act on; its message is printed as-is."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


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


def _add_sandbox(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
        default=None,
        metavar="URI",
        help="register a redirect URI (repeatable; default http://localhost:8765/callback)",
    )
    parser.add_argument(
        "--device-interval",
        type=_positive_int,
        default=5,
        help="polling interval of device sign-in, in seconds (default 5)",
    )
    parser.set_defaults(handler=_run_sandbox)


def _run_sandbox(args: argparse.Namespace) -> int:
    from sage200_mcp.sandbox.app import DEFAULT_REDIRECT_URI, Sandbox, SandboxSettings
    from sage200_mcp.sandbox.server import SandboxServer

    settings = SandboxSettings(
        seed=args.seed,
        customers=args.customers,
        access_token_ttl=args.access_token_ttl,
        refresh_token_ttl_days=args.refresh_token_ttl_days,
        latency_ms=args.latency_ms,
        today=args.today,
        redirect_uris=args.redirect_uri or [DEFAULT_REDIRECT_URI],
        device_interval=args.device_interval,
    )
    sandbox = Sandbox(settings)
    try:
        server = SandboxServer(sandbox, args.host, args.port)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise CliError(
                f"Port {args.port} is already in use; choose another with --port."
            ) from None
        raise CliError(f"Cannot listen on {args.host}:{args.port}: {error.strerror}.") from None
    sandbox.world.warm()
    origin = server.url
    print(
        f"Sage 200 sandbox on {origin}\n"
        f"  Sage ID:   {origin}/authorize  (client sandbox-client / secret sandbox-secret)\n"
        f"  API:       {origin}/uk/sage200extra/accounts/v1/  and  /uk/sage200/accounts/v1/\n"
        f"  Users:     demo@example.com / demo (3 companies), single@example.com / single (1)\n"
        f"  Redirects: {', '.join(settings.redirect_uris)}\n"
        "Press Ctrl+C to stop.",
        flush=True,
    )
    server.run()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sage200-mcp",
        description="An MCP server for Sage 200 (UK & Ireland), with a built-in sandbox.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_sandbox(commands)
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
    except CliError as error:
        print(f"sage200-mcp: {error}", file=sys.stderr)
        return error.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
