"""The gateway against YooKassa's 202 "processing": it waits what YooKassa asks, over any
scheme, keeps to its time budget, and says what happened when the budget runs out."""

from __future__ import annotations

import time
import uuid

import pytest

from ispgo_portal.payments import gateway
from ispgo_portal.settings import Settings


def _create(key: str) -> gateway.GatewayPayment:
    return gateway.create_payment(payment_id=1, user_id=7, purpose="topup", idempotence_key=key,
                                  amount=10_000, description="Пополнение баланса",
                                  customer_email="c@example.ru", receipt_item="Пополнение баланса")


def test_202_then_200_creates_one_payment(control) -> None:
    control.fail_next("processing_202", target="create_payment", retry_after=200)
    created = _create(uuid.uuid4().hex)
    assert control.calls()["create_payment"] == 2
    assert [p["id"] for p in control.payments()] == [created.id]


def test_retry_after_is_honoured(control) -> None:
    control.fail_next("processing_202", target="create_payment", retry_after=1500)
    started = time.monotonic()
    _create(uuid.uuid4().hex)
    assert time.monotonic() - started >= 1.5


def test_202_keeps_being_retried_past_the_error_retry_count(control) -> None:
    """A 202 is not a failure: more of them than RETRY_DELAYS allows for errors still end well."""
    control.fail_next("processing_202", target="create_payment", count=len(gateway.RETRY_DELAYS) + 2,
                      retry_after=50)
    _create(uuid.uuid4().hex)
    assert control.calls()["create_payment"] == len(gateway.RETRY_DELAYS) + 3
    assert len(control.payments()) == 1


def test_retries_are_bounded_in_time_and_reported_as_processing(control, monkeypatch) -> None:
    monkeypatch.setattr(gateway, "RETRY_BUDGET", 1.0)
    control.fail_next("processing_202", target="create_payment", count=1000, retry_after=300)
    started = time.monotonic()
    with pytest.raises(gateway.GatewayProcessing) as failure:
        _create(uuid.uuid4().hex)
    assert time.monotonic() - started < 2.0
    assert (failure.value.code, failure.value.status, failure.value.retryable) == ("processing", 202, True)
    assert "обрабатывает" in failure.value.message
    assert control.payments() == []


def test_hang_past_timeout_then_202_while_running_then_the_payment(control) -> None:
    """The HTTP timeout (2 s here) fires, the re-send meets the first request still running
    (202), and the answer finally comes from the first: one payment."""
    control.fail_next("hang", target="create_payment", seconds=3)
    created = _create(uuid.uuid4().hex)
    assert [p["id"] for p in control.payments()] == [created.id]
    assert control.calls()["create_payment"] >= 3


def test_exhausted_timeouts_are_reported_as_timeouts(control, monkeypatch) -> None:
    monkeypatch.setattr(gateway, "RETRY_DELAYS", (0.05,))
    control.fail_next("hang", target="get_payment", count=2, seconds=3)
    with pytest.raises(gateway.GatewayUnavailable) as failure:
        gateway.fetch_payment(str(uuid.uuid4()))
    assert failure.value.code == "timeout"


def test_default_timeout_covers_yookassas_30_seconds(monkeypatch) -> None:
    monkeypatch.delenv("YOOKASSA_TIMEOUT", raising=False)
    assert Settings().yookassa_timeout >= 30
