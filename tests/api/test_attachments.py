"""Ownership of tickets and their screenshots: customer B can neither read, reply to, archive
nor fetch anything of customer A's ticket — through the services, the state handlers or the
attachment URL. The owner and admins can fetch the file, with safe headers."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import pytest
from sqlmodel import select
from starlette.applications import Starlette

from ispgo_portal.api import attachments as attachments_api
from ispgo_portal.api.app import ROUTE_MODULES
from ispgo_portal.db import session_scope
from ispgo_portal.models import Ticket, TicketAttachment, TicketMessage
from ispgo_portal.services.errors import NotFound
from ispgo_portal.services.support import tickets
from ispgo_portal.services.support.attachments import IncomingFile, attachment_for_viewer
from tests.images import image_bytes
from tests.state.harness import call, make_state

PNG = image_bytes("png")


with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx versions, not about us
    from starlette.testclient import TestClient


@pytest.fixture
def client() -> TestClient:
    return TestClient(Starlette(routes=attachments_api.routes), base_url="http://localhost:3000")


def test_attachment_routes_are_mounted_in_the_portal_api() -> None:
    assert attachments_api in ROUTE_MODULES
    assert [r.path for r in attachments_api.routes] == ["/api/attachments/{attachment_id:int}"]


@pytest.fixture
def owner(make_customer) -> int:
    return make_customer(email="anna@example.ru", name="Анна")


@pytest.fixture
def stranger(make_customer) -> int:
    return make_customer(email="boris@example.ru", name="Борис")


@pytest.fixture
def ticket_of_owner(owner: int) -> tuple[int, int]:
    """(ticket id, attachment id) of Анна's ticket with one screenshot."""
    ticket_id = tickets.create_ticket(
        user_id=owner, category="billing", subject="Секретная тема Анны",
        description="Номер карты и прочие подробности", priority="medium",
        files=[IncomingFile("Мой экран <x>.png", PNG)],
    )
    with session_scope() as session:
        attachment_id = session.exec(
            select(TicketAttachment.id).where(TicketAttachment.ticket_id == ticket_id)).one()
    return ticket_id, attachment_id


def _fetch(client: TestClient, attachment_id: int, token: str = ""):
    client.cookies.clear()
    if token:
        client.cookies.set("ispgo_session", token)
    return client.get(f"/api/attachments/{attachment_id}")


def _state_of(ticket_id: int) -> tuple[str, int, int]:
    with session_scope() as session:
        ticket = session.get(Ticket, ticket_id)
        messages = len(session.exec(select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)).all())
        return ticket.status, ticket.replies_count, messages


# --- services ----------------------------------------------------------------------------

def test_stranger_cannot_read_the_ticket(stranger: int, ticket_of_owner: tuple[int, int]) -> None:
    with pytest.raises(NotFound):
        tickets.ticket_thread(ticket_id=ticket_of_owner[0], user_id=stranger)


def test_stranger_does_not_see_the_ticket_in_any_list(stranger: int, ticket_of_owner: tuple[int, int]) -> None:
    assert tickets.list_tickets(user_id=stranger) == []
    assert tickets.list_tickets(user_id=stranger, status="closed") == []


def test_stranger_cannot_reply(stranger: int, ticket_of_owner: tuple[int, int]) -> None:
    with pytest.raises(NotFound):
        tickets.reply_to_ticket(ticket_id=ticket_of_owner[0], user_id=stranger, text="Я не Анна")
    assert _state_of(ticket_of_owner[0]) == ("open", 0, 1)


def test_stranger_cannot_archive(stranger: int, ticket_of_owner: tuple[int, int]) -> None:
    with pytest.raises(NotFound):
        tickets.archive_ticket(ticket_id=ticket_of_owner[0], user_id=stranger)
    assert _state_of(ticket_of_owner[0]) == ("open", 0, 1)


def test_someone_elses_ticket_answers_like_a_missing_one(stranger: int, ticket_of_owner: tuple[int, int]) -> None:
    with pytest.raises(NotFound) as foreign:
        tickets.ticket_thread(ticket_id=ticket_of_owner[0], user_id=stranger)
    with pytest.raises(NotFound) as missing:
        tickets.ticket_thread(ticket_id=ticket_of_owner[0] + 100, user_id=stranger)
    assert foreign.value.message == missing.value.message


def test_stranger_cannot_open_the_attachment(stranger: int, ticket_of_owner: tuple[int, int]) -> None:
    with pytest.raises(NotFound):
        attachment_for_viewer(attachment_id=ticket_of_owner[1], viewer_id=stranger)


