"""Refund reconciliation on the beat schedule (see tasks/schedule.py)."""

from __future__ import annotations

from celery import shared_task

from ispgo_portal.services.refunds import reconcile_refunds as reconcile


@shared_task(name="ispgo_portal.tasks.refunds.reconcile_refunds")
def reconcile_refunds() -> int:
    """Re-send refunds whose answer was lost (same idempotence key) and settle pending ones
    whose notification never came. Failures are logged per refund and left for the next
    run, so no retry is declared."""
    return reconcile()
