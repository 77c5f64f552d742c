"""Fixtures for background work: a real SMTP server on loopback, a Redis database of our
own as the Celery broker, and real Celery worker processes started as subprocesses.

Environment (optional): TEST_TASKS_REDIS_URL (default redis://127.0.0.1:6379/12).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.tasks.smtp_sink import SmtpSink

ROOT = Path(__file__).resolve().parents[2]
TASKS_REDIS_URL = os.environ.get("TEST_TASKS_REDIS_URL", "redis://127.0.0.1:6379/12")


def wait_until(predicate: Callable[[], object], *, what: str, timeout: float = 90,
               interval: float = 0.05) -> object:
    """Poll until `predicate()` is truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def _reload_settings() -> None:
    from ispgo_portal.settings import get_settings

    get_settings.cache_clear()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def use_smtp() -> Iterator[Callable[..., None]]:
    """use_smtp(port, tls="none", user="", password="") points this process's settings at
    an SMTP server; restored afterwards."""
    names = ("SMTP_HOST", "SMTP_PORT", "SMTP_TLS", "SMTP_USER", "SMTP_PASSWORD")
    saved = {name: os.environ.get(name) for name in names}

    def point(port: int, *, tls: str = "none", user: str = "", password: str = "") -> None:
        os.environ.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(port), SMTP_TLS=tls,
                          SMTP_USER=user, SMTP_PASSWORD=password)
        _reload_settings()

    yield point
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    _reload_settings()


def point_celery_at(url: str) -> None:
    from ispgo_portal.tasks.celery_app import celery_app

    celery_app.conf.broker_url = url
    # kombu keeps one pool per URL (and hands a closed one back), so only drop our references:
    # the producer pools are looked up again from the new URL on next use.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker() -> Iterator[object]:
    """An empty Redis database of our own as the broker of this process and its workers."""
    import redis

    client = redis.Redis.from_url(TASKS_REDIS_URL)
    client.flushdb()
    from ispgo_portal.tasks.celery_app import celery_app

    saved_env, saved_url = os.environ.get("REDIS_URL"), celery_app.conf.broker_url
    os.environ["REDIS_URL"] = TASKS_REDIS_URL
    _reload_settings()
    point_celery_at(TASKS_REDIS_URL)
    yield client
    point_celery_at(saved_url)
    if saved_env is None:
        os.environ.pop("REDIS_URL", None)
    else:
        os.environ["REDIS_URL"] = saved_env
    _reload_settings()
    client.flushdb()
    client.close()


@dataclass
class WorkerProcess:
    name: str
    proc: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the worker and its pool children, as a crashed machine would."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture
def start_worker(broker: object, tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """start_worker(name="w1", smtp_port=None, pool="prefork", env_overrides=None) -> a ready
    `celery worker` process on the test database and broker (one child or thread)."""
    started: list[WorkerProcess] = []

    def start(*, name: str = "w1", smtp_port: int | None = None, pool: str = "prefork",
              env_overrides: dict[str, str] | None = None) -> WorkerProcess:
        env = {**os.environ, "REDIS_URL": TASKS_REDIS_URL, "PYTHONUNBUFFERED": "1"}
        for var in ("SMTP_HOST", "SMTP_PORT", "SMTP_TLS", "SMTP_USER", "SMTP_PASSWORD"):
            env.pop(var, None)
        if smtp_port is not None:
            env.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_port), SMTP_TLS="none")
        env.update(env_overrides or {})
        log_path = tmp_path / f"worker-{name}.log"
        cmd = [sys.executable, "-m", "celery", "-A", "ispgo_portal.tasks.celery_app", "worker",
               "--loglevel=INFO", f"--pool={pool}", "--concurrency=1",
               "-n", f"{name}-{uuid.uuid4().hex[:6]}@%h",
               "--without-gossip", "--without-mingle", "--without-heartbeat"]
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        worker = WorkerProcess(name=name, proc=proc, log_path=log_path)
        started.append(worker)
        wait_until(lambda: " ready." in worker.log() or proc.poll() is not None,
                   what=f"worker {name} to start")
        assert proc.poll() is None, f"worker {name} exited:\n{worker.log()}"
        return worker

    yield start
    for worker in started:
        worker.stop()
