"""Two-factor sign-in for tests: admins must have TOTP, so the fixtures enrol a known secret
and hand out codes the way an authenticator app would (a fresh time step for every login,
since each step is accepted once)."""

from __future__ import annotations

import time

import pyotp

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import TwoFactor
from ispgo_portal.services.accounts import secret_box, two_factor

TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enrol_totp(user_id: int, secret: str = TEST_TOTP_SECRET) -> None:
    """Turn 2FA on for the user with `secret`, as a finished enrolment would."""
    with session_scope() as session:
        row = session.get(TwoFactor, user_id) or TwoFactor(user_id=user_id, secret="")
        row.secret, row.enabled_at, row.last_step, row.updated_at = (
            secret_box.encrypt(secret), utcnow(), 0, utcnow())
        session.add(row)


def totp_code(user_id: int, secret: str = TEST_TOTP_SECRET) -> str:
    """A code the server will accept now: the current step, or the next one (accepted as
    clock drift) if the current one was used; waits for a later step only if both were."""
    totp = pyotp.TOTP(secret)
    while True:
        with session_scope() as session:
            row = session.get(TwoFactor, user_id)
            last = row.last_step if row is not None else 0
        now_step = int(time.time()) // two_factor.STEP_SECONDS
        for step in (now_step, now_step + two_factor.VALID_WINDOW):
            if step > last:
                return totp.at(step * two_factor.STEP_SECONDS)
        time.sleep(1)
