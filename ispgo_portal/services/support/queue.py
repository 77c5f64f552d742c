"""Support's side of tickets: the queue, a ticket with its customer's context, replies,
status and priority. Every operation re-checks that the acting user is an admin and
writes one audit row for a change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Subquery, case, exists, func, or_
from sqlmodel import Session, col, select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import (
    LICENSE_STATUSES,
    TICKET_CATEGORIES,
    TICKET_PRIORITIES,
    TICKET_STATUSES,
    License,
    Tariff,
    Ticket,
    TicketMessage,
    User,
    pk,
)
from ispgo_portal.models.enums import TicketStatus
from ispgo_portal.services.audit import record as audit
from ispgo_portal.services.errors import DomainError, NotFound
from ispgo_portal.services.guard import acting_admin
from ispgo_portal.services.mail.notifications import queue_email
from ispgo_portal.services.support.attachments import IncomingFile
from ispgo_portal.services.support.tickets import (
    ACTIVE_STATUSES,
    TicketSummary,
    TicketThread,
    as_ticket_id,
    clean_text,
    locked_ticket,
    post_message,
    summary_of,
    thread_of,
    unit_with_files,
    validate_reply,
)

QUEUE_LIMIT = 300
QUEUE_STATUS_FILTERS = ("active", *TicketStatus, "all")  # active = open or in progress


@dataclass(frozen=True)
class QueueFilters:
    status: str = "active"
    category: str = ""
    priority: str = ""
    customer: str = ""  # part of the customer's email or name
    search: str = ""  # part of the subject or of any message, or "#<id>"


@dataclass(frozen=True)
class QueueCounts:
    active: int  # open + in progress
    waiting: int  # the customer spoke last


@dataclass(frozen=True)
class LicenseBrief:
    key: str
    tariff: str
    status_label: str
    expires_at: datetime


@dataclass(frozen=True)
class CustomerContext:
    user_id: int
    email: str
    name: str
    balance: int
    credit_limit: int
    discount_percent: int
    is_blocked: bool
    licenses: tuple[LicenseBrief, ...]


@dataclass(frozen=True)
class SupportView:
    thread: TicketThread
    customer: CustomerContext


def _waiting_since_subquery() -> Subquery:
    """Per ticket: when the customer's oldest unanswered message was written (the customer
    messages after support's last one). Tickets support answered last have no row."""
    last_staff = (
        select(TicketMessage.ticket_id, func.max(TicketMessage.created_at).label("at"))
        .where(TicketMessage.is_staff == True)  # noqa: E712
        .group_by(col(TicketMessage.ticket_id))
        .subquery()
    )
    return (
        select(TicketMessage.ticket_id, func.min(TicketMessage.created_at).label("since"))
        .outerjoin(last_staff, last_staff.c.ticket_id == TicketMessage.ticket_id)
        .where(TicketMessage.is_staff == False,  # noqa: E712
               or_(last_staff.c.at.is_(None), TicketMessage.created_at > last_staff.c.at))
        .group_by(col(TicketMessage.ticket_id))
        .subquery()
    )


def list_queue(*, admin_id: int, filters: QueueFilters = QueueFilters()) -> list[TicketSummary]:
    """Tickets waiting for support first, the longest-waiting on top; then those waiting for
    the customer (least recently active first); closed ones last."""
    with session_scope() as session:
        acting_admin(session, admin_id)
        waiting = _waiting_since_subquery()
        query = (
            select(Ticket, User.email, waiting.c.since)
            .join(User, col(User.id) == Ticket.user_id)
            .outerjoin(waiting, waiting.c.ticket_id == Ticket.id)
        )
        status = filters.status if filters.status in QUEUE_STATUS_FILTERS else "active"
        if status == "active":
            query = query.where(col(Ticket.status).in_(ACTIVE_STATUSES))
        elif status != "all":
            query = query.where(Ticket.status == status)
        if filters.category in TICKET_CATEGORIES:
            query = query.where(Ticket.category == filters.category)
        if filters.priority in TICKET_PRIORITIES:
            query = query.where(Ticket.priority == filters.priority)
        customer = clean_text(filters.customer, single_line=True)[:254]
        if customer:
            query = query.where(or_(col(User.email).icontains(customer, autoescape=True),
                                    col(User.name).icontains(customer, autoescape=True)))
        search = clean_text(filters.search, single_line=True)[:200]
        if search:
            in_messages = exists().where(col(TicketMessage.ticket_id) == Ticket.id,
                                         col(TicketMessage.body).icontains(search, autoescape=True))
            conditions: list[ColumnElement[bool]] = [
                col(Ticket.subject).icontains(search, autoescape=True), in_messages]
            if search.lstrip("#").isdigit() and len(search) < 12:
                conditions.append(col(Ticket.id) == int(search.lstrip("#")))
            query = query.where(or_(*conditions))
        rank = case((col(Ticket.status) == TicketStatus.CLOSED, 2), (waiting.c.since.is_(None), 1),
                    else_=0)
        query = query.order_by(rank, waiting.c.since, col(Ticket.last_activity_at), col(Ticket.id))
        query = query.limit(QUEUE_LIMIT)
        return [
            summary_of(ticket, customer_email=email, waiting_since=since if ticket.status != TicketStatus.CLOSED else None)
            for ticket, email, since in session.exec(query).all()
        ]


