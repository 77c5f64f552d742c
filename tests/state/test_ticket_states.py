"""Ticket state handlers called the way Reflex calls them: uploads arrive as rx.UploadFile,
crafted events may send anything, and results land in display-only vars."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import Ticket, TicketAttachment
from ispgo_portal.services.support import tickets
from tests.images import image_bytes
from tests.state.harness import call, make_state

FORM = {"category": "license", "subject": "Ключ не активируется",
        "description": "Панель пишет, что ключ недействителен.", "priority": "low"}


def _upload(name: str, data: bytes):
    import reflex as rx

    return rx.UploadFile(file=io.BytesIO(data), path=Path(name), size=len(data))


def _tickets() -> list[Ticket]:
    with session_scope() as session:
        return list(session.exec(select(Ticket)).all())


@pytest.fixture
def customer_token(make_customer, session_token: Callable[[int], str]) -> str:
    return session_token(make_customer(email="lena@example.ru"))


def test_submit_ticket_stores_uploaded_screenshots(customer_token: str) -> None:
    from ispgo_portal.state.tickets import NewTicketState

    state = make_state(NewTicketState, customer_token)
    call(state, "submit_ticket", FORM, [_upload("one.png", image_bytes("png")), _upload("two.gif", image_bytes("gif"))])
    [ticket] = _tickets()
    assert (ticket.category, ticket.priority, ticket.subject) == ("license", "low", "Ключ не активируется")
    with session_scope() as session:
        names = session.exec(select(TicketAttachment.filename).order_by(TicketAttachment.id)).all()
    assert names == ["one.png", "two.gif"]
    assert state.form_open is False


def test_submit_ticket_shows_field_errors_and_creates_nothing(customer_token: str) -> None:
    from ispgo_portal.state.tickets import NewTicketState

    state = make_state(NewTicketState, customer_token)
    call(state, "submit_ticket", {**FORM, "subject": "a", "priority": "x"},
          [_upload("notes.png", b"plain text pretending to be a picture")])
    assert state.err_subject == "Тема должна быть от 3 до 200 символов"
    assert state.err_priority.startswith("Выберите приоритет")
    assert "не является изображением" in state.err_files
    assert (state.err_category, state.err_description) == ("", "")
    assert _tickets() == []


@pytest.mark.parametrize("form, files", [("1", "x"), ({}, {}), (FORM, ["x"]), (FORM, [{}]), (FORM, [None] * 9)])
def test_submit_ticket_survives_garbage(customer_token: str, form: object, files: object) -> None:
    from ispgo_portal.state.tickets import NewTicketState

    state = make_state(NewTicketState, customer_token)
    call(state, "submit_ticket", form, files)
    assert _tickets() == []


def test_too_many_uploads_are_refused_without_reading_them_all(customer_token: str) -> None:
    from ispgo_portal.state.tickets import NewTicketState

    state = make_state(NewTicketState, customer_token)
    call(state, "submit_ticket", FORM, [_upload(f"{i}.png", image_bytes("png")) for i in range(20)])
    assert state.err_files == "Можно приложить не больше 5 скриншотов"
    assert _tickets() == []


def test_ticket_list_filters_and_archive_tab(make_customer, session_token: Callable[[int], str]) -> None:
    from ispgo_portal.state.tickets import TicketsState

    user = make_customer()
    kept = tickets.create_ticket(user_id=user, files=[], **FORM)
    closed = tickets.create_ticket(user_id=user, files=[], **{**FORM, "subject": "Закрытый вопрос"})
    tickets.archive_ticket(ticket_id=closed, user_id=user)
    state = make_state(TicketsState, session_token(user))
    call(state, "load_tickets")
    assert [r.id for r in state.rows] == [kept]
    assert state.rows[0].status_label == "Открыт — ожидает ответа поддержки"
    call(state, "filter_status", "in_progress")
    assert state.rows == []
    call(state, "filter_status", "garbage")
    assert (state.status, [r.id for r in state.rows]) == ("all", [kept])
    call(state, "show_view", "archive")
    assert [(r.id, r.status_label) for r in state.rows] == [(closed, "Закрыт")]


def test_admin_queue_filters_and_reset(make_customer, make_admin, session_token: Callable[[int], str]) -> None:
    from ispgo_portal.state.admin_tickets import AdminTicketsState

    user = make_customer(email="queue@example.ru")
    billing = tickets.create_ticket(user_id=user, files=[], **{**FORM, "category": "billing"})
    other = tickets.create_ticket(user_id=user, files=[], **FORM)
    state = make_state(AdminTicketsState, session_token(make_admin()))
    call(state, "apply_filters", {"status": "active", "category": "billing", "priority": "any",
                                   "customer": "QUEUE@", "search": ""})
    assert [r.id for r in state.rows] == [billing]
    assert state.rows[0].customer_email == "queue@example.ru"
    call(state, "reset_filters")
    assert sorted(r.id for r in state.rows) == sorted([billing, other])
    assert state.category == "any"


def test_customer_gets_nothing_from_admin_queue(customer_token: str) -> None:
    from ispgo_portal.state.admin_tickets import AdminTicketsState

    tickets_before = _tickets()
    state = make_state(AdminTicketsState, customer_token)
    call(state, "load_queue")
    call(state, "reset_filters")
    assert (state.rows, state.loaded) == ([], False)
    assert _tickets() == tickets_before


def test_customer_and_support_pages_show_a_ticket_alike(make_customer, make_admin,
                                                        session_token: Callable[[int], str]) -> None:
    from ispgo_portal.services.support import queue
    from ispgo_portal.state.admin_tickets import AdminTicketViewState
    from ispgo_portal.state.ticket_thread import TicketThreadState
    from ispgo_portal.state.tickets import TicketViewState

    user, admin = make_customer(email="thread@example.ru"), make_admin()
    ticket_id = tickets.create_ticket(user_id=user, files=[], **FORM)
    queue.reply_as_support(ticket_id=ticket_id, admin_id=admin, text="Проверьте ключ ещё раз", files=[])
    mine = make_state(TicketViewState, session_token(user), url=f"/tickets/{ticket_id}")
    support = make_state(AdminTicketViewState, session_token(admin), url=f"/admin/tickets/{ticket_id}")
    call(mine, "load_ticket")
    call(support, "load_admin_ticket")
    shared = [name for name in TicketThreadState.__own_fields__ if not name.startswith("_")]
    assert {n: getattr(mine, n) for n in shared} == {n: getattr(support, n) for n in shared}
    assert (mine.found, mine.number, mine.subject) == (True, ticket_id, FORM["subject"])
    assert [m.body for m in mine.messages] == [FORM["description"], "Проверьте ключ ещё раз"]
    assert support.customer_email == "thread@example.ru"

    for state, handler, path in ((mine, "load_ticket", "/tickets/999999"),
                                 (support, "load_admin_ticket", "/admin/tickets/999999")):
        state.router_data = {**state.router_data, "pathname": path, "asPath": path}
        state.router = type(state.router).from_router_data(state.router_data)
        assert call(state, handler) is None  # a missing ticket: said on the page, no toast
        assert (state.loaded, state.found, state.number, state.messages) == (True, False, 0, [])


def test_dashboard_shows_own_open_tickets_and_the_queue_only_to_admins(make_customer, make_admin,
                                                                        session_token) -> None:
    from ispgo_portal.state.dashboard import DashboardState

    owner, other, admin = make_customer(), make_customer(), make_admin()
    for n in range(4):
        tickets.create_ticket(user_id=owner, category="billing", subject=f"Вопрос {n}",
                              description="Подробное описание вопроса", priority="medium")
    tickets.create_ticket(user_id=other, category="billing", subject="Чужой вопрос",
                          description="Подробное описание вопроса", priority="medium")

    mine = make_state(DashboardState, session_token(owner))
    call(mine, "load_dashboard")
    assert mine.tickets_active == 4 and len(mine.recent_tickets) == 3
    assert "Чужой вопрос" not in {row.subject for row in mine.recent_tickets}
    assert (mine.show_queue, mine.queue_active) == (False, 0)

    console = make_state(DashboardState, session_token(admin))
    call(console, "load_dashboard")
    assert (console.show_queue, console.queue_active, console.queue_waiting) == (True, 5, 5)
    assert console.show_first_step is False
