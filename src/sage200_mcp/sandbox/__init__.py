"""A faithful local emulator of Sage ID and the Sage 200 API, with seeded books.

It plays Sage, so it imports nothing from the client side of this package (only Sage's own
OpenAPI files), and the server never imports it except for ``--demo``.

``__all__`` is what code outside the sandbox may use; everything else is the sandbox's own and
may change. The names load on first use, not here: the command line imports ``styles`` and
``shape`` for its choices on every run, and must not pay for Starlette, uvicorn and the seed
with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sage200_mcp.sandbox import shape, styles
    from sage200_mcp.sandbox.app import Sandbox, SandboxSettings
    from sage200_mcp.sandbox.identity import redirect_kind
    from sage200_mcp.sandbox.server import SandboxServer
    from sage200_mcp.sandbox.styles import ApiStyle

__all__ = [
    "ApiStyle",
    "Sandbox",
    "SandboxServer",
    "SandboxSettings",
    "redirect_kind",
    "shape",
    "styles",
]

# public name -> the module that defines it (a module itself when the name is the module's)
_HOMES = {
    "ApiStyle": "sage200_mcp.sandbox.styles",
    "Sandbox": "sage200_mcp.sandbox.app",
    "SandboxServer": "sage200_mcp.sandbox.server",
    "SandboxSettings": "sage200_mcp.sandbox.app",
    "redirect_kind": "sage200_mcp.sandbox.identity",
    "shape": "sage200_mcp.sandbox.shape",
    "styles": "sage200_mcp.sandbox.styles",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(home)
    return module if name in ("shape", "styles") else getattr(module, name)
