"""Portal settings, read from the environment (and `.env`).

Defaults describe the embedded mode: SQLite in `./data`, a server-less Celery
broker, the built-in YooKassa emulator and an email outbox without SMTP.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# YooKassa's published notification sources.
YOOKASSA_NETWORKS = (
    "77.75.153.0/25,77.75.156.11,77.75.156.35,77.75.154.128/25,"
    "185.71.76.0/27,185.71.77.0/27,2a02:5180::/32"
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: str = Field(default="development", alias="PORTAL_ENV")
    data_dir: Path = Field(default=PROJECT_ROOT / "data", alias="DATA_DIR")
    database_url: str = Field(default="", alias="DATABASE_URL")
    redis_url: str = Field(default="", alias="REDIS_URL")
    base_url: str = Field(default="http://localhost:3000", alias="BASE_URL")

    yookassa_shop_id: str = Field(default="", alias="YOOKASSA_SHOP_ID")
    yookassa_secret_key: str = Field(default="", alias="YOOKASSA_SECRET_KEY")
    yookassa_api_url: str = Field(default="", alias="YOOKASSA_API_URL")
    yookassa_trusted_networks: str = Field(default=YOOKASSA_NETWORKS, alias="YOOKASSA_TRUSTED_NETWORKS")
    # Header set by our own reverse proxy with the client address; empty = trust the socket.
    trusted_proxy_header: str = Field(default="", alias="TRUSTED_PROXY_HEADER")
    yookassa_vat_code: int = Field(default=1, alias="YOOKASSA_VAT_CODE")
    yookassa_tax_system_code: int = Field(default=0, alias="YOOKASSA_TAX_SYSTEM_CODE")
    yookassa_timeout: float = Field(default=15.0, alias="YOOKASSA_TIMEOUT")

    smtp_host: str = Field(default="", alias="SMTP_HOST")
    smtp_port: int = Field(default=25, alias="SMTP_PORT")
    smtp_user: str = Field(default="", alias="SMTP_USER")
    smtp_password: str = Field(default="", alias="SMTP_PASSWORD")
    smtp_from: str = Field(default="ISPGo <noreply@ispgo.local>", alias="SMTP_FROM")
    smtp_tls: str = Field(default="none", alias="SMTP_TLS")  # none | starttls | ssl
    support_emails: str = Field(default="", alias="SUPPORT_EMAILS")

    license_signing_key: str = Field(default="", alias="LICENSE_SIGNING_KEY")

    session_days: int = Field(default=14, alias="SESSION_DAYS")
    api_rate_per_token: int = Field(default=120, alias="API_RATE_PER_TOKEN")  # REST requests a minute; 0 = no limit
    max_topup_kopecks: int = Field(default=100_000_000, alias="MAX_TOPUP_KOPECKS")  # 1 000 000 ₽

    @field_validator("smtp_tls")
    @classmethod
    def _tls_mode(cls, value: str) -> str:
        value = value.strip().lower() or "none"
        if value not in {"none", "starttls", "ssl"}:
            raise ValueError("SMTP_TLS must be none, starttls or ssl")
        return value

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.data_dir / 'portal.db'}"

    @property
    def uses_emulator(self) -> bool:
        """No shop credentials: payments go to the built-in YooKassa emulator."""
        return not (self.yookassa_shop_id and self.yookassa_secret_key)

    @property
    def trusted_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        nets = [
            ipaddress.ip_network(part.strip(), strict=False)
            for part in self.yookassa_trusted_networks.split(",")
            if part.strip()
        ]
        if self.uses_emulator:
            nets += [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")]
        return nets

    @property
    def support_recipients(self) -> list[str]:
        return [a.strip() for a in self.support_emails.split(",") if a.strip()]


@lru_cache
def get_settings() -> Settings:
    settings = Settings()
    if settings.is_production:
        missing = [
            name
            for name, value in (
                ("DATABASE_URL", settings.database_url),
                ("REDIS_URL", settings.redis_url),
                ("LICENSE_SIGNING_KEY", settings.license_signing_key),
            )
            if not value
        ]
        if missing:
            raise RuntimeError(f"production requires: {', '.join(missing)}")
    return settings