def queue_counts(*, admin_id: int) -> QueueCounts:
    with session_scope() as session:
        acting_admin(session, admin_id)
        waiting = _waiting_since_subquery()
        active = session.exec(
            select(func.count()).select_from(Ticket)
            .where(col(Ticket.status).in_(ACTIVE_STATUSES))).one()
        waiting_count = session.exec(
            select(func.count()).select_from(Ticket)
            .join(waiting, waiting.c.ticket_id == Ticket.id)
            .where(col(Ticket.status).in_(ACTIVE_STATUSES))).one()
        return QueueCounts(active=int(active), waiting=int(waiting_count))


def _customer_context(session: Session, customer: User) -> CustomerContext:
    rows = session.exec(
        select(License, Tariff.name).join(Tariff, col(Tariff.id) == License.tariff_id)
        .where(License.user_id == customer.id).order_by(col(License.expires_at).desc())
    ).all()
    licenses = tuple(
        LicenseBrief(lic.key, tariff, LICENSE_STATUSES.get(lic.status, lic.status), lic.expires_at)
        for lic, tariff in rows
    )
    return CustomerContext(
        user_id=pk(customer), email=customer.email, name=customer.name, balance=customer.balance,
        credit_limit=customer.credit_limit, discount_percent=customer.discount_percent,
        is_blocked=customer.is_blocked, licenses=licenses,
    )


def support_view(*, ticket_id: object, admin_id: int) -> SupportView:
    with session_scope() as session:
        acting_admin(session, admin_id)
        ticket = session.get(Ticket, ticket_id) if as_ticket_id(ticket_id) else None
        if ticket is None:
            raise NotFound("Тикет не найден")
        customer = session.get(User, ticket.user_id)
        if customer is None:
            raise NotFound("Клиент не найден")
        return SupportView(thread_of(session, ticket, customer_email=customer.email),
                           _customer_context(session, customer))


def _ticket_for_change(session: Session, ticket_id: object) -> Ticket:
    ticket = locked_ticket(session, ticket_id)
    if ticket is None:
        raise NotFound("Тикет не найден")
    return ticket


def reply_as_support(*, ticket_id: object, admin_id: int, text: object,
                     files: Sequence[IncomingFile] = ()) -> int:
    """Support's answer: the ticket becomes "В работе" and the customer gets an email."""
    body, images = validate_reply(text, files)
    with unit_with_files() as (session, written):
        admin = acting_admin(session, admin_id)
        ticket = _ticket_for_change(session, ticket_id)
        if ticket.status == TicketStatus.CLOSED:
            raise DomainError("ticket_closed", "Тикет закрыт. Чтобы ответить, сначала верните его в работу.")
        before = ticket.status
        ticket.status = TicketStatus.IN_PROGRESS
        message = post_message(session, ticket, author_id=pk(admin), is_staff=True, body=body,
                               images=images, written=written)
        customer = session.get(User, ticket.user_id)
        if customer is None:
            raise NotFound("Клиент не найден")
        queue_email(
            session, template="ticket_reply", to=customer.email,
            context={"name": customer.name, "ticket_id": ticket.id, "subject": ticket.subject,
                     "reply_text": body},
            dedupe_key=f"ticket_reply:{message.id}",
        )
        audit.record(session, admin_id=pk(admin), action="ticket.reply", target_type="ticket",
                     target_id=ticket.id, target_user_id=ticket.user_id,
                     before={"status": before}, after={"status": ticket.status, "message_id": message.id})
        return pk(message)


def set_ticket_status(*, ticket_id: object, admin_id: int, status: object) -> bool:
    """Any status by hand; closing moves the ticket to the customer's archive.
    False when the ticket already had that status."""
    if not isinstance(status, str) or status not in TICKET_STATUSES:
        raise DomainError("invalid_status", "Выберите статус из списка", field="status")
    with session_scope() as session:
        admin = acting_admin(session, admin_id)
        ticket = _ticket_for_change(session, ticket_id)
        if ticket.status == status:
            return False
        before = ticket.status
        now = utcnow()
        ticket.status = status
        ticket.closed_at = now if status == TicketStatus.CLOSED else None
        ticket.last_activity_at = now
        session.add(ticket)
        audit.record(session, admin_id=pk(admin), action="ticket.status", target_type="ticket",
                     target_id=ticket.id, target_user_id=ticket.user_id,
                     before={"status": before}, after={"status": status})
        return True


def set_ticket_priority(*, ticket_id: object, admin_id: int, priority: object) -> bool:
    if not isinstance(priority, str) or priority not in TICKET_PRIORITIES:
        raise DomainError("invalid_priority", "Выберите приоритет из списка", field="priority")
    with session_scope() as session:
        admin = acting_admin(session, admin_id)
        ticket = _ticket_for_change(session, ticket_id)
        if ticket.priority == priority:
            return False
        before = ticket.priority
        ticket.priority = priority
        session.add(ticket)
        audit.record(session, admin_id=pk(admin), action="ticket.priority", target_type="ticket",
                     target_id=ticket.id, target_user_id=ticket.user_id,
                     before={"priority": before}, after={"priority": priority})
        return True


def close_ticket(*, ticket_id: object, admin_id: int) -> bool:
    return set_ticket_status(ticket_id=ticket_id, admin_id=admin_id, status=TicketStatus.CLOSED)
