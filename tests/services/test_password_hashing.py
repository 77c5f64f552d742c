"""Password hashes are capped per machine: portal processes sharing it take turns."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# One process: its hashes, each noted as a (start, end) wall-clock interval around the real hash.
HASHER = """
import json, os, sys, time
from pathlib import Path
from ispgo_portal.services.accounts import passwords

passwords._SLOT_FILES = [Path(sys.argv[1])]  # one slot for the machine
real = passwords._hasher
spans = []

class Timed:
    def hash(self, password):
        start = time.time()
        try:
            return real.hash(password)
        finally:
            spans.append((start, time.time()))

    def verify(self, stored, password):
        return real.verify(stored, password)

passwords._hasher = Timed()
for n in range(4):
    passwords.hash_password(f"password-{n}")
print(json.dumps(spans))
"""


def _overlaps(a: list[list[float]], b: list[list[float]]) -> int:
    return sum(1 for s1, e1 in a for s2, e2 in b if s1 < e2 and s2 < e1)


def test_two_processes_never_hash_at_once_with_one_slot(tmp_path: Path) -> None:
    slot = tmp_path / "hash-slot.lock"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", HASHER, str(slot)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    first, second = (json.loads(p.communicate(timeout=120)[0].strip().splitlines()[-1]) for p in procs)
    assert len(first) == len(second) == 4
    # Without the machine-wide slot the two processes hash side by side (overlaps > 0).
    assert _overlaps(first, second) == 0
