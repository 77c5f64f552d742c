"""Small helpers for the payment tests: waiting for webhooks, reading money back."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import LedgerEntry, OutboxEmail, Payment, User


def wait_until(predicate: Callable[[], object], *, timeout: float = 15.0, what: str = "condition") -> None:
    """Poll until `predicate()` is truthy (webhooks arrive asynchronously)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def notification(event: str, payment: dict) -> dict:
    return {"type": "notification", "event": event, "object": payment}


def post_json(url: str, body: object, **kwargs) -> httpx.Response:
    return httpx.post(url, json=body, timeout=30, **kwargs)


def balance_of(user_id: int) -> int:
    with session_scope() as session:
        return session.get(User, user_id).balance


def ledger_of(user_id: int) -> list[LedgerEntry]:
    with session_scope() as session:
        return list(session.exec(select(LedgerEntry).where(LedgerEntry.user_id == user_id)
                                 .order_by(LedgerEntry.id)).all())


def payment_row(payment_id: int) -> Payment:
    with session_scope() as session:
        return session.get(Payment, payment_id)


def emails_to(address: str, template: str) -> list[OutboxEmail]:
    with session_scope() as session:
        return list(session.exec(select(OutboxEmail).where(OutboxEmail.recipient == address,
                                                            OutboxEmail.template == template)).all())


def emulator_payment(control, yookassa_id: str) -> dict:
    return next(p for p in control.payments() if p["id"] == yookassa_id)
