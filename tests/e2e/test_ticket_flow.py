"""Tickets in a real browser: a customer opens a ticket with a screenshot, support answers,
the customer reads the answer and archives the ticket, which then sits in «Архив»."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import OutboxEmail
from tests.images import image_bytes

SUBJECT = "Панель не видит домен"
DESCRIPTION = "Добавил домен example.ru,\nно он не появляется в списке. <b>не жирный</b>"
REPLY = "Проверьте DNS-записи:\nA-запись должна указывать на сервер."


IMAGE_LOADED = ("() => { const i = document.querySelector('.ticket-attachment img');"
                " return !!i && i.complete && i.naturalWidth > 0; }")


def test_ticket_with_screenshot_answered_and_archived(page, browser, portal, login_as, make_customer,
                                                      make_admin, shot) -> None:
    make_customer(email="katya@example.ru", password="password123", name="Катя")
    make_admin(email="boss@ispgo.local", password="admin12345")

    # The customer creates a ticket with a screenshot.
    login_as(page, "katya@example.ru", "password123")
    page.goto("/tickets")
    expect(page.get_by_text("Открытых тикетов нет")).to_be_visible()
    page.click("#new-ticket-button")
    page.click("#ticket-submit")  # empty form: every field explains itself, nothing is created
    expect(page.get_by_text("Тема должна быть от 3 до 200 символов")).to_be_visible()
    expect(page.get_by_text("Выберите категорию: Техническая")).to_be_visible()
    shot(page, "tickets-new-dialog-errors")
    page.click("#ticket-category")
    page.get_by_role("option", name="Техническая").click()
    page.fill("#ticket-subject", SUBJECT)
    page.fill("#ticket-description", DESCRIPTION)
    page.set_input_files("#new-ticket-files input[type=file]",
                         files=[{"name": "screen.png", "mimeType": "image/png", "buffer": image_bytes("png")}])
    expect(page.get_by_text("screen.png")).to_be_visible()
    page.click("#ticket-submit")
    page.wait_for_url(re.compile(r".*/tickets/\d+/?$"))
    ticket_url = page.url
    conversation = page.locator("#ticket-conversation")
    expect(conversation).to_contain_text("Добавил домен example.ru")
    expect(conversation).to_contain_text("<b>не жирный</b>")  # shown as text, not markup
    expect(page.locator("#ticket-conversation b")).to_have_count(0)
    expect(page.locator("#ticket-status")).to_contain_text("Открыт — ожидает ответа поддержки")
    page.wait_for_function(IMAGE_LOADED)
    shot(page, "tickets-created")

    # Support answers from the queue.
    admin_context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ru-RU",
                                        base_url=portal.url)
    try:
        admin_page = admin_context.new_page()
        admin_page.set_default_timeout(20_000)
        admin_errors: list[str] = []
        admin_page.on("console", lambda m: m.type == "error" and admin_errors.append(m.text))
        login_as(admin_page, "boss@ispgo.local", "admin12345")
        admin_page.goto("/admin/tickets")
        admin_page.locator("#ticket-queue").get_by_role("link", name=SUBJECT).click()
        admin_page.wait_for_url(re.compile(r".*/admin/tickets/\d+/?$"))
        expect(admin_page.locator("#ticket-customer-email")).to_have_text("katya@example.ru")
        admin_page.wait_for_function(IMAGE_LOADED)
        admin_page.fill("#admin-reply-text", REPLY)
        admin_page.click("#admin-reply-submit")
        expect(admin_page.locator("#admin-ticket-badges")).to_contain_text("В работе")
        expect(admin_page.locator("#ticket-conversation")).to_contain_text("A-запись должна указывать")
        shot(admin_page, "tickets-admin-reply")
        assert admin_errors == []
    finally:
        admin_context.close()

    with session_scope() as session:
        [email] = session.exec(select(OutboxEmail).where(OutboxEmail.template == "ticket_reply")).all()
    assert email.recipient == "katya@example.ru"
    assert "A-запись должна указывать на сервер." in email.body_text

    # The customer sees the answer and archives the ticket.
    page.goto(ticket_url)
    expect(page.locator("#ticket-conversation")).to_contain_text("A-запись должна указывать на сервер.")
    expect(page.locator("#ticket-status")).to_contain_text("В работе")
    page.click("#archive-button")
    page.click("#archive-confirm")
    expect(page.locator("#ticket-closed-notice")).to_be_visible()
    expect(page.locator("#reply-form")).to_have_count(0)
    expect(page.locator("#ticket-status")).to_contain_text("Закрыт")

    # It left the main list and is kept in «Архив».
    page.goto("/tickets")
    expect(page.get_by_text("Открытых тикетов нет")).to_be_visible()
    page.click("#tab-archive")
    archived = page.locator("#ticket-list .ticket-row")
    expect(archived).to_have_count(1)
    expect(archived).to_contain_text(SUBJECT)
    expect(archived).to_contain_text("Закрыт")
    expect(archived).to_contain_text("Ответов: 1")
    shot(page, "tickets-archive")
    assert page.console_errors == []
