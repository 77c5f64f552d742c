"""Alembic environment: the portal's engine and SQLModel metadata."""

from __future__ import annotations

from logging.config import fileConfig

from sqlmodel import SQLModel

import ispgo_portal.models  # noqa: F401  (registers the tables)
from alembic import context
from ispgo_portal.db import get_engine

config = context.config
if config.config_file_name is not None and not config.attributes.get("no_logging"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection") or get_engine()
    if hasattr(connectable, "connect") and not hasattr(connectable, "in_transaction"):
        with connectable.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection) -> None:  # noqa: ANN001
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


run_migrations_online()
