"""Alembic environment: the portal's engine and SQLModel metadata.

Online (the default) runs against the portal's database; offline (`alembic upgrade head --sql`)
prints the SQL for a DBA instead, for the database named by DATABASE_URL (or the embedded
SQLite one) without connecting to it."""

from __future__ import annotations

from logging.config import fileConfig

from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import ispgo_portal.models  # noqa: F401  (registers the tables)
from alembic import context
from ispgo_portal.db import get_engine
from ispgo_portal.settings import get_settings

config = context.config
if config.config_file_name is not None and not config.attributes.get("no_logging"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    url = get_settings().db_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection") or get_engine()
    if hasattr(connectable, "connect") and not hasattr(connectable, "in_transaction"):
        with connectable.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if connection.in_transaction():
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
