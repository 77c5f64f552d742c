"""The daily clean-up task: expired sessions, dead password-reset links and API idempotency
keys past their 24 hours go, live ones stay."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import ApiIdempotencyKey, AuthSession, PasswordResetToken
from ispgo_portal.services.accounts.auth import hash_token
from ispgo_portal.tasks.maintenance import purge_expired_sessions


def test_purge_removes_expired_sessions_and_dead_reset_links(make_customer, session_token) -> None:
    user_id = make_customer()
    live_session = session_token(user_id)
    now = utcnow()
    with session_scope() as session:
        session.add(AuthSession(user_id=user_id, token_hash=hash_token("expired"), expires_at=now - timedelta(hours=1)))
        session.add(PasswordResetToken(user_id=user_id, token_hash=hash_token("dead"),
                                       expires_at=now - timedelta(days=2)))
        session.add(PasswordResetToken(user_id=user_id, token_hash=hash_token("live"),
                                       expires_at=now + timedelta(minutes=30)))
        session.add(ApiIdempotencyKey(user_id=user_id, key="old", request_hash="x",
                                      created_at=now - timedelta(hours=25)))
        session.add(ApiIdempotencyKey(user_id=user_id, key="fresh", request_hash="y",
                                      created_at=now - timedelta(hours=23)))
    assert purge_expired_sessions() == ("removed 1 expired sessions, 1 dead password-reset links, "
                                        "1 expired API idempotency keys")
    with session_scope() as session:
        assert [s.token_hash for s in session.exec(select(AuthSession)).all()] == [hash_token(live_session)]
        assert [t.token_hash for t in session.exec(select(PasswordResetToken)).all()] == [hash_token("live")]
        assert [k.key for k in session.exec(select(ApiIdempotencyKey)).all()] == ["fresh"]
