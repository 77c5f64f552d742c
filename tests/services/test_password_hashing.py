"""Password hashes are capped per machine: portal processes sharing it take turns."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# One process: its hashes, each noted as a (start, end) wall-clock interval around the real hash.
HASHER = """
import json, os, sys, time
from pathlib import Path
from ispgo_portal.services.accounts import passwords

passwords._SLOT_FILES = [Path(sys.argv[1])]  # one slot for the machine
real = passwords._hasher
spans = []

class Timed:
    def hash(self, password):
        start = time.time()
        try:
            return real.hash(password)
        finally:
            spans.append((start, time.time()))

    def verify(self, stored, password):
        return real.verify(stored, password)

passwords._hasher = Timed()
for n in range(4):
    passwords.hash_password(f"password-{n}")
print(json.dumps(spans))
"""


def _overlaps(a: list[list[float]], b: list[list[float]]) -> int:
    return sum(1 for s1, e1 in a for s2, e2 in b if s1 < e2 and s2 < e1)


def test_two_processes_never_hash_at_once_with_one_slot(tmp_path: Path) -> None:
    slot = tmp_path / "hash-slot.lock"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", HASHER, str(slot)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    first, second = (json.loads(p.communicate(timeout=120)[0].strip().splitlines()[-1]) for p in procs)
    assert len(first) == len(second) == 4
    # Without the machine-wide slot the two processes hash side by side (overlaps > 0).
    assert _overlaps(first, second) == 0


# --- no hash while a database connection is held ------------------------------------------------
# A hash may wait for a free slot (a login storm queues there). Waiting inside a transaction
# keeps a pooled connection "idle in transaction" meanwhile; a storm of them took the whole pool
# and every page of the portal waited for a connection. Each flow that hashes is run with a
# hasher that notes how many pooled connections are out while it works (the test is the only
# user of the pool, so any is the flow's own).


class _PoolWatch:
    def __init__(self, real: object) -> None:
        self.real = real
        self.seen: list[tuple[str, int]] = []

    def __getattr__(self, name: str) -> object:  # check_needs_rehash and the rest: the real one's
        return getattr(self.real, name)

    def _note(self, what: str) -> None:
        from ispgo_portal.db import get_engine

        self.seen.append((what, get_engine().pool.checkedout()))  # type: ignore[attr-defined]

    def hash(self, password: str) -> str:
        self._note("hash")
        return self.real.hash(password)  # type: ignore[attr-defined]

    def verify(self, stored: str, password: str) -> bool:
        self._note("verify")
        return self.real.verify(stored, password)  # type: ignore[attr-defined]


def test_no_flow_hashes_while_holding_a_database_connection(make_customer, make_admin, monkeypatch) -> None:
    import secrets
    from datetime import timedelta

    import pytest
    from argon2 import PasswordHasher

    from ispgo_portal.clock import utcnow
    from ispgo_portal.db import session_scope
    from ispgo_portal.models import PasswordResetToken, User
    from ispgo_portal.services.accounts import admin as accounts_admin
    from ispgo_portal.services.accounts import auth, password_reset, passwords
    from ispgo_portal.services.errors import DomainError

    admin = make_admin()
    customer = make_customer(email="pool@example.ru", password="password123")
    with session_scope() as session:  # an old-parameter hash: the next login rehashes it
        session.get(User, customer).password_hash = PasswordHasher(parallelism=2).hash("password123")
    watch = _PoolWatch(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", watch)

    auth.register_user(email="new@example.ru", name="Новый", password="password123",
                       password_confirm="password123")
    login = auth.login(email="pool@example.ru", password="password123")  # verify + rehash
    with pytest.raises(DomainError):
        auth.login(email="pool@example.ru", password="wrong-password")
    with pytest.raises(DomainError):
        auth.login(email="nobody@example.ru", password="password123")  # the timing dummy
    auth.change_password(user_id=customer, current="password123", new="password456", confirm="password456",
                         token=login.token)
    token = secrets.token_urlsafe(32)
    with session_scope() as session:
        session.add(PasswordResetToken(user_id=customer, token_hash=auth.hash_token(token), created_at=utcnow(),
                                       expires_at=utcnow() + timedelta(hours=1)))
    password_reset.reset_password(token=token, password="password789", password_confirm="password789")
    accounts_admin.set_password(admin_id=admin, customer_id=customer, password="password000",
                                password_confirm="password000")
    auth.create_admin(email="second-admin@example.ru", password="password123")

    assert len(watch.seen) >= 10
    assert [what for what, held in watch.seen if held] == []
