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
