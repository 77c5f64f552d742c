"""Hands committed outbox rows to whoever sends them. The tasks package registers the
Celery sender when it is imported; until one is registered (or when the broker is down)
the rows simply wait in the outbox for the periodic flush, so nothing is lost."""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

Sender = Callable[[list[int]], None]
_sender: Sender | None = None


def register_sender(sender: Sender) -> None:
    global _sender
    _sender = sender


def dispatch_outbox(ids: list[int]) -> None:
    """Give these committed emails to the sender now; on any trouble leave them pending."""
    if not ids:
        return
    if _sender is None:
        log.info("outbox: no sender in this process, %s emails left to the periodic flush", len(ids))
        return
    try:
        _sender(list(ids))
    except Exception as exc:
        log.warning("outbox dispatch deferred (%s emails): %s", len(ids), exc)
