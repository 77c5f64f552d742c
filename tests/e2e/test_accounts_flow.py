"""Accounts in a real browser: register, logout, login, wrong password, /admin for customers."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_register_logout_login_shows_zero_balance(page, login_as, shot) -> None:  # noqa: ANN001
    page.goto("/register")
    page.fill("#name", "Иван Петров")
    page.fill("#email", "Ivan.E2E@Example.ru")
    page.fill("#password", "password123")
    page.fill("#password_confirm", "password123")
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard**")
    expect(page.locator("#account-info")).to_contain_text("0,00\u00a0₽")
    page.get_by_role("button", name=re.compile("Выйти")).first.click()
    page.wait_for_url("**/login**")
    login_as(page, "ivan.e2e@example.ru", "password123")
    expect(page.locator("#account-info")).to_contain_text("0,00\u00a0₽")
    shot(page, "accounts-dashboard")
    assert page.console_errors == []


def test_wrong_password_shows_error(page, make_customer) -> None:  # noqa: ANN001
    make_customer(email="petr@example.ru", password="password123")
    page.goto("/login")
    page.fill("#email", "petr@example.ru")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_contain_text("Неверный email или пароль")
    assert "/login" in page.url


def test_customer_opening_admin_sees_no_admin_data(page, login_as, make_customer) -> None:  # noqa: ANN001
    make_customer(email="olga@example.ru", password="password123")
    login_as(page, "olga@example.ru", "password123")
    page.goto("/admin")
    page.wait_for_url("**/dashboard**")
    expect(page.locator("#admin-overview")).to_have_count(0)
    expect(page.get_by_text("Администрирование")).to_have_count(0)
