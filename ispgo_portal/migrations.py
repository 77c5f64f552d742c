"""Run Alembic migrations programmatically (CLI, `make run`, tests)."""

from __future__ import annotations

from alembic.config import Config

from alembic import command
from ispgo_portal.settings import PROJECT_ROOT


def alembic_config() -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    cfg.attributes["no_logging"] = True
    return cfg


def upgrade_to_head() -> None:
    command.upgrade(alembic_config(), "head")
