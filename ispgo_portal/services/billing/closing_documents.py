"""Closing documents: the monthly act (акт оказанных услуг) per company payer, and the
reconciliation statement (акт сверки) for any period, both read straight from the ledger.

An act lists the month's purchase and renewal rows of the customer's ledger (all of them are
paid from the balance) and is made out to the customer's default profile when that is an
ООО or ИП. One act per customer and month (unique: the lines are the customer's ledger, whichever
profile is the default on the day), so a repeated beat run issues nothing new."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ispgo_portal.clock import MSK, as_utc, to_msk, utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import ClosingAct, LedgerEntry, User, pk
from ispgo_portal.services.billing.numbering import next_number
from ispgo_portal.services.billing.payers import (
    PayerView,
    default_company,
    details_from_json,
    details_json,
    owned_payer,
    view_of,
)
from ispgo_portal.services.errors import DomainError, NotFound
from ispgo_portal.services.mail.notifications import queue_email

log = logging.getLogger(__name__)

ACT_KINDS = ("purchase", "renewal")
MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
          "октябрь", "ноябрь", "декабрь")
MAX_RECONCILIATION_DAYS = 366 * 5


@dataclass(frozen=True)
class Line:
    day: date
    description: str
    amount: int  # kopecks; for an act the price of the service (positive)


@dataclass(frozen=True)
class ActView:
    id: int
    number: str
    user_id: int
    payer: PayerView
    period: str
    period_label: str
    total: int
    lines: list[Line]
    created_at: datetime

    @property
    def act_date(self) -> date:
        _, end = month_bounds(self.period)
        return end - timedelta(days=1)


@dataclass
class ActsResult:
    created: int = 0
    skipped: int = 0
    numbers: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"acts created={self.created} skipped={self.skipped}"


def month_bounds(period: str) -> tuple[date, date]:
    """'2026-10' -> (1 Oct, 1 Nov): the first day and the first day after."""
    year, month = (int(x) for x in period.split("-"))
    start = date(year, month, 1)
    return start, date(year + month // 12, month % 12 + 1, 1)


def period_label(period: str) -> str:
    year, month = (int(x) for x in period.split("-"))
    return f"{MONTHS[month - 1]} {year}"


def previous_period(now: datetime | None = None) -> str:
    first = to_msk(now or utcnow()).date().replace(day=1)
    last = first - timedelta(days=1)
    return f"{last.year}-{last.month:02d}"


def _utc(day: date) -> datetime:
    return as_utc(datetime.combine(day, time.min, tzinfo=MSK))


def act_lines(session: Session, *, user_id: int, period: str) -> list[Line]:
    start, end = month_bounds(period)
    rows = session.exec(select(LedgerEntry).where(
        LedgerEntry.user_id == user_id, col(LedgerEntry.kind).in_(ACT_KINDS),
        LedgerEntry.created_at >= _utc(start), LedgerEntry.created_at < _utc(end),
    ).order_by(col(LedgerEntry.id))).all()
    return [Line(day=to_msk(r.created_at).date(), description=r.description, amount=-r.amount)
            for r in rows if r.amount < 0]


def issue_monthly_acts(*, period: str | None = None) -> ActsResult:
    """Acts for `period` ('2026-10'; default: last month, Moscow time), one transaction each."""
    period = period or previous_period()
    start, end = month_bounds(period)
    with session_scope() as session:
        user_ids = session.exec(select(LedgerEntry.user_id).where(
            col(LedgerEntry.kind).in_(ACT_KINDS), LedgerEntry.created_at >= _utc(start),
            LedgerEntry.created_at < _utc(end)).distinct()).all()
    result = ActsResult()
    for user_id in sorted(user_ids):
        try:
            number = _issue_act(user_id=user_id, period=period)
        except IntegrityError:
            number = None  # a concurrent run issued it
        if number:
            result.created += 1
            result.numbers.append(number)
        else:
            result.skipped += 1
    return result


def _issue_act(*, user_id: int, period: str) -> str | None:
    with session_scope() as session:
        payer = default_company(session, user_id=user_id)
        if payer is None:
            return None
        if session.exec(select(ClosingAct.id).where(ClosingAct.user_id == user_id,
                                                    ClosingAct.period == period)).first():
            return None
        lines = act_lines(session, user_id=user_id, period=period)
        total = sum(line.amount for line in lines)
        if total <= 0:
            return None
        start, _ = month_bounds(period)
        act = ClosingAct(number=next_number(session, kind="act", year=start.year, prefix="А-"),
                         user_id=user_id, payer_id=pk(payer), payer_details=details_json(payer),
                         period=period, total=total, lines=len(lines))
        session.add(act)
        session.flush()
        user = session.get(User, user_id)
        if user is None:  # the owner of the payer profile (a foreign key): never missing
            raise NotFound("Клиент не найден")
        queue_email(session, template="act_issued", to=payer.email or user.email,
                    context={"name": user.name, "payer": payer.name, "number": act.number,
                             "period": period_label(period), "total": total},
                    dedupe_key=f"act_issued:{act.id}")
        return act.number


def _act_view(session: Session, act: ClosingAct) -> ActView:
    return ActView(id=pk(act), number=act.number, user_id=act.user_id, payer=details_from_json(act.payer_details),
                   period=act.period, period_label=period_label(act.period), total=act.total,
                   lines=act_lines(session, user_id=act.user_id, period=act.period), created_at=act.created_at)


def list_acts(*, user_id: int) -> list[ActView]:
    with session_scope() as session:
        rows = session.exec(select(ClosingAct).where(ClosingAct.user_id == user_id)
                            .order_by(col(ClosingAct.id).desc()).limit(120)).all()
        return [_act_view(session, a) for a in rows]


def act_for_viewer(*, act_id: int, viewer_id: int) -> ActView:
    with session_scope() as session:
        act = session.get(ClosingAct, act_id)
        viewer = session.get(User, viewer_id)
        if act is None or viewer is None or viewer.is_blocked or (act.user_id != viewer_id and not viewer.is_admin):
            raise NotFound("Документ не найден")
        return _act_view(session, act)


# --- reconciliation statement ------------------------------------------------------------

@dataclass(frozen=True)
class Reconciliation:
    payer: PayerView
    date_from: date
    date_to: date
    opening: int  # balance at the start of date_from (+ advance, − debt)
    lines: list[Line]  # signed: + money received, − charged
    closing: int

    @property
    def received(self) -> int:
        return sum(line.amount for line in self.lines if line.amount > 0)

    @property
    def charged(self) -> int:
        return -sum(line.amount for line in self.lines if line.amount < 0)


def reconciliation(*, user_id: int, payer_id: int, date_from: date, date_to: date) -> Reconciliation:
    """Every ledger row of the period (Moscow dates, both included) between the balance before
    it and the balance after it; closing == opening + received − charged, to the kopeck."""
    if date_from > date_to:
        raise DomainError("invalid_period", "Начало периода позже конца", field="date_from")
    if (date_to - date_from).days > MAX_RECONCILIATION_DAYS:
        raise DomainError("invalid_period", "Период — не больше пяти лет", field="date_from")
    start, end = _utc(date_from), _utc(date_to + timedelta(days=1))
    with session_scope() as session:
        payer = owned_payer(session, user_id=user_id, payer_id=payer_id)
        opening = session.exec(select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.user_id == user_id, LedgerEntry.created_at < start)).one()
        rows = session.exec(select(LedgerEntry).where(
            LedgerEntry.user_id == user_id, LedgerEntry.created_at >= start, LedgerEntry.created_at < end,
        ).order_by(col(LedgerEntry.created_at), col(LedgerEntry.id))).all()
        lines = [Line(day=to_msk(r.created_at).date(), description=r.description, amount=r.amount) for r in rows]
        return Reconciliation(payer=view_of(payer), date_from=date_from, date_to=date_to,
                              opening=int(opening), lines=lines, closing=int(opening) + sum(r.amount for r in rows))
