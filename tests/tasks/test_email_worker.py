"""Emails through a real Celery worker: SMTP outages, broker outages, the periodic flush."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import OutboxEmail
from ispgo_portal.services.mail.notifications import queue_email
from ispgo_portal.tasks.email import flush_outbox
from tests.tasks.conftest import TASKS_REDIS_URL, point_celery_at, wait_until
from tests.tasks.smtp_sink import SmtpSink, free_port, text_part


def _queue_welcome(to: str = "ivan@example.ru", name: str = "Иван") -> int:
    with session_scope() as session:
        email_id = queue_email(session, template="welcome", to=to, context={"name": name},
                            dedupe_key=f"test-welcome:{to}")
    assert email_id is not None
    return email_id


def _row(email_id: int) -> OutboxEmail:
    with session_scope() as session:
        return session.get(OutboxEmail, email_id)


def test_email_queued_after_commit_is_delivered_by_the_worker(smtp_sink, start_worker) -> None:
    start_worker(smtp_port=smtp_sink.port)
    email_id = _queue_welcome(name="Мария")
    [message] = smtp_sink.wait_for(1, to="ivan@example.ru")
    assert "Здравствуйте, Мария!" in text_part(message)
    wait_until(lambda: _row(email_id).status == "sent", what="the row marked sent")


def test_email_arrives_once_after_smtp_outage(start_worker) -> None:
    port = free_port()  # nobody listens yet: SMTP is down
    start_worker(smtp_port=port)
    email_id = _queue_welcome()
    wait_until(lambda: _row(email_id).attempts >= 2, what="two failed attempts")
    assert _row(email_id).status == "pending"
    sink = SmtpSink(port=port).start()
    try:
        sink.wait_for(1, to="ivan@example.ru")
        wait_until(lambda: _row(email_id).status == "sent", what="the row marked sent")
        row = _row(email_id)
        assert row.attempts >= 3
        assert row.last_error == ""
        assert len(sink.received()) == 1
    finally:
        sink.stop()


def test_email_survives_broker_outage_and_flush_sends_it(smtp_sink, start_worker) -> None:
    start_worker(smtp_port=smtp_sink.port)
    point_celery_at(f"redis://127.0.0.1:{free_port()}/0")  # the broker is down at commit time
    try:
        email_id = _queue_welcome()
    finally:
        point_celery_at(TASKS_REDIS_URL)
    assert (_row(email_id).status, _row(email_id).attempts) == ("pending", 0)
    _age_rows(minutes=5)  # past the grace the flush leaves to an email's own task
    flush_outbox.delay()
    smtp_sink.wait_for(1, to="ivan@example.ru")
    wait_until(lambda: _row(email_id).status == "sent", what="the row marked sent")
    assert len(smtp_sink.received()) == 1


def test_rolled_back_operation_sends_nothing(smtp_sink, start_worker) -> None:
    start_worker(smtp_port=smtp_sink.port)
    try:
        with session_scope() as session:
            queue_email(session, template="welcome", to="ghost@example.ru", context={"name": "Призрак"})
            raise RuntimeError("the business operation fails after queueing")
    except RuntimeError:
        pass
    _queue_welcome(to="real@example.ru")
    smtp_sink.wait_for(1, to="real@example.ru")
    assert smtp_sink.received(to="ghost@example.ru") == []


def _age_rows(minutes: int) -> None:
    with session_scope() as session:
        for row in session.exec(select(OutboxEmail)).all():
            row.created_at = utcnow() - timedelta(minutes=minutes)