# --- state handlers (what a crafted websocket event reaches) ------------------------------

def _ticket_view_state(token: str, ticket_id: int):
    from ispgo_portal.state.tickets import TicketViewState

    state = make_state(TicketViewState, token)
    state._ticket_id = ticket_id  # as if the stranger had opened /tickets/<Анна's id>
    return state


def test_stranger_handlers_change_and_reveal_nothing(stranger: int, ticket_of_owner: tuple[int, int],
                                                     session_token: Callable[[int], str]) -> None:
    ticket_id = ticket_of_owner[0]
    state = _ticket_view_state(session_token(stranger), ticket_id)
    call(state, "send_reply", {"text": "Ответ злоумышленника"}, [])
    call(state, "archive_current")
    assert _state_of(ticket_id) == ("open", 0, 1)
    assert state.found is False
    assert "Секретная тема Анны" not in repr(state.dict())


def test_owner_handler_replies_through_the_same_path(owner: int, ticket_of_owner: tuple[int, int],
                                                     session_token: Callable[[int], str]) -> None:
    state = _ticket_view_state(session_token(owner), ticket_of_owner[0])
    call(state, "send_reply", {"text": "Дополнение"}, [])
    assert _state_of(ticket_of_owner[0]) == ("open", 1, 2)
    assert state.subject == "Секретная тема Анны"


# --- the URL -----------------------------------------------------------------------------

def test_owner_fetches_the_image_with_safe_headers(client: TestClient, owner: int,
                                                   ticket_of_owner: tuple[int, int],
                                                   session_token: Callable[[int], str]) -> None:
    response = _fetch(client, ticket_of_owner[1], session_token(owner))
    assert response.status_code == 200
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"].startswith("private")
    # the uploaded name "Мой экран <x>.png" is reduced to harmless characters
    assert response.headers["content-disposition"] == (
        "inline; filename=\"x.png\"; filename*=UTF-8''%D0%9C%D0%BE%D0%B9%20%D1%8D%D0%BA%D1%80%D0%B0%D0%BD%20x.png")


def test_admin_fetches_the_image(client: TestClient, make_admin, ticket_of_owner: tuple[int, int],
                                 session_token: Callable[[int], str]) -> None:
    response = _fetch(client, ticket_of_owner[1], session_token(make_admin()))
    assert (response.status_code, response.content) == (200, PNG)


def test_stranger_gets_404_for_the_image(client: TestClient, stranger: int, ticket_of_owner: tuple[int, int],
                                         session_token: Callable[[int], str]) -> None:
    response = _fetch(client, ticket_of_owner[1], session_token(stranger))
    assert response.status_code == 404
    assert PNG not in response.content


@pytest.mark.parametrize("token", ["", "forged-token-" + "x" * 30])
def test_anonymous_gets_404_for_the_image(client: TestClient, ticket_of_owner: tuple[int, int], token: str) -> None:
    assert _fetch(client, ticket_of_owner[1], token).status_code == 404


def test_guessed_ids_get_404(client: TestClient, owner: int, ticket_of_owner: tuple[int, int],
                             session_token: Callable[[int], str]) -> None:
    token = session_token(owner)
    assert _fetch(client, ticket_of_owner[1] + 1, token).status_code == 404
    assert _fetch(client, 0, token).status_code == 404
    client.cookies.set("ispgo_session", token)
    assert client.get("/api/attachments/..%2F..%2Fportal.db").status_code == 404


def test_blocked_owner_gets_404(client: TestClient, owner: int, ticket_of_owner: tuple[int, int],
                                session_token: Callable[[int], str]) -> None:
    from ispgo_portal.models import User

    token = session_token(owner)
    with session_scope() as session:
        user = session.get(User, owner)
        user.is_blocked = True
        session.add(user)
    assert _fetch(client, ticket_of_owner[1], token).status_code == 404


def test_stored_file_is_outside_public_folders(ticket_of_owner: tuple[int, int], owner: int) -> None:
    from ispgo_portal.settings import PROJECT_ROOT

    stored = attachment_for_viewer(attachment_id=ticket_of_owner[1], viewer_id=owner)
    for public in (PROJECT_ROOT / "assets", PROJECT_ROOT / ".web", PROJECT_ROOT / "uploaded_files"):
        assert not stored.path.resolve().is_relative_to(public.resolve())
