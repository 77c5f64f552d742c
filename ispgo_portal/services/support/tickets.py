"""Support tickets from the customer's side: create, list, read, reply, archive.

Statuses: "open" (waiting for support), "in_progress" (support answered / is on it),
"closed" (archived: out of the main list, kept in the archive, no more replies).
`replies_count` counts every message after the first one (the description).
The support side (queue, replies, status and priority changes) is in `ticket_queue.py`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.limits import (
    TICKET_DESCRIPTION_MAX,
    TICKET_DESCRIPTION_MIN,
    TICKET_REPLY_MAX,
    TICKET_SUBJECT_MAX,
    TICKET_SUBJECT_MIN,
)
from ispgo_portal.models import (
    ROLE_ADMIN,
    TICKET_CATEGORIES,
    TICKET_PRIORITIES,
    TICKET_STATUSES,
    Ticket,
    TicketAttachment,
    TicketMessage,
    User,
    pk,
)
from ispgo_portal.models.enums import TicketCategory, TicketStatus
from ispgo_portal.services import paging as cursors
from ispgo_portal.services.errors import DomainError, NotFound
from ispgo_portal.services.mail.notifications import queue_email
from ispgo_portal.services.support.attachments import (
    CheckedImage,
    IncomingFile,
    check_images,
    discard_files,
    save_images,
)
from ispgo_portal.settings import get_settings

SUBJECT_MIN, SUBJECT_MAX = TICKET_SUBJECT_MIN, TICKET_SUBJECT_MAX
DESCRIPTION_MIN, DESCRIPTION_MAX = TICKET_DESCRIPTION_MIN, TICKET_DESCRIPTION_MAX
REPLY_MAX = TICKET_REPLY_MAX
ACTIVE_STATUSES = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS)

# The FAQ's own words, shown as hints next to the category field.
CATEGORY_HINTS = {
    TicketCategory.TECHNICAL.value: "Вопросы по работе панели управления, настройке серверов, доменов, почты, DNS",
    TicketCategory.BILLING.value: "Вопросы по оплате, балансу, тарифам, лицензиям, автопродлению",
    TicketCategory.LICENSE.value: "Вопросы по лицензиям, активации, ключам, ограничениям тарифов",
    TicketCategory.GENERAL.value: "Общие вопросы, предложения, сотрудничество, прочие вопросы",
    TicketCategory.OTHER.value: "Общие вопросы, предложения, сотрудничество, прочие вопросы",
}

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class TicketFormError(DomainError):
    """Several fields can be wrong at once; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        field, message = next(iter(errors.items()))
        super().__init__("invalid_ticket", message, field=field)
        self.errors = errors


@dataclass(frozen=True)
class TicketSummary:
    id: int
    subject: str
    category: str
    priority: str
    status: str
    replies_count: int
    created_at: datetime
    updated_at: datetime
    last_activity_at: datetime
    customer_email: str = ""
    waiting_since: datetime | None = None

    @property
    def category_label(self) -> str:
        return TICKET_CATEGORIES.get(self.category, self.category)

    @property
    def priority_label(self) -> str:
        return TICKET_PRIORITIES.get(self.priority, self.priority)

    @property
    def status_label(self) -> str:
        return TICKET_STATUSES.get(self.status, self.status)


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class MessageInfo:
    id: int
    author_name: str
    is_staff: bool
    body: str
    created_at: datetime
    attachments: tuple[AttachmentInfo, ...]


@dataclass(frozen=True)
class TicketThread:
    ticket: TicketSummary
    messages: tuple[MessageInfo, ...]


# --- input -----------------------------------------------------------------------------

def clean_text(value: object, *, single_line: bool = False) -> str:
    """User text without control characters (PostgreSQL refuses NUL), with \\n line breaks."""
    if not isinstance(value, str):
        return ""
    text = _CONTROL_CHARS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    if single_line:
        text = " ".join(text.split())
    return text.strip()


def _validate_ticket_form(category: object, subject: object, description: object, priority: object,
                          files: Sequence[IncomingFile]) -> tuple[str, str, str, str, list[CheckedImage]]:
    errors: dict[str, str] = {}
    category_code = category if isinstance(category, str) and category in TICKET_CATEGORIES else ""
    if not category_code:
        errors["category"] = "Выберите категорию: Техническая, Биллинг, Общая, Лицензия или Другое"
    subject_text = clean_text(subject, single_line=True)
    if not SUBJECT_MIN <= len(subject_text) <= SUBJECT_MAX:
        errors["subject"] = f"Тема должна быть от {SUBJECT_MIN} до {SUBJECT_MAX} символов"
    description_text = clean_text(description)
    if not DESCRIPTION_MIN <= len(description_text) <= DESCRIPTION_MAX:
        errors["description"] = "Описание должно быть от 10 до 10 000 символов"
    priority_code = priority if isinstance(priority, str) and priority in TICKET_PRIORITIES else ""
    if not priority_code:
        errors["priority"] = "Выберите приоритет: Низкий, Средний или Высокий"
    images: list[CheckedImage] = []
    try:
        images = check_images(files)
    except DomainError as exc:
        errors["files"] = exc.message
    if errors:
        raise TicketFormError(errors)
    return category_code, subject_text, description_text, priority_code, images


