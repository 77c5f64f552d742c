"""In the browser: «Забыли пароль?» end to end, and an admin reading an email in the outbox."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import OutboxEmail


def _reset_link_path() -> str:
    with session_scope() as session:
        body = session.exec(select(OutboxEmail.body_text)
                            .where(OutboxEmail.template == "password_reset")).one()
    return re.search(r"(/password-reset/confirm\?token=[\w-]+)", body).group(1)


def test_forgotten_password_is_reset_by_the_emailed_link(page, login_as, make_customer, shot) -> None:
    make_customer(email="anna@example.ru", password="old-password-1")
    page.goto("/login")
    page.get_by_role("link", name="Забыли пароль?").click()
    page.wait_for_url("**/password-reset**")
    page.fill("#reset-email", "anna@example.ru")
    page.click("#reset-submit")
    expect(page.locator("#reset-sent")).to_contain_text("Если этот email зарегистрирован")
    page.goto(_reset_link_path())
    page.fill("#reset-password", "new-password-2")
    page.fill("#reset-password-confirm", "new-password-2")
    shot(page, "password-reset-confirm")
    page.click("#reset-confirm-submit")
    page.wait_for_url("**/login**")
    login_as(page, "anna@example.ru", "new-password-2")
    page.goto(_reset_link_path())
    expect(page.locator("#reset-link-invalid")).to_contain_text("недействительна")
    assert page.console_errors == []


def test_admin_reads_an_email_in_the_outbox(page, login_as, make_admin, make_customer, shot) -> None:
    from ispgo_portal.services.accounts.password_reset import request_password_reset

    make_admin(email="boss@example.ru", password="password123")
    make_customer(email="oleg@example.ru", name="Олег")
    request_password_reset(email="oleg@example.ru")
    login_as(page, "boss@example.ru", "password123")
    page.goto("/admin/outbox")
    expect(page.locator("#outbox-table")).to_contain_text("oleg@example.ru")
    page.get_by_role("button", name="Восстановление пароля в ISPGo").click()
    expect(page.locator("#outbox-body-text")).to_contain_text("Здравствуйте, Олег!")
    shot(page, "admin-outbox-email")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("oleg@example.ru")
    dialog.get_by_role("button", name="Закрыть").click()
    expect(dialog).to_have_count(0)
    assert page.console_errors == []
