"""Beat task: the monthly acts on the 1st (logic: services/billing/closing_documents)."""

from __future__ import annotations

import logging

from celery import shared_task

from ispgo_portal.services.billing import closing_documents

log = logging.getLogger(__name__)


@shared_task(name="ispgo_portal.tasks.documents.issue_monthly_acts", autoretry_for=(OSError,),
             retry_backoff=60, max_retries=5)
def issue_monthly_acts(period: str = "") -> str:
    # Safe to repeat: one act per payer and month, so a retry issues only what is missing.
    summary = closing_documents.issue_monthly_acts(period=period or None).summary()
    log.info("monthly acts: %s", summary)
    return summary
