"""The sandbox's borders: it imports nothing of the client it tests, and offers a small surface.

A sandbox that borrowed the client's code could agree with the client's mistakes, so the rule is
checked on the source, not left to review.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import sage200_mcp.sandbox as sandbox

SANDBOX = Path(sandbox.__file__).parent
# what the sandbox may import from the rest of the package: Sage's own spec data and OData
# grammar, and generic plumbing shared with the server (a listening socket, file helpers)
ALLOWED = (
    "sage200_mcp.sandbox",
    "sage200_mcp.openapi",
    "sage200_mcp.listener",
    "sage200_mcp.files",
)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "path", sorted(SANDBOX.rglob("*.py")), ids=lambda p: str(p.relative_to(SANDBOX))
)
def test_no_sandbox_module_imports_the_client_side(path: Path) -> None:
    package = {name for name in _imports(path) if name.split(".")[0] == "sage200_mcp"}
    foreign = {
        name
        for name in package
        if not any(name == allowed or name.startswith(f"{allowed}.") for allowed in ALLOWED)
    }
    assert not foreign


@pytest.mark.parametrize("name", sandbox.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(sandbox, name) is not None


def test_the_command_lines_import_of_styles_stays_light() -> None:
    """The command line reads the style choices on every run, even ``serve``."""
    code = (
        "import sys\n"
        "from sage200_mcp.sandbox import styles\n"
        "assert styles.COUNT_STYLES\n"
        "heavy = [m for m in ('starlette', 'uvicorn', 'sage200_mcp.sandbox.app',"
        " 'sage200_mcp.sandbox.seed') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    # the child imports this very tree, wherever the installed package points
    paths = [str(SANDBOX.parents[1]), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60, env=env)
