"""Tickets: validation of every field and of screenshots, statuses, reply counts, the archive,
the support queue and the emails (the customer's over a real SMTP server on loopback)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import AuditLog, OutboxEmail, Ticket, TicketAttachment
from ispgo_portal.services.errors import AccessDenied, DomainError, NotFound
from ispgo_portal.services.mail import outbox
from ispgo_portal.services.support import queue as ticket_queue
from ispgo_portal.services.support import tickets
from ispgo_portal.services.support.attachments import MAX_FILE_BYTES, IncomingFile, attachments_dir
from ispgo_portal.services.support.queue import QueueFilters
from ispgo_portal.services.support.tickets import TicketFormError
from ispgo_portal.settings import get_settings
from tests.images import image_bytes, noisy_png
from tests.tasks.smtp_sink import SmtpSink, html_part, text_part

GOOD = {"category": "technical", "subject": "Не открывается панель",
        "description": "После обновления панель отвечает ошибкой 502.", "priority": "high"}


def _create(user_id: int, files: list[IncomingFile] | None = None, **changes: object) -> int:
    return tickets.create_ticket(user_id=user_id, files=files or [], **{**GOOD, **changes})


def _form_errors(user_id: int, files: list[IncomingFile] | None = None, **changes: object) -> dict[str, str]:
    with pytest.raises(TicketFormError) as err:
        _create(user_id, files, **changes)
    return err.value.errors


def _ticket(ticket_id: int) -> Ticket:
    with session_scope() as session:
        return session.get(Ticket, ticket_id)


def _outbox(template: str) -> list[OutboxEmail]:
    with session_scope() as session:
        return list(session.exec(select(OutboxEmail).where(OutboxEmail.template == template)
                                 .order_by(OutboxEmail.id)).all())


def _stored_files() -> list[Path]:
    folder = attachments_dir()
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture(autouse=True)
def empty_attachment_folder() -> Iterator[None]:
    for path in _stored_files():
        path.unlink()
    yield


@pytest.fixture
def customer(make_customer) -> int:
    return make_customer(email="ivan@example.ru", name="Иван")


@pytest.fixture
def admin(make_admin) -> int:
    return make_admin(email="support-admin@ispgo.local")


# --- validation of every field ---------------------------------------------------------

@pytest.mark.parametrize("category", ["", "Техническая", "billingx", None, 5])
def test_create_refuses_unknown_category(customer: int, category: object) -> None:
    assert set(_form_errors(customer, category=category)) == {"category"}


@pytest.mark.parametrize("subject", ["", "ab", "  ab  ", "x" * 201])
def test_create_refuses_subject_outside_3_to_200(customer: int, subject: str) -> None:
    assert _form_errors(customer, subject=subject) == {"subject": "Тема должна быть от 3 до 200 символов"}


@pytest.mark.parametrize("subject", ["abc", "я" * 200])
def test_create_accepts_subject_at_the_limits(customer: int, subject: str) -> None:
    assert _ticket(_create(customer, subject=subject)).subject == subject


@pytest.mark.parametrize("description", ["", "123456789", " " * 50, "x" * 10_001])
def test_create_refuses_description_outside_10_to_10000(customer: int, description: str) -> None:
    assert _form_errors(customer, description=description) == {
        "description": "Описание должно быть от 10 до 10 000 символов"}


def test_create_accepts_description_of_10000_characters(customer: int) -> None:
    ticket_id = _create(customer, description="д" * 10_000)
    thread = tickets.ticket_thread(ticket_id=ticket_id, user_id=customer)
    assert len(thread.messages[0].body) == 10_000


@pytest.mark.parametrize("priority", ["", "urgent", "Высокий", None])
def test_create_refuses_unknown_priority(customer: int, priority: object) -> None:
    assert set(_form_errors(customer, priority=priority)) == {"priority"}


def test_create_reports_every_bad_field_at_once(customer: int) -> None:
    errors = _form_errors(customer, [IncomingFile("a.png", b"")], category="x", subject="a",
                          description="short", priority="x")
    assert set(errors) == {"category", "subject", "description", "priority", "files"}


def test_create_with_bad_input_creates_nothing(customer: int) -> None:
    _form_errors(customer, [IncomingFile("ok.png", image_bytes("png"))], subject="a")
    with session_scope() as session:
        assert session.exec(select(Ticket)).all() == []
        assert session.exec(select(OutboxEmail)).all() == []
    assert _stored_files() == []


def test_create_keeps_line_breaks_and_drops_control_characters(customer: int) -> None:
    ticket_id = _create(customer, subject="Тема\x00 с\nпереносом", description="Строка 1\r\nСтрока 2\x00\x07 <b>x</b>")
    thread = tickets.ticket_thread(ticket_id=ticket_id, user_id=customer)
    assert thread.ticket.subject == "Тема с переносом"
    assert thread.messages[0].body == "Строка 1\nСтрока 2 <b>x</b>"


# --- validation of screenshots ----------------------------------------------------------

def test_text_file_renamed_to_png_is_refused(customer: int) -> None:
    errors = _form_errors(customer, [IncomingFile("screenshot.png", b"just some text, not an image" * 10)])
    assert errors == {"files": "Файл «screenshot» не является изображением PNG, JPEG, WebP или GIF"}


def test_file_that_only_starts_like_a_png_is_refused(customer: int) -> None:
    fake = b"\x89PNG\r\n\x1a\n" + b"<script>alert(1)</script>" * 20
    assert set(_form_errors(customer, [IncomingFile("x.png", fake)])) == {"files"}


def test_html_renamed_to_gif_is_refused(customer: int) -> None:
    assert set(_form_errors(customer, [IncomingFile("x.gif", b"<html><script>alert(1)</script></html>")])) == {"files"}


def test_file_over_5_mb_is_refused(customer: int) -> None:
    big = noisy_png(MAX_FILE_BYTES)
    assert _form_errors(customer, [IncomingFile("big.png", big)]) == {"files": "Файл «big» больше 5 МБ"}


def test_six_files_are_refused(customer: int) -> None:
    files = [IncomingFile(f"s{i}.png", image_bytes("png")) for i in range(6)]
    assert _form_errors(customer, files) == {"files": "Можно приложить не больше 5 скриншотов"}


def test_empty_file_is_refused(customer: int) -> None:
    assert _form_errors(customer, [IncomingFile("empty.png", b"")]) == {"files": "Файл «empty» пустой"}


def test_unreadable_upload_is_refused(customer: int) -> None:
    assert set(_form_errors(customer, [IncomingFile("x.png", None)])) == {"files"}


def test_five_images_of_every_type_are_stored_privately_under_random_names(customer: int) -> None:
    kinds = ["png", "jpeg", "webp", "gif", "png"]
    files = [IncomingFile(f"../../Экран {i}.{kind}", image_bytes(kind)) for i, kind in enumerate(kinds)]
    ticket_id = _create(customer, files)
    with session_scope() as session:
        rows = session.exec(select(TicketAttachment).where(TicketAttachment.ticket_id == ticket_id)
                            .order_by(TicketAttachment.id)).all()
    assert [r.content_type for r in rows] == ["image/png", "image/jpeg", "image/webp", "image/gif", "image/png"]
    assert [r.filename for r in rows][:2] == ["Экран 0.png", "Экран 1.jpg"]
    stored = _stored_files()
    assert sorted(p.name for p in stored) == sorted(r.storage_name for r in rows)
    assert all("Экран" not in p.name for p in stored)
    assert stored[0].parent == get_settings().data_dir / "attachments"
    assert all(p.stat().st_mode & 0o077 == 0 for p in stored)
    by_name = {r.storage_name: r for r in rows}
    assert all(p.read_bytes() == files[rows.index(by_name[p.name])].data for p in stored)


def test_wrongly_named_image_is_stored_with_its_real_extension(customer: int) -> None:
    ticket_id = _create(customer, [IncomingFile("photo.png", image_bytes("jpeg"))])
    with session_scope() as session:
        row = session.exec(select(TicketAttachment).where(TicketAttachment.ticket_id == ticket_id)).one()
    assert (row.filename, row.content_type) == ("photo.jpg", "image/jpeg")
    assert row.storage_name.endswith(".jpg")


# --- statuses, reply counts, archive ----------------------------------------------------

def test_new_ticket_is_open_with_no_replies(customer: int) -> None:
    ticket = _ticket(_create(customer))
    assert (ticket.status, ticket.replies_count, ticket.closed_at) == ("open", 0, None)


def test_support_reply_sets_in_progress_and_counts_a_reply(customer: int, admin: int) -> None:
    ticket_id = _create(customer)
    ticket_queue.reply_as_support(ticket_id=ticket_id, admin_id=admin, text="Проверяем")
    ticket = _ticket(ticket_id)
    assert (ticket.status, ticket.replies_count) == ("in_progress", 1)


def test_customer_reply_counts_and_keeps_in_progress(customer: int, admin: int) -> None:
    ticket_id = _create(customer)
    ticket_queue.reply_as_support(ticket_id=ticket_id, admin_id=admin, text="Проверяем")
    tickets.reply_to_ticket(ticket_id=ticket_id, user_id=customer, text="Спасибо, жду")
    ticket = _ticket(ticket_id)
    assert (ticket.status, ticket.replies_count) == ("in_progress", 2)


def test_thread_shows_authors_in_order_with_attachments(customer: int, admin: int) -> None:
    ticket_id = _create(customer)
    ticket_queue.reply_as_support(ticket_id=ticket_id, admin_id=admin, text="Пришлите скриншот")
    tickets.reply_to_ticket(ticket_id=ticket_id, user_id=customer, text="Вот он",
                            files=[IncomingFile("err.webp", image_bytes("webp"))])
    messages = tickets.ticket_thread(ticket_id=ticket_id, user_id=customer).messages
    assert [(m.is_staff, m.author_name) for m in messages] == [(False, "Иван"), (True, "Админ"), (False, "Иван")]
    assert [a.filename for a in messages[2].attachments] == ["err.webp"]


def test_empty_reply_is_refused(customer: int) -> None:
    ticket_id = _create(customer)
    with pytest.raises(TicketFormError) as err:
        tickets.reply_to_ticket(ticket_id=ticket_id, user_id=customer, text="  \n ")
    assert err.value.errors == {"text": "Напишите текст ответа"}
    assert _ticket(ticket_id).replies_count == 0


def test_list_shows_most_recent_activity_first(customer: int) -> None:
    first = _create(customer, subject="Первый")
    second = _create(customer, subject="Второй")
    tickets.reply_to_ticket(ticket_id=first, user_id=customer, text="Дополнение")
    assert [t.id for t in tickets.list_tickets(user_id=customer)] == [first, second]


def test_list_filters_by_status(customer: int, admin: int) -> None:
    waiting = _create(customer)
    answered = _create(customer)
    ticket_queue.reply_as_support(ticket_id=answered, admin_id=admin, text="Ответ")
    assert [t.id for t in tickets.list_tickets(user_id=customer, status="open")] == [waiting]
    assert [t.id for t in tickets.list_tickets(user_id=customer, status="in_progress")] == [answered]


def test_archive_moves_ticket_from_main_list_to_archive(customer: int) -> None:
    kept = _create(customer)
    archived = _create(customer)
    assert tickets.archive_ticket(ticket_id=archived, user_id=customer) is True
    assert [t.id for t in tickets.list_tickets(user_id=customer)] == [kept]
    assert [(t.id, t.status_label) for t in tickets.list_tickets(user_id=customer, status="closed")] == [
        (archived, "Закрыт")]
    assert _ticket(archived).closed_at is not None


def test_archiving_a_closed_ticket_changes_nothing(customer: int) -> None:
    ticket_id = _create(customer)
    tickets.archive_ticket(ticket_id=ticket_id, user_id=customer)
    closed_at = _ticket(ticket_id).closed_at
    assert tickets.archive_ticket(ticket_id=ticket_id, user_id=customer) is False
    assert _ticket(ticket_id).closed_at == closed_at


def test_customer_cannot_reply_to_closed_ticket(customer: int) -> None:
    ticket_id = _create(customer)
    tickets.archive_ticket(ticket_id=ticket_id, user_id=customer)
    with pytest.raises(DomainError) as err:
        tickets.reply_to_ticket(ticket_id=ticket_id, user_id=customer, text="Ещё вопрос")
    assert err.value.code == "ticket_closed"
    assert _ticket(ticket_id).replies_count == 0


def test_support_cannot_reply_to_closed_ticket_until_reopened(customer: int, admin: int) -> None:
    ticket_id = _create(customer)
    ticket_queue.close_ticket(ticket_id=ticket_id, admin_id=admin)
    with pytest.raises(DomainError):
        ticket_queue.reply_as_support(ticket_id=ticket_id, admin_id=admin, text="Ответ")
    assert ticket_queue.set_ticket_status(ticket_id=ticket_id, admin_id=admin, status="in_progress") is True
    ticket_queue.reply_as_support(ticket_id=ticket_id, admin_id=admin, text="Ответ")
    ticket = _ticket(ticket_id)
    assert (ticket.status, ticket.closed_at, ticket.replies_count) == ("in_progress", None, 1)


def test_admin_status_and_priority_changes_are_audited(customer: int, admin: int) -> None:
    ticket_id = _create(customer, priority="low")
    ticket_queue.set_ticket_priority(ticket_id=ticket_id, admin_id=admin, priority="high")
    ticket_queue.set_ticket_status(ticket_id=ticket_id, admin_id=admin, status="closed")
    ticket = _ticket(ticket_id)
    assert (ticket.priority, ticket.status) == ("high", "closed")
    with session_scope() as session:
        actions = session.exec(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["ticket.priority", "ticket.status"]


@pytest.mark.parametrize("status", ["", "archived", None])
def test_unknown_status_is_refused(customer: int, admin: int, status: object) -> None:
    ticket_id = _create(customer)
    with pytest.raises(DomainError):
        ticket_queue.set_ticket_status(ticket_id=ticket_id, admin_id=admin, status=status)
    assert _ticket(ticket_id).status == "open"


def test_customer_cannot_use_support_operations(customer: int) -> None:
    ticket_id = _create(customer)
    with pytest.raises(AccessDenied):
        ticket_queue.reply_as_support(ticket_id=ticket_id, admin_id=customer, text="Я поддержка")
    with pytest.raises(AccessDenied):
        ticket_queue.set_ticket_status(ticket_id=ticket_id, admin_id=customer, status="closed")
    with pytest.raises(AccessDenied):
        ticket_queue.list_queue(admin_id=customer)
    assert (_ticket(ticket_id).status, _ticket(ticket_id).replies_count) == ("open", 0)


# --- the support queue -------------------------------------------------------------------

def test_queue_puts_the_longest_waiting_first_and_answered_last(customer: int, admin: int) -> None:
    oldest = _create(customer, subject="Самый старый")
    second = _create(customer, subject="Второй")
    answered = _create(customer, subject="Отвеченный")
    ticket_queue.reply_as_support(ticket_id=oldest, admin_id=admin, text="Ответ")
    tickets.reply_to_ticket(ticket_id=oldest, user_id=customer, text="Не помогло")
    ticket_queue.reply_as_support(ticket_id=answered, admin_id=admin, text="Ответ")
    rows = ticket_queue.list_queue(admin_id=admin)
    assert [r.id for r in rows] == [second, oldest, answered]
    assert rows[0].waiting_since is not None and rows[2].waiting_since is None
    assert rows[0].customer_email == "ivan@example.ru"


def test_queue_filters_by_status_category_priority_customer_and_text(make_customer, admin: int) -> None:
    ivan = make_customer(email="ivan@example.ru")
    olga = make_customer(email="olga@example.ru")
    tech = _create(ivan, category="technical", priority="high")
    billing = _create(olga, category="billing", priority="low", description="Не прошла оплата картой Мир")
    closed = _create(olga, category="general", subject="Смена email")
    ticket_queue.close_ticket(ticket_id=closed, admin_id=admin)

    def ids(**kw: str) -> list[int]:
        return [r.id for r in ticket_queue.list_queue(admin_id=admin, filters=QueueFilters(**kw))]

    assert sorted(ids()) == [tech, billing]
    assert ids(status="closed") == [closed]
    assert sorted(ids(status="all")) == [tech, billing, closed]
    assert ids(category="billing") == [billing]
    assert ids(priority="high") == [tech]
    assert ids(customer="OLGA@") == [billing]
    assert ids(search="картой мир") == [billing]
    assert ids(search=f"#{tech}") == [tech]
    assert ids(search="%") == []


def test_queue_counts_active_and_waiting(customer: int, admin: int) -> None:
    _create(customer)
    answered = _create(customer)
    closed = _create(customer)
    ticket_queue.reply_as_support(ticket_id=answered, admin_id=admin, text="Ответ")
    tickets.archive_ticket(ticket_id=closed, user_id=customer)
    counts = ticket_queue.queue_counts(admin_id=admin)
    assert (counts.active, counts.waiting) == (2, 1)
    assert tickets.count_active_tickets(user_id=customer) == 2


def test_support_view_shows_customer_balance_and_licenses(make_customer, make_tariff, admin: int) -> None:
    from datetime import timedelta

    from ispgo_portal.clock import utcnow
    from ispgo_portal.models import License

    rich = make_customer(email="rich@example.ru", balance=123_456)
    tariff = make_tariff(name="Бизнес")
    with session_scope() as session:
        session.add(License(user_id=rich, tariff_id=tariff, key="ISPG-AAAA-BBBB-CCCC-DDDD",
                            expires_at=utcnow() + timedelta(days=30)))
    ticket_id = _create(rich)
    view = ticket_queue.support_view(ticket_id=ticket_id, admin_id=admin)
    assert (view.customer.email, view.customer.balance) == ("rich@example.ru", 123_456)
    assert [(lic.key, lic.tariff, lic.status_label) for lic in view.customer.licenses] == [
        ("ISPG-AAAA-BBBB-CCCC-DDDD", "Бизнес", "Активна")]


def test_support_view_of_missing_ticket_is_not_found(admin: int) -> None:
    with pytest.raises(NotFound):
        ticket_queue.support_view(ticket_id=999, admin_id=admin)


# --- emails ------------------------------------------------------------------------------

def test_new_ticket_emails_the_support_address(customer: int) -> None:
    ticket_id = _create(customer, subject="Не открывается панель")
    [email] = _outbox("ticket_new_admin")
    assert email.recipient == "support@ispgo.local"
    assert email.subject == f"Новый тикет №{ticket_id}: Не открывается панель"
    assert "ivan@example.ru" in email.body_text and "Техническая" in email.body_text
    assert "ошибкой 502" in email.body_text


def test_customer_reply_emails_support_as_a_reply(customer: int) -> None:
    ticket_id = _create(customer)
    tickets.reply_to_ticket(ticket_id=ticket_id, user_id=customer, text="Дополнение к вопросу")
    emails = _outbox("ticket_new_admin")
    assert len(emails) == 2
    assert emails[1].subject.startswith(f"Новый ответ клиента в тикете №{ticket_id}")
    assert "Дополнение к вопросу" in emails[1].body_text


def test_without_support_addresses_the_admins_are_emailed(customer: int, admin: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORT_EMAILS", "")
    get_settings.cache_clear()
    try:
        _create(customer)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert [e.recipient for e in _outbox("ticket_new_admin")] == ["support-admin@ispgo.local"]


def test_customer_gets_no_email_for_own_reply(customer: int) -> None:
    ticket_id = _create(customer)
    tickets.reply_to_ticket(ticket_id=ticket_id, user_id=customer, text="Дополнение")
    assert _outbox("ticket_reply") == []


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    saved = {name: os.environ.get(name) for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_TLS")}
    os.environ.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(sink.port), SMTP_TLS="none")
    get_settings.cache_clear()
    yield sink
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    get_settings.cache_clear()
    sink.stop()


def test_support_reply_emails_the_customer_over_smtp(customer: int, admin: int, smtp: SmtpSink) -> None:
    ticket_id = _create(customer, subject="Не открывается панель")
    ticket_queue.reply_as_support(ticket_id=ticket_id, admin_id=admin,
                                  text="Перезапустите службу:\nsystemctl restart ispgo <b>")
    [email] = _outbox("ticket_reply")
    assert outbox.send_outbox_email(email_id=email.id) == outbox.SENT
    [message] = smtp.wait_for(1, to="ivan@example.ru")
    assert str(message["Subject"]) == f"Ответ поддержки по тикету №{ticket_id}: Не открывается панель"
    body = text_part(message)
    assert "Перезапустите службу:\nsystemctl restart ispgo <b>" in body
    assert f"http://localhost:3000/tickets/{ticket_id}" in body
    assert "ispgo &lt;b&gt;" in html_part(message)


def test_every_support_reply_emails_the_customer(customer: int, admin: int) -> None:
    ticket_id = _create(customer)
    ticket_queue.reply_as_support(ticket_id=ticket_id, admin_id=admin, text="Первый ответ")
    ticket_queue.reply_as_support(ticket_id=ticket_id, admin_id=admin, text="Второй ответ")
    emails = _outbox("ticket_reply")
    assert [e.recipient for e in emails] == ["ivan@example.ru", "ivan@example.ru"]
    assert "Второй ответ" in emails[1].body_text


def test_refused_support_reply_sends_no_email(customer: int, admin: int) -> None:
    ticket_id = _create(customer)
    tickets.archive_ticket(ticket_id=ticket_id, user_id=customer)
    with pytest.raises(DomainError):
        ticket_queue.reply_as_support(ticket_id=ticket_id, admin_id=admin, text="Ответ")
    assert _outbox("ticket_reply") == []
