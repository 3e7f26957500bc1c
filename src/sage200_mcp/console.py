"""Writing to the terminal from commands: results to stdout, progress and problems to stderr.

Only the CLI uses this; the stdio server's stdout carries JSON-RPC alone.
"""

from __future__ import annotations

import sys


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def err(text: str = "") -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()
