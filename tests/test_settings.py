"""Production refuses to run on the embedded defaults; the embedded default is reachable under
both loopback names; the data it keeps on disk is private to its owner."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from ispgo_portal.db import _make_engine
from ispgo_portal.payments.emulator_mount import emulator_routes
from ispgo_portal.settings import Settings
from tests.e2e.portal import ROOT

PRODUCTION = {"PORTAL_ENV": "production", "DATABASE_URL": "postgresql://db/portal",
              "REDIS_URL": "redis://redis:6379/0", "LICENSE_SIGNING_KEY": "k",
              "SECRETS_KEY": "k"}


def _settings(**env: str) -> Settings:
    return Settings(_env_file=None, **{"YOOKASSA_SHOP_ID": "", "YOOKASSA_SECRET_KEY": "", **env})


def _start(env: dict[str, str]) -> subprocess.CompletedProcess:
    """What every entry point does first: read the settings, in a fresh process."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("YOOKASSA_", "PORTAL_ENV"))}
    return subprocess.run([sys.executable, "-c", "from ispgo_portal.settings import get_settings; get_settings()"],
                          cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("credentials", [
    {}, {"YOOKASSA_SHOP_ID": "123456"}, {"YOOKASSA_SECRET_KEY": "live_secret"},
])
def test_production_refuses_to_start_without_both_yookassa_credentials(credentials: dict[str, str]) -> None:
    result = _start({**PRODUCTION, **credentials})
    assert result.returncode != 0
    assert "production requires" in result.stderr and "YOOKASSA_" in result.stderr


def test_production_starts_with_both_credentials() -> None:
    result = _start({**PRODUCTION, "YOOKASSA_SHOP_ID": "123456", "YOOKASSA_SECRET_KEY": "live_secret"})
    assert result.returncode == 0, result.stderr


def test_emulator_is_never_mounted_in_production() -> None:
    assert emulator_routes(_settings(**PRODUCTION)) == []
    assert [r.path for r in emulator_routes(_settings())] == ["/emulator"]  # the embedded default


def test_webhook_trusts_loopback_only_for_the_emulator_outside_production() -> None:
    def loopback_trusted(settings: Settings) -> bool:
        return any(net.is_loopback for net in settings.trusted_networks)

    assert loopback_trusted(_settings()) is True
    assert loopback_trusted(_settings(**PRODUCTION)) is False
    assert loopback_trusted(_settings(YOOKASSA_SHOP_ID="1", YOOKASSA_SECRET_KEY="s")) is False


def test_embedded_default_accepts_both_loopback_origins() -> None:
    assert _settings(BASE_URL="http://localhost:3000").allowed_origins == [
        "http://localhost:3000", "http://127.0.0.1:3000"]
    assert _settings(BASE_URL="http://127.0.0.1:3000/").allowed_origins == [
        "http://127.0.0.1:3000", "http://localhost:3000"]


def test_a_real_site_accepts_only_its_own_origin() -> None:
    assert _settings(BASE_URL="https://my.ispgo.ru").allowed_origins == ["https://my.ispgo.ru"]
    assert _settings(BASE_URL="http://localhost:3000", **PRODUCTION).allowed_origins == ["http://localhost:3000"]


def test_reflex_config_lets_both_loopback_origins_open_the_websocket() -> None:
    import rxconfig

    assert {"http://localhost:3000", "http://127.0.0.1:3000"} <= set(rxconfig.config.cors_allowed_origins)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_sqlite_file_and_data_folder_are_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "nested" / "data"
    url = _settings(DATA_DIR=str(data_dir), DATABASE_URL="").db_url
    engine = _make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
    finally:
        engine.dispose()
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir / "portal.db") == 0o600
