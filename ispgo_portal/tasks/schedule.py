"""The beat schedule (one beat process in production; `make run` embeds one).

Frequent tasks expire before their next run: if workers are down for an hour, they come
back to one pass, not sixty queued ones (the next pass would find nothing left anyway).
"""

from __future__ import annotations

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "renewal-pass": {
        "task": "ispgo_portal.tasks.renewals.run_renewal_pass",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "reconcile-payments": {
        "task": "ispgo_portal.tasks.payments.reconcile_payments",
        "schedule": 180.0,
        "options": {"expires": 170},
    },
    "reconcile-refunds": {
        "task": "ispgo_portal.tasks.refunds.reconcile_refunds",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    "flush-outbox": {
        "task": "ispgo_portal.tasks.email.flush_outbox",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "expiry-reminders": {
        "task": "ispgo_portal.tasks.renewals.send_expiry_reminders",
        "schedule": crontab(hour=7, minute=0),  # 10:00 Moscow time
    },
    "monthly-acts": {
        "task": "ispgo_portal.tasks.documents.issue_monthly_acts",
        "schedule": crontab(day_of_month=1, hour=3, minute=0),  # the 1st, 06:00 Moscow time
    },
    "purge-expired-sessions": {
        "task": "ispgo_portal.tasks.maintenance.purge_expired_sessions",
        "schedule": crontab(hour=0, minute=30),  # 03:30 Moscow time
    },
}
