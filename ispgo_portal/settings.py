"""Portal settings, read from the environment (and `.env`).

Defaults describe the embedded mode: SQLite in `./data`, a server-less Celery
broker, the built-in YooKassa emulator and an email outbox without SMTP.

One `Settings` for the whole portal. Secrets are `SecretStr` (never printed in a repr or a
traceback); comma-separated variables arrive as lists; `get_settings()` checks everything at
start and refuses to run with one line per missing or wrong variable. Reading settings has no
side effects: the data folder is created by `ensure_dirs()`, called by whatever opens it.
"""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# YooKassa's published notification sources.
YOOKASSA_NETWORKS = (
    "77.75.153.0/25,77.75.156.11,77.75.156.35,77.75.154.128/25,"
    "185.71.76.0/27,185.71.77.0/27,2a02:5180::/32"
)
LOOPBACK_NAMES = ("localhost", "127.0.0.1")

SECRET_VARIABLES = frozenset({"YOOKASSA_SECRET_KEY", "SMTP_PASSWORD", "LICENSE_SIGNING_KEY", "METRICS_TOKEN",
                              "SECRETS_KEY"})

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# A comma-separated variable read as a list: pydantic-settings must not try JSON first.
CommaList = Annotated[list[str], NoDecode]
NetworkList = Annotated[list[IPNetwork], NoDecode]


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _networks(value: object) -> object:
    parts = _split_commas(value)
    if not isinstance(parts, list):
        return parts
    networks: list[IPNetwork] = []
    for part in parts:
        if isinstance(part, ipaddress.IPv4Network | ipaddress.IPv6Network):
            networks.append(part)
            continue
        try:
            networks.append(ipaddress.ip_network(str(part), strict=False))
        except ValueError:
            raise ValueError(f"«{part}» is not an IP address or network") from None
    return networks


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = Field(default="development", alias="PORTAL_ENV")
    data_dir: Path = Field(default=PROJECT_ROOT / "data", alias="DATA_DIR")
    database_url: str = Field(default="", alias="DATABASE_URL")
    redis_url: str = Field(default="", alias="REDIS_URL")
    base_url: str = Field(default="http://localhost:3000", alias="BASE_URL")

    yookassa_shop_id: str = Field(default="", alias="YOOKASSA_SHOP_ID")
    yookassa_secret_key: SecretStr = Field(default=SecretStr(""), alias="YOOKASSA_SECRET_KEY")
    yookassa_api_url: str = Field(default="", alias="YOOKASSA_API_URL")
    yookassa_trusted_networks: NetworkList = Field(default=YOOKASSA_NETWORKS, alias="YOOKASSA_TRUSTED_NETWORKS",
                                                   validate_default=True)
    # Header set by our own reverse proxy with the client address; empty = trust the socket.
    trusted_proxy_header: str = Field(default="", alias="TRUSTED_PROXY_HEADER")
    # Our own proxies' addresses (comma-separated networks), skipped from the right of that header.
    trusted_proxies: NetworkList = Field(default_factory=list, alias="TRUSTED_PROXIES")
    # /metrics answers loopback clients, and anyone presenting this bearer token.
    metrics_token: SecretStr = Field(default=SecretStr(""), alias="METRICS_TOKEN")
    yookassa_vat_code: int = Field(default=1, alias="YOOKASSA_VAT_CODE")
    yookassa_tax_system_code: int = Field(default=0, alias="YOOKASSA_TAX_SYSTEM_CODE")
    # YooKassa may work on a request for up to 30 s before answering: a shorter timeout
    # would re-send a create call that is still running.
    yookassa_timeout: float = Field(default=30.0, alias="YOOKASSA_TIMEOUT")

    smtp_host: str = Field(default="", alias="SMTP_HOST")
    smtp_port: int = Field(default=25, ge=1, le=65535, alias="SMTP_PORT")
    smtp_user: str = Field(default="", alias="SMTP_USER")
    smtp_password: SecretStr = Field(default=SecretStr(""), alias="SMTP_PASSWORD")
    smtp_from: str = Field(default="ISPGo <noreply@ispgo.local>", alias="SMTP_FROM")
    smtp_tls: str = Field(default="none", alias="SMTP_TLS")  # none | starttls | ssl
    support_emails: CommaList = Field(default_factory=list, alias="SUPPORT_EMAILS")

    license_signing_key: SecretStr = Field(default=SecretStr(""), alias="LICENSE_SIGNING_KEY")
    # Panel license API throttling, requests a minute per client address / per key; 0 = no limit.
    license_api_rate_per_address: int = Field(default=600, ge=0, alias="LICENSE_API_RATE_PER_ADDRESS")
    license_api_rate_per_key: int = Field(default=60, ge=0, alias="LICENSE_API_RATE_PER_KEY")
    # Ticket screenshots; with several portal machines, a folder all of them share (NFS…).
    attachments_dir: Path | None = Field(default=None, alias="ATTACHMENTS_DIR")
    log_format: Literal["text", "json"] = Field(default="text", alias="LOG_FORMAT")  # json: one object a line
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO", alias="LOG_LEVEL")
    # Fernet key (urlsafe base64 of 32 bytes) encrypting secrets at rest (TOTP secrets);
    # generated into DATA_DIR on first start in the embedded default.
    secrets_key: SecretStr = Field(default=SecretStr(""), alias="SECRETS_KEY")

    session_days: int = Field(default=14, alias="SESSION_DAYS")
    api_rate_per_token: int = Field(default=120, alias="API_RATE_PER_TOKEN")  # REST requests a minute; 0 = no limit
    max_topup_kopecks: int = Field(default=100_000_000, alias="MAX_TOPUP_KOPECKS")  # 1 000 000 ₽
    # Per customer: YooKassa payments unpaid at once, and started within an hour.
    max_open_payments: int = Field(default=10, ge=1, alias="MAX_OPEN_PAYMENTS")
    max_payments_per_hour: int = Field(default=60, ge=1, alias="MAX_PAYMENTS_PER_HOUR")

    # The portal's own details, printed on every invoice, act and reconciliation statement.
    seller_name: str = Field(default="ООО «ИСПГо»", alias="SELLER_NAME")
    seller_inn: str = Field(default="7703475603", alias="SELLER_INN")
    seller_kpp: str = Field(default="770301001", alias="SELLER_KPP")
    seller_address: str = Field(default="123112, г. Москва, Пресненская наб., д. 12", alias="SELLER_ADDRESS")
    seller_bank: str = Field(default="ПАО Сбербанк, г. Москва", alias="SELLER_BANK")
    seller_bik: str = Field(default="044525225", alias="SELLER_BIK")
    seller_account: str = Field(default="40702810938000000001", alias="SELLER_ACCOUNT")
    seller_corr_account: str = Field(default="30101810400000000225", alias="SELLER_CORR_ACCOUNT")
    seller_signer: str = Field(default="Иванов И. И.", alias="SELLER_SIGNER")
    seller_signer_title: str = Field(default="Генеральный директор", alias="SELLER_SIGNER_TITLE")
    # VAT on documents: -1 = «Без НДС» (simplified tax system), otherwise the rate in percent,
    # included in the price.
    seller_vat_percent: int = Field(default=-1, ge=-1, le=30, alias="SELLER_VAT_PERCENT")
    # Days an invoice is valid for (printed on it).
    invoice_valid_days: int = Field(default=5, ge=1, le=90, alias="INVOICE_VALID_DAYS")

    @field_validator("yookassa_trusted_networks", "trusted_proxies", mode="before")
    @classmethod
    def _network_list(cls, value: object) -> object:
        return _networks(value)

    @field_validator("support_emails", mode="before")
    @classmethod
    def _email_list(cls, value: object) -> object:
        emails = _split_commas(value)
        if isinstance(emails, list):
            wrong = [e for e in emails if not isinstance(e, str) or "@" not in e]
            if wrong:
                raise ValueError(f"not an email address: {', '.join(map(str, wrong))}")
        return emails

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("must be an http(s) URL such as https://my.example.ru")
        return value

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
        """DATABASE_URL, or the embedded SQLite file in the data folder (see ensure_dirs)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'portal.db'}"

    @property
    def allowed_origins(self) -> list[str]:
        """Origins allowed to open the websocket and to POST to the session routes: the
        portal's own. The embedded default is printed as `localhost` but is as often opened
        as `127.0.0.1`; both name this machine, so both are accepted there."""
        base = urlsplit(self.base_url.rstrip("/"))
        origin = f"{base.scheme}://{base.netloc}"
        if self.is_production or base.hostname not in LOOPBACK_NAMES:
            return [origin]
        port = f":{base.port}" if base.port else ""
        return [origin] + [f"{base.scheme}://{host}{port}" for host in LOOPBACK_NAMES if host != base.hostname]

    @property
    def uses_emulator(self) -> bool:
        """No shop credentials: payments go to the built-in YooKassa emulator."""
        return not (self.yookassa_shop_id and self.yookassa_secret_key.get_secret_value())

    @property
    def trusted_networks(self) -> list[IPNetwork]:
        nets = list(self.yookassa_trusted_networks)
        if self.uses_emulator and not self.is_production:  # the emulator's own notifications
            nets += [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")]
        return nets

    @property
    def trusted_proxy_networks(self) -> list[IPNetwork]:
        return list(self.trusted_proxies)

    @property
    def support_recipients(self) -> list[str]:
        return list(self.support_emails)

    def ensure_dirs(self) -> None:
        """Create the private data folder (SQLite file, signing key, broker, attachments)."""
        make_private_dir(self.data_dir)


def make_private_dir(path: Path) -> None:
    """Create a folder only its owner can enter (it holds the database and keys)."""
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
        os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask


class SettingsError(RuntimeError):
    """The environment cannot run the portal; `problems` has one line per variable."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid settings:\n" + "\n".join(f"  {line}" for line in problems))


