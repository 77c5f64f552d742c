"""Admin «Тарифы»: create, edit, archive and return to sale.

A tariff is never deleted: licenses point at it and keep renewing on it. Archived tariffs
are simply not sold any more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from ispgo_portal.db import session_scope
from ispgo_portal.limits import (
    MAX_TARIFF_PRICE,
    TARIFF_DESCRIPTION_MAX,
    TARIFF_FEATURES_MAX,
    TARIFF_NAME_MAX,
)
from ispgo_portal.models import License, Tariff, pk
from ispgo_portal.models.enums import LicenseStatus
from ispgo_portal.services.audit import record as audit
from ispgo_portal.services.errors import DomainError, NotFound
from ispgo_portal.services.forms import bounded_text, int_field, rubles_field
from ispgo_portal.services.guard import acting_admin

MAX_PERIOD_DAYS = 3650
MAX_LIMIT = 1_000_000


@dataclass(frozen=True)
class TariffDraft:
    """Validated input of the tariff form."""

    name: str
    price: int
    period_days: int
    max_servers: int
    max_sites: int
    description: str
    features: str
    sort_order: int


@dataclass(frozen=True)
class TariffRow:
    id: int
    name: str
    price: int
    period_days: int
    max_servers: int
    max_sites: int
    description: str
    features: str
    sort_order: int
    is_active: bool
    licenses_total: int
    licenses_active: int


def parse_tariff_form(form: Mapping[str, Any]) -> TariffDraft:
    """The tariff form as typed by an admin -> a draft; DomainError(field=...) on bad input."""
    features = "\n".join(
        line.strip() for line in bounded_text(form, "features", label="Возможности", max_len=TARIFF_FEATURES_MAX).splitlines()
        if line.strip()
    )
    return TariffDraft(
        name=bounded_text(form, "name", label="Название", max_len=TARIFF_NAME_MAX, min_len=1),
        price=rubles_field(form, "price", label="Цена", max_kopecks=MAX_TARIFF_PRICE),
        period_days=int_field(form, "period_days", label="Период (дней)", low=1, high=MAX_PERIOD_DAYS),
        max_servers=int_field(form, "max_servers", label="Максимум серверов", low=0, high=MAX_LIMIT),
        max_sites=int_field(form, "max_sites", label="Максимум сайтов", low=0, high=MAX_LIMIT),
        description=bounded_text(form, "description", label="Описание", max_len=TARIFF_DESCRIPTION_MAX),
        features=features,
        sort_order=int_field(form, "sort_order", label="Порядок на странице", low=-10_000, high=10_000,
                             default=0),
    )


def _snapshot(tariff: Tariff) -> dict[str, Any]:
    return {
        "name": tariff.name, "price": tariff.price, "period_days": tariff.period_days,
        "max_servers": tariff.max_servers, "max_sites": tariff.max_sites,
        "description": tariff.description, "features": tariff.features,
        "sort_order": tariff.sort_order, "is_active": tariff.is_active,
    }


def _ensure_unique_name(session: Session, name: str, *, except_id: int | None = None) -> None:
    query = select(Tariff.id).where(func.lower(Tariff.name) == name.lower())
    if except_id is not None:
        query = query.where(Tariff.id != except_id)
    if session.exec(query).first() is not None:
        raise DomainError("tariff_name_taken", "Тариф с таким названием уже есть", field="name")


def _load_for_update(session: Session, tariff_id: int) -> Tariff:
    tariff = session.exec(select(Tariff).where(Tariff.id == tariff_id).with_for_update()).first()
    if tariff is None:
        raise NotFound("Тариф не найден")
    return tariff


def list_tariffs() -> list[TariffRow]:
    """Every tariff, on sale first, in the order customers see them, with license counts."""
    with session_scope() as session:
        counts = dict(
            session.exec(select(License.tariff_id, func.count()).group_by(col(License.tariff_id))).all()
        )
        active = dict(
            session.exec(
                select(License.tariff_id, func.count()).where(License.status == LicenseStatus.ACTIVE)
                .group_by(col(License.tariff_id))
            ).all()
        )
        tariffs = session.exec(
            select(Tariff).order_by(col(Tariff.is_active).desc(), col(Tariff.sort_order), col(Tariff.id))
        ).all()
        return [
            TariffRow(id=pk(t), licenses_total=int(counts.get(pk(t), 0)),
                      licenses_active=int(active.get(pk(t), 0)),
                      **_snapshot(t))
            for t in tariffs
        ]


def create_tariff(*, admin_id: int, form: Mapping[str, Any]) -> int:
    draft = parse_tariff_form(form)
    with session_scope() as session:
        acting_admin(session, admin_id)
        _ensure_unique_name(session, draft.name)
        tariff = Tariff(**asdict(draft), is_active=True)
        session.add(tariff)
        session.flush()
        audit.record(session, admin_id=admin_id, action="tariff.create", target_type="tariff",
                     target_id=tariff.id, after=_snapshot(tariff))
        return pk(tariff)


def update_tariff(*, admin_id: int, tariff_id: int, form: Mapping[str, Any]) -> None:
    """Edit a tariff. A new price applies to purchases and renewals from now on."""
    draft = parse_tariff_form(form)
    with session_scope() as session:
        acting_admin(session, admin_id)
        tariff = _load_for_update(session, tariff_id)
        _ensure_unique_name(session, draft.name, except_id=tariff_id)
        before = _snapshot(tariff)
        for key, value in asdict(draft).items():
            setattr(tariff, key, value)
        after = _snapshot(tariff)
        if after == before:
            return
        session.add(tariff)
        changed = {k for k in after if after[k] != before[k]}
        audit.record(session, admin_id=admin_id, action="tariff.update", target_type="tariff",
                     target_id=tariff_id, before={k: before[k] for k in changed},
                     after={k: after[k] for k in changed})


def set_tariff_archived(*, admin_id: int, tariff_id: int, archived: bool) -> None:
    """Archive (stop selling) or return to sale. Existing licenses are not touched."""
    with session_scope() as session:
        acting_admin(session, admin_id)
        tariff = _load_for_update(session, tariff_id)
        if tariff.is_active == (not archived):
            message = "Тариф уже в архиве" if archived else "Тариф уже продаётся"
            raise DomainError("tariff_state_unchanged", message)
        tariff.is_active = not archived
        session.add(tariff)
        audit.record(session, admin_id=admin_id,
                     action="tariff.archive" if archived else "tariff.unarchive",
                     target_type="tariff", target_id=tariff_id,
                     before={"is_active": archived}, after={"is_active": not archived})
