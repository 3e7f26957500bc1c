"""Rules between the rooms that import contracts can't see (those are in pyproject.toml and run
by `make lint`): raw OData lives in api/ only, and nothing in the package asserts at run time."""

from __future__ import annotations

import ast
from pathlib import Path

import sage200_mcp

PACKAGE = Path(sage200_mcp.__file__).parent
QUERY_OPTIONS = {"$filter", "$select", "$orderby", "$top", "$skip", "$count", "$expand"}


def _strings(path: Path) -> list[tuple[int, str]]:
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_tools_leave_odata_to_the_api_layer() -> None:
    found = [
        f"{path.name}:{line} {text!r}"
        for path in sorted((PACKAGE / "tools").glob("*.py"))
        for line, text in _strings(path)
        if text in QUERY_OPTIONS or text.startswith(("$filter=", "$select="))
    ]
    assert not found, "OData query options built in tools/ (move them to api/):\n" + "\n".join(
        found
    )


def test_no_assert_in_the_package() -> None:
    """An assert is gone under `python -O` and, when it fires, a bare AssertionError reaches the
    model as "Error executing tool": the package raises errors that say what to do instead."""
    found = [
        f"{path.relative_to(PACKAGE)}:{node.lineno}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Assert)
    ]
    assert not found, "assert statements in the package:\n" + "\n".join(found)
