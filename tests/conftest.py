"""Shared fixtures: a throwaway PostgreSQL database migrated to head, a clean slate and
the ledger invariant after every test, and factories for customers, admins and tariffs.

The database is created when the first test that needs it runs (the autouse `clean_db`
depends on `test_database`): a module of pure functions overrides `clean_db` with a fixture
that needs nothing, and running only such modules never touches PostgreSQL.

Environment (all optional):
  TEST_PG_URL      server to create the throwaway database on (default 127.0.0.1:5432, postgres)
  TEST_REDIS_URL   Redis for Celery in tests (default redis://127.0.0.1:6379/15)
"""

from __future__ import annotations

import functools
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

PG_SERVER = os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TEST_DB_NAME = f"ispgo_test_{uuid.uuid4().hex[:10]}"
TEST_DATA_DIR = Path(tempfile.mkdtemp(prefix="ispgo-test-"))


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(sql)


def _test_db_url() -> str:
    base = PG_SERVER.rsplit("/", 1)[0]
    return f"{base}/{TEST_DB_NAME}"


_created: list[str] = []  # the test database, once it exists


def pytest_configure(config: pytest.Config) -> None:
    # Settings are read from the environment: set it before the portal is imported.
    os.environ["DATABASE_URL"] = _test_db_url()
    os.environ["DATA_DIR"] = str(TEST_DATA_DIR)
    os.environ.setdefault("REDIS_URL", os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    os.environ.setdefault("BASE_URL", "http://localhost:3000")
    os.environ.setdefault("SUPPORT_EMAILS", "support@ispgo.local")
    for var in ("YOOKASSA_SHOP_ID", "YOOKASSA_SECRET_KEY", "SMTP_HOST"):
        os.environ.pop(var, None)

    # Wire the process as the app does: licensing delivers paid orders, Celery sends emails.
    import ispgo_portal.services.licensing
    import ispgo_portal.tasks.email  # noqa: F401


@pytest.fixture(scope="session")
def test_database() -> str:
    """The throwaway database, created and migrated to head on first use."""
    from ispgo_portal.migrations import upgrade_to_head

    _pg_admin(f'CREATE DATABASE "{TEST_DB_NAME}"')
    _created.append(TEST_DB_NAME)
    upgrade_to_head()
    _never_vacuum()
    return _test_db_url()


def pytest_unconfigure(config: pytest.Config) -> None:
    if not _created:
        return
    from ispgo_portal.db import get_engine

    get_engine().dispose()
    try:
        _pg_admin(f'DROP DATABASE IF EXISTS "{TEST_DB_NAME}" WITH (FORCE)')
    except Exception as exc:
        print(f"could not drop {TEST_DB_NAME}: {exc}")


@functools.cache
def _empty_all_sql() -> str:
    """DELETE from every table in foreign-key order, then every id sequence back at 1."""
    from sqlalchemy import text
    from sqlmodel import SQLModel

    from ispgo_portal.db import get_engine

    with get_engine().connect() as conn:
        sequences = conn.execute(text("SELECT c.oid::regclass::text FROM pg_class c "
                                      "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                      "WHERE c.relkind = 'S' AND n.nspname = 'public'")).scalars().all()
    deletes = [f'DELETE FROM "{t.name}"' for t in reversed(SQLModel.metadata.sorted_tables)]
    return "; ".join([*deletes, *(f"SELECT setval('{s}', 1, false)" for s in sequences)])


def truncate_all() -> None:
    """Every table empty and every id sequence back at 1, in one round trip: DELETE in
    foreign-key order and `setval` take ~5 ms, where TRUNCATE … RESTART IDENTITY (fresh files
    for every table and index, synced at commit) takes 130–330 ms — before each of ~1,700 tests."""
    from ispgo_portal.db import get_engine

    with get_engine().begin() as conn:
        conn.exec_driver_sql(_empty_all_sql())


def _never_vacuum() -> None:
    """The throwaway database's tables are not vacuumed during the run: a vacuum would let new
    rows reuse the space of deleted ones, and the order of rows read without ORDER BY would
    then change from run to run."""
    from sqlmodel import SQLModel

    from ispgo_portal.db import get_engine

    with get_engine().begin() as conn:
        for table in SQLModel.metadata.sorted_tables:
            conn.exec_driver_sql(f'ALTER TABLE "{table.name}" SET (autovacuum_enabled = false)')


@pytest.fixture(autouse=True)
def clean_db(test_database: str) -> Iterator[None]:
    """Every test starts empty; afterwards every balance must equal the sum of its ledger."""
    truncate_all()
    yield
    from ispgo_portal.db import session_scope
    from ispgo_portal.services.billing.ledger import ledger_mismatches

    with session_scope() as session:
        bad = ledger_mismatches(session)
    assert bad == [], f"balance != sum of ledger for {bad}"


@pytest.fixture
def make_customer() -> Callable[..., int]:
    """make_customer(balance=0, credit_limit=0, discount=0, email=None) -> user id.
    A starting balance is booked through the ledger like any other money."""
    from ispgo_portal.db import session_scope
    from ispgo_portal.models import User
    from ispgo_portal.services.accounts.passwords import hash_password
    from ispgo_portal.services.billing import ledger as billing

    def factory(*, balance: int = 0, credit_limit: int = 0, discount: int = 0,
                email: str | None = None, password: str = "password123", name: str = "Клиент",
                role: str = "customer") -> int:
        with session_scope() as session:
            user = User(
                email=email or f"c{uuid.uuid4().hex[:8]}@example.ru",
                name=name,
                password_hash=hash_password(password),
                role=role,
                credit_limit=credit_limit,
                discount_percent=discount,
            )
            session.add(user)
            session.flush()
            if balance > 0:
                billing.credit(session, user_id=user.id, amount=balance, kind="adjustment",
                               description="Начальный баланс (тест)", reference=f"test-seed:{user.id}")
            elif balance < 0:
                billing.debit_unchecked(session, user_id=user.id, amount=-balance, kind="adjustment",
                                        description="Начальный долг (тест)", reference=f"test-seed:{user.id}")
            return user.id

    return factory


@pytest.fixture
def make_admin(make_customer: Callable[..., int]) -> Callable[..., int]:
    """make_admin(two_factor=True, **customer fields) -> user id. Admins act only with TOTP,
    so by default the admin is enrolled with tests.totp.TEST_TOTP_SECRET."""
    from tests.totp import enrol_totp

    def factory(*, two_factor: bool = True, **kwargs) -> int:
        user_id = make_customer(role="admin", name="Админ", **kwargs)
        if two_factor:
            enrol_totp(user_id)
        return user_id

    return factory


@pytest.fixture
def make_tariff() -> Callable[..., int]:
    from ispgo_portal.db import session_scope
    from ispgo_portal.models import Tariff

    def factory(*, name: str = "Тест", price: int = 100_000, period_days: int = 30,
                max_servers: int = 1, max_sites: int = 0, is_active: bool = True) -> int:
        with session_scope() as session:
            tariff = Tariff(name=name, price=price, period_days=period_days, max_servers=max_servers,
                            max_sites=max_sites, is_active=is_active, description="Тестовый тариф")
            session.add(tariff)
            session.flush()
            return tariff.id

    return factory


@pytest.fixture
def session_token() -> Callable[[int], str]:
    """session_token(user_id) -> a valid raw session token for that user."""
    from ispgo_portal.db import session_scope
    from ispgo_portal.services.accounts.auth import _issue_session

    def factory(user_id: int) -> str:
        with session_scope() as session:
            return _issue_session(session, user_id=user_id)

    return factory


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last: they are the slowest, and the fast suites report first. The cluster's
    come before the single-process portal's, which holds the `.web` lock once it starts."""
    items.sort(key=lambda item: 2 if "/e2e/" in str(item.fspath) else 1 if "/cluster/" in str(item.fspath) else 0)
