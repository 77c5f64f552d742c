"""Fixed-window request counters: in Redis when REDIS_URL is set (shared by every worker
process), in this process otherwise (the embedded default).

If Redis stops answering the limiter falls back to in-process counters rather than failing
the request: throttling is protection, not a reason to tell panels their license is broken.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)


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
    def __init__(self, *, window_seconds: int = 60, redis_url: str = "", prefix: str = "ispgo:rl") -> None:
        self.window = window_seconds
        self.prefix = prefix
        self._local = InProcessCounters()
        self._redis = None
        if redis_url:
            import redis.asyncio as aioredis

            self._redis = aioredis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)

    async def _incr_redis(self, names: list[str], window_no: int) -> list[int]:
        pipe = self._redis.pipeline(transaction=False)
        for name in names:
            redis_key = f"{self.prefix}:{window_no}:{name}"
            pipe.incr(redis_key)
            pipe.expire(redis_key, self.window * 2)
        replies = await pipe.execute()
        return [int(replies[i]) for i in range(0, len(replies), 2)]

    async def hit(self, buckets: list[Bucket]) -> int | None:
        """Count one request in every bucket; seconds to wait if any is over its limit."""
        buckets = [b for b in buckets if b.limit > 0]
        if not buckets:
            return None
        now = time.time()
        window_no = int(now // self.window)
        names = [b.name for b in buckets]
        counts: list[int] | None = None
        if self._redis is not None:
            try:
                counts = await self._incr_redis(names, window_no)
            except Exception as exc:  # noqa: BLE001 - any Redis trouble: count locally
                log.warning("rate limiter: Redis unavailable, counting in-process: %s", exc)
        if counts is None:
            counts = self._local.incr(names, window_no)
        if any(count > bucket.limit for count, bucket in zip(counts, buckets, strict=True)):
            return max(1, int((window_no + 1) * self.window - now + 0.999))
        return None
