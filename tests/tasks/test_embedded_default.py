"""The embedded default (`make run`): SQLite, kombu's filesystem broker, no SMTP. A license
with auto-renewal whose term ends renews by itself in the worker, and its email waits in
the outbox for the admin."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.tasks.conftest import ROOT, wait_until

SEED = """
from datetime import timedelta
from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.migrations import upgrade_to_head
from ispgo_portal.models import License, Tariff, User
from ispgo_portal.services.billing import ledger as billing

upgrade_to_head()
with session_scope() as session:
    user = User(email="embedded@example.ru", name="Клиент", password_hash="!")
    session.add(user)
    session.flush()
    billing.credit(session, user_id=user.id, amount=200_000, kind="topup", description="Пополнение",
                   reference="embedded-seed")
    tariff = Tariff(name="Старт", price=100_000, period_days=30)
    session.add(tariff)
    session.flush()
    session.add(License(user_id=user.id, tariff_id=tariff.id, key="ISPG-EMBD-0000-0000-0001",
                        auto_renew=True, expires_at=utcnow() + timedelta(seconds=1)))
"""


def _query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_embedded_default_renews_by_itself_and_keeps_the_email(tmp_path: Path, start_worker) -> None:
    embedded = {"DATA_DIR": str(tmp_path), "DATABASE_URL": "", "REDIS_URL": "", "SMTP_HOST": ""}
    env = {**os.environ, **embedded}
    subprocess.run([sys.executable, "-c", SEED], cwd=ROOT, env=env, check=True, timeout=120)
    start_worker(name="embedded", pool="threads", env_overrides=embedded)
    db = tmp_path / "portal.db"
    wait_until(lambda: _query(db, "SELECT count(*) FROM licenses WHERE expires_at <= datetime('now')")[0][0],
               what="the term to end")
    subprocess.run([sys.executable, "-m", "celery", "-A", "ispgo_portal.tasks.celery_app", "call",
                    "ispgo_portal.tasks.renewals.run_renewal_pass"], cwd=ROOT, env=env, check=True, timeout=120)
    wait_until(lambda: _query(db, "SELECT count(*) FROM ledger_entries WHERE kind = 'renewal'")[0][0],
               what="the renewal")
    assert _query(db, "SELECT balance FROM users") == [(100_000,)]
    wait_until(lambda: _query(db, "SELECT count(*) FROM outbox_emails")[0][0], what="the email")
    assert _query(db, "SELECT recipient, template, status FROM outbox_emails") == [
        ("embedded@example.ru", "license_renewed", "pending")]
