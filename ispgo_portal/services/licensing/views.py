"""Read models of licenses and tariffs for the pages and the dashboard (no writes here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from ispgo_portal.clock import as_utc, utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import License, LicenseActivation, Tariff, pk
from ispgo_portal.models.enums import LicenseStatus
from ispgo_portal.services import paging as cursors
from ispgo_portal.services.errors import NotFound

DELETABLE_STATUSES = (LicenseStatus.EXPIRED, LicenseStatus.SUSPENDED)


def effective_status(status: str, expires_at: datetime, now: datetime | None = None) -> str:
    """An active license whose term has ended is expired even before the expiry pass runs."""
    if status == LicenseStatus.ACTIVE and as_utc(expires_at) <= (now or utcnow()):
        return LicenseStatus.EXPIRED
    return status


@dataclass(frozen=True)
class ServerView:
    id: int
    hostname: str
    fingerprint: str
    activated_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True)
class LicenseView:
    id: int
    tariff_id: int
    tariff_name: str
    key: str
    status: str  # effective: an active license past its term is "expired"
    status_reason: str
    auto_renew: bool
    starts_at: datetime
    expires_at: datetime
    days_left: int
    max_servers: int
    max_sites: int
    servers: tuple[ServerView, ...]

    @property
    def can_delete(self) -> bool:
        return self.status in DELETABLE_STATUSES


def days_left(expires_at: datetime, now: datetime | None = None) -> int:
    """Whole days until expiry, counting a started day (0 once expired)."""
    seconds = (as_utc(expires_at) - (now or utcnow())).total_seconds()
    return max(0, -int(-seconds // 86400))


def _views(session: Session, rows: Sequence[tuple[License, Tariff]]) -> list[LicenseView]:
    """Views of the given (license, tariff) rows with their servers, in one more query."""
    now = utcnow()
    ids = [pk(lic) for lic, _ in rows]
    servers: dict[int, list[ServerView]] = {i: [] for i in ids}
    if ids:
        for act in session.exec(select(LicenseActivation).where(col(LicenseActivation.license_id).in_(ids))
                                .order_by(col(LicenseActivation.activated_at))):
            servers[act.license_id].append(ServerView(pk(act), act.hostname, act.fingerprint,
                                                      as_utc(act.activated_at), as_utc(act.last_seen_at)))
    return [
        LicenseView(id=pk(lic), tariff_id=pk(tariff), tariff_name=tariff.name, key=lic.key,
                    status=effective_status(lic.status, lic.expires_at, now),
                    status_reason=lic.status_reason, auto_renew=lic.auto_renew,
                    starts_at=as_utc(lic.starts_at), expires_at=as_utc(lic.expires_at),
                    days_left=days_left(lic.expires_at, now), max_servers=tariff.max_servers,
                    max_sites=tariff.max_sites, servers=tuple(servers[pk(lic)]))
        for lic, tariff in rows
    ]


def _owned_query(user_id: int) -> Select[License, Tariff]:
    return (select(License, Tariff).join(Tariff, col(Tariff.id) == License.tariff_id)
            .where(License.user_id == user_id))


def list_licenses(*, user_id: int) -> list[LicenseView]:
    """The customer's own licenses, newest first, with their activated servers."""
    with session_scope() as session:
        rows = session.exec(_owned_query(user_id)
                            .order_by(col(License.created_at).desc(), col(License.id).desc())).all()
        return _views(session, rows)


@dataclass(frozen=True)
class LicenseSlice:
    views: list[LicenseView]
    next_cursor: str | None


def licenses_after(*, user_id: int, limit: int = cursors.DEFAULT_LIMIT, cursor: str = "") -> LicenseSlice:
    """Keyset page of the customer's licenses (newest first) for the REST API: reads only
    the rows it returns (+1 to know whether there is a next page)."""
    limit = cursors.check_limit(limit)
    after = cursors.after_cursor(License.created_at, License.id, cursors.decode_cursor(cursor))
    with session_scope() as session:
        rows = session.exec(_owned_query(user_id).where(*after)
                            .order_by(col(License.created_at).desc(), col(License.id).desc())
                            .limit(limit + 1)).all()
        views = _views(session, rows[:limit])
        last = rows[limit - 1][0] if len(rows) > limit else None
        return LicenseSlice(views, cursors.encode_cursor(last.created_at, pk(last)) if last else None)


def license_view(*, user_id: int, license_id: int) -> LicenseView:
    """One of the customer's own licenses; someone else's is "Не найдено" like a missing one."""
    with session_scope() as session:
        row = session.exec(_owned_query(user_id).where(License.id == license_id)).first()
        if row is None:
            raise NotFound("Лицензия не найдена")
        return _views(session, [row])[0]


@dataclass(frozen=True)
class LicenseSummary:
    active: int
    expiring: tuple[tuple[int, str, datetime], ...]  # (license id, tariff name, expiry) within the window


def license_summary(*, user_id: int, within_days: int = 7) -> LicenseSummary:
    """For the dashboard: active licenses and those of them ending within `within_days`."""
    now = utcnow()
    horizon = now + timedelta(days=within_days)
    with session_scope() as session:
        rows = session.exec(
            select(License, Tariff.name).join(Tariff, col(Tariff.id) == License.tariff_id)
            .where(License.user_id == user_id, License.status == LicenseStatus.ACTIVE, License.expires_at > now)
            .order_by(col(License.expires_at))
        ).all()
    expiring = tuple((pk(lic), name, as_utc(lic.expires_at)) for lic, name in rows
                     if as_utc(lic.expires_at) <= horizon)
    return LicenseSummary(active=len(rows), expiring=expiring)
