"""The web process runs with the collector thresholds that keep full collections off the event loop."""

from __future__ import annotations

import os
import subprocess
import sys

from ispgo_portal.gc_tuning import THRESHOLDS


def test_importing_the_app_sets_the_thresholds_its_forked_workers_inherit() -> None:
    # A fresh interpreter: the test process's own thresholds are not the question.
    probe = ("import gc, os\n"
             "import ispgo_portal.ispgo_portal\n"
             "pid = os.fork()\n"
             "if pid == 0:\n"
             "    print(gc.get_threshold(), flush=True)\n"
             "    os._exit(0)\n"
             "os.waitpid(pid, 0)\n")
    env = {**os.environ, "DATABASE_URL": "sqlite://"}
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120,
                            check=True)
    assert result.stdout.strip() == str(THRESHOLDS)
