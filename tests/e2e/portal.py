"""Start the real portal (`reflex run --env prod`, one port) for browser tests and screenshots.

Only one portal can build in the project's `.web` folder at a time, so starting one takes an
exclusive file lock that is held until it stops.
"""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCK_PATH = Path("/tmp/ispgo-portal-web.lock")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PortalServer:
    def __init__(self, *, port: int | None = None, env: dict[str, str] | None = None,
                 log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://localhost:{self.port}"
        self.extra_env = env or {}
        self.log_path = log_path or ROOT / "test-output" / "portal.log"
        self.proc: subprocess.Popen | None = None
        self._lock_file = None

    def start(self, timeout: float = 600) -> PortalServer:
        self._lock_file = open(LOCK_PATH, "w")  # noqa: SIM115 - held until stop()
        fcntl.flock(self._lock_file, fcntl.LOCK_EX)
        env = dict(os.environ)
        env.update({
            "BASE_URL": self.url,
            "REFLEX_USE_SYSTEM_BUN": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            **self.extra_env,
        })
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "wb")  # noqa: SIM115
        reflex = str(Path(sys.executable).parent / "reflex")
        self.proc = subprocess.Popen(
            [reflex, "run", "--env", "prod", "--frontend-port", str(self.port), "--backend-port", str(self.port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"portal exited early; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/login/", timeout=3) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(1)
        self.stop()
        raise TimeoutError(f"portal did not start in {timeout}s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self._lock_file:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def __enter__(self) -> PortalServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
