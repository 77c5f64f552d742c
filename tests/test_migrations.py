"""Alembic owns the schema: it upgrades an empty database to head on PostgreSQL and SQLite,
and the models and the migrations agree (autogenerate finds nothing to do)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.conftest import PG_SERVER


@pytest.fixture(autouse=True)
def clean_db() -> None:
    """Each test makes its own databases (this replaces the suite's database fixture)."""


ROOT = Path(__file__).resolve().parent.parent


def _alembic(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "-m", "alembic", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def empty_pg_url() -> str:
    name = f"ispgo_mig_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG_SERVER.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_upgrade_from_empty_to_head_on_postgresql(empty_pg_url: str) -> None:
    result = _alembic({"DATABASE_URL": empty_pg_url}, "upgrade", "head")
    assert result.returncode == 0, result.stderr
    with psycopg.connect(empty_pg_url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")}
    assert {"users", "ledger_entries", "licenses", "tickets", "outbox_emails"} <= tables


def test_models_and_migrations_agree_on_postgresql(empty_pg_url: str) -> None:
    assert _alembic({"DATABASE_URL": empty_pg_url}, "upgrade", "head").returncode == 0
    check = _alembic({"DATABASE_URL": empty_pg_url}, "check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_upgrade_from_empty_to_head_on_sqlite_and_no_pending_diff(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path)}
    result = _alembic(env, "upgrade", "head")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "portal.db").exists()
    check = _alembic(env, "check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_single_migration_head() -> None:
    heads = _alembic({"DATA_DIR": "/tmp"}, "heads")
    assert heads.returncode == 0, heads.stderr
    assert len([line for line in heads.stdout.splitlines() if line.strip()]) == 1, heads.stdout


def test_offline_mode_prints_the_sql_without_a_database() -> None:
    """`alembic upgrade head --sql` for a DBA: nothing connects (the database does not exist)."""
    missing = f"{PG_SERVER.rsplit('/', 1)[0]}/ispgo_absent_{uuid.uuid4().hex[:8]}"
    result = _alembic({"DATABASE_URL": missing}, "upgrade", "head", "--sql")
    assert result.returncode == 0, result.stderr
    assert "CREATE TABLE users" in result.stdout
    assert "ADD CONSTRAINT ck_licenses_status CHECK" in result.stdout
    assert "UPDATE licenses SET suspended_by='admin'" in result.stdout


def test_typed_statuses_migration_marks_who_suspended_and_checks_values(empty_pg_url: str) -> None:
    """0008: an admin suspension (recognised until then by the prefix of status_reason) becomes
    suspended_by = admin, any other suspension billing; afterwards unknown values are refused."""
    assert _alembic({"DATABASE_URL": empty_pg_url}, "upgrade", "0005").returncode == 0
    with psycopg.connect(empty_pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO users (email, name, password_hash, role, is_blocked, balance, credit_limit,"
                     " discount_percent, created_at, updated_at) VALUES ('a@b.ru', 'A', 'x', 'customer',"
                     " false, 0, 0, 0, now(), now())")
        conn.execute("INSERT INTO tariffs (name, description, features, price, period_days, max_servers,"
                     " max_sites, is_active, sort_order, created_at) VALUES ('T', '', '', 100, 30, 1, 0,"
                     " true, 0, now())")
        for key, status, reason in (
            ("K-ADMIN", "suspended", "Приостановлена администратором: спам"),
            ("K-BILLING", "suspended", "Автопродление не выполнено: недостаточно средств"),
            ("K-ACTIVE", "active", ""),
        ):
            conn.execute("INSERT INTO licenses (user_id, tariff_id, key, status, status_reason, auto_renew,"
                         " starts_at, expires_at, reminded_for, created_at, updated_at) VALUES (1, 1, %s, %s,"
                         " %s, false, now(), now(), '', now(), now())", (key, status, reason))
    result = _alembic({"DATABASE_URL": empty_pg_url}, "upgrade", "head")
    assert result.returncode == 0, result.stderr
    with psycopg.connect(empty_pg_url, autocommit=True) as conn:
        marked = dict(conn.execute("SELECT key, suspended_by FROM licenses").fetchall())
        assert marked == {"K-ADMIN": "admin", "K-BILLING": "billing", "K-ACTIVE": None}
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("UPDATE licenses SET status = 'paused' WHERE key = 'K-ACTIVE'")
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("UPDATE users SET role = 'root'")
