"""`setup`: the few questions that turn Sage's credentials email into a working configuration.

It writes ``config.toml`` (atomically, readable by the user alone), keeps what is there already
as the default of each answer, and writes the client secret only if the user agrees: otherwise
it shows the environment line to set, with a placeholder, never the secret itself. Prompts go to
stderr and answers come from stdin, so it can be scripted (a pipe of answers) as well as typed.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sage200_mcp.auth.loopback import is_loopback
from sage200_mcp.config import (
    DEFAULT_REDIRECT_URI,
    ENVIRONMENT,
    Settings,
    config_dir_of,
    read_toml,
    write_toml,
)
from sage200_mcp.console import err, out
from sage200_mcp.errors import ConfigError

Read = Callable[[], str]  # one line of input, "" at its end

KINDS = {"desktop": "desktop", "d": "desktop", "1": "desktop", "web": "web", "w": "web", "2": "web"}
EDITIONS = {
    "professional": "professional",
    "p": "professional",
    "standard": "standard",
    "s": "standard",
    "detect": "",
    "": "",
}
WRITTEN = ("client_type", "client_id", "client_secret", "edition", "redirect_uri")


@dataclass
class Prompter:
    """Asks on stderr and reads answers, the secret without echo where there is a terminal."""

    read: Read
    read_secret: Read

    def ask(self, question: str, default: str = "") -> str:
        shown = f" [{default}]" if default else ""
        sys.stderr.write(f"{question}{shown}: ")
        sys.stderr.flush()
        line = self.read()
        if not line:  # end of input: a pipe ran dry, or Ctrl-D
            raise ConfigError(
                "setup stopped: no answer was given. Run `sage200-mcp setup` in a terminal, or"
                " pipe it one answer per line."
            )
        return line.strip() or default

    def choose(self, question: str, choices: Mapping[str, str], default: str) -> str:
        while True:
            answer = self.ask(question, default).lower()
            if answer in choices:
                return choices[answer]
            err(f"  Please answer one of: {', '.join(k for k in choices if len(k) > 1)}.")

    def confirm(self, question: str, default: bool) -> bool:
        answer = self.choose(
            question,
            {"y": "y", "yes": "y", "n": "n", "no": "n"},
            "y" if default else "n",
        )
        return answer == "y"


def terminal_prompter() -> Prompter:
    typed = sys.stdin.isatty()
    return Prompter(
        read=sys.stdin.readline,
        # getpass reads the terminal itself without echo; a pipe is read as it is
        read_secret=(lambda: getpass.getpass("") + "\n") if typed else sys.stdin.readline,
    )


def setup(profile: str | None, prompter: Prompter, sign_in: Callable[[Settings], int]) -> int:
    """Ask, write config.toml, then offer to sign in (``sign_in`` is `login`'s own code)."""
    environ = os.environ
    target = _config_file(config_dir_of(environ), profile)
    current = read_toml(target)
    out(f"Setting up sage200-mcp: the answers go to {target}.")
    out("Sage sends the client id (and, for a web application, a secret) when it registers")
    out("your application; see the README, 'Getting Sage credentials'.")

    kind = prompter.choose(
        "Application type: desktop (a client id, no secret) or web (an id and a secret)",
        KINDS,
        str(current.get("client_type") or "desktop"),
    )
    client_id = _client_id(prompter, str(current.get("client_id") or ""))
    values: dict[str, str] = {"client_type": kind, "client_id": client_id}
    secret_saved = False
    if kind == "web":
        secret_saved = prompter.confirm(
            "Save the client secret in that file (readable by you alone)? Otherwise you set it"
            " in the environment",
            default=False,
        )
        if secret_saved:
            values["client_secret"] = _secret(prompter)
    edition = prompter.choose(
        "Edition: professional (Professional, on-premises or Extra Online), standard (Standard"
        " Online), or detect",
        EDITIONS,
        str(current.get("edition") or "detect"),
    )
    if edition:
        values["edition"] = edition
    values["redirect_uri"] = _redirect(prompter, kind, str(current.get("redirect_uri") or ""))

    kept = {k: v for k, v in current.items() if k not in WRITTEN}
    write_toml(target, {**kept, **values})
    out(f"Wrote {target}.")
    if kind == "web" and not secret_saved:
        out("The secret is not saved: set it where the server runs, for example")
        out("  export SAGE200_CLIENT_SECRET='<the secret Sage issued>'")
        out("or in the \"env\" of the server's entry in your MCP client's configuration.")
    _warn_of_overrides(environ, values)
    out("Next: `sage200-mcp install claude-desktop` (or claude-code, cursor, vscode, windsurf)")
    out("adds the server to your assistant.")
    if secret_saved or kind == "desktop":
        if prompter.confirm("Sign in to Sage now?", default=True):
            return sign_in(Settings.load(profile=profile))
        out("Sign in later with `sage200-mcp login`.")
    else:
        out("Once the secret is set, sign in with `sage200-mcp login`.")
    return 0


def _config_file(config_dir: Path, profile: str | None) -> Path:
    """The shared config.toml, or a named profile's own when one is given: credentials are
    usually one per person, profiles told apart by the company they choose."""
    if profile is None:
        return config_dir / "config.toml"
    return Settings.load(profile=profile).profile_config_path


def _client_id(prompter: Prompter, default: str) -> str:
    while True:
        answer = prompter.ask("Client id", default)
        if answer and not any(ch.isspace() for ch in answer):
            return answer
        err("  The client id is one word, as Sage sent it.")


def _secret(prompter: Prompter) -> str:
    while True:
        sys.stderr.write("Client secret (not shown): ")
        sys.stderr.flush()
        line = prompter.read_secret()
        if not line:
            raise ConfigError("setup stopped: no client secret was given.")
        if line.strip():
            return line.strip()
        err("  The secret is needed to save it; answer 'no' to the question before to skip.")


def _redirect(prompter: Prompter, kind: str, default: str) -> str:
    """The redirect URL registered with Sage: a loopback address for a desktop application,
    an https one for a web application (Sage registers nothing else for either)."""
    if kind == "desktop":
        question = "Redirect URL registered with Sage (a http://localhost address)"
        default = default if default and is_loopback(default) else DEFAULT_REDIRECT_URI
    else:
        question = "Redirect URL registered with Sage (an https address you control)"
        default = default if default.startswith("https://") else ""
    while True:
        answer = prompter.ask(question, default)
        parts = urlsplit(answer)
        if kind == "desktop" and is_loopback(answer) and parts.port:
            return answer
        if kind == "web" and parts.scheme == "https" and parts.hostname:
            return answer
        err(
            "  A desktop application's is http://localhost:<port>/<path>, for example "
            + DEFAULT_REDIRECT_URI
            if kind == "desktop"
            else "  A web application's starts with https://, exactly as registered with Sage."
        )


def _warn_of_overrides(environ: Mapping[str, str], values: Mapping[str, str]) -> None:
    """Environment variables win over the file: say so, or the answers seem ignored."""
    shadowed = [ENVIRONMENT[key] for key in values if environ.get(ENVIRONMENT[key])]
    if shadowed:
        err(
            f"Note: {', '.join(shadowed)} {'is' if len(shadowed) == 1 else 'are'} set in this"
            " environment and take precedence over the file."
        )
