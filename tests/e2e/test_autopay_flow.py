"""In Chromium: a card saved by a top-up with «Запомнить карту», and an admin without a second
factor sent to «Безопасность» to enrol before the console opens."""

from __future__ import annotations

import re

import pyotp
from playwright.sync_api import expect

from tests.e2e.conftest import goto_live

SLOW = 20_000  # ms: the machine running these may be busy


def test_customer_saves_a_card_by_topping_up(page, login_as, make_customer, shot) -> None:
    make_customer(email="card.e2e@example.ru", password="password123")
    login_as(page, "card.e2e@example.ru", "password123")
    goto_live(page, "/balance")
    expect(page.locator("#no-saved-cards")).to_be_visible(timeout=SLOW)
    page.fill("#topup-amount", "100")
    page.click("#topup-save-method")
    page.click("#topup-submit")

    page.wait_for_url("**/emulator/checkout/**")
    expect(page.locator("#save-method")).to_be_checked()  # «Запомнить карту», the payer's choice
    shot(page, "autopay-checkout-remember-card")
    page.click("#pay-button")
    page.wait_for_url(re.compile(r"/payments/return/?\?payment=\d+"))
    expect(page.locator("#payment-result")).to_contain_text("Баланс пополнен")

    goto_live(page, "/balance")
    cards = page.locator("#saved-cards")
    expect(cards).to_contain_text("MasterCard *4477", timeout=SLOW)
    expect(cards).to_contain_text("12/2030")
    expect(cards).to_contain_text("Автоплатёж")
    shot(page, "autopay-saved-card")
    assert page.console_errors == []


def test_admin_without_second_factor_enrols_before_the_console(page, login_as, make_admin, shot) -> None:
    make_admin(email="fresh.admin@example.ru", password="password123", two_factor=False)
    login_as(page, "fresh.admin@example.ru", "password123")
    goto_live(page, "/admin")
    page.wait_for_url("**/security**")
    expect(page.locator("#two-factor-required")).to_be_visible(timeout=SLOW)
    page.click("#enrol-start")
    secret = page.locator("#totp-secret").inner_text().strip()
    expect(page.locator("#totp-qr")).to_be_visible()
    shot(page, "security-enrolment")
    page.fill("#enrol-code", pyotp.TOTP(secret).now())
    page.click("#enrol-confirm")
    expect(page.locator("#recovery-codes code")).to_have_count(10)
    page.click("#codes-saved")
    expect(page.locator("#two-factor-status")).to_contain_text("Включена")

    goto_live(page, "/admin")
    expect(page.get_by_role("heading", name="Обзор")).to_be_visible(timeout=SLOW)
    assert re.search(r"/admin/?$", page.url)
    assert page.console_errors == []
