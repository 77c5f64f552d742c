"""Admin «Лицензии»: find a license by key or customer, suspend and resume it with a reason the
customer sees on the license card, extend it by N days, and deactivate a server.

An admin suspension is marked `suspended_by = admin` so renewals can tell it from a suspension
for lack of funds: paying must not lift what an admin decided. The customer reads the reason,
after ADMIN_SUSPENSION_PREFIX, in `status_reason`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from ispgo_portal.clock import as_utc, format_date, utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.limits import LICENSE_REASON_MAX
from ispgo_portal.models import (
    LICENSE_STATUSES,
    License,
    LicenseActivation,
    LicenseStatus,
    SuspendedBy,
    Tariff,
    User,
    pk,
)
from ispgo_portal.services.audit import record as audit
from ispgo_portal.services.errors import DomainError, NotFound
from ispgo_portal.services.forms import int_field
from ispgo_portal.services.guard import acting_admin
from ispgo_portal.services.licensing.keys import normalize_license_key
from ispgo_portal.services.paging import page_slice

ADMIN_SUSPENSION_PREFIX = "Приостановлена администратором: "
PAGE_SIZE = 30
MAX_EXTEND_DAYS = 3650
MAX_REASON = LICENSE_REASON_MAX
STATUS_FILTERS = {"": "Все", **LICENSE_STATUSES, "expiring": "Истекают в течение 7 дней"}


@dataclass(frozen=True)
class LicenseRow:
    id: int
    key: str
    status: str
    status_reason: str
    user_id: int
    customer_email: str
    customer_name: str
    tariff_name: str
    max_servers: int
    servers_count: int
    auto_renew: bool
    expires_at: datetime
    created_at: datetime


@dataclass(frozen=True)
class ServerRow:
    id: int
    hostname: str
    fingerprint: str
    activated_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True)
class LicensePage:
    rows: list[LicenseRow]
    total: int
    page: int = 1
    pages: int = 1


def is_admin_suspension(lic: License) -> bool:
    return lic.status == LicenseStatus.SUSPENDED and lic.suspended_by == SuspendedBy.ADMIN


def validate_reason(text: Any) -> str:
    reason = text.strip() if isinstance(text, str) else ""
    if len(reason) < 3:
        raise DomainError("reason_required", "Укажите причину (не короче 3 символов)", field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError("reason_too_long", f"Причина: не длиннее {MAX_REASON} символов", field="reason")
    return reason


def _snapshot(lic: License) -> dict[str, Any]:
    return {"status": lic.status, "status_reason": lic.status_reason, "suspended_by": lic.suspended_by,
            "expires_at": lic.expires_at}


def _lock_license(session: Session, license_id: int) -> License:
    if not isinstance(license_id, int) or license_id <= 0:
        raise NotFound("Лицензия не найдена")
    lic = session.exec(
        select(License).where(License.id == license_id).with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if lic is None:
        raise NotFound("Лицензия не найдена")
    return lic


def _status_after_term(lic: License, now: datetime) -> str:
    return LicenseStatus.ACTIVE if as_utc(lic.expires_at) > now else LicenseStatus.EXPIRED


def _rows_query() -> Select[License, User, Tariff, Any]:
    """Each license with its owner, its tariff and how many servers it has activated."""
    servers = (
        select(LicenseActivation.license_id, func.count().label("n"))
        .group_by(col(LicenseActivation.license_id)).subquery()
    )
    return (
        select(License, User, Tariff, func.coalesce(servers.c.n, 0))
        .join(User, col(User.id) == License.user_id)
        .join(Tariff, col(Tariff.id) == License.tariff_id)
        .outerjoin(servers, servers.c.license_id == License.id)
    )


def _row(found: tuple[License, User, Tariff, Any]) -> LicenseRow:
    lic, user, tariff, count = found
    return LicenseRow(id=pk(lic), key=lic.key, status=lic.status, status_reason=lic.status_reason,
                      user_id=lic.user_id, customer_email=user.email, customer_name=user.name,
                      tariff_name=tariff.name, max_servers=tariff.max_servers, servers_count=int(count),
                      auto_renew=lic.auto_renew, expires_at=lic.expires_at, created_at=lic.created_at)


def get_license(*, license_id: int) -> LicenseRow:
    if not isinstance(license_id, int):
        raise NotFound("Лицензия не найдена")
    with session_scope() as session:
        found = session.exec(_rows_query().where(License.id == license_id)).first()
        if found is None:
            raise NotFound("Лицензия не найдена")
        return _row(found)


def search_licenses(*, query: str = "", status: str = "", page: int = 1) -> LicensePage:
    """By key (any part, any case), customer email or name; newest first."""
    now = utcnow()
    base = _rows_query()
    text = (query or "").strip() if isinstance(query, str) else ""
    if text:
        key_part = normalize_license_key(text)
        like = f"%{text.lower()}%"
        base = base.where(or_(col(License.key).contains(key_part), func.lower(User.email).like(like),
                              func.lower(User.name).like(like)))
    if status == "expiring":
        base = base.where(License.status == LicenseStatus.ACTIVE, License.expires_at <= now + timedelta(days=7))
    elif status in LICENSE_STATUSES:
        base = base.where(License.status == status)
    with session_scope() as session:
        total = int(session.exec(select(func.count()).select_from(base.subquery())).one())
        window = page_slice(total=total, page=page, page_size=PAGE_SIZE)
        found = session.exec(
            base.order_by(col(License.id).desc()).offset(window.offset).limit(window.limit)
        ).all()
        rows = [_row(item) for item in found]
    return LicensePage(rows=rows, total=total, page=window.page, pages=window.pages)


def list_servers(*, license_id: int) -> list[ServerRow]:
    with session_scope() as session:
        if not isinstance(license_id, int) or session.get(License, license_id) is None:
            raise NotFound("Лицензия не найдена")
        found = session.exec(
            select(LicenseActivation).where(LicenseActivation.license_id == license_id)
            .order_by(col(LicenseActivation.activated_at), col(LicenseActivation.id))
        ).all()
        return [ServerRow(id=pk(a), hostname=a.hostname, fingerprint=a.fingerprint, activated_at=a.activated_at,
                          last_seen_at=a.last_seen_at) for a in found]


def suspend_license(*, admin_id: int, license_id: int, reason: str) -> None:
    """The panel stops working; the customer sees the reason on the license card."""
    reason = validate_reason(reason)
    with session_scope() as session:
        acting_admin(session, admin_id)
        lic = _lock_license(session, license_id)
        if is_admin_suspension(lic):
            raise DomainError("already_suspended", "Лицензия уже приостановлена администратором")
        before = _snapshot(lic)
        lic.status = LicenseStatus.SUSPENDED
        lic.suspended_by = SuspendedBy.ADMIN
        lic.status_reason = ADMIN_SUSPENSION_PREFIX + reason
        session.add(lic)
        audit.record(session, admin_id=admin_id, action="license.suspend", target_type="license",
                     target_id=lic.id, target_user_id=lic.user_id, before=before, after=_snapshot(lic),
                     reason=reason)


def resume_license(*, admin_id: int, license_id: int, reason: str) -> str:
    """Lift a suspension: active if the term still runs, expired otherwise (then it needs a
    renewal like any expired license). Returns the new status."""
    reason = validate_reason(reason)
    with session_scope() as session:
        acting_admin(session, admin_id)
        lic = _lock_license(session, license_id)
        if lic.status != LicenseStatus.SUSPENDED:
            raise DomainError("not_suspended", "Лицензия не приостановлена")
        before = _snapshot(lic)
        lic.status = _status_after_term(lic, utcnow())
        lic.status_reason = ""
        lic.suspended_by = None
        session.add(lic)
        audit.record(session, admin_id=admin_id, action="license.resume", target_type="license",
                     target_id=lic.id, target_user_id=lic.user_id, before=before, after=_snapshot(lic),
                     reason=reason)
        return lic.status


def extend_license(*, admin_id: int, license_id: int, days: int | str, reason: str) -> datetime:
    """Add N days to the term, counted from max(now, expiry) like a renewal, free of charge.
    An expired license becomes active again; a suspended one stays suspended."""
    days = int_field({"days": str(days)}, "days", label="Количество дней", low=1, high=MAX_EXTEND_DAYS)
    reason = validate_reason(reason)
    with session_scope() as session:
        acting_admin(session, admin_id)
        lic = _lock_license(session, license_id)
        now = utcnow()
        before = _snapshot(lic)
        lic.expires_at = max(now, as_utc(lic.expires_at)) + timedelta(days=days)
        if lic.status == LicenseStatus.EXPIRED:
            lic.status = LicenseStatus.ACTIVE
            lic.status_reason = ""
        session.add(lic)
        audit.record(session, admin_id=admin_id, action="license.extend", target_type="license",
                     target_id=lic.id, target_user_id=lic.user_id, before=before,
                     after={**_snapshot(lic), "days": days}, reason=reason)
        return lic.expires_at


def deactivate_server(*, admin_id: int, activation_id: int, reason: str = "") -> None:
    """Free a server slot: the panel on that server has to activate again."""
    reason = reason.strip()[:MAX_REASON] if isinstance(reason, str) else ""
    with session_scope() as session:
        acting_admin(session, admin_id)
        activation = session.get(LicenseActivation, activation_id) if isinstance(activation_id, int) else None
        if activation is None:
            raise NotFound("Сервер не найден")
        lic = _lock_license(session, activation.license_id)
        before = {"hostname": activation.hostname, "fingerprint": activation.fingerprint,
                  "activated_at": format_date(activation.activated_at)}
        session.delete(activation)
        session.flush()
        audit.record(session, admin_id=admin_id, action="license.server_deactivate", target_type="license",
                     target_id=lic.id, target_user_id=lic.user_id, before=before, after={}, reason=reason)
