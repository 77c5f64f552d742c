"""A page-state lock that a cancelled event gives back (Reflex's Redis state manager).

With the page state in Redis (several portal processes), each event takes the tab's lock in
Redis (`SET NX` with a 10 s expiry) before it touches the state. Reflex cancels events (a
navigation supersedes the previous page's load handlers), and an event cancelled after Redis
had granted it the lock but before `_wait_lock` returned never releases it: the tab's next
event waits for the expiry. Measured on the cluster with customers opening pages back to back:
~1 in 70 page opens froze for exactly 10 s (60 in one 20 s run, each one a lock whose
acquirer had been cancelled inside `_wait_lock` — traced). A browser does the same when a
customer clicks on before a page has loaded.

The fix wraps `StateManagerRedis._wait_lock`: if it ends by an exception (the cancellation
included), the lock is deleted when it is this acquirer's (compare and delete in one Lua call,
so another event's lock is never touched), and the process's own waiters are woken. The
release is shielded, so a second cancellation cannot interrupt it. Applied when the app
module is imported; `tests/state/test_state_lock.py` reproduces the leak on a real Redis.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from reflex.istate.manager.redis import OplockFound, StateManagerRedis

# Delete the key only while it still holds this acquirer's id.
_RELEASE_IF_OURS = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"

WaitLock = Callable[[StateManagerRedis, bytes, bytes], Awaitable[None]]


async def _give_back(manager: StateManagerRedis, lock_key: bytes, lock_id: bytes) -> None:
    reply: Any = manager.redis.eval(_RELEASE_IF_OURS, 1, lock_key, lock_id)  # typed as sync or async
    if await reply:
        manager._notify_next_waiter(lock_key)


def _cancel_safe(wait_lock: WaitLock) -> WaitLock:
    @functools.wraps(wait_lock)
    async def wait_lock_or_give_back(self: StateManagerRedis, lock_key: bytes, lock_id: bytes) -> None:
        try:
            await wait_lock(self, lock_key, lock_id)
        except OplockFound:
            raise  # another event of this process holds the lock: it never was ours
        except BaseException:
            await asyncio.shield(_give_back(self, lock_key, lock_id))
            raise

    wait_lock_or_give_back.__ispgo_cancel_safe__ = True  # type: ignore[attr-defined]
    return wait_lock_or_give_back


def make_lock_acquisition_cancel_safe() -> None:
    """Idempotent: a second call (the module imported twice) does not wrap twice."""
    if not getattr(StateManagerRedis._wait_lock, "__ispgo_cancel_safe__", False):
        StateManagerRedis._wait_lock = _cancel_safe(StateManagerRedis._wait_lock)  # type: ignore[method-assign,assignment]
