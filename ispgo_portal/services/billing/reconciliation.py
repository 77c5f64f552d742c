"""Reconciliation: payments whose notification never came are settled from YooKassa's
own answer; payments nobody paid are closed after YooKassa's payment timeout.

A payment closed on our side (unpaid after the timeout, or failed) is not final at
YooKassa: it is asked about again, less often, for as long as YooKassa can still take the
money (a capture is possible for 7 days), and credited once if it was paid after all. The
rows asked about least recently go first, so a payment YooKassa keeps refusing to answer
for never holds back newer ones.

Run by the Celery beat task `reconcile_payments` every few minutes; each payment is its
own transaction (through `settle_payment`), so one failure never stops the rest.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, update
from sqlmodel import col, select

from ispgo_portal.clock import as_utc, utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import Payment, id_col, pk
from ispgo_portal.models.enums import PaymentStatus
from ispgo_portal.payments import gateway
from ispgo_portal.services.billing import pricing
from ispgo_portal.services.billing.payments import OPEN_STATUSES, lock_payment, settle_payment
from ispgo_portal.services.errors import DomainError

log = logging.getLogger(__name__)

# A webhook normally arrives within seconds; after this we ask YooKassa ourselves.
RECHECK_AFTER = timedelta(minutes=3)
# YooKassa cancels a payment the customer has not confirmed within an hour; we wait a
# little longer before closing it on our side.
CLOSE_UNPAID_AFTER = timedelta(hours=1, minutes=10)
# A row still "new" this long after creation means the process died before YooKassa answered.
STALE_NEW_AFTER = timedelta(minutes=15)
# Closed on our side but not final at YooKassa: asked about this often, for this long.
RECHECK_CLOSED_EVERY = timedelta(minutes=30)
RECHECK_CLOSED_FOR = timedelta(days=7)
BATCH = 500


@dataclass
class ReconcileReport:
    checked: int = 0
    succeeded: int = 0
    canceled: int = 0
    closed_unpaid: int = 0
    failed_new: int = 0
    errors: int = 0
    late_paid: int = 0  # closed on our side, then found paid at YooKassa

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def reconcile_payments(*, recheck_after: timedelta = RECHECK_AFTER,
                       close_after: timedelta = CLOSE_UNPAID_AFTER,
                       now: datetime | None = None) -> ReconcileReport:
    now = now or utcnow()
    report = ReconcileReport()
    with session_scope() as session:
        rows = session.exec(
            select(id_col(Payment), Payment.created_at, Payment.status)
            .where(_due_for_recheck(now, recheck_after))
            .order_by(col(Payment.last_checked_at).asc().nulls_first(), col(Payment.created_at))
            .limit(BATCH)
        ).all()
    for payment_id, created_at, status in rows:
        report.checked += 1
        _mark_checked(payment_id, now)
        if status in OPEN_STATUSES:
            _recheck(payment_id, overdue=as_utc(created_at) <= now - close_after, report=report)
        else:
            _recheck_closed(payment_id, report=report)
    report.failed_new = _fail_stale_new(now - STALE_NEW_AFTER)
    if report.checked or report.failed_new:
        log.info("payment reconciliation: %s", report.as_dict())
    return report


def _due_for_recheck(now: datetime, recheck_after: timedelta) -> ColumnElement[bool]:
    open_late = and_(col(Payment.status).in_(OPEN_STATUSES),
                     col(Payment.created_at) <= now - recheck_after)
    closed_here = and_(
        col(Payment.status).in_((PaymentStatus.CANCELED, PaymentStatus.FAILED)),
        col(Payment.settled_at).is_(None),  # YooKassa's own cancellations are settled: final
        col(Payment.yookassa_id).is_not(None),
        col(Payment.created_at) >= now - RECHECK_CLOSED_FOR,
        or_(col(Payment.last_checked_at).is_(None),
            col(Payment.last_checked_at) <= now - RECHECK_CLOSED_EVERY),
    )
    return and_(col(Payment.review_reason) == "", or_(open_late, closed_here))


def _mark_checked(payment_id: int, now: datetime) -> None:
    """Before asking: a payment whose check fails still moves to the back of the queue."""
    with session_scope() as session:
        session.exec(update(Payment).where(col(Payment.id) == payment_id).values(last_checked_at=now))


def _recheck_closed(payment_id: int, *, report: ReconcileReport) -> None:
    try:
        result = settle_payment(payment_id=payment_id)
    except (gateway.GatewayError, DomainError) as exc:
        report.errors += 1
        log.warning("recheck closed payment %s: %s", payment_id, exc)
        return
    if result.status == PaymentStatus.SUCCEEDED and result.applied:
        report.late_paid += 1
        report.succeeded += 1
        log.warning("payment %s was closed here as unpaid but YooKassa took the money: credited now",
                    payment_id)


def _recheck(payment_id: int, *, overdue: bool, report: ReconcileReport) -> None:
    try:
        result = settle_payment(payment_id=payment_id)
    except gateway.GatewayError as exc:
        report.errors += 1
        log.warning("reconcile payment %s: YooKassa unavailable (%s)", payment_id, exc)
        return
    except DomainError as exc:
        if exc.code != "payment_not_found" or not overdue:
            report.errors += 1
            log.warning("reconcile payment %s: %s", payment_id, exc)
            return
        result = None  # YooKassa forgot it (an emulator restart): close it below
    if result is not None and result.status == PaymentStatus.SUCCEEDED:
        report.succeeded += result.applied
        return
    if result is not None and result.status == PaymentStatus.CANCELED:
        report.canceled += 1
        return
    if overdue and _close_unpaid(payment_id):
        report.closed_unpaid += 1


def _close_unpaid(payment_id: int) -> bool:
    """Closed on our side only: settled_at stays empty, so if YooKassa ever reports it
    paid after all, settle_payment still credits it."""
    with session_scope() as session:
        payment = lock_payment(session, payment_id)
        if payment.settled_at is not None or payment.status not in OPEN_STATUSES:
            return False
        payment.status = PaymentStatus.CANCELED
        payment.cancellation_reason = gateway.describe_cancellation("expired_on_confirmation")
        session.add(payment)
        # The order will not be delivered at this price unless it turns out paid after all.
        pricing.release_reservation(session, payment_id=payment_id)
        return True


def _fail_stale_new(before: datetime) -> int:
    with session_scope() as session:
        stale = session.exec(
            select(Payment).where(Payment.status == PaymentStatus.NEW, Payment.created_at <= before).limit(BATCH)
        ).all()
        for payment in stale:
            payment.status = PaymentStatus.FAILED
            session.add(payment)
            pricing.release_reservation(session, payment_id=pk(payment))
        return len(stale)