def validate_reply(text: object, files: Sequence[IncomingFile]) -> tuple[str, list[CheckedImage]]:
    body = clean_text(text)
    if not body:
        raise TicketFormError({"text": "Напишите текст ответа"})
    if len(body) > REPLY_MAX:
        raise TicketFormError({"text": "Ответ не должен быть длиннее 10 000 символов"})
    try:
        return body, check_images(files)
    except DomainError as exc:
        raise TicketFormError({"files": exc.message}) from exc


# --- shared building blocks (also used by ticket_queue) ----------------------------------

@contextmanager
def unit_with_files() -> Iterator[tuple[Session, list[Path]]]:
    """One transaction that may write attachment files: if it does not commit, the files
    it wrote are removed again."""
    written: list[Path] = []
    try:
        with session_scope() as session:
            yield session, written
    except BaseException:
        discard_files(written)
        raise


def as_ticket_id(value: object) -> int:
    """A positive int id, or 0 for anything else (garbage from a crafted event)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return 0
    return value


def locked_ticket(session: Session, ticket_id: object) -> Ticket | None:
    if not as_ticket_id(ticket_id):
        return None
    return session.exec(select(Ticket).where(Ticket.id == ticket_id).with_for_update()).first()


def post_message(session: Session, ticket: Ticket, *, author_id: int, is_staff: bool, body: str,
                 images: Sequence[CheckedImage], written: list[Path], first: bool = False) -> TicketMessage:
    message = TicketMessage(ticket_id=pk(ticket), author_id=author_id, is_staff=is_staff, body=body)
    session.add(message)
    session.flush()
    save_images(session, ticket_id=pk(ticket), message_id=pk(message), images=images,
                written=written)
    now = utcnow()
    if not first:
        ticket.replies_count += 1
    ticket.last_activity_at = now
    session.add(ticket)
    return message


def summary_of(ticket: Ticket, *, customer_email: str = "", waiting_since: datetime | None = None) -> TicketSummary:
    return TicketSummary(
        id=pk(ticket), subject=ticket.subject, category=ticket.category, priority=ticket.priority,
        status=ticket.status, replies_count=ticket.replies_count, created_at=ticket.created_at,
        updated_at=ticket.updated_at, last_activity_at=ticket.last_activity_at,
        customer_email=customer_email, waiting_since=waiting_since,
    )


def thread_of(session: Session, ticket: Ticket, *, customer_email: str = "") -> TicketThread:
    rows = session.exec(
        select(TicketMessage, User.name)
        .join(User, col(User.id) == TicketMessage.author_id)
        .where(TicketMessage.ticket_id == ticket.id)
        .order_by(col(TicketMessage.created_at), col(TicketMessage.id))
    ).all()
    by_message: dict[int, list[AttachmentInfo]] = {}
    for att in session.exec(
        select(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id)
        .order_by(col(TicketAttachment.id))
    ).all():
        by_message.setdefault(att.message_id, []).append(
            AttachmentInfo(pk(att), att.filename, att.content_type, att.size))
    messages = tuple(
        MessageInfo(id=pk(msg), author_name=name, is_staff=msg.is_staff, body=msg.body,
                    created_at=msg.created_at, attachments=tuple(by_message.get(pk(msg), ())))
        for msg, name in rows
    )
    return TicketThread(summary_of(ticket, customer_email=customer_email), messages)


def support_recipients(session: Session) -> list[str]:
    """SUPPORT_EMAILS; without it (the embedded default) the admins' own addresses."""
    configured = get_settings().support_recipients
    if configured:
        return configured
    return list(session.exec(
        select(User.email).where(User.role == ROLE_ADMIN, User.is_blocked == False)  # noqa: E712
        .order_by(col(User.id))
    ).all())


def notify_support(session: Session, ticket: Ticket, *, customer: User, text: str, is_reply: bool,
                   message_id: int) -> None:
    for to in support_recipients(session):
        recipient_tag = hashlib.sha256(to.lower().encode()).hexdigest()[:16]
        queue_email(
            session, template="ticket_new_admin", to=to,
            context={
                "ticket_id": ticket.id, "subject": ticket.subject, "customer_email": customer.email,
                "category": TICKET_CATEGORIES.get(ticket.category, ticket.category),
                "priority": TICKET_PRIORITIES.get(ticket.priority, ticket.priority),
                "text": text, "is_reply": is_reply,
            },
            dedupe_key=f"ticket_new_admin:{message_id}:{recipient_tag}",
        )


def _owned_ticket(session: Session, *, ticket_id: object, user_id: int, lock: bool = False) -> Ticket:
    """The customer's own ticket; someone else's answers exactly like a missing one."""
    if lock:
        ticket = locked_ticket(session, ticket_id)
    else:
        ticket = session.get(Ticket, ticket_id) if as_ticket_id(ticket_id) else None
    if ticket is None or ticket.user_id != user_id:
        raise NotFound("Тикет не найден")
    return ticket


