"""Which addresses ``serve --transport http`` may listen on: any, with team sign-in (``--team``);
without it, loopback only, unless the user accepts the risk by name (``--insecure-no-auth``)."""

from __future__ import annotations

import ipaddress

from sage200_mcp.errors import ConfigError

TEAM_WITHOUT_AUTH = (
    "--team signs each person in, and --insecure-no-auth turns sign-in off: choose one (a team"
    " server needs no --insecure-no-auth to listen on any address)."
)
TEAM_OVER_STDIO = "--team serves a team over HTTP: add --transport http (and --host, --port)."

INSECURE_WARNING = (
    "sage200-mcp: WARNING: --insecure-no-auth: there is no sign-in. Anyone who can reach"
    " {where} can read the books of every company this profile can reach. Use it only on a"
    " network you trust, behind a firewall.\n"
)


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine.

    A name other than ``localhost`` may resolve to any interface (and resolve differently
    tomorrow), so only literal loopback addresses and ``localhost`` count.
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, *, team: bool, insecure_no_auth: bool) -> None:
    """Refuse a listener that would serve the books to the network without sign-in."""
    if team and insecure_no_auth:
        raise ConfigError(TEAM_WITHOUT_AUTH)
    if team:
        return  # every request carries a person's token, checked before anything is read
    if not insecure_no_auth and not is_loopback(host):
        raise ConfigError(
            f"Refusing to listen on {host}: without sign-in anyone who reaches the port could"
            " read the books. Listen on 127.0.0.1 (the default), or pass --insecure-no-auth to"
            " accept that risk."
        )
