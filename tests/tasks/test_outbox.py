"""Outbox delivery against a real SMTP server on loopback (in this process, no worker)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import get_engine, session_scope
from ispgo_portal.models import AuditLog, OutboxEmail
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.mail import outbox
from ispgo_portal.services.mail.mailer import MailError
from ispgo_portal.services.mail.notifications import render_email
from tests.tasks.smtp_sink import free_port, html_part, text_part


def _outbox_row(*, to: str = "ivan@example.ru", name: str = "Иван", age: timedelta = timedelta(0),
                status: str = "pending") -> int:
    subject, body, html = render_email("welcome", {"name": name})
    with session_scope() as session:
        row = OutboxEmail(recipient=to, subject=subject, body_text=body, body_html=html, template="welcome",
                          status=status, created_at=utcnow() - age)
        session.add(row)
        session.flush()
        return row.id


def _row(email_id: int) -> OutboxEmail:
    with session_scope() as session:
        return session.get(OutboxEmail, email_id)


def test_send_delivers_multipart_text_and_html(smtp_sink, use_smtp) -> None:
    use_smtp(smtp_sink.port)
    email_id = _outbox_row(name="Иван Петров")
    assert outbox.send_outbox_email(email_id=email_id) == outbox.SENT
    [message] = smtp_sink.wait_for(1, to="ivan@example.ru")
    assert str(message["Subject"]) == "Добро пожаловать в ISPGo"
    assert "Иван Петров" in text_part(message)
    assert 'href="http://localhost:3000/dashboard"' in html_part(message)
    assert message["Message-ID"] == f"<outbox-{email_id}@ispgo.local>"
    row = _row(email_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
    assert row.sent_at is not None


def test_send_without_smtp_leaves_email_pending_for_the_admin() -> None:
    email_id = _outbox_row()
    assert outbox.send_outbox_email(email_id=email_id) == outbox.NOT_CONFIGURED
    row = _row(email_id)
    assert (row.status, row.attempts) == ("pending", 0)


def test_send_keeps_email_pending_and_counts_attempt_when_smtp_is_down(use_smtp) -> None:
    use_smtp(free_port())  # nothing listens there
    email_id = _outbox_row()
    with pytest.raises(MailError) as err:
        outbox.send_outbox_email(email_id=email_id)
    assert not err.value.permanent
    row = _row(email_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error


def test_send_marks_failed_when_server_refuses_for_good(smtp_sink, use_smtp) -> None:
    use_smtp(smtp_sink.port)
    smtp_sink.reject_with = "550 5.1.1 Mailbox does not exist"
    email_id = _outbox_row()
    assert outbox.send_outbox_email(email_id=email_id) == outbox.FAILED
    row = _row(email_id)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "550" in row.last_error


def test_sent_email_is_not_sent_again(smtp_sink, use_smtp) -> None:
    use_smtp(smtp_sink.port)
    email_id = _outbox_row()
    outbox.send_outbox_email(email_id=email_id)
    assert outbox.send_outbox_email(email_id=email_id) == outbox.SKIPPED
    assert len(smtp_sink.received()) == 1
    assert _row(email_id).attempts == 1


def test_email_held_by_another_sender_is_skipped(smtp_sink, use_smtp) -> None:
    use_smtp(smtp_sink.port)
    email_id = _outbox_row()
    with get_engine().connect() as other:
        other.execute(text("SELECT id FROM outbox_emails WHERE id = :id FOR UPDATE"), {"id": email_id})
        assert outbox.send_outbox_email(email_id=email_id) == outbox.SKIPPED
        other.rollback()
    assert smtp_sink.received() == []
    assert outbox.send_outbox_email(email_id=email_id) == outbox.SENT


def test_flush_sends_pending_emails_older_than_the_grace_period(smtp_sink, use_smtp) -> None:
    use_smtp(smtp_sink.port)
    old_id = _outbox_row(to="old@example.ru", age=timedelta(minutes=10))
    fresh_id = _outbox_row(to="fresh@example.ru")
    result = outbox.send_pending()
    assert result.sent == 1
    assert [m["To"] for m in smtp_sink.received()] == ["old@example.ru"]
    assert (_row(old_id).status, _row(fresh_id).status) == ("sent", "pending")


def test_flush_with_ids_sends_exactly_those_emails_at_once(smtp_sink, use_smtp) -> None:
    use_smtp(smtp_sink.port)
    handed_over = [_outbox_row(to=f"renewed{i}@example.ru") for i in range(3)]
    _outbox_row(to="other@example.ru")
    result = outbox.send_pending(email_ids=handed_over + [handed_over[0]])
    assert result.sent == 3
    assert sorted(m["To"] for m in smtp_sink.received()) == [f"renewed{i}@example.ru" for i in range(3)]


def test_flush_stops_at_the_first_transient_failure(use_smtp) -> None:
    use_smtp(free_port())
    ids = [_outbox_row(to=f"c{i}@example.ru", age=timedelta(minutes=5)) for i in range(3)]
    result = outbox.send_pending()
    assert (result.sent, result.deferred) == (0, 3)
    assert [_row(i).attempts for i in ids] == [1, 0, 0]


def test_flush_tries_least_attempted_first(smtp_sink, use_smtp) -> None:
    use_smtp(smtp_sink.port)
    stubborn = _outbox_row(to="stubborn@example.ru", age=timedelta(minutes=5))
    with session_scope() as session:
        session.get(OutboxEmail, stubborn).attempts = 7
    _outbox_row(to="new@example.ru", age=timedelta(minutes=5))
    outbox.send_pending(limit=1)
    assert [m["To"] for m in smtp_sink.received()] == ["new@example.ru"]


def test_resend_returns_failed_email_to_the_queue_and_audits(make_admin, broker) -> None:
    admin_id = make_admin()
    email_id = _outbox_row(status="failed")
    outbox.resend_outbox_email(admin_id=admin_id, email_id=email_id)
    assert _row(email_id).status == "pending"
    with session_scope() as session:
        audit = session.exec(select(AuditLog).where(AuditLog.action == "outbox.resend")).one()
    assert (audit.admin_id, audit.target_id) == (admin_id, email_id)


def test_resend_refused_to_a_customer(make_customer) -> None:
    email_id = _outbox_row(status="failed")
    with pytest.raises(DomainError):
        outbox.resend_outbox_email(admin_id=make_customer(), email_id=email_id)
    assert _row(email_id).status == "failed"


def test_resend_refuses_an_email_already_sent(make_admin) -> None:
    email_id = _outbox_row(status="sent")
    with pytest.raises(DomainError) as err:
        outbox.resend_outbox_email(admin_id=make_admin(), email_id=email_id)
    assert err.value.code == "already_sent"


def test_list_filters_by_status_and_search(make_admin) -> None:
    admin_id = make_admin()
    _outbox_row(to="anna@example.ru")
    _outbox_row(to="boris@example.ru", status="failed")
    _outbox_row(to="vera@example.ru", status="sent")
    page = outbox.list_outbox(admin_id=admin_id, status="failed")
    assert [r["recipient"] for r in page.rows] == ["boris@example.ru"]
    assert page.counts == {"pending": 1, "sent": 1, "failed": 1}
    assert [r["recipient"] for r in outbox.list_outbox(admin_id=admin_id, search="ANNA").rows] == ["anna@example.ru"]
    assert outbox.list_outbox(admin_id=admin_id, status="bogus").total == 3


def test_open_email_shows_its_text(make_admin) -> None:
    admin_id = make_admin()
    email_id = _outbox_row(name="Зоя")
    detail = outbox.get_outbox_email(admin_id=admin_id, email_id=email_id)
    assert "Зоя" in str(detail["body_text"])
    with pytest.raises(DomainError):
        outbox.get_outbox_email(admin_id=admin_id, email_id=email_id + 1000)


def test_outbox_is_for_admins_only(make_customer) -> None:
    customer_id = make_customer()
    email_id = _outbox_row()
    with pytest.raises(DomainError):
        outbox.list_outbox(admin_id=customer_id)
    with pytest.raises(DomainError):
        outbox.get_outbox_email(admin_id=customer_id, email_id=email_id)
