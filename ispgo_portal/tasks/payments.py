"""Payment reconciliation on the beat schedule (every few minutes, see tasks/schedule.py)."""

from __future__ import annotations

from celery import shared_task

from ispgo_portal.services.billing.reconciliation import reconcile_payments as reconcile


@shared_task(name="ispgo_portal.tasks.payments.reconcile_payments")
def reconcile_payments() -> dict[str, int]:
    """Settle payments whose webhook was lost; close unpaid ones after YooKassa's timeout.
    Each payment is its own transaction and failures are counted, so no retry is declared:
    the next run picks up whatever is left."""
    return reconcile().as_dict()
