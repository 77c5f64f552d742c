"""Delivering the outbox: every email is a row first (services.notifications writes it in
the business transaction); these functions send rows and show them to the admin.

Never lost, never sent twice — how:
* A row is claimed by locking it (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite
  transactions hold the write lock), re-checked to be `pending`, handed to SMTP, and marked
  `sent` in that same transaction. Two workers (the per-email task and the periodic flush)
  can never both send it: the second one skips the locked row or finds it already sent.
* A transient failure (SMTP down, timeout, 4xx) leaves the row `pending` with the attempt
  counted and the error kept; the task retries with backoff and the periodic flush keeps
  trying after that, so the email goes out once SMTP is back. A permanent refusal (5xx)
  marks it `failed`; an admin can resend it.
* The one window left is a crash (or a lost database connection) after the SMTP server
  accepted the message and before our commit. The lock is released with the rolled-back
  transaction and the row is still `pending`, so it is sent again: we chose at-least-once
  for that window, because an undelivered password-reset or "license suspended" email
  costs more than a rare duplicate. The Message-ID is stable per row
  (mailer.message_id_for), so clients that collapse duplicates show it once.
* Without SMTP_HOST nothing is sent: rows stay `pending` and the admin reads them on the
  "Исходящие письма" page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from ispgo_portal.clock import format_datetime, utcnow
from ispgo_portal.db import is_postgres, session_scope
from ispgo_portal.models import OutboxEmail, id_col, pk
from ispgo_portal.models.enums import OutboxStatus
from ispgo_portal.services.audit import record as audit
from ispgo_portal.services.errors import DomainError, NotFound
from ispgo_portal.services.guard import acting_admin
from ispgo_portal.services.mail.dispatch import dispatch_outbox
from ispgo_portal.services.mail.mailer import (
    MailError,
    OutgoingEmail,
    SmtpConnection,
    smtp_configured,
)
from ispgo_portal.services.paging import page_slice

# Left to the email's own task before the periodic flush takes it over.
FLUSH_GRACE = timedelta(minutes=2)
FLUSH_BATCH = 200
STATUS_LABELS = {OutboxStatus.PENDING.value: "Ожидает отправки", OutboxStatus.SENT.value: "Отправлено",
                 OutboxStatus.FAILED.value: "Ошибка"}

# Outcomes of one send.
SENT = OutboxStatus.SENT
SKIPPED = "skipped"  # already sent, failed for good, missing, or another worker holds it
NOT_CONFIGURED = "not_configured"
FAILED = "failed"  # refused for good by the SMTP server


def _lock_email(session: Session, email_id: int) -> OutboxEmail | None:
    query = select(OutboxEmail).where(OutboxEmail.id == email_id)
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    return session.exec(query.execution_options(populate_existing=True)).first()


def send_outbox_email(*, email_id: int, connection: SmtpConnection | None = None) -> str:
    """Send one pending email. Raises MailError (after recording the attempt) when trying
    again later can help; returns an outcome otherwise."""
    if not smtp_configured():
        return NOT_CONFIGURED
    error: MailError | None = None
    with session_scope() as session:
        email = _lock_email(session, email_id)
        if email is None or email.status != OutboxStatus.PENDING:
            return SKIPPED
        email.attempts += 1
        outgoing = OutgoingEmail(outbox_id=pk(email), recipient=email.recipient, subject=email.subject,
                                 body_text=email.body_text, body_html=email.body_html)
        try:
            if connection is None:
                with SmtpConnection() as own:
                    own.send(outgoing)
            else:
                connection.send(outgoing)
        except MailError as exc:
            error = exc
            email.last_error = str(exc)[:1000]
            if exc.permanent:
                email.status = OutboxStatus.FAILED
        else:
            email.status = OutboxStatus.SENT
            email.sent_at = utcnow()
            email.last_error = ""
        session.add(email)
    if error is None:
        return SENT
    if error.permanent:
        return FAILED
    raise error


@dataclass
class FlushResult:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0  # still pending: SMTP unreachable or not configured
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"outbox: sent {self.sent}, failed {self.failed}, skipped {self.skipped}, "
                f"deferred {self.deferred}")


def _pending_ids(*, older_than: timedelta, limit: int, now: datetime) -> list[int]:
    with session_scope() as session:
        ids = session.exec(
            select(id_col(OutboxEmail))
            .where(OutboxEmail.status == OutboxStatus.PENDING, OutboxEmail.created_at <= now - older_than)
            # Fewest attempts first: one email a server keeps refusing cannot block the rest.
            .order_by(col(OutboxEmail.attempts), col(OutboxEmail.id))
            .limit(limit)
        ).all()
        return list(ids)


def send_pending(*, older_than: timedelta = FLUSH_GRACE, limit: int = FLUSH_BATCH,
                 now: datetime | None = None, email_ids: list[int] | None = None) -> FlushResult:
    """Send pending emails over one SMTP connection: the given `email_ids` (a batch handed
    over by the renewal pass), or else the safety net — pending emails older than
    `older_than` whose own task did not send them (broker down, retries exhausted, worker
    lost). Stops at the first transient failure: SMTP is down, and hammering it for every
    row would only slow the next flush; the rows stay pending."""
    result = FlushResult()
    if email_ids is not None:
        ids = sorted({int(i) for i in email_ids})
    else:
        ids = _pending_ids(older_than=older_than, limit=limit, now=now or utcnow())
    if not smtp_configured():
        result.deferred = len(ids)
        return result
    with SmtpConnection() as connection:
        for index, email_id in enumerate(ids):
            try:
                outcome = send_outbox_email(email_id=email_id, connection=connection)
            except MailError as exc:
                result.deferred = len(ids) - index
                result.errors.append(str(exc))
                break
            if outcome == SENT:
                result.sent += 1
            elif outcome == FAILED:
                result.failed += 1
            else:
                result.skipped += 1
    return result


# --- the admin page -------------------------------------------------------------------

PAGE_SIZE = 50


@dataclass(frozen=True)
class OutboxPage:
    rows: list[dict[str, str | int]]
    total: int
    counts: dict[str, int]
    page: int = 1
    pages: int = 1


def _row(email: OutboxEmail) -> dict[str, str | int]:
    return {
        "id": email.id or 0,
        "created_at": format_datetime(email.created_at),
        "sent_at": format_datetime(email.sent_at) if email.sent_at else "",
        "recipient": email.recipient,
        "subject": email.subject,
        "template": email.template,
        "status": email.status,
        "status_label": STATUS_LABELS.get(email.status, email.status),
        "attempts": email.attempts,
        "last_error": email.last_error,
    }


def list_outbox(*, admin_id: int, status: str = "", search: str = "", page: int = 1,
                page_size: int = PAGE_SIZE) -> OutboxPage:
    """Newest first, optionally by status and by a recipient/subject substring."""
    status = status if status in STATUS_LABELS else ""
    search = (search or "").strip()[:100]
    with session_scope() as session:
        acting_admin(session, admin_id)
        query = select(OutboxEmail)
        if status:
            query = query.where(OutboxEmail.status == status)
        if search:
            pattern = f"%{search.lower()}%"
            query = query.where(or_(func.lower(OutboxEmail.recipient).like(pattern),
                                    func.lower(OutboxEmail.subject).like(pattern)))
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        window = page_slice(total=total, page=page, page_size=max(1, min(page_size, 200)))
        emails = session.exec(
            query.order_by(col(OutboxEmail.id).desc()).offset(window.offset).limit(window.limit)
        ).all()
        counts = dict(session.exec(
            select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)
        ).all())
        return OutboxPage(rows=[_row(e) for e in emails], total=int(total),
                          counts={k: int(counts.get(k, 0)) for k in STATUS_LABELS},
                          page=window.page, pages=window.pages)


def get_outbox_email(*, admin_id: int, email_id: int) -> dict[str, str | int]:
    with session_scope() as session:
        acting_admin(session, admin_id)
        email = session.get(OutboxEmail, email_id)
        if email is None:
            raise NotFound("Письмо не найдено")
        return {**_row(email), "body_text": email.body_text, "body_html": email.body_html}


def resend_outbox_email(*, admin_id: int, email_id: int) -> None:
    """Put a failed (or stuck pending) email back in the queue and dispatch it."""
    with session_scope() as session:
        acting_admin(session, admin_id)
        email = _lock_email(session, email_id)
        if email is None:
            raise NotFound("Письмо не найдено или уже отправляется")
        if email.status == OutboxStatus.SENT:
            raise DomainError("already_sent", "Это письмо уже отправлено")
        before = {"status": email.status, "attempts": email.attempts}
        email.status = OutboxStatus.PENDING
        session.add(email)
        audit.record(session, admin_id=admin_id, action="outbox.resend", target_type="outbox_email",
                     target_id=email.id, before=before, after={"status": "pending"})
    dispatch_outbox([email_id])
