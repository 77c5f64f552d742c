"""Database engine and transactions."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine, select

from ispgo_portal.settings import get_settings

M = TypeVar("M")


def _make_engine(url: str) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        _create_private_file(make_url(url).database or "")
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
            # pysqlite starts transactions itself; turn that off so BEGIN IMMEDIATE is ours.
            dbapi_conn.isolation_level = None

        # SQLite has no row locks: take the write lock at BEGIN so read-then-write
        # sequences (balance checks) are serialised like FOR UPDATE on PostgreSQL.
        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _create_private_file(path: str) -> None:
    """Create the SQLite file readable by its owner only (password hashes, sessions, money);
    SQLite gives its -wal and -shm files the same mode."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    if not settings.database_url:
        settings.ensure_dirs()  # the embedded SQLite file lives in the data folder
    return _make_engine(settings.db_url)


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def lock_row(session: Session, model: type[M], row_id: int, *, key_share: bool = False) -> M | None:
    """The row, locked for the rest of the transaction and read afresh (a copy already in the
    session would be stale). FOR UPDATE on PostgreSQL — FOR NO KEY UPDATE with `key_share`,
    for rows other transactions name in foreign keys; SQLite transactions already hold the
    write lock."""
    query = select(model).where(model.id == row_id)
    if is_postgres(session):
        query = query.with_for_update(key_share=key_share)
    return session.exec(query.execution_options(populate_existing=True)).first()


@contextmanager
def session_scope() -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error."""
    session = Session(get_engine(), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
