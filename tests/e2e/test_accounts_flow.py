"""Accounts in a real browser: register, logout, login, wrong password, /admin for customers."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import goto_live, until_live


def test_register_logout_login_shows_zero_balance(page, login_as, logout, shot) -> None:
    goto_live(page, "/register")
    page.fill("#name", "Иван Петров")
    page.fill("#email", "Ivan.E2E@Example.ru")
    page.fill("#password", "password123")
    page.fill("#password_confirm", "password123")
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard**")
    expect(page.locator("#account-info")).to_contain_text("0,00\u00a0₽")
    logout(page)
    login_as(page, "ivan.e2e@example.ru", "password123")
    expect(page.locator("#account-info")).to_contain_text("0,00\u00a0₽")
    shot(page, "accounts-dashboard")
    assert page.console_errors == []


def test_wrong_password_shows_error(page, make_customer, shot) -> None:
    make_customer(email="petr@example.ru", password="password123")
    goto_live(page, "/login")
    page.fill("#email", "petr@example.ru")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_contain_text("Неверный email или пароль")
    assert "/login" in page.url
    shot(page, "login-error")


def test_customer_opening_admin_sees_no_admin_data(page, login_as, make_customer) -> None:
    make_customer(email="olga@example.ru", password="password123")
    login_as(page, "olga@example.ru", "password123")
    page.goto("/admin")
    page.wait_for_url("**/dashboard**")
    expect(page.locator("#admin-overview")).to_have_count(0)
    expect(page.get_by_text("Администрирование")).to_have_count(0)


def test_session_cookie_is_httponly_and_invisible_to_scripts(page, login_as, make_customer) -> None:
    make_customer(email="hidden@example.ru", password="password123")
    login_as(page, "hidden@example.ru", "password123")
    cookie = next(c for c in page.context.cookies() if c["name"] == "ispgo_session")
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Lax", "/")
    readable = page.evaluate("document.cookie + JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
    assert "ispgo_session" not in readable and cookie["value"] not in readable
    expect(page.locator("#account-info")).to_be_visible()  # the websocket knows who this is


def test_register_errors_stay_under_their_fields(page, shot) -> None:
    goto_live(page, "/register")
    page.fill("#name", "Анна")
    page.fill("#email", "anna@example.ru")
    page.fill("#password", "password123")
    page.fill("#password_confirm", "password124")
    page.click("button[type=submit]")
    expect(page.get_by_text("Пароли не совпадают")).to_be_visible()
    assert "/register" in page.url
    shot(page, "register-error")


def test_login_redirects_to_next_and_logout_ends_the_session(page, login_as, logout, make_customer,
                                                               shot) -> None:
    make_customer(email="next@example.ru", password="password123")
    page.goto("/balance")
    page.wait_for_url("**/login?next=/balance**")  # redirected over the websocket: the page is live
    page.fill("#email", "next@example.ru")
    page.fill("#password", "password123")
    shot(page, "login-form")
    until_live(page, lambda: page.click("button[type=submit]"))
    page.wait_for_url(re.compile(r"/balance/?$"))
    logout(page)
    assert not [c for c in page.context.cookies() if c["name"] == "ispgo_session"]
    page.goto("/dashboard")
    page.wait_for_url("**/login**")


def test_portal_opened_as_127_0_0_1_works(browser, portal, make_customer) -> None:
    """The embedded default prints `localhost`; `127.0.0.1` must not get a dead websocket."""
    make_customer(email="loop@example.ru", password="password123")
    context = browser.new_context(base_url=portal.url.replace("localhost", "127.0.0.1"), locale="ru-RU")
    try:
        pg = context.new_page()
        pg.set_default_timeout(20_000)
        goto_live(pg, "/login")  # waits for the backend's first answer over the websocket
        pg.fill("#email", "loop@example.ru")
        pg.fill("#password", "password123")
        pg.click("button[type=submit]")
        pg.wait_for_url("**/dashboard**")
        expect(pg.locator("#account-info")).to_be_visible()
    finally:
        context.close()