def _secret(value: SecretStr) -> str:
    return value.get_secret_value()


def production_problems(settings: Settings) -> list[str]:
    """Production never runs on defaults: without shop credentials it would take payments
    through the emulator, whose «Оплатить» credits balances for nothing."""
    if not settings.is_production:
        return []
    required = (
        ("DATABASE_URL", settings.database_url),
        ("REDIS_URL", settings.redis_url),
        ("LICENSE_SIGNING_KEY", _secret(settings.license_signing_key)),
        ("SECRETS_KEY", _secret(settings.secrets_key)),
        ("YOOKASSA_SHOP_ID", settings.yookassa_shop_id),
        ("YOOKASSA_SECRET_KEY", _secret(settings.yookassa_secret_key)),
    )
    return [f"{name}: production requires it (PORTAL_ENV=production)"
            for name, value in required if not value.strip()]


def check_production(settings: Settings) -> None:
    problems = production_problems(settings)
    if problems:
        raise SettingsError(problems)


def _validation_problems(error: ValidationError) -> list[str]:
    lines = []
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]) or "settings"
        given = item.get("input")
        hidden = isinstance(given, dict) or given is None or name in SECRET_VARIABLES
        shown = "" if hidden else f" (got «{given}»)"
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{name}: {message}{shown}")
    return lines


def load_settings() -> Settings:
    """Read and check the environment; SettingsError lists every problem at once."""
    try:
        settings = Settings()
    except ValidationError as exc:
        raise SettingsError(_validation_problems(exc)) from None
    check_production(settings)
    return settings


@lru_cache
def get_settings() -> Settings:
    return load_settings()
