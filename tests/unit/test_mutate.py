"""The mutation runner (tests/mutate.py) and its data (tests/mutations.toml), checked quickly.

The full run takes minutes, so what can be known without it is checked with the suite: every
mutation still applies to the code as it is (a refactoring that moves the code makes it stale,
and the change must rewrite it), and names tests that exist. The runner's own care, restoring a
file whatever happens and refusing to start over uncommitted work, is checked on a copy.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import mutate
from tests.mutate import Mutation

ROOT = Path(__file__).resolve().parents[2]


def test_every_mutation_still_applies_to_the_code_once() -> None:
    stale = [m.name for m in mutate.load() if mutate.occurrences(m) != 1]
    assert stale == [], (
        "stale mutations (their old text is not in the code exactly once): rewrite them in"
        f" tests/mutations.toml for where the code went: {stale}"
    )


def test_every_mutation_names_tests_that_exist() -> None:
    missing = []
    for mutation in mutate.load():
        for test in mutation.tests:
            path, _, name = test.partition("::")
            source = ROOT / path
            if not source.is_file() or (
                name and f"def {name.split('[')[0]}(" not in source.read_text()
            ):
                missing.append(f"{mutation.name}: {test}")
    assert missing == []


def test_a_mutation_whose_text_is_gone_is_stale_and_runs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mutate, "PACKAGE", tmp_path)
    (tmp_path / "module.py").write_text("x = 1\nx = 1\n")
    ran: list[object] = []
    monkeypatch.setattr(mutate, "run_tests", lambda *args: ran.append(args) or (1, ""))
    for old in ("y = 2", "x = 1"):  # absent, then twice
        result = mutate.try_one(Mutation("m", "module.py", old, "z", ("t",), "why"), 60)
        assert result.status == mutate.STALE and "stale mutation" in result.detail
    assert mutate.try_one(Mutation("m", "gone.py", "x", "y", ("t",), "w"), 60).status == "stale"
    assert ran == []


def test_the_file_is_restored_byte_for_byte_even_when_the_run_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mutate, "PACKAGE", tmp_path)
    module = tmp_path / "module.py"
    original = "if age <= limit:\n    pass  # é\r\n".encode()
    module.write_bytes(original)
    mutation = Mutation("m", "module.py", "<=", "<", ("t",), "why")
    seen: list[str] = []

    def broken_run(*args: object) -> tuple[int, str]:
        seen.append(module.read_text())
        raise KeyboardInterrupt

    monkeypatch.setattr(mutate, "run_tests", broken_run)
    with pytest.raises(KeyboardInterrupt):
        mutate.try_one(mutation, 60)
    assert seen == ["if age < limit:\n    pass  # é\n"] and module.read_bytes() == original


@pytest.mark.parametrize(
    ("status", "verdict"), [(1, "caught"), (0, "SURVIVED"), (2, "ERROR"), (5, "ERROR")]
)
def test_only_failing_tests_count_as_a_catch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: int, verdict: str
) -> None:
    """Exit 1 is a failed test; 2, 4 and 5 are a broken run (collection, usage, no tests)."""
    monkeypatch.setattr(mutate, "PACKAGE", tmp_path)
    (tmp_path / "module.py").write_text("a = 1\n")
    monkeypatch.setattr(mutate, "run_tests", lambda *args: (status, "output"))
    result = mutate.try_one(Mutation("m", "module.py", "a = 1", "a = 2", ("t",), "w"), 60)
    assert result.status == verdict


def test_the_runner_will_not_start_over_uncommitted_source(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(mutate, "uncommitted_source", lambda: " M src/sage200_mcp/cli.py")
    monkeypatch.setattr(mutate, "run_tests", lambda *args: pytest.fail("it ran tests"))
    assert mutate.main([]) == 2
    assert "uncommitted changes" in capsys.readouterr().err
