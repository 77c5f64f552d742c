"""What a panel may ask about a license key: activate a server, validate, deactivate.

Plain SQL through SQLAlchemy Core (no ORM objects): `validate` runs on every panel check, so
it is one indexed query, plus an occasional `last_seen_at` write. Activation locks the
license row, so concurrent activations from many servers can never exceed the tariff's
server limit.

Answer codes and HTTP statuses (the body always says `valid` and `code`):
  valid 200 · expired 200 · suspended 200 · not_activated 200 (the key is real but this
  server is not registered, or was just deactivated) · server_limit_reached 409 ·
  not_found 404 (nothing else is revealed) · invalid_request 400 · rate_limited 429.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.engine import Connection, Engine, Row

from ispgo_portal.clock import as_utc, utcnow
from ispgo_portal.db import get_engine
from ispgo_portal.models import License, LicenseActivation, Tariff
from ispgo_portal.models.enums import LicenseStatus
from ispgo_portal.services.licensing.keys import normalize_license_key
from ispgo_portal.services.licensing.views import effective_status

HTTP_STATUS = {
    "valid": 200, "expired": 200, "suspended": 200, "not_activated": 200,
    "server_limit_reached": 409, "not_found": 404, "invalid_request": 400, "rate_limited": 429,
}
MESSAGES = {
    "valid": "Лицензия действительна",
    "expired": "Срок действия лицензии истёк: продлите её в личном кабинете",
    "suspended": "Лицензия приостановлена: продлите её в личном кабинете",
    "not_activated": "Панель на этом сервере не активирована этим ключом",
    "server_limit_reached": "Достигнут предел серверов по тарифу: отключите сервер в личном кабинете",
    "not_found": "Лицензия не найдена",
    "invalid_request": "Некорректный запрос",
    "rate_limited": "Слишком много запросов, повторите позже",
}
FIELD_LIMITS = {"key": 64, "fingerprint": 128, "hostname": 253, "nonce": 128}
# A panel validating every minute should not turn every check into a write.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)

# The Core tables: `Model.__table__`, which SQLModel does not declare to type checkers.
L = License.metadata.tables[License.__tablename__]
T = Tariff.metadata.tables[Tariff.__tablename__]
A = LicenseActivation.metadata.tables[LicenseActivation.__tablename__]


@dataclass(frozen=True)
class LicenseAnswer:
    code: str
    license: Row[*tuple[Any, ...]] | None = None
    servers_used: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.code == "valid"

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.code]

    def body(self, *, nonce: str = "") -> dict[str, Any]:
        """The JSON answer. For not_found / invalid_request / rate_limited every license
        field is null: the answer reveals nothing about keys that exist."""
        lic = self.license
        payload: dict[str, Any] = {
            "valid": self.valid,
            "code": self.code,
            "message": MESSAGES[self.code],
            "status": effective_status(lic.status, lic.expires_at) if lic is not None else None,
            "expires_at": iso(lic.expires_at) if lic is not None else None,
            "tariff": lic.tariff_name if lic is not None else None,
            "max_servers": lic.max_servers if lic is not None else None,
            "max_sites": lic.max_sites if lic is not None else None,
            "servers_used": self.servers_used if lic is not None else None,
            **self.extra,
            "issued_at": iso(utcnow()),
        }
        if nonce:
            payload["nonce"] = nonce  # echoed so a panel can tell a fresh answer from a replay
        return payload


def iso(value: datetime) -> str:
    return as_utc(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class InvalidRequest(ValueError):
    """The request body does not have the fields the operation needs; message is for logs."""


def clean_fields(payload: Any, required: tuple[str, ...]) -> dict[str, str]:
    """Required string fields within their limits (+ optional nonce); InvalidRequest otherwise."""
    if not isinstance(payload, dict):
        raise InvalidRequest("body must be a JSON object")
    cleaned: dict[str, str] = {}
    for name in (*required, "nonce"):
        value = payload.get(name)
        if value is None and name == "nonce":
            continue
        if not isinstance(value, str) or not value.strip():
            raise InvalidRequest(f"{name} must be a non-empty string")
        value = value.strip()
        # A NUL would reach PostgreSQL (which refuses it in text) and the rest have no place in a
        # key, fingerprint or host name.
        if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in value):
            raise InvalidRequest(f"{name} contains control characters")
        if len(value) > FIELD_LIMITS[name]:
            raise InvalidRequest(f"{name} is longer than {FIELD_LIMITS[name]}")
        cleaned[name] = value
    cleaned["key"] = normalize_license_key(cleaned["key"])
    return cleaned


@lru_cache
def _autocommit_engine() -> Engine:
    # Single-statement reads need no BEGIN/ROLLBACK round trips (and on SQLite no write lock).
    return get_engine().execution_options(isolation_level="AUTOCOMMIT")


def _license_columns() -> list[ColumnElement[Any]]:
    return [L.c.id, L.c.status, L.c.expires_at, T.c.name.label("tariff_name"), T.c.max_servers,
            T.c.max_sites]


def _license_query(key: str) -> Select[*tuple[Any, ...]]:
    return select(*_license_columns()).select_from(L.join(T, T.c.id == L.c.tariff_id)).where(L.c.key == key)


def _build_validate_query() -> Select[*tuple[Any, ...]]:
    """Built once: the license, its tariff, this server's activation and the number of servers.
    Bound parameters keep it one cached compiled statement for every request."""
    counted = A.alias("counted")  # apart from the activation of this server joined outside
    servers_used = (select(func.count()).select_from(counted).where(counted.c.license_id == L.c.id)
                    .correlate(L).scalar_subquery().label("servers_used"))
    this_server = (A.c.license_id == L.c.id) & (A.c.fingerprint == bindparam("fingerprint"))
    return (
        select(*_license_columns(), A.c.id.label("activation_id"), A.c.last_seen_at, servers_used)
        .select_from(L.join(T, T.c.id == L.c.tariff_id).outerjoin(A, this_server))
        .where(L.c.key == bindparam("key"))
    )


VALIDATE_QUERY = _build_validate_query()
TOUCH_ACTIVATION = A.update().where(A.c.id == bindparam("activation_id")).values(last_seen_at=bindparam("now"))


def validate_license(*, key: str, fingerprint: str) -> LicenseAnswer:
    """Is this key valid for this server right now? One query; touches last_seen_at at most
    every few minutes."""
    with _autocommit_engine().connect() as conn:
        row = conn.execute(VALIDATE_QUERY, {"key": key, "fingerprint": fingerprint}).first()
        if row is None:
            return LicenseAnswer("not_found")
        status = effective_status(row.status, row.expires_at)
        if status != LicenseStatus.ACTIVE:
            return LicenseAnswer(status, row, row.servers_used)
        if row.activation_id is None:
            return LicenseAnswer("not_activated", row, row.servers_used)
        now = utcnow()
        if as_utc(row.last_seen_at) < now - LAST_SEEN_RESOLUTION:
            conn.execute(TOUCH_ACTIVATION, {"activation_id": row.activation_id, "now": now})
        return LicenseAnswer("valid", row, row.servers_used)


def _lock_license_row(conn: Connection, key: str) -> Row[*tuple[Any, ...]] | None:
    query = _license_query(key)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(of=L)
    return conn.execute(query).first()


def _count_servers(conn: Connection, license_id: int) -> int:
    return conn.execute(select(func.count()).select_from(A).where(A.c.license_id == license_id)).scalar_one()


def activate_license(*, key: str, fingerprint: str, hostname: str) -> LicenseAnswer:
    """Register this server. The same fingerprint again only refreshes hostname and last seen;
    a new one beyond the tariff's max servers (0 = unlimited) is refused. Expired and
    suspended licenses register nothing."""
    with get_engine().begin() as conn:
        lic = _lock_license_row(conn, key)  # held until commit: activations are serialised
        if lic is None:
            return LicenseAnswer("not_found")
        status = effective_status(lic.status, lic.expires_at)
        used = _count_servers(conn, lic.id)
        if status != LicenseStatus.ACTIVE:
            return LicenseAnswer(status, lic, used)
        now = utcnow()
        existing = conn.execute(
            select(A.c.id).where(A.c.license_id == lic.id, A.c.fingerprint == fingerprint)
        ).first()
        if existing is not None:
            conn.execute(A.update().where(A.c.id == existing.id).values(hostname=hostname, last_seen_at=now))
            return LicenseAnswer("valid", lic, used, {"activated": False})
        if lic.max_servers and used >= lic.max_servers:
            return LicenseAnswer("server_limit_reached", lic, used)
        conn.execute(A.insert().values(license_id=lic.id, fingerprint=fingerprint, hostname=hostname,
                                       activated_at=now, last_seen_at=now))
        return LicenseAnswer("valid", lic, used + 1, {"activated": True})


def deactivate_license(*, key: str, fingerprint: str) -> LicenseAnswer:
    """Free this server's slot (allowed whatever the license status, so a panel can always
    give its slot back). Answers not_activated with `deactivated` saying whether it was."""
    with get_engine().begin() as conn:
        lic = _lock_license_row(conn, key)
        if lic is None:
            return LicenseAnswer("not_found")
        removed = conn.execute(
            A.delete().where(A.c.license_id == lic.id, A.c.fingerprint == fingerprint)
        ).rowcount
        return LicenseAnswer("not_activated", lic, _count_servers(conn, lic.id),
                             {"deactivated": bool(removed)})
