"""Production refuses to run on the embedded defaults; the embedded default is reachable under
both loopback names; the data it keeps on disk is private to its owner; every variable is
checked at start (one line per bad one), secrets stay hidden, lists arrive as lists."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from ispgo_portal.db import _make_engine
from ispgo_portal.payments.emulator_mount import emulator_routes
from ispgo_portal.settings import Settings, SettingsError, load_settings
from tests.e2e.portal import ROOT


@pytest.fixture(autouse=True)
def clean_db() -> None:
    """Settings only: no test database (this replaces the suite's database fixture)."""


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
    settings = _settings(DATA_DIR=str(data_dir), DATABASE_URL="")
    settings.ensure_dirs()
    engine = _make_engine(settings.db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
    finally:
        engine.dispose()
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir / "portal.db") == 0o600


def test_reading_settings_creates_no_folder(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    settings = _settings(DATA_DIR=str(data_dir), DATABASE_URL="")
    assert settings.db_url == f"sqlite:///{data_dir / 'portal.db'}"
    assert not data_dir.exists()


def test_comma_separated_variables_arrive_as_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORT_EMAILS", " help@ispgo.ru, ops@ispgo.ru ,")
    monkeypatch.setenv("YOOKASSA_TRUSTED_NETWORKS", "185.71.76.0/27, 77.75.156.11")
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8")
    settings = Settings(_env_file=None)
    assert settings.support_emails == ["help@ispgo.ru", "ops@ispgo.ru"]
    assert [str(n) for n in settings.yookassa_trusted_networks] == ["185.71.76.0/27", "77.75.156.11/32"]
    assert [str(n) for n in settings.trusted_proxy_networks] == ["10.0.0.0/8"]


def test_default_trusted_networks_are_yookassas() -> None:
    networks = {str(n) for n in _settings(PORTAL_ENV="production").trusted_networks}
    assert {"185.71.76.0/27", "77.75.156.11/32", "2a02:5180::/32"} <= networks


def test_secrets_never_show_in_a_repr() -> None:
    secrets = ("live_secret_1", "smtp_secret_2", "key_secret_3", "token_secret_4")
    settings = _settings(YOOKASSA_SECRET_KEY=secrets[0], SMTP_PASSWORD=secrets[1],
                         LICENSE_SIGNING_KEY=secrets[2], METRICS_TOKEN=secrets[3])
    shown = f"{settings!r} {settings}"
    assert not [secret for secret in secrets if secret in shown]
    assert settings.yookassa_secret_key.get_secret_value() == secrets[0]


def test_license_api_limits_are_portal_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LICENSE_API_RATE_PER_ADDRESS", "5")
    monkeypatch.setenv("LICENSE_API_RATE_PER_KEY", "0")
    settings = Settings(_env_file=None)
    assert (settings.license_api_rate_per_address, settings.license_api_rate_per_key) == (5, 0)


def test_every_wrong_variable_gets_its_own_line(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"PORTAL_ENV": "prod", "SMTP_PORT": "twenty-five", "BASE_URL": "localhost:3000",
                        "YOOKASSA_TRUSTED_NETWORKS": "185.71.76.0/27,not-a-network",
                        "SUPPORT_EMAILS": "support"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    lines = caught.value.problems
    assert [line.split(":", 1)[0] for line in lines] == [
        "PORTAL_ENV", "BASE_URL", "YOOKASSA_TRUSTED_NETWORKS", "SMTP_PORT", "SUPPORT_EMAILS"]
    assert "not-a-network" in lines[2]


def _named(stderr: str) -> list[str]:
    """The variables named by the «invalid settings» lines, in order."""
    return re.findall(r"^  ([A-Z_]+): ", stderr, flags=re.M)


def test_production_names_each_missing_variable_on_its_own_line() -> None:
    result = _start({"PORTAL_ENV": "production", "DATABASE_URL": "", "REDIS_URL": "",
                     "LICENSE_SIGNING_KEY": "", "SMTP_PORT": "x"})
    assert result.returncode != 0
    assert _named(result.stderr) == ["SMTP_PORT"]  # the type is checked first
    fixed = _start({"PORTAL_ENV": "production", "DATABASE_URL": "", "REDIS_URL": "", "LICENSE_SIGNING_KEY": ""})
    assert _named(fixed.stderr) == [
        "DATABASE_URL", "REDIS_URL", "LICENSE_SIGNING_KEY", "SECRETS_KEY", "YOOKASSA_SHOP_ID",
        "YOOKASSA_SECRET_KEY"]
