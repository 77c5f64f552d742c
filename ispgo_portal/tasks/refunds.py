"""Refund reconciliation on the beat schedule (see tasks/schedule.py)."""

from __future__ import annotations

from celery import shared_task

from ispgo_portal.services.billing.refunds import reconcile_refunds as reconcile


@shared_task(name="ispgo_portal.tasks.refunds.reconcile_refunds")
def reconcile_refunds() -> int:
    """Ask again about refunds whose answer was lost (the stored body with the same key
    within 23 h, later only by listing the payment's refunds) and settle pending ones whose
    notification never came. Failures are logged per refund and left for the next run, so
    no retry is declared."""
    return reconcile()
