"""The emulator's notification sender: YooKassa's delivery habits, and the knobs tests turn.

Like YooKassa, a notification counts as delivered only on HTTP 200 and is otherwise sent
again after growing pauses for 24 hours (`retry_scale` compresses that day). Tests can make the next notifications get lost (`drop`),
arrive late (`delay`), arrive several times at once (`duplicate`), or be held back and
released later in any order (`hold` + `release`).
"""

from __future__ import annotations

import asyncio
import copy
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

from ispgo_portal.payments.emulator_store import EmulatorConfig, now_iso, public_view

log = logging.getLogger(__name__)
MAX_LOG = 10_000


@dataclass
class DeliveryControls:
    drop: int = 0  # the next N notifications are lost
    delay: float = 0.0  # seconds before each first attempt
    duplicate: int = 1  # each notification is sent this many times, concurrently
    hold: bool = False  # keep notifications until `release`


@dataclass
class WebhookSender:
    config: EmulatorConfig
    controls: DeliveryControls = field(default_factory=DeliveryControls)
    held: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    _tasks: set[asyncio.Task] = field(default_factory=set)
    _client: httpx.AsyncClient | None = None

    def reset(self) -> None:
        self.controls = DeliveryControls()
        self.held.clear()
        self.deliveries.clear()
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()

    def notify(self, event: str, obj: dict[str, Any]) -> None:
        """Called by the store when something happened (on the event loop)."""
        body = {"type": "notification", "event": event, "object": copy.deepcopy(public_view(obj))}
        if self.controls.hold:
            self.held.append(body)
            self._record(body, attempt=0, outcome="held")
            return
        self._dispatch(body)

    def release(self, *, order: str = "fifo") -> int:
        """Send every held notification now; `reverse` sends the newest first."""
        held, self.held = self.held, []
        self.controls.hold = False
        for body in (reversed(held) if order == "reverse" else held):
            self._dispatch(body)
        return len(held)

    def resend(self, event: str, obj: dict[str, Any]) -> None:
        """A fresh notification about an object's current state (tests use it)."""
        self._dispatch({"type": "notification", "event": event, "object": copy.deepcopy(public_view(obj))})

    def _dispatch(self, body: dict[str, Any]) -> None:
        if self.controls.drop > 0:
            self.controls.drop -= 1
            self._record(body, attempt=0, outcome="dropped")
            return
        if not self.config.webhook_url:
            self._record(body, attempt=0, outcome="no_url")
            return
        for _copy in range(max(1, self.controls.duplicate)):
            task = asyncio.get_running_loop().create_task(self._deliver(body, self.controls.delay))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, body: dict[str, Any], delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        attempts = len(self.config.retry_delays) + 1
        for attempt in range(1, attempts + 1):
            outcome = await self._post(body)
            self._record(body, attempt=attempt, outcome=outcome)
            if outcome == "200":
                return
            if attempt < attempts:
                await asyncio.sleep(self.config.retry_delays[attempt - 1] * self.config.retry_scale)
        log.warning("emulator gave up on %s for %s", body["event"], body["object"].get("id"))

    async def _post(self, body: dict[str, Any]) -> str:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=10.0)
        try:
            response = await self._client.post(self.config.webhook_url, json=body)
        except httpx.HTTPError as exc:
            return f"error:{type(exc).__name__}"
        return str(response.status_code)

    def _record(self, body: dict[str, Any], *, attempt: int, outcome: str) -> None:
        if len(self.deliveries) >= MAX_LOG:
            del self.deliveries[: MAX_LOG // 2]
        self.deliveries.append({"event": body["event"], "object_id": body["object"].get("id"),
                                "attempt": attempt, "outcome": outcome, "at": now_iso()})

    async def aclose(self) -> None:
        self.reset()
        if self._client is not None:
            await self._client.aclose()
            self._client = None
