"""Beat tasks for the auto-renewal/expiry pass and the expiry reminders (logic: services)."""

from __future__ import annotations

import logging

from celery import shared_task

from ispgo_portal.services.licensing import renewals

log = logging.getLogger(__name__)


@shared_task(name="ispgo_portal.tasks.renewals.run_renewal_pass")
def run_renewal_pass() -> str:
    # No retries: the pass runs every minute, and a license left over is simply still due.
    summary = renewals.run_renewal_pass().summary()
    log.info("renewal pass: %s", summary)
    return summary


@shared_task(name="ispgo_portal.tasks.renewals.send_expiry_reminders")
def send_expiry_reminders() -> str:
    summary = renewals.send_expiry_reminders().summary()
    log.info("expiry reminders: %s", summary)
    return summary
