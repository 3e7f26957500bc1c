"""server.json, the server's entry in the MCP Registry, against the registry's published schema
(packaging/registry/server.schema.json, vendored with its SOURCE.md) and against the package.

The registry accepts a PyPI package only if the package's README carries ``mcp-name: <name>``;
the name's namespace (io.github.<owner>) must be the publisher's own.
"""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest

from sage200_mcp import __version__
from sage200_mcp.cli import main
from tests.packaging.reads import ROOT, manifest, pyproject_version, variables_the_server_reads

SCHEMA_PATH = ROOT / "packaging" / "registry" / "server.schema.json"


def server_json() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((ROOT / "server.json").read_text())
    return loaded


def schema_errors(document: dict[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA_PATH.read_text())
    validator = jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def the_package() -> dict[str, Any]:
    (package,) = server_json()["packages"]
    return dict(package)


def test_server_json_is_valid_against_the_registry_schema_it_names() -> None:
    document = server_json()
    assert document["$schema"] == json.loads(SCHEMA_PATH.read_text())["$id"]
    assert schema_errors(document) == []


def test_the_schema_rejects_what_the_registry_rejects() -> None:
    too_long = {**server_json(), "description": "x" * 101}
    two_slashes = {**server_json(), "name": "io.github.sage200-mcp/sage200/mcp"}
    assert schema_errors(too_long) and schema_errors(two_slashes)


def test_the_name_and_version_are_the_packages() -> None:
    document = server_json()
    namespace, name = document["name"].split("/")
    assert re.fullmatch(r"io\.github\.[A-Za-z0-9-]+", namespace)
    assert name == the_package()["identifier"] == "sage200-mcp"
    assert document["version"] == the_package()["version"] == pyproject_version() == __version__


def test_the_readme_names_the_server_as_the_registry_checks_on_pypi() -> None:
    readme = (ROOT / "README.md").read_text()
    names = re.findall(r"<!--\s*mcp-name:\s*(\S+)\s*-->", readme)
    assert names == [server_json()["name"]]
    assert readme.index("mcp-name:") < readme.index("## ")  # near the top, before any section


def test_the_package_runs_the_stdio_server_with_uvx(capsys: pytest.CaptureFixture[str]) -> None:
    package = the_package()
    assert package["registryType"] == "pypi" and package["runtimeHint"] == "uvx"
    assert package["transport"] == {"type": "stdio"}
    arguments = [argument["value"] for argument in package["packageArguments"]]
    assert arguments == ["serve"]
    with pytest.raises(SystemExit) as exit_:
        main([*arguments, "--help"])  # a command of the CLI, stdio unless told otherwise
    assert exit_.value.code == 0 and "stdio" in capsys.readouterr().out


def test_every_variable_is_one_the_server_reads_and_only_the_secret_is_secret() -> None:
    variables = {v["name"]: v for v in the_package()["environmentVariables"]}
    assert set(variables) <= variables_the_server_reads(), (
        set(variables) - variables_the_server_reads()
    )
    assert {name for name, v in variables.items() if v["isSecret"]} == {"SAGE200_CLIENT_SECRET"}
    # the server starts without any of them (its tools then say what is missing)
    assert not any(v["isRequired"] for v in variables.values())
    assert all(v["description"] for v in variables.values())


def test_the_registry_and_the_desktop_extension_offer_the_same_settings() -> None:
    registry = {v["name"] for v in the_package()["environmentVariables"]}
    assert registry == set(manifest()["server"]["mcp_config"]["env"])
