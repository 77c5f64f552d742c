"""Email tasks: send one outbox row, and the periodic flush that catches the rest.

The outbox row is the source of truth (see services/mail/outbox.py for why an email is
never lost and never sent twice); these tasks only carry ids and declare retries.
"""

from __future__ import annotations

import logging

from celery import shared_task
from sqlalchemy.exc import OperationalError

from ispgo_portal.services.mail import outbox
from ispgo_portal.services.mail.dispatch import register_sender
from ispgo_portal.services.mail.mailer import MailError

log = logging.getLogger(__name__)


@shared_task(
    name="ispgo_portal.tasks.email.send_outbox_email",
    autoretry_for=(MailError, OperationalError),
    retry_backoff=2,  # 2, 4, 8 … seconds
    retry_backoff_max=600,
    retry_jitter=False,
    max_retries=12,  # about an hour; after that the periodic flush keeps trying
)
def send_outbox_email(email_id: int) -> str:
    return outbox.send_outbox_email(email_id=int(email_id))


@shared_task(
    name="ispgo_portal.tasks.email.flush_outbox",
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    max_retries=5,
)
def flush_outbox(email_ids: list[int] | None = None) -> str:
    """Every minute without arguments (the safety net), or with the ids of a batch of emails
    (the renewal pass hands its emails over this way: one message, one SMTP connection)."""
    result = outbox.send_pending(email_ids=email_ids)
    if email_ids and result.deferred:
        # SMTP is down: the rest stay pending, and the next periodic flushes send them.
        log.warning("outbox batch: %s", result.summary())
    return result.summary()


def _send_committed(email_ids: list[int]) -> None:
    """One email: its own task (retried alone). A batch (the renewal pass): one task, one
    SMTP connection."""
    if len(email_ids) == 1:
        send_outbox_email.delay(email_ids[0])
    else:
        flush_outbox.delay(email_ids=email_ids)


register_sender(_send_committed)
