"""Email tasks: send one outbox row, and the periodic flush that catches the rest.

The outbox row is the source of truth (see services/outbox.py for why an email is
never lost and never sent twice); these tasks only carry ids and declare retries.
"""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from ispgo_portal.services import outbox
from ispgo_portal.services.mailer import MailError


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


@shared_task(name="ispgo_portal.tasks.email.flush_outbox")
def flush_outbox() -> str:
    return outbox.send_pending().summary()
