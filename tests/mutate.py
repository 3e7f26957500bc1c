"""Break the code on purpose, one mutation at a time, and check that a test notices.

Each mutation in tests/mutations.toml names a file under src/sage200_mcp/, an exact text to
replace (it must occur exactly once, or the mutation is *stale*: the code moved and the mutation
must be rewritten), its replacement, the tests that must then fail, and why the behaviour matters.
For each: check, apply, run those tests (``pytest -x``, in one process), expect a failure, and put
the file back whatever happens. A table follows: caught, SURVIVED, stale, or ERROR (the tests
could not even run: a usage or collection error is not a catch), with the seconds each took.
The exit status is non-zero unless every mutation was caught.

    python -m tests.mutate [--only SUBSTRING] [--list] [--baseline] [--timeout SECONDS]

It refuses to start while ``git status --porcelain src`` shows changes, so the file it restores
is the committed one and nothing of someone's work in progress is mixed into a mutation.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "sage200_mcp"
MUTATIONS = ROOT / "tests" / "mutations.toml"
CAUGHT, SURVIVED, STALE, ERROR, TIMEOUT = "caught", "SURVIVED", "stale", "ERROR", "TIMEOUT"


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str  # under src/sage200_mcp/
    old: str
    new: str
    tests: tuple[str, ...]
    why: str

    @property
    def path(self) -> Path:
        return PACKAGE / self.file


@dataclass(frozen=True)
class Result:
    mutation: Mutation
    status: str
    seconds: float
    detail: str = ""


def load(path: Path = MUTATIONS) -> list[Mutation]:
    """The mutations of ``path``, each checked for its fields (a ValueError names the bad one)."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    mutations: list[Mutation] = []
    for number, item in enumerate(data.get("mutation", []), start=1):
        missing = {"name", "file", "old", "new", "tests", "why"} - set(item)
        if missing:
            raise ValueError(f"mutation {number} has no {', '.join(sorted(missing))}")
        tests = item["tests"]
        if isinstance(tests, str) or not tests or not all(isinstance(t, str) for t in tests):
            raise ValueError(f"{item['name']}: tests is a non-empty list of pytest node ids")
        if item["old"] == item["new"]:
            raise ValueError(f"{item['name']}: old and new are the same text")
        mutations.append(
            Mutation(
                item["name"], item["file"], item["old"], item["new"], tuple(tests), item["why"]
            )
        )
    names = [m.name for m in mutations]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"mutation names used twice: {', '.join(twice)}")
    return mutations


def uncommitted_source() -> str:
    """What ``git status --porcelain src`` says: empty when the source is as committed."""
    answer = subprocess.run(
        ["git", "status", "--porcelain", "--", "src"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return answer.stdout.strip()


def pytest_command(tests: Sequence[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        "-n",
        "0",
        *tests,
    ]


def child_environment() -> dict[str, str]:
    """This worktree's code first on the path, whatever is installed; and no bytecode written,
    so a mutated module's .pyc can never outlive the mutation (a restore within the same second,
    at the same size, would otherwise let it be loaded again)."""
    env = dict(os.environ)
    paths = [str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_tests(tests: Sequence[str], timeout: float) -> tuple[int | None, str]:
    """pytest's exit status (None on a time-out) and the tail of what it printed. The tests run
    in a process group of their own, ended with them whatever happens here."""
    process = subprocess.Popen(
        pytest_command(tests),
        cwd=ROOT,
        env=child_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
        return process.returncode, output[-3000:]
    except subprocess.TimeoutExpired:
        return None, ""
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def applied(mutation: Mutation) -> Iterator[None]:
    """The file with the mutation in it, put back byte for byte on the way out."""
    original = mutation.path.read_bytes()
    text = original.decode("utf-8")
    mutation.path.write_bytes(text.replace(mutation.old, mutation.new, 1).encode("utf-8"))
    try:
        yield
    finally:
        mutation.path.write_bytes(original)
        assert mutation.path.read_bytes() == original, f"{mutation.path} was not restored"


def occurrences(mutation: Mutation) -> int:
    if not mutation.path.is_file():
        return 0
    return mutation.path.read_text(encoding="utf-8").count(mutation.old)


def try_one(mutation: Mutation, timeout: float) -> Result:
    started = time.monotonic()
    found = occurrences(mutation)
    if found != 1:
        where = "no such file" if not mutation.path.is_file() else f"found {found} times"
        return Result(mutation, STALE, 0.0, f"stale mutation: old text {where}")
    with applied(mutation):
        status, output = run_tests(mutation.tests, timeout)
    seconds = time.monotonic() - started
    if status is None:
        return Result(mutation, TIMEOUT, seconds, f"the tests ran over {timeout:.0f} s")
    if status == 1:
        return Result(mutation, CAUGHT, seconds)
    if status == 0:
        return Result(mutation, SURVIVED, seconds, "every listed test passed")
    return Result(mutation, ERROR, seconds, f"pytest exited {status}:\n{output}")


def table(results: Sequence[Result]) -> str:
    width = max([len("mutation"), *(len(r.mutation.name) for r in results)])
    lines = [f"{'mutation':<{width}}  {'result':<8}  {'seconds':>7}", "-" * (width + 19)]
    lines += [f"{r.mutation.name:<{width}}  {r.status:<8}  {r.seconds:7.1f}" for r in results]
    counts = {s: sum(r.status == s for r in results) for s in (CAUGHT, SURVIVED, STALE)}
    others = len(results) - sum(counts.values())
    total = sum(r.seconds for r in results)
    lines.append("-" * (width + 19))
    lines.append(
        f"{len(results)} mutations: {counts[CAUGHT]} caught, {counts[SURVIVED]} survived,"
        f" {counts[STALE]} stale, {others} errors or time-outs; {total:.0f} s"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    summary = (__doc__ or "").split("\n", 1)[0]
    parser = argparse.ArgumentParser(prog="python -m tests.mutate", description=summary)
    parser.add_argument("--only", metavar="SUBSTRING", help="mutations whose name or file has it")
    parser.add_argument("--list", action="store_true", help="list the mutations and stop")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="first run every listed test on the unmutated code: each must pass",
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds per mutation")
    args = parser.parse_args(argv)
    mutations = [m for m in load() if not args.only or args.only in m.name or args.only in m.file]
    if args.list:
        for m in mutations:
            print(f"{m.name}  ({m.file})\n    {m.why}")
        return 0
    if not mutations:
        print(f"No mutation matches {args.only!r}.", file=sys.stderr)
        return 2
    changed = uncommitted_source()
    if changed:
        print(
            "src/ has uncommitted changes; commit or stash them first, so that what is"
            f" restored after each mutation is the committed code:\n{changed}",
            file=sys.stderr,
        )
        return 2
    # a stop (Ctrl-C, or SIGTERM from a CI runner) still goes through the restoring finally
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.baseline:
        every = sorted({t for m in mutations for t in m.tests})
        status, output = run_tests(every, args.timeout * 4)
        if status != 0:
            print(f"The listed tests fail without any mutation:\n{output}", file=sys.stderr)
            return 1
    results: list[Result] = []
    for mutation in mutations:
        result = try_one(mutation, args.timeout)
        results.append(result)
        print(f"{result.status:<8} {result.seconds:6.1f} s  {mutation.name}", flush=True)
        if result.status != CAUGHT:
            print(f"    {mutation.file}: {result.detail}\n    why it matters: {mutation.why}")
    print()
    print(table(results))
    if uncommitted_source():  # never expected: each file is restored as it was read
        print("src/ differs from what was committed after the run!", file=sys.stderr)
        return 1
    return 0 if all(r.status == CAUGHT for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
