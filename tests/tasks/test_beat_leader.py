"""Two beats started at once send each scheduled task once, not twice; the stand-by takes over
when the leader stops or dies (real Redis, Celery's real scheduler loop)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
import redis
from celery import Celery
from redis.backoff import NoBackoff
from redis.retry import Retry

from ispgo_portal.settings import get_settings
from ispgo_portal.tasks.beat_leader import BeatLease, LeaderScheduler

TICK = 0.1  # the test entry's interval (seconds)


class RecordingScheduler(LeaderScheduler):
    """The real scheduler, noting what it would send instead of sending it."""

    sent: list[str]

    def apply_entry(self, entry, producer=None):
        self.sent.append(entry.name)


OPEN: list[RecordingScheduler] = []


@pytest.fixture
def lease_key() -> str:
    key = f"test:beat:{uuid.uuid4().hex[:8]}"
    yield key
    while OPEN:
        OPEN.pop().close()
    redis.Redis.from_url(get_settings().redis_url).delete(key)


def _beat(tmp_path: Path, name: str, key: str, lease_seconds: float = 30.0) -> RecordingScheduler:
    app = Celery(f"beat-{name}", set_as_current=False)
    app.conf.beat_schedule = {"often": {"task": "tests.noop", "schedule": TICK}}
    app.conf.timezone = "UTC"
    scheduler = RecordingScheduler(app=app, schedule_filename=str(tmp_path / f"{name}.db"), lazy=False)
    scheduler.sent = []
    scheduler.lease = BeatLease(redis.Redis.from_url(get_settings().redis_url), key=key, seconds=lease_seconds)
    OPEN.append(scheduler)
    return scheduler


def _run(beats: list[RecordingScheduler], seconds: float) -> None:
    """Tick every beat as its own loop would, interleaved, for `seconds`."""
    wake = {id(b): 0.0 for b in beats}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        now = time.monotonic()
        for beat in beats:
            if now >= wake[id(beat)]:
                wake[id(beat)] = now + min(beat.tick(), TICK)
        time.sleep(0.01)


def test_two_beats_send_each_pass_once(tmp_path: Path, lease_key: str) -> None:
    first, second = _beat(tmp_path, "a", lease_key), _beat(tmp_path, "b", lease_key)
    _run([first, second], 2.0)
    sent = {"a": len(first.sent), "b": len(second.sent)}
    # One of them sends every pass (~20 in 2 s); the other sends nothing. Without the lease both
    # would send every pass.
    assert min(sent.values()) == 0, sent
    assert max(sent.values()) >= 10, sent


def test_the_stand_by_takes_over_when_the_leader_stops(tmp_path: Path, lease_key: str) -> None:
    first, second = _beat(tmp_path, "a", lease_key), _beat(tmp_path, "b", lease_key)
    _run([first, second], 0.5)
    leader, standby = (first, second) if first.sent else (second, first)
    leader.close()  # a clean stop gives the lease back
    before = len(standby.sent)
    _run([standby], 1.0)
    assert len(standby.sent) > before


def test_the_stand_by_takes_over_when_the_leader_dies(tmp_path: Path, lease_key: str) -> None:
    first = _beat(tmp_path, "a", lease_key, lease_seconds=0.5)
    second = _beat(tmp_path, "b", lease_key, lease_seconds=0.5)
    _run([first, second], 0.5)
    leader, standby = (first, second) if first.sent else (second, first)
    # The leader is killed: it neither ticks nor gives the lease back. Within the lease the
    # stand-by still waits; after it, the stand-by leads.
    _run([standby], 0.2)
    assert standby.sent == []
    _run([standby], 1.0)
    assert standby.sent
    # The old leader, were it to come back, finds the lease taken and stands by.
    assert leader.lease.hold() is False


def test_without_redis_the_schedule_is_celery_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "redis_url", "")
    app = Celery("embedded", set_as_current=False)
    app.conf.beat_schedule = {"often": {"task": "tests.noop", "schedule": TICK}}
    scheduler = RecordingScheduler(app=app, schedule_filename=str(tmp_path / "e.db"), lazy=False)
    scheduler.sent = []
    assert scheduler.lease is None
    _run([scheduler], 0.5)
    scheduler.close()
    assert scheduler.sent


def test_a_beat_that_cannot_reach_redis_sends_nothing(tmp_path: Path, lease_key: str) -> None:
    beat = _beat(tmp_path, "a", lease_key)
    beat.lease.client = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2,
                                    retry=Retry(NoBackoff(), 0))
    _run([beat], 0.5)
    assert beat.sent == []
