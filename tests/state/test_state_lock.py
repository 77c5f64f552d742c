"""The page-state lock in Redis is given back by an event cancelled while it was taking it
(ispgo_portal/state_lock.py), on a real Redis. Without the fix the lock stays taken until it
expires, and the tab's next event waits those 10 s."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.asyncio import Redis
from reflex.istate.manager.redis import StateManagerRedis

from ispgo_portal.state_lock import make_lock_acquisition_cancel_safe

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


async def _until(check: Callable[[], bool | Awaitable[bool]], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not (await result if inspect.isawaitable(result := check()) else result):
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.005)


@contextlib.asynccontextmanager
async def _lock_held_by(holder: bytes) -> AsyncIterator[tuple[StateManagerRedis, Redis, bytes]]:
    """A state manager on the real Redis and a tab's lock key, the lock taken by `holder`."""
    redis = Redis.from_url(REDIS_URL)
    manager = StateManagerRedis(redis=redis)
    key = f"{uuid.uuid4()}_lock".encode()
    try:
        assert await manager._try_get_lock(key, holder)
        yield manager, redis, key
    finally:
        await redis.delete(key)
        await manager.close()


async def _cancel_after_the_lock_was_granted() -> bytes | None:
    """What the lock key holds after an event, granted the lock in Redis, is cancelled before
    `_wait_lock` has returned (here: while it tidies its waiter list up)."""
    async with _lock_held_by(b"earlier-event") as (manager, redis, key):  # another event of the tab
        waiting = asyncio.create_task(manager._wait_lock(key, b"cancelled-event"))
        await _until(lambda: manager._n_lock_waiters(key) == 1)
        async with manager._state_manager_lock:  # the waiter's tidy-up will have to wait here
            await redis.delete(key)  # the earlier event is done
            manager._notify_next_waiter(key)
            await _until(lambda: _holds(redis, key, b"cancelled-event"))
            await asyncio.sleep(0.05)
            waiting.cancel()  # e.g. a navigation superseded this event
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await asyncio.sleep(0.05)
        return await redis.get(key)


async def _holds(redis: Redis, key: bytes, lock_id: bytes) -> bool:
    return await redis.get(key) == lock_id


def test_a_cancelled_event_gives_the_lock_back() -> None:
    make_lock_acquisition_cancel_safe()
    assert asyncio.run(_cancel_after_the_lock_was_granted()) is None


def test_another_events_lock_is_left_alone() -> None:
    """A waiter cancelled while another event holds the lock must not release that lock."""
    make_lock_acquisition_cancel_safe()

    async def scenario() -> bytes | None:
        async with _lock_held_by(b"holder") as (manager, redis, key):
            waiting = asyncio.create_task(manager._wait_lock(key, b"waiter"))
            await _until(lambda: manager._n_lock_waiters(key) == 1)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            return await redis.get(key)

    assert asyncio.run(scenario()) == b"holder"


def test_the_app_applies_the_fix() -> None:
    import ispgo_portal.ispgo_portal  # noqa: F401 - importing the app applies it

    assert getattr(StateManagerRedis._wait_lock, "__ispgo_cancel_safe__", False)
