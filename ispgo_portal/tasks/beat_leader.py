"""One beat at a time, however many are started.

Every beat process runs this scheduler. With Redis (production, `make cluster`) a beat sends
scheduled tasks only while it holds a lease in Redis: it takes the lease with `SET NX PX`,
renews it on every tick (at most every RENEW_SECONDS), and gives it back when it stops. A
second beat — started by mistake, or on purpose on another machine as a stand-by — finds the
lease taken and waits; when the leader dies its lease runs out after LEASE_SECONDS and the
stand-by takes over. The tasks are idempotent, so a takeover that repeats a pass is harmless;
the lease is what keeps two beats from doubling every pass while both are alive.

Without Redis (the embedded default: one process) there is nothing to share and the
scheduler is Celery's own.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid
from typing import Any

import redis
from celery.beat import PersistentScheduler

from ispgo_portal.settings import get_settings

log = logging.getLogger("ispgo_portal.tasks.beat")

LEASE_KEY = "ispgo:beat:leader"
LEASE_SECONDS = 30.0
RENEW_SECONDS = 10.0  # a leader ticks at least this often, well inside its lease
STANDBY_SECONDS = 5.0  # how often a stand-by checks whether the lease is free

# Renew or give back the lease only if it is still ours (it may have run out and been taken).
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class BeatLease:
    """The Redis lease that names the one beat allowed to send scheduled tasks."""

    def __init__(self, client: redis.Redis, *, key: str = LEASE_KEY, seconds: float = LEASE_SECONDS) -> None:
        self.client = client
        self.key = key
        self.ms = int(seconds * 1000)
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.held: bool | None = None  # None: not asked yet (the first answer is logged)

    def hold(self) -> bool:
        """Take or renew the lease; True while this beat is the leader. Redis unreachable:
        not the leader (a beat that cannot prove it leads sends nothing)."""
        try:
            ours = bool(self.client.eval(_RENEW, 1, self.key, self.holder, self.ms)) or bool(
                self.client.set(self.key, self.holder, nx=True, px=self.ms))
        except redis.RedisError as exc:
            if self.held:
                log.error("beat: the lease cannot be renewed (%s); pausing the schedule", exc)
            self.held = False
            return False
        if ours != self.held:
            if ours:
                log.info("beat: leading the schedule (%s)", self.holder)
            else:
                log.warning("beat: another beat holds the schedule; standing by")
        self.held = ours
        return ours

    def release(self) -> None:
        with contextlib.suppress(redis.RedisError):  # unreachable: the lease runs out on its own
            self.client.eval(_RELEASE, 1, self.key, self.holder)
        self.held = False


class LeaderScheduler(PersistentScheduler):  # type: ignore[misc]  # celery is untyped
    """Celery's persistent scheduler that ticks only while it holds the beat lease."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        redis_url = get_settings().redis_url
        self.lease = BeatLease(redis.Redis.from_url(
            redis_url, socket_timeout=5, socket_connect_timeout=5)) if redis_url else None
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if self.lease is None:
            return float(super().tick(*args, **kwargs))
        if not self.lease.hold():
            return STANDBY_SECONDS
        return min(float(super().tick(*args, **kwargs)), RENEW_SECONDS)

    def close(self) -> None:
        super().close()
        if self.lease is not None:
            self.lease.release()
