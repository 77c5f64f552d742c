"""Reading the audit trail: who did what to whom, when, before → after; filtered and paged."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from ispgo_portal.clock import MSK
from ispgo_portal.db import session_scope
from ispgo_portal.models import ROLE_ADMIN, AuditLog, User, pk
from ispgo_portal.money import format_rub
from ispgo_portal.services.guard import acting_admin
from ispgo_portal.services.paging import page_slice

PAGE_SIZE = 25

# Russian names of the actions; an action without one is shown by its code.
ACTION_LABELS = {
    "customer.credit_limit": "Кредитный лимит",
    "customer.discount": "Индивидуальная скидка",
    "customer.balance_adjust": "Корректировка баланса",
    "customer.email": "Смена email",
    "customer.password": "Смена пароля",
    "customer.block": "Блокировка",
    "customer.unblock": "Разблокировка",
    "customer.role": "Смена роли",
    "customer.two_factor_reset": "Сброс двухфакторной защиты",
    "tariff.create": "Тариф создан",
    "tariff.update": "Тариф изменён",
    "tariff.archive": "Тариф в архиве",
    "tariff.unarchive": "Тариф возвращён в продажу",
    "promo.create": "Промокод создан",
    "promo.update": "Промокод изменён",
    "promo.deactivate": "Промокод отключён",
    "promo.activate": "Промокод включён",
    "license.suspend": "Лицензия приостановлена",
    "license.resume": "Лицензия возобновлена",
    "license.extend": "Лицензия продлена администратором",
    "license.server_deactivate": "Сервер отключён",
    "payment.refund": "Возврат платежа",
    "payment.refund_retry": "Повтор возврата",
    "ticket.reply": "Ответ в тикете",
    "ticket.status": "Статус тикета",
    "ticket.priority": "Приоритет тикета",
    "outbox.resend": "Письмо отправлено повторно",
    "api.license_buy": "API: покупка лицензии",
    "api.license_renew": "API: продление лицензии",
    "api.topup": "API: пополнение через YooKassa",
}
FIELD_LABELS = {
    "credit_limit": "кредитный лимит",
    "discount_percent": "скидка",
    "balance": "баланс",
    "amount": "сумма",
    "email": "email",
    "password": "пароль",
    "sessions": "сеансы",
    "is_blocked": "заблокирован",
    "role": "роль",
}
MONEY_FIELDS = {"balance", "credit_limit", "amount", "price", "refunded_amount"}
PERCENT_FIELDS = {"discount_percent", "percent"}


@dataclass(frozen=True)
class AuditFilter:
    admin_id: int | None = None
    action: str = ""
    customer: str = ""  # email fragment or the customer's id
    date_from: date | None = None  # Moscow dates, both ends included
    date_to: date | None = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    created_at: datetime
    admin_email: str
    action: str
    action_label: str
    target_user_id: int | None
    target_email: str
    target: str  # "user #5", "tariff #2" when there is no customer
    changes: list[str]  # "кредитный лимит: 0,00 ₽ → 1 000,00 ₽"
    reason: str


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    pages: int


def _show(field: str, value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "да" if value else "нет"
    if field in MONEY_FIELDS and isinstance(value, int):
        return format_rub(value)
    if field in PERCENT_FIELDS and isinstance(value, int):
        return f"{value}%"
    return str(value)


def describe_changes(before: str, after: str) -> list[str]:
    """Readable 'field: old → new' lines from the JSON kept in the audit row."""
    def load(text: str) -> dict[str, object]:
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            return {"значение": text}
        return data if isinstance(data, dict) else {"значение": data}

    old, new = load(before), load(after)
    lines = []
    for field in list(old) + [k for k in new if k not in old]:
        label = FIELD_LABELS.get(field, field)
        if field in old and field in new:
            lines.append(f"{label}: {_show(field, old[field])} → {_show(field, new[field])}")
        elif field in new:
            lines.append(f"{label}: {_show(field, new[field])}")
        else:
            lines.append(f"{label}: было {_show(field, old[field])}")
    return lines


def list_audit(*, admin_id: int, filters: AuditFilter | None = None, page: int = 1,
               page_size: int = PAGE_SIZE) -> AuditPage:
    filters = filters or AuditFilter()
    page = page if isinstance(page, int) and page > 0 else 1
    actor = aliased(User)
    target = aliased(User)
    with session_scope() as session:
        acting_admin(session, admin_id)
        conditions: list[ColumnElement[bool]] = []
        if filters.admin_id:
            conditions.append(col(AuditLog.admin_id) == filters.admin_id)
        if filters.action:
            conditions.append(col(AuditLog.action) == filters.action)
        customer = filters.customer.strip().lower()
        if customer:
            by_email = select(User.id).where(func.lower(User.email).contains(customer, autoescape=True))
            match: ColumnElement[bool] = col(AuditLog.target_user_id).in_(by_email)
            if customer.lstrip("#").isdigit():
                match = or_(match, col(AuditLog.target_user_id) == int(customer.lstrip("#")))
            conditions.append(match)
        if filters.date_from:
            conditions.append(col(AuditLog.created_at) >= datetime.combine(filters.date_from, time(), tzinfo=MSK))
        if filters.date_to:
            end = datetime.combine(filters.date_to + timedelta(days=1), time(), tzinfo=MSK)
            conditions.append(col(AuditLog.created_at) < end)
        total = int(session.exec(select(func.count()).select_from(AuditLog).where(*conditions)).one())
        window = page_slice(total=total, page=page, page_size=page_size)
        rows = session.exec(
            select(AuditLog, actor.email, target.email)
            .join(actor, col(actor.id) == AuditLog.admin_id)
            .outerjoin(target, col(target.id) == AuditLog.target_user_id)
            .where(*conditions)
            .order_by(col(AuditLog.created_at).desc(), col(AuditLog.id).desc())
            .offset(window.offset)
            .limit(window.limit)
        ).all()
        return AuditPage(
            rows=[
                AuditRow(
                    id=pk(row), created_at=row.created_at, admin_email=admin_email, action=row.action,
                    action_label=ACTION_LABELS.get(row.action, row.action),
                    target_user_id=row.target_user_id, target_email=target_email or "",
                    target=f"{row.target_type} #{row.target_id}" if row.target_id is not None else "",
                    changes=describe_changes(row.before, row.after), reason=row.reason,
                )
                for row, admin_email, target_email in rows
            ],
            total=total,
            page=window.page,
            pages=window.pages,
        )


def filter_options(*, admin_id: int) -> tuple[list[tuple[int, str]], list[tuple[str, str]]]:
    """(admins as (id, email), actions as (code, label)) for the filter selects: every admin
    who ever acted or is an admin now, every action that was ever recorded."""
    with session_scope() as session:
        acting_admin(session, admin_id)
        acted = select(AuditLog.admin_id).distinct()
        admins = session.exec(
            select(User).where(or_(col(User.role) == ROLE_ADMIN, col(User.id).in_(acted)))
            .order_by(col(User.email))
        ).all()
        codes = set(session.exec(select(AuditLog.action).distinct()).all()) | set(ACTION_LABELS)
    actions = sorted(((code, ACTION_LABELS.get(code, code)) for code in codes), key=lambda a: a[1])
    return [(pk(admin), admin.email) for admin in admins], actions
