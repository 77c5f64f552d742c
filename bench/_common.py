"""What every benchmark here needs: a throwaway PostgreSQL database, the portal's API in its own
process, a raw HTTP/1.1 response reader, percentiles and a median timer.

Imported as `_common` (a benchmark runs as `python bench/<name>.py`, so this folder is on the
path); importing it also puts the project root on the path for `ispgo_portal`.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_SERVER = os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def pg_admin(sql: str) -> None:
    """One statement on the server's maintenance database (CREATE/DROP DATABASE)."""
    import psycopg

    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(sql)


def create_database() -> tuple[str, str]:
    """A new empty database on the test server: (name, URL). Drop it with drop_database()."""
    name = f"ispgo_bench_{uuid.uuid4().hex[:8]}"
    pg_admin(f'CREATE DATABASE "{name}"')
    return name, f"{PG_SERVER.rsplit('/', 1)[0]}/{name}"


def drop_database(name: str) -> None:
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_api_server(port: int, env: dict[str, str], workers: int | None = None) -> subprocess.Popen:
    """The portal's Starlette API alone under uvicorn, once it accepts connections."""
    workers_args = ["--workers", str(workers)] if workers is not None else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "ispgo_portal.api.app:create_api", "--factory",
         "--host", "127.0.0.1", "--port", str(port), *workers_args,
         "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the API server did not start")


def stop_server(proc: subprocess.Popen | None) -> None:
    if proc is None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


async def read_response(reader: asyncio.StreamReader) -> int:
    """Reads one HTTP/1.1 response (Content-Length bodies only) and returns its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


def percentile_ms(latencies: list[float], q: float) -> float:
    """The q-quantile (0..1) of latencies in seconds, in milliseconds; NaN when there are none."""
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def time_median(label: str, fn: Callable[[], object], repeat: int) -> None:
    """Prints the median and minimum of `repeat` timed calls, after one warm-up call."""
    fn()  # warm up caches and the connection pool
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - started) * 1000)
    print(f"{label:<44} median {statistics.median(runs):8.1f} ms   min {min(runs):8.1f} ms")


def enrol_admin(admin_id: int) -> None:
    """Admins act only with two-factor sign-in: turn it on for a benchmark's admin."""
    from ispgo_portal.db import session_scope
    from ispgo_portal.models import User
    from ispgo_portal.services.accounts import two_factor

    with session_scope() as session:
        two_factor.ensure_enrolled(session, user=session.get(User, admin_id))
