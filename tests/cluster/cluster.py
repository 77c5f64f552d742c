"""`make cluster` for tests: scripts/run_cluster.py on its own ports, folder, Redis databases and
a fresh PostgreSQL database; ready once nginx and both portal processes answer; stopped (and
its database dropped) afterwards. The built pages are cached per URL and source state by the
runner, so only the first start after a change of the UI pays for the build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[2]
PG_SERVER = os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# Fixed ports: the page build depends on the URL, and a fixed one lets the runner reuse it.
PORT, PORTAL_PORTS, EMULATOR_PORT = 18080, (18081, 18082), 18083
BROKER_DB, STATE_DB = 11, 12


@dataclass
class ClusterUnderTest:
    url: str
    database_url: str
    folder: Path
    portal_ports: tuple[int, ...]
    proc: subprocess.Popen
    log_path: Path
    names: list[str] = field(default_factory=lambda: ["portal-1", "portal-2"])

    def pid(self, name: str) -> int:
        return int((self.folder / f"{name}.pid").read_text())

    def portal_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.portal_ports[self.names.index(name)]}"

    def sql(self, query: str, *params: object) -> list[tuple]:
        with psycopg.connect(self.database_url) as conn:
            return conn.execute(query, params).fetchall()

    def metric(self, name: str, metric: str) -> float:
        """One unlabelled sample from one portal process's own /metrics (loopback)."""
        with urllib.request.urlopen(f"{self.portal_url(name)}/metrics", timeout=10) as resp:
            for line in resp.read().decode().splitlines():
                if line.startswith(f"{metric} "):
                    return float(line.split()[1])
        raise KeyError(metric)


def _pg(sql: str) -> None:
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(sql)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:
            return resp.status == 200
    except OSError:
        return False


def wait_healthy(url: str, timeout: float, proc: subprocess.Popen | None = None, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not _healthy(url):
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the cluster runner exited ({proc.returncode}); see {log}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer in {timeout:.0f} s; see {log}")
        time.sleep(0.5)


def start_cluster(timeout: float = 900, portals: int = 2) -> ClusterUnderTest:
    """The cluster with `portals` portal processes (the benchmark compares one with two)."""
    name = f"ispgo_cluster_test_{uuid.uuid4().hex[:8]}"
    database_url = f"{PG_SERVER.rsplit('/', 1)[0]}/{name}"
    _pg(f'CREATE DATABASE "{name}"')
    for db in (BROKER_DB, STATE_DB):
        redis.Redis(db=db).flushdb()
    folder = ROOT / "data" / "cluster-test"
    log_path = ROOT / "test-output" / "cluster.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ,
           "CLUSTER_DIR": str(folder), "CLUSTER_PORT": str(PORT),
           "CLUSTER_PORTAL_PORTS": ",".join(map(str, PORTAL_PORTS[:portals])),
           "CLUSTER_EMULATOR_PORT": str(EMULATOR_PORT), "CLUSTER_DATABASE_URL": database_url,
           "CLUSTER_REDIS_URL": f"redis://127.0.0.1:6379/{BROKER_DB}",
           "CLUSTER_STATE_REDIS_URL": f"redis://127.0.0.1:6379/{STATE_DB}",
           "REFLEX_USE_SYSTEM_BUN": "1", "REFLEX_TELEMETRY_ENABLED": "false"}
    for var in ("DATABASE_URL", "REDIS_URL", "DATA_DIR", "BASE_URL", "YOOKASSA_SHOP_ID", "YOOKASSA_SECRET_KEY",
                "YOOKASSA_API_URL"):
        env.pop(var, None)  # the test session's own settings are not the cluster's
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "run_cluster.py")], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    cluster = ClusterUnderTest(url=f"http://127.0.0.1:{PORT}", database_url=database_url, folder=folder,
                               portal_ports=PORTAL_PORTS[:portals], proc=proc, log_path=log_path,
                               names=[f"portal-{n}" for n in range(1, portals + 1)])
    try:
        for port in cluster.portal_ports:
            wait_healthy(f"http://127.0.0.1:{port}/api/health", timeout, proc, log_path)
        wait_healthy(f"{cluster.url}/login/", 120, proc, log_path)
    except BaseException:
        stop_cluster(cluster)
        raise
    return cluster


def stop_cluster(cluster: ClusterUnderTest) -> None:
    if cluster.proc.poll() is None:
        cluster.proc.send_signal(signal.SIGTERM)  # the runner stops every process it started
        try:
            cluster.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.proc.pid, signal.SIGKILL)
            cluster.proc.wait()
    name = cluster.database_url.rsplit("/", 1)[1]
    _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
