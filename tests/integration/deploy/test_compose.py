"""deploy/compose.yaml, deploy/.env.example and deploy/Dockerfile hold together: three replicas
behind nginx, nginx given every placeholder its template has, every setting the server reads
documented, and the image built with the extra and the command the project has.

The compose file is read as YAML (anchors and aliases resolved, as compose resolves them) and
validated against the Compose Specification's JSON schema (schema/, vendored with its SOURCE.md):
the check ``docker compose config`` makes, without Docker Compose, which Debian packages only as
v1, too old for the file's top-level ``name:``.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from tests.loadbalancer import DEPLOY, TEMPLATE, placeholders

ROOT = DEPLOY.parent
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / ".env.example"
DOCKERFILE = DEPLOY / "Dockerfile"
SCHEMA_PATH = Path(__file__).parent / "schema" / "compose-spec.json"
REPLICA_PORT = 8000
# read by the code, but not by a team server's replicas (README, Configuration)
NOT_FOR_A_TEAM = {"SAGE200_CONFIG_DIR", "SAGE200_PROFILE", "SAGE200_NO_BROWSER", "SAGE200_TODAY"}


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def services() -> dict[str, Any]:
    found: dict[str, Any] = compose()["services"]
    return found


def replicas() -> list[str]:
    """The services that are the ``x-replica`` definition itself, in the file's order."""
    replica = compose()["x-replica"]
    return [name for name, service in services().items() if service == replica]


def nginx() -> dict[str, Any]:
    found: dict[str, Any] = services()["nginx"]
    return found


def schema_errors(document: object) -> list[str]:
    schema = json.loads(SCHEMA_PATH.read_text())
    # its $schema, https://json-schema.org/draft-07/schema, is not a spelling jsonschema looks up
    # (it would fall back to the latest draft): draft-07 is chosen here, and checked to be named
    assert schema["$schema"].rstrip("#") in {
        f"{scheme}://json-schema.org/draft-07/schema" for scheme in ("http", "https")
    }
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def env_example() -> tuple[dict[str, str], set[str]]:
    """The settings .env.example sets, and the names it mentions at all (commented ones too)."""
    text = ENV_EXAMPLE.read_text()
    assigned = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", text, re.MULTILINE))
    return assigned, set(re.findall(r"\b[A-Z][A-Z0-9_]*[A-Z0-9]\b", text))


def test_postgres_nginx_and_three_replicas_of_one_definition() -> None:
    assert set(services()) == {"postgres", "nginx", "replica1", "replica2", "replica3"}
    assert replicas() == ["replica1", "replica2", "replica3"]


def test_nginx_sends_to_every_replica_on_the_port_the_image_serves() -> None:
    listed = re.findall(r"server ([a-z0-9]+):(\d+);", nginx()["environment"]["NGINX_UPSTREAMS"])
    assert listed == [(name, str(REPLICA_PORT)) for name in replicas()]
    assert nginx()["depends_on"] == replicas()
    dockerfile = DOCKERFILE.read_text()
    assert f"EXPOSE {REPLICA_PORT}\n" in dockerfile
    assert f'"--port", "{REPLICA_PORT}"' in dockerfile
    command = compose()["x-replica"]["command"]  # the replicas' own
    assert command[command.index("--port") + 1] == str(REPLICA_PORT)


def test_nginx_is_given_every_placeholder_of_the_template_and_renders_them_all() -> None:
    wanted = placeholders(TEMPLATE.read_text())
    assert set(nginx()["environment"]) == wanted
    # the container's envsubst is told the same names: any other would be left as ${...}
    command = " ".join(nginx()["command"])
    listed = re.search(r"envsubst '([^']*)'", command)
    assert listed is not None
    assert set(re.findall(r"\$\$(NGINX_[A-Z_]+)", listed.group(1))) == wanted


def test_every_setting_the_server_reads_is_in_the_env_example() -> None:
    source = "\n".join(path.read_text() for path in (ROOT / "src").rglob("*.py"))
    read = set(re.findall(r'"(SAGE200_[A-Z_]+)"', source))
    assert "SAGE200_TOKEN_KEY" in read  # the search finds what it is meant to
    _, mentioned = env_example()
    assert sorted(read - NOT_FOR_A_TEAM - mentioned) == []
    assert mentioned >= NOT_FOR_A_TEAM  # said why they are not there


def test_the_env_example_sets_everything_compose_requires_with_no_real_secret() -> None:
    assigned, _ = env_example()
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", COMPOSE.read_text()))
    assert required == {"SAGE200_PUBLIC_URL", "POSTGRES_PASSWORD"}
    defaulted = set(re.findall(r"\$\{([A-Z0-9_]+):-", COMPOSE.read_text()))
    assert required | defaulted <= set(assigned)
    for name in ("SAGE200_CLIENT_SECRET", "SAGE200_TOKEN_KEY", "POSTGRES_PASSWORD"):
        assert assigned[name] == "CHANGE-ME"
    assert assigned["SAGE200_DATABASE_URL"].startswith("postgresql://sage200:CHANGE-ME@postgres:")


def test_the_image_installs_the_team_extra_and_runs_the_project_command() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dockerfile = DOCKERFILE.read_text()
    extra = re.search(r'pip install "\$\(ls /wheels/sage200_mcp-\*\.whl\)\[(\w+)\]"', dockerfile)
    assert extra is not None
    assert extra.group(1) in project["optional-dependencies"]
    assert {"psycopg[binary]>=3.2", "cryptography>=43"} <= set(
        project["optional-dependencies"][extra.group(1)]
    )
    entrypoint = re.search(r'^ENTRYPOINT \["([^"]+)"\]$', dockerfile, re.MULTILINE)
    assert entrypoint is not None
    assert entrypoint.group(1) in project["scripts"]
    # what the build is allowed to read is what the wheel's build needs
    assert project["readme"] == "README.md"
    assert "COPY pyproject.toml README.md LICENSE ./" in dockerfile


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    document = compose()
    assert document["name"] == "sage200-mcp"  # what compose v1 refuses, and the schema allows
    assert schema_errors(document) == []


def test_the_schema_rejects_what_compose_rejects() -> None:
    misspelt = compose()
    misspelt["services"]["postgres"]["restrat"] = "unless-stopped"
    # x-... is free-form to the schema: the replicas, aliases of it, carry the error
    no_such_condition = compose()
    no_such_condition["x-replica"]["depends_on"]["postgres"]["condition"] = "service_ready"
    assert schema_errors(misspelt) and schema_errors(no_such_condition)
