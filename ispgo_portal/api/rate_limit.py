"""Fixed-window request counters: in Redis when REDIS_URL is set (shared by every worker
process), in this process otherwise (the embedded default).

All buckets of a request are counted in one Redis round trip (a small Lua script). If Redis
stops answering the limiter counts in-process for a while rather than failing the request:
throttling is protection, not a reason to tell panels their license is broken.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)

# INCR every key, give new ones their expiry; returns the counts in KEYS order.
INCR_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, ARGV[1]) end
  counts[i] = count
end
return counts
"""
REDIS_RETRY_AFTER = 30.0  # seconds to count locally after a Redis failure


@dataclass(frozen=True)
class Bucket:
    name: str  # e.g. "addr:203.0.113.5" or "key:ISPG-…"
    limit: int  # requests per window; 0 = no limit


class InProcessCounters:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._window_no = -1
        self._lock = threading.Lock()

    def incr(self, names: list[str], window_no: int) -> list[int]:
        with self._lock:
            if window_no != self._window_no:  # a new window: old counters are no longer needed
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= window_no}
                self._window_no = window_no
            result = []
            for name in names:
                count = self._counts.get((name, window_no), 0) + 1
                self._counts[(name, window_no)] = count
                result.append(count)
            return result


class RateLimiter:
    """Thread-safe; `hit` is blocking (called from the worker thread that serves the request)."""

    def __init__(self, *, window_seconds: int = 60, redis_url: str = "", prefix: str = "ispgo:rl") -> None:
        self.window = window_seconds
        self.prefix = prefix
        self._local = InProcessCounters()
        self._script = None
        self._redis_down_until = 0.0
        if redis_url:
            import redis

            client = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
            self._script = client.register_script(INCR_SCRIPT)

    def _incr_redis(self, names: list[str], window_no: int) -> list[int] | None:
        if self._script is None or time.monotonic() < self._redis_down_until:
            return None
        keys = [f"{self.prefix}:{window_no}:{name}" for name in names]
        try:
            return [int(count) for count in self._script(keys=keys, args=[self.window * 2])]
        except Exception as exc:
            self._redis_down_until = time.monotonic() + REDIS_RETRY_AFTER
            log.warning("rate limiter: Redis unavailable, counting in-process for %.0f s: %s",
                        REDIS_RETRY_AFTER, exc)
            return None

    def hit(self, buckets: list[Bucket]) -> int | None:
        """Count one request in every bucket; seconds to wait if any is over its limit."""
        buckets = [b for b in buckets if b.limit > 0]
        if not buckets:
            return None
        now = time.time()
        window_no = int(now // self.window)
        names = [b.name for b in buckets]
        counts = self._incr_redis(names, window_no)
        if counts is None:
            counts = self._local.incr(names, window_no)
        if any(count > bucket.limit for count, bucket in zip(counts, buckets, strict=True)):
            return max(1, int((window_no + 1) * self.window - now + 0.999))
        return None
