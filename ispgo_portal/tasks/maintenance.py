"""Daily clean-up of expired sessions, old login attempts and dead password-reset links."""

from __future__ import annotations

from celery import shared_task

from ispgo_portal.services import auth, password_reset


@shared_task(name="ispgo_portal.tasks.maintenance.purge_expired_sessions")
def purge_expired_sessions() -> str:
    sessions = auth.purge_expired()
    tokens = password_reset.purge_reset_tokens()
    return f"removed {sessions} expired sessions, {tokens} dead password-reset links"
