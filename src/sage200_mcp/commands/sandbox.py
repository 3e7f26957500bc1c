"""`sandbox`: the emulator of Sage ID and the Sage 200 API, served in the foreground."""

from __future__ import annotations

import argparse

from sage200_mcp.config import EDITION_PATHS
from sage200_mcp.console import out


def run(args: argparse.Namespace) -> int:
    from sage200_mcp.sandbox.app import Sandbox, SandboxSettings
    from sage200_mcp.sandbox.server import SandboxServer

    settings = SandboxSettings(
        seed=args.seed,
        customers=args.customers,
        postings=args.postings,
        cost_centres=args.cost_centres,
        unbalanced=args.unbalanced_books,
        access_token_ttl=args.access_token_ttl,
        refresh_token_ttl_days=args.refresh_token_ttl_days,
        latency_ms=args.latency_ms,
        today=args.today,
        redirect_uris=args.redirect_uri,
        device_interval=args.device_interval,
        device_flow=args.device_flow,
        count_style=args.count_style,
        error_style=args.error_style,
        bad_company_status=args.bad_company_status,
        tunnel_timeout_rows=args.tunnel_timeout_rows,
        edition=args.edition,
    )
    sandbox = Sandbox(settings)
    server = SandboxServer(sandbox, args.host, args.port)
    sandbox.world.warm()
    origin = server.url
    clients = "".join(
        f"\n    {client.client_id} ({client.kind}, "
        + (f"secret {client.secret}" if client.secret else "no secret, PKCE")
        + f"): {', '.join(client.redirect_uris)}"
        for client in sandbox.identity.clients.values()
    )
    styles = ", ".join(f"{k} {v}" for k, v in sandbox.stats()["styles"].items())
    out(
        f"Sage 200 sandbox on {origin}\n"
        f"  Sage ID:   {origin}/authorize\n"
        f"  Clients:{clients}\n"
        f"  API:       {origin}/{EDITION_PATHS['professional']}  and"
        f"  /{EDITION_PATHS['standard']}\n"
        "  Users:     demo@example.com / demo (3 companies), single@example.com / single (1),"
        " pat@example.com / pat (2)\n"
        f"  Playing:   {styles}\n"
        "Press Ctrl+C to stop."
    )
    server.run()
    return 0