# --- customer operations -----------------------------------------------------------------

def create_ticket(*, user_id: int, category: object, subject: object, description: object,
                  priority: object, files: Sequence[IncomingFile] = ()) -> int:
    """A new ticket with its description and screenshots; support is told by email."""
    category_code, subject_text, body, priority_code, images = _validate_ticket_form(
        category, subject, description, priority, files)
    with unit_with_files() as (session, written):
        customer = session.get(User, user_id)
        if customer is None:
            raise NotFound("Клиент не найден")
        ticket = Ticket(user_id=user_id, category=category_code, subject=subject_text,
                        priority=priority_code, status=TicketStatus.OPEN)
        session.add(ticket)
        session.flush()
        message = post_message(session, ticket, author_id=user_id, is_staff=False, body=body,
                               images=images, written=written, first=True)
        notify_support(session, ticket, customer=customer, text=body, is_reply=False,
                       message_id=pk(message))
        return pk(ticket)


def list_tickets(*, user_id: int, status: str = "", limit: int | None = None) -> list[TicketSummary]:
    """"" = the main list (open and in progress); "open" / "in_progress" filter it;
    "closed" is the archive. Most recent activity first; `limit`: only the first so many."""
    with session_scope() as session:
        query = select(Ticket).where(Ticket.user_id == user_id)
        if status == TicketStatus.CLOSED:
            query = query.where(Ticket.status == TicketStatus.CLOSED).order_by(
                col(Ticket.closed_at).desc(), col(Ticket.id).desc())
        else:
            wanted = (status,) if status in ACTIVE_STATUSES else ACTIVE_STATUSES
            query = query.where(col(Ticket.status).in_(wanted)).order_by(
                col(Ticket.last_activity_at).desc(), col(Ticket.id).desc())
        return [summary_of(ticket) for ticket in session.exec(query.limit(limit)).all()]


def count_active_tickets(*, user_id: int) -> int:
    with session_scope() as session:
        return int(session.exec(
            select(func.count()).select_from(Ticket)
            .where(Ticket.user_id == user_id, col(Ticket.status).in_(ACTIVE_STATUSES))
        ).one())


def ticket_thread(*, ticket_id: object, user_id: int) -> TicketThread:
    with session_scope() as session:
        ticket = _owned_ticket(session, ticket_id=ticket_id, user_id=user_id)
        return thread_of(session, ticket)


def reply_to_ticket(*, ticket_id: object, user_id: int, text: object,
                    files: Sequence[IncomingFile] = ()) -> int:
    """The customer's reply; support is told by email. A closed ticket takes no replies."""
    body, images = validate_reply(text, files)
    with unit_with_files() as (session, written):
        ticket = _owned_ticket(session, ticket_id=ticket_id, user_id=user_id, lock=True)
        if ticket.status == TicketStatus.CLOSED:
            raise DomainError("ticket_closed",
                              "Тикет закрыт и перемещён в архив. Создайте новый тикет, если вопрос остался.")
        customer = session.get(User, user_id)
        if customer is None:
            raise NotFound("Клиент не найден")
        message = post_message(session, ticket, author_id=user_id, is_staff=False, body=body,
                               images=images, written=written)
        notify_support(session, ticket, customer=customer, text=body, is_reply=True,
                       message_id=pk(message))
        return pk(message)


def archive_ticket(*, ticket_id: object, user_id: int) -> bool:
    """Close the customer's ticket (it moves to the archive). False if it was closed already."""
    with session_scope() as session:
        ticket = _owned_ticket(session, ticket_id=ticket_id, user_id=user_id, lock=True)
        if ticket.status == TicketStatus.CLOSED:
            return False
        now = utcnow()
        ticket.status = TicketStatus.CLOSED
        ticket.closed_at = now
        ticket.last_activity_at = now
        session.add(ticket)
        return True


def tickets_after(*, user_id: int, status: str = "", archived: bool = False,
                  limit: int = cursors.DEFAULT_LIMIT, cursor: str = "") -> tuple[list[TicketSummary], str | None]:
    """Keyset page for the REST API, most recent activity first: the main list (open and in
    progress, or one of them by `status`) or the archive (`archived` or status "closed")."""
    limit = cursors.check_limit(limit)
    if status and status not in TICKET_STATUSES:
        raise DomainError("invalid_status", "Статус: open, in_progress или closed", field="status")
    wanted = (TicketStatus.CLOSED,) if archived or status == TicketStatus.CLOSED else ((status,) if status else ACTIVE_STATUSES)
    after = cursors.after_cursor(Ticket.last_activity_at, Ticket.id, cursors.decode_cursor(cursor))
    with session_scope() as session:
        rows = session.exec(
            select(Ticket).where(Ticket.user_id == user_id, col(Ticket.status).in_(wanted), *after)
            .order_by(col(Ticket.last_activity_at).desc(), col(Ticket.id).desc()).limit(limit + 1)
        ).all()
    page = [summary_of(ticket) for ticket in rows[:limit]]
    more = len(rows) > limit
    return page, cursors.encode_cursor(page[-1].last_activity_at, page[-1].id) if more else None
