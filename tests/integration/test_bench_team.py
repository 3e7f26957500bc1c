"""The team bench (bench/team.py; `python -m bench --team`) still runs: replicas behind nginx
on PostgreSQL, then one replica in-process whose database statements it counts.

Timings are never asserted. The counts are facts: a statement counted against the wrong call
would leave a fraction per call, each HTTP request's bearer check is exactly one, and a Sage
token refreshed for one request is the store's single flight, five (as in test_store.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.loadbalancer import require_nginx
from tests.postgres import require_postgres
from tests.team_topology import PEOPLE

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_the_quick_team_bench_loads_both_deployments_and_counts_round_trips(
    tmp_path: Path,
) -> None:
    require_postgres()
    require_nginx()
    out = tmp_path / "team.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench.team", "--quick", "--json", str(out)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    written = json.loads(out.read_text())
    calls = written["workload"]["calls"] * len(PEOPLE)
    assert sorted(r["replicas"] for r in written["rounds"]) == [1, 3]
    assert all(r["calls"] == calls and r["seconds"] > 0 for r in written["rounds"])
    trips = {t["kind"]: t["per_call"] for t in written["trips"]}
    assert trips.pop("bearer check, every HTTP request (a ping)") == 1
    assert trips["Sage token refresh, once per expiry (beyond the call's own)"] == 5
    assert len(trips) == 8
    for kind, per_call in trips.items():
        assert per_call >= 1 and per_call == int(per_call), (kind, per_call)
        assert kind in run.stdout  # the printed table
    assert "| Calls/s |" in run.stdout
