"""A process killed mid-write leaves the old token file or the new one, never a broken one."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sage200_mcp.auth.store import StoredTokens, TokenStore

WRITER = """
import sys
from sage200_mcp.auth.oauth import TokenResponse
from sage200_mcp.auth.store import StoredTokens, TokenStore

store = TokenStore(__import__("pathlib").Path(sys.argv[1]))
# a large id token makes each write long enough to be caught in the middle
def version(n):
    sign_in = TokenResponse(f"access-{n}", f"refresh-{n}", "x" * 400_000, "openid", 3600, "Bearer")
    return StoredTokens.from_sign_in(sign_in, 0, 90, "https://id", "c")

versions = [version("a"), version("b")]
store.write(versions[0])
print("ready", flush=True)
n = 0
while True:
    n += 1
    store.write(versions[n % 2])
"""


def test_killing_a_writer_never_leaves_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "profile" / "tokens.json"
    seen: set[str] = set()
    rng = random.Random(7)
    for _ in range(15):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.005, 0.2))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=10)
        tokens = TokenStore(path).read(fresh=True)  # raises if the file were broken
        assert isinstance(tokens, StoredTokens)
        assert tokens.access_token in ("access-a", "access-b")
        assert tokens.refresh_token == tokens.access_token.replace("access", "refresh")
        seen.add(tokens.access_token)
    assert seen == {"access-a", "access-b"}  # the kills landed at different moments
