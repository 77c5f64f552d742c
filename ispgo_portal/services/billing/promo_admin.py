"""Admin «Промокоды»: create, edit, deactivate / activate, and how much each was used.

Codes are case-insensitive: stored upper case and unique. The percent is 1–100, the validity
window is in Moscow dates (both ends included), a total limit of 0 means unlimited and an
empty tariff list means every tariff.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from ispgo_portal.clock import as_utc, utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.limits import PROMO_CODE_MAX, PROMO_CODE_MIN
from ispgo_portal.models import PromoCode, Tariff, pk
from ispgo_portal.services.audit import record as audit
from ispgo_portal.services.billing.pricing import normalize_code
from ispgo_portal.services.errors import DomainError, NotFound
from ispgo_portal.services.forms import (
    day_end_utc,
    day_start_utc,
    int_field,
    parse_day,
    text_field,
)
from ispgo_portal.services.guard import acting_admin

CODE_PATTERN = re.compile(rf"^[A-ZА-ЯЁ0-9_-]{{{PROMO_CODE_MIN},{PROMO_CODE_MAX}}}$")
MAX_USES_LIMIT = 10_000_000


@dataclass(frozen=True)
class PromoDraft:
    code: str
    percent: int
    valid_from: datetime | None
    valid_until: datetime | None
    max_uses: int
    tariff_ids: list[int]


@dataclass(frozen=True)
class PromoRow:
    id: int
    code: str
    percent: int
    valid_from: datetime | None
    valid_until: datetime | None
    max_uses: int
    uses_count: int
    is_active: bool
    tariff_ids: list[int]
    tariff_names: list[str]
    status: str  # Russian, what a customer typing the code would run into


def _parse_tariff_ids(raw: Any) -> list[int]:
    """A list of ids or a comma-separated string; anything else is a form error."""
    items = raw if isinstance(raw, list | tuple) else str(raw or "").split(",")
    ids: set[int] = set()
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        if not text.isdigit():
            raise DomainError("invalid_tariffs", "Выберите тарифы из списка", field="tariff_ids")
        ids.add(int(text))
    return sorted(ids)


def parse_promo_form(form: Mapping[str, Any]) -> PromoDraft:
    code = normalize_code(text_field(form, "code"))
    if not code:
        raise DomainError("required", "Укажите код", field="code")
    if not CODE_PATTERN.match(code):
        raise DomainError("invalid_code", "Код: от 3 до 40 букв, цифр, «-» или «_», без пробелов",
                          field="code")
    starts = parse_day(text_field(form, "valid_from"), field="valid_from", label="Действует с")
    ends = parse_day(text_field(form, "valid_until"), field="valid_until", label="Действует по")
    if starts and ends and ends < starts:
        raise DomainError("invalid_window", "Дата окончания раньше даты начала", field="valid_until")
    return PromoDraft(
        code=code,
        percent=int_field(form, "percent", label="Скидка, %", low=1, high=100),
        valid_from=day_start_utc(starts) if starts else None,
        valid_until=day_end_utc(ends) if ends else None,
        max_uses=int_field(form, "max_uses", label="Лимит использований", low=0, high=MAX_USES_LIMIT,
                           default=0),
        tariff_ids=_parse_tariff_ids(form.get("tariff_ids", "") if isinstance(form, Mapping) else ""),
    )


def promo_status(promo: PromoCode, *, now: datetime | None = None) -> str:
    now = now or utcnow()
    if not promo.is_active:
        return "Отключён"
    if promo.valid_from and as_utc(promo.valid_from) > now:
        return "Ещё не действует"
    if promo.valid_until and as_utc(promo.valid_until) < now:
        return "Истёк"
    if promo.max_uses and promo.uses_count >= promo.max_uses:
        return "Исчерпан"
    return "Действует"


def _ids_of(promo: PromoCode) -> list[int]:
    return [int(x) for x in promo.tariff_ids.split(",") if x.strip().isdigit()]


def _snapshot(promo: PromoCode) -> dict[str, Any]:
    return {
        "code": promo.code, "percent": promo.percent, "valid_from": promo.valid_from,
        "valid_until": promo.valid_until, "max_uses": promo.max_uses, "tariff_ids": promo.tariff_ids,
        "is_active": promo.is_active,
    }


def _check_draft(session: Session, draft: PromoDraft, *, except_id: int | None = None) -> None:
    query = select(PromoCode.id).where(PromoCode.code == draft.code)
    if except_id is not None:
        query = query.where(PromoCode.id != except_id)
    if session.exec(query).first() is not None:
        raise DomainError("promo_code_taken", "Такой промокод уже есть", field="code")
    if draft.tariff_ids:
        known = set(session.exec(select(Tariff.id).where(col(Tariff.id).in_(draft.tariff_ids))).all())
        if known != set(draft.tariff_ids):
            raise DomainError("invalid_tariffs", "Выберите тарифы из списка", field="tariff_ids")


def _apply(promo: PromoCode, draft: PromoDraft) -> None:
    promo.code = draft.code
    promo.percent = draft.percent
    promo.valid_from = draft.valid_from
    promo.valid_until = draft.valid_until
    promo.max_uses = draft.max_uses
    promo.tariff_ids = ",".join(str(i) for i in draft.tariff_ids)


def _load_for_update(session: Session, promo_id: int) -> PromoCode:
    promo = session.exec(select(PromoCode).where(PromoCode.id == promo_id).with_for_update()).first()
    if promo is None:
        raise NotFound("Промокод не найден")
    return promo


def list_promos() -> list[PromoRow]:
    """Every promo code, newest first, with its use count and current status."""
    now = utcnow()
    with session_scope() as session:
        names = dict(session.exec(select(Tariff.id, Tariff.name)).all())
        promos = session.exec(select(PromoCode).order_by(col(PromoCode.created_at).desc(),
                                                         col(PromoCode.id).desc())).all()
        return [
            PromoRow(
                id=pk(p), code=p.code, percent=p.percent, valid_from=p.valid_from, valid_until=p.valid_until,
                max_uses=p.max_uses, uses_count=p.uses_count, is_active=p.is_active,
                tariff_ids=_ids_of(p), tariff_names=[names.get(i, f"#{i}") for i in _ids_of(p)],
                status=promo_status(p, now=now),
            )
            for p in promos
        ]


def create_promo(*, admin_id: int, form: Mapping[str, Any]) -> int:
    draft = parse_promo_form(form)
    with session_scope() as session:
        acting_admin(session, admin_id)
        _check_draft(session, draft)
        promo = PromoCode(code=draft.code, percent=draft.percent)
        _apply(promo, draft)
        session.add(promo)
        session.flush()
        promo_id = pk(promo)
        audit.record(session, admin_id=admin_id, action="promo.create", target_type="promo_code",
                     target_id=promo_id, after=_snapshot(promo))
        return promo_id


def update_promo(*, admin_id: int, promo_id: int, form: Mapping[str, Any]) -> None:
    """Edit a code. Its use count stays; the limit cannot go below the uses already made."""
    draft = parse_promo_form(form)
    with session_scope() as session:
        acting_admin(session, admin_id)
        promo = _load_for_update(session, promo_id)
        _check_draft(session, draft, except_id=promo_id)
        if draft.max_uses and draft.max_uses < promo.uses_count:
            raise DomainError("max_uses_below_used",
                              f"Лимит не может быть меньше уже сделанных использований ({promo.uses_count})",
                              field="max_uses")
        before = _snapshot(promo)
        _apply(promo, draft)
        after = _snapshot(promo)
        changed = [k for k in after if after[k] != before[k]]
        if not changed:
            return
        session.add(promo)
        audit.record(session, admin_id=admin_id, action="promo.update", target_type="promo_code",
                     target_id=promo_id, before={k: before[k] for k in changed},
                     after={k: after[k] for k in changed})


def set_promo_active(*, admin_id: int, promo_id: int, active: bool) -> None:
    """Deactivate (customers get "Промокод не найден или отключён") or switch back on."""
    with session_scope() as session:
        acting_admin(session, admin_id)
        promo = _load_for_update(session, promo_id)
        if promo.is_active == active:
            raise DomainError("promo_state_unchanged",
                              "Промокод уже действует" if active else "Промокод уже отключён")
        promo.is_active = active
        session.add(promo)
        audit.record(session, admin_id=admin_id, action="promo.activate" if active else "promo.deactivate",
                     target_type="promo_code", target_id=promo_id,
                     before={"is_active": not active}, after={"is_active": active})
