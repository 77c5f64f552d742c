"""Daily clean-up of expired sessions, old login attempts, dead password-reset links and
REST API idempotency keys past their 24 hours."""

from __future__ import annotations

from celery import shared_task

from ispgo_portal.services.accounts import auth, password_reset
from ispgo_portal.services.rest import idempotency as api_idempotency


@shared_task(name="ispgo_portal.tasks.maintenance.purge_expired_sessions")
def purge_expired_sessions() -> str:
    sessions = auth.purge_expired()
    tokens = password_reset.purge_reset_tokens()
    keys = api_idempotency.purge_expired_keys()
    return (f"removed {sessions} expired sessions, {tokens} dead password-reset links, "
            f"{keys} expired API idempotency keys")
