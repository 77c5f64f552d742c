"""Admin work on customer accounts: search, the customer card, credit limit, discount,
balance corrections, email and password changes, blocking and roles.

Every change locks the customer's row, writes an audit row (before → after) in the same
transaction and takes the acting admin's id, which is re-checked in the database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, func, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

from ispgo_portal.db import session_scope
from ispgo_portal.limits import ADMIN_REASON_MAX, MAX_CREDIT_LIMIT
from ispgo_portal.models import (
    ROLE_ADMIN,
    ROLE_CUSTOMER,
    LedgerEntry,
    License,
    Payment,
    Tariff,
    Ticket,
    User,
    pk,
)
from ispgo_portal.models.enums import LedgerKind, LicenseStatus
from ispgo_portal.money import AmountError, format_rub, parse_rubles
from ispgo_portal.services.accounts import auth, two_factor
from ispgo_portal.services.accounts.passwords import hash_password
from ispgo_portal.services.audit import record as audit
from ispgo_portal.services.billing import ledger as billing
from ispgo_portal.services.errors import DomainError, NotFound
from ispgo_portal.services.guard import acting_admin
from ispgo_portal.services.mail import notifications
from ispgo_portal.services.paging import page_slice
from ispgo_portal.services.rest import tokens as api_tokens

PAGE_SIZE = 20
MAX_ADJUSTMENT = 100_000_000
MAX_REASON = ADMIN_REASON_MAX
ROLES: dict[str, str] = {ROLE_CUSTOMER.value: "Клиент", ROLE_ADMIN.value: "Администратор"}


# --- the acting admin ---------------------------------------------------------------------

def _customer_for_update(session: Session, admin_id: int, customer_id: int) -> tuple[User, User]:
    admin = acting_admin(session, admin_id)
    if not isinstance(customer_id, int) or customer_id <= 0:
        raise NotFound("Клиент не найден")
    try:
        customer = billing.lock_user(session, customer_id)
    except DomainError as exc:
        raise NotFound("Клиент не найден") from exc
    return admin, customer


# --- input parsing (forms send text) ------------------------------------------------------

def parse_credit_limit(text: str) -> int:
    """'1000' or '1 000,50' -> kopecks; '0' removes the limit."""
    raw = str(text or "").strip().replace(" ", "").replace("\u00a0", "")
    if raw in {"0", "0,00", "0.00", "0,0", "0.0"}:
        return 0
    try:
        return parse_rubles(raw, max_kopecks=MAX_CREDIT_LIMIT, min_kopecks=1)
    except AmountError as exc:
        raise DomainError("credit_limit_invalid", str(exc), field="credit_limit") from exc


def parse_percent(text: str) -> int:
    raw = str(text or "").strip().removesuffix("%").strip()
    if not raw.isdigit() or int(raw) > 100:
        raise DomainError("discount_invalid", "Скидка — целое число от 0 до 100", field="discount")
    return int(raw)


def parse_adjustment(text: str, direction: str) -> int:
    """A signed amount in kopecks: direction 'credit' adds to the balance, 'debit' takes away."""
    if direction not in {"credit", "debit"}:
        raise DomainError("direction_invalid", "Выберите: начислить или списать", field="direction")
    try:
        amount = parse_rubles(str(text or ""), max_kopecks=MAX_ADJUSTMENT, min_kopecks=1)
    except AmountError as exc:
        raise DomainError("amount_invalid", str(exc), field="amount") from exc
    return amount if direction == "credit" else -amount


def clean_reason(reason: str, *, required: bool) -> str:
    reason = " ".join(str(reason or "").split())
    if required and not reason:
        raise DomainError("reason_required", "Укажите причину", field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError("reason_too_long", f"Причина — не длиннее {MAX_REASON} символов", field="reason")
    return reason


# --- search and the customer card ---------------------------------------------------------

@dataclass(frozen=True)
class CustomerRow:
    id: int
    email: str
    name: str
    role: str
    is_blocked: bool
    balance: int
    credit_limit: int
    discount_percent: int
    active_licenses: int
    created_at: datetime


@dataclass(frozen=True)
class CustomerPage:
    rows: list[CustomerRow]
    total: int
    page: int
    pages: int


def search_customers(*, admin_id: int, query: str = "", page: int = 1,
                     page_size: int = PAGE_SIZE) -> CustomerPage:
    """Accounts whose email, name or one of whose license keys contains `query`, newest first."""
    text = " ".join(str(query or "").split())[:200]
    page = page if isinstance(page, int) and page > 0 else 1
    with session_scope() as session:
        acting_admin(session, admin_id)
        active = (
            select(License.user_id, func.count().label("n"))
            .where(License.status == LicenseStatus.ACTIVE)
            .group_by(col(License.user_id))
            .subquery()
        )
        conditions: list[ColumnElement[bool]] = []
        if text:
            needle = text.lower()
            with_key = select(License.user_id).where(
                func.lower(License.key).contains(needle, autoescape=True)
            )
            conditions.append(or_(
                func.lower(User.email).contains(needle, autoescape=True),
                func.lower(User.name).contains(needle, autoescape=True),
                col(User.id).in_(with_key),
            ))
        total = int(session.exec(select(func.count()).select_from(User).where(*conditions)).one())
        window = page_slice(total=total, page=page, page_size=page_size)
        rows = session.exec(
            select(User, func.coalesce(active.c.n, 0))
            .outerjoin(active, active.c.user_id == User.id)
            .where(*conditions)
            .order_by(col(User.created_at).desc(), col(User.id).desc())
            .offset(window.offset)
            .limit(window.limit)
        ).all()
        return CustomerPage(
            rows=[
                CustomerRow(id=pk(u), email=u.email, name=u.name, role=u.role, is_blocked=u.is_blocked,
                            balance=u.balance, credit_limit=u.credit_limit,
                            discount_percent=u.discount_percent, active_licenses=int(n),
                            created_at=u.created_at)
                for u, n in rows
            ],
            total=total,
            page=window.page,
            pages=window.pages,
        )


# --- changes ------------------------------------------------------------------------------

def set_credit_limit(*, admin_id: int, customer_id: int, credit_limit: int, reason: str = "") -> int:
    """A new limit applies to the next charge. Lowering it below what is already owed leaves
    the balance alone: new charges are simply refused until the debt is repaid."""
    if not isinstance(credit_limit, int) or credit_limit < 0 or credit_limit > MAX_CREDIT_LIMIT:
        raise DomainError("credit_limit_invalid",
                          f"Кредитный лимит — от 0 до {format_rub(MAX_CREDIT_LIMIT)}", field="credit_limit")
    reason = clean_reason(reason, required=False)
    with session_scope() as session:
        admin, customer = _customer_for_update(session, admin_id, customer_id)
        before = customer.credit_limit
        customer.credit_limit = credit_limit
        session.add(customer)
        audit.record(session, admin_id=pk(admin), action="customer.credit_limit", target_type="user",
                     target_id=customer.id, target_user_id=customer.id,
                     before={"credit_limit": before}, after={"credit_limit": credit_limit}, reason=reason)
        return credit_limit


def set_discount(*, admin_id: int, customer_id: int, percent: int, reason: str = "") -> int:
    if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
        raise DomainError("discount_invalid", "Скидка — целое число от 0 до 100", field="discount")
    reason = clean_reason(reason, required=False)
    with session_scope() as session:
        admin, customer = _customer_for_update(session, admin_id, customer_id)
        before = customer.discount_percent
        customer.discount_percent = percent
        session.add(customer)
        audit.record(session, admin_id=pk(admin), action="customer.discount", target_type="user",
                     target_id=customer.id, target_user_id=customer.id,
                     before={"discount_percent": before}, after={"discount_percent": percent},
                     reason=reason)
        return percent


def adjust_balance(*, admin_id: int, customer_id: int, amount: int, reason: str,
                   request_key: str = "") -> int:
    """Add (amount > 0) or take (amount < 0) money by hand; one ledger row 'Корректировка'.
    A repeated request_key (a double-clicked form) books nothing twice. Returns the balance."""
    if not isinstance(amount, int) or amount == 0 or abs(amount) > MAX_ADJUSTMENT:
        raise DomainError("amount_invalid",
                          f"Сумма корректировки — от 0,01 ₽ до {format_rub(MAX_ADJUSTMENT)}", field="amount")
    reason = clean_reason(reason, required=True)
    reference = f"admin-adjust:{str(request_key)[:64] or uuid.uuid4().hex}"
    with session_scope() as session:
        admin, customer = _customer_for_update(session, admin_id, customer_id)
        before = customer.balance
        book = billing.credit if amount > 0 else billing.debit_unchecked
        entry = book(session, user_id=pk(customer), amount=abs(amount), kind=LedgerKind.ADJUSTMENT,
                     description=f"Корректировка: {reason}", reference=reference)
        if entry is None:  # already booked under this request key
            return customer.balance
        audit.record(session, admin_id=pk(admin), action="customer.balance_adjust", target_type="user",
                     target_id=customer.id, target_user_id=customer.id,
                     before={"balance": before}, after={"balance": customer.balance, "amount": amount},
                     reason=reason)
        return customer.balance


def change_email(*, admin_id: int, customer_id: int, new_email: str, reason: str = "") -> str:
    """Unique in any letter case; the customer is told at both the old and the new address."""
    email = auth.validate_email(new_email)
    reason = clean_reason(reason, required=False)
    with session_scope() as session:
        admin, customer = _customer_for_update(session, admin_id, customer_id)
        old_email = customer.email
        if old_email.lower() == email:
            raise DomainError("email_same", "Это текущий email клиента", field="email")
        taken = session.exec(
            select(User.id).where(func.lower(User.email) == email, User.id != customer.id)
        ).first()
        if taken is not None:
            raise DomainError("email_taken", "Этот email уже занят другим аккаунтом", field="email")
        customer.email = email
        session.add(customer)
        auth.revoke_reset_links(session, user_id=pk(customer))  # links mailed to the old address
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError as exc:  # a concurrent registration took it
            raise DomainError("email_taken", "Этот email уже занят другим аккаунтом", field="email") from exc
        row = audit.record(session, admin_id=pk(admin), action="customer.email", target_type="user",
                           target_id=customer.id, target_user_id=customer.id,
                           before={"email": old_email}, after={"email": email}, reason=reason)
        context = {"name": customer.name, "old_email": old_email, "new_email": email}
        for to, tag in ((old_email, "old"), (email, "new")):
            notifications.queue_email(session, template="email_changed_by_admin", to=to, context=context,
                                      dedupe_key=f"email-changed:{row.id}:{tag}")
        return email


def set_password(*, admin_id: int, customer_id: int, password: str, password_confirm: str,
                 reason: str = "") -> None:
    """A new password chosen by support; every session of the customer ends."""
    auth.validate_new_password(str(password or ""), str(password_confirm or ""))
    reason = clean_reason(reason, required=False)
    password_hash = hash_password(password)  # outside the transaction: a hash may wait for a slot
    with session_scope() as session:
        admin, customer = _customer_for_update(session, admin_id, customer_id)
        customer.password_hash = password_hash
        session.add(customer)
        auth.revoke_user_sessions(session, user_id=pk(customer))
        auth.revoke_reset_links(session, user_id=pk(customer))
        # The password itself never goes into the audit trail.
        row = audit.record(session, admin_id=pk(admin), action="customer.password", target_type="user",
                           target_id=customer.id, target_user_id=customer.id,
                           after={"password": "изменён", "sessions": "завершены"}, reason=reason)
        notifications.queue_email(session, template="password_changed_by_admin", to=customer.email,
                                  context={"name": customer.name},
                                  dedupe_key=f"password-changed:{row.id}")


def set_blocked(*, admin_id: int, customer_id: int, blocked: bool, reason: str = "") -> bool:
    """Block (login refused, every session ended) or unblock an account."""
    if not isinstance(blocked, bool):
        raise DomainError("blocked_invalid", "Неверное действие")
    reason = clean_reason(reason, required=False)
    with session_scope() as session:
        admin, customer = _customer_for_update(session, admin_id, customer_id)
        if blocked and customer.id == admin.id:
            raise DomainError("self_block", "Нельзя заблокировать самого себя")
        if customer.is_blocked == blocked:
            raise DomainError("block_unchanged",
                              "Аккаунт уже заблокирован" if blocked else "Аккаунт не заблокирован")
        customer.is_blocked = blocked
        session.add(customer)
        auth.revoke_user_sessions(session, user_id=pk(customer))
        if blocked:
            api_tokens.revoke_all(session, user_id=pk(customer), reason="blocked")
        audit.record(session, admin_id=pk(admin), action="customer.block" if blocked else "customer.unblock",
                     target_type="user", target_id=customer.id, target_user_id=customer.id,
                     before={"is_blocked": not blocked}, after={"is_blocked": blocked}, reason=reason)
        return blocked


def set_role(*, admin_id: int, customer_id: int, role: str, reason: str = "") -> str:
    """Make an account an admin or a customer again; nobody demotes themselves."""
    if role not in ROLES:
        raise DomainError("role_invalid", "Неизвестная роль", field="role")
    reason = clean_reason(reason, required=False)
    with session_scope() as session:
        admin, customer = _customer_for_update(session, admin_id, customer_id)
        if customer.id == admin.id and role != ROLE_ADMIN:
            raise DomainError("self_demote", "Нельзя снять права администратора с самого себя")
        if customer.role == role:
            raise DomainError("role_unchanged", f"Роль уже «{ROLES[role]}»")
        before = customer.role
        customer.role = role
        session.add(customer)
        audit.record(session, admin_id=pk(admin), action="customer.role", target_type="user",
                     target_id=customer.id, target_user_id=customer.id,
                     before={"role": before}, after={"role": role}, reason=reason)
        return role


# --- the customer card --------------------------------------------------------------------

CARD_LIST_SIZE = 20
_CardRow = TypeVar("_CardRow", LedgerEntry, Payment, Ticket)  # the card's "latest rows" lists


@dataclass(frozen=True)
class CustomerCard:
    profile: CustomerRow
    credit_used: int
    available: int
    updated_at: datetime
    licenses: list[License]
    transactions: list[LedgerEntry]
    payments: list[Payment]
    tickets: list[Ticket]
    tariff_names: dict[int, str]
    two_factor: bool = False


def customer_card(*, admin_id: int, customer_id: int) -> CustomerCard:
    """Everything support looks at: profile, money, licenses, last operations and tickets.
    The rows are detached copies, read in one transaction."""
    if not isinstance(customer_id, int) or customer_id <= 0:
        raise NotFound("Клиент не найден")
    with session_scope() as session:
        acting_admin(session, admin_id)
        user = session.get(User, customer_id)
        if user is None:
            raise NotFound("Клиент не найден")
        user_id = pk(user)

        def latest(model: type[_CardRow], order: Mapped[datetime]) -> list[_CardRow]:
            return list(session.exec(
                select(model).where(col(model.user_id) == user_id)
                .order_by(order.desc(), col(model.id).desc())
                .limit(CARD_LIST_SIZE)
            ).all())

        licenses = list(session.exec(
            select(License).where(License.user_id == user_id)
            .order_by(col(License.status), col(License.expires_at).desc())
        ).all())
        active = sum(1 for lic in licenses if lic.status == LicenseStatus.ACTIVE)
        tariff_ids = {lic.tariff_id for lic in licenses}
        tariff_names = {
            pk(t): t.name for t in session.exec(select(Tariff).where(col(Tariff.id).in_(tariff_ids))).all()
        } if tariff_ids else {}
        funds = billing.funds_of(user)
        return CustomerCard(
            profile=CustomerRow(id=user_id, email=user.email, name=user.name, role=user.role,
                                is_blocked=user.is_blocked, balance=user.balance,
                                credit_limit=user.credit_limit, discount_percent=user.discount_percent,
                                active_licenses=active, created_at=user.created_at),
            credit_used=funds.credit_used,
            available=funds.available,
            updated_at=user.updated_at,
            licenses=licenses,
            transactions=latest(LedgerEntry, col(LedgerEntry.created_at)),
            payments=latest(Payment, col(Payment.created_at)),
            tickets=latest(Ticket, col(Ticket.last_activity_at)),
            tariff_names=tariff_names,
            two_factor=two_factor.is_enabled(session, user_id),
        )


def reset_two_factor(*, admin_id: int, customer_id: int, reason: str = "") -> None:
    """Support turns a user's 2FA off (a lost phone): audited, the user is emailed and every
    session of theirs ends. An admin so reset must enrol again before the console works."""
    reason = clean_reason(reason, required=False)
    with session_scope() as session:
        admin, customer = _customer_for_update(session, admin_id, customer_id)
        if not two_factor.is_enabled(session, pk(customer)):
            raise DomainError("two_factor_disabled", "Двухфакторная защита у клиента не включена")
        two_factor.remove(session, customer)
        auth.revoke_user_sessions(session, user_id=pk(customer))
        row = audit.record(session, admin_id=pk(admin), action="customer.two_factor_reset", target_type="user",
                           target_id=customer.id, target_user_id=customer.id,
                           before={"two_factor": "включена"}, after={"two_factor": "сброшена"}, reason=reason)
        notifications.queue_email(session, template="two_factor_disabled", to=customer.email,
                                  context={"name": customer.name, "by_admin": True},
                                  dedupe_key=f"two-factor-reset:{row.id}")
