"""What the packaging files may promise about the server: the environment variables it reads,
and the version it reports."""

from __future__ import annotations

import importlib
import json
import re
import tomllib
from pathlib import Path
from typing import Any

from sage200_mcp.config import ENVIRONMENT

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "sage200_mcp"
MANIFEST_PATH = ROOT / "packaging" / "mcpb" / "manifest.json"
# a read of one named variable, as the code writes it (os.environ.get / environ.get / getenv)
_READ = re.compile(r"""(?:environ\.get|getenv)\(\s*["'](SAGE200_[A-Z0-9_]+)["']""")


def variables_the_server_reads() -> set[str]:
    """The settings' variables (config.ENVIRONMENT) and every other one the source reads by
    name, found in the source itself: a list kept here by hand could name a variable the server
    has stopped reading, and a client setting it would then change nothing."""
    found = {name for path in SOURCE.rglob("*.py") for name in _READ.findall(path.read_text())}
    return found | set(ENVIRONMENT.values())


def pyproject_version() -> str:
    """The version the wheel gets: pyproject.toml has none of its own, only the attribute
    setuptools reads it from, so this is that attribute's value."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in pyproject["project"]["dynamic"]
    attribute = pyproject["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    module, _, name = attribute.rpartition(".")
    return str(getattr(importlib.import_module(module), name))


def manifest() -> dict[str, Any]:
    """The Claude Desktop extension's manifest, as committed (and packed by `make mcpb`)."""
    loaded: dict[str, Any] = json.loads(MANIFEST_PATH.read_text())
    return loaded
