"""Top-up in a real browser through the embedded emulator: Баланс → 150,50 → «Оплатить» →
the return page → the balance and the history row."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_top_up_through_emulator_checkout(page, login_as, make_customer, shot) -> None:
    make_customer(email="topup.e2e@example.ru", password="password123")
    login_as(page, "topup.e2e@example.ru", "password123")

    page.get_by_role("link", name="Баланс").first.click()
    page.wait_for_url("**/balance**")
    expect(page.locator("#balance-value")).to_have_text("0,00\u00a0₽")
    page.fill("#topup-amount", "150,50")
    page.click("#topup-submit")

    page.wait_for_url("**/emulator/checkout/**")
    expect(page.locator("#amount")).to_have_text("150,50\u00a0₽")
    page.click("#pay-button")

    page.wait_for_url(re.compile(r"/payments/return/?\?payment=\d+"))
    expect(page.locator("#payment-result")).to_contain_text("Баланс пополнен")
    expect(page.locator("#return-balance")).to_have_text("150,50\u00a0₽")
    shot(page, "balance-return-page")

    page.get_by_role("link", name="К балансу и истории").click()
    page.wait_for_url("**/balance**")
    expect(page.locator("#balance-value")).to_have_text("150,50\u00a0₽")
    row = page.locator("#history-table .history-row").first
    expect(row).to_contain_text("Пополнение")
    expect(row).to_contain_text("+150,50\u00a0₽")
    shot(page, "balance-after-topup")
    assert page.console_errors == []


def test_bad_amount_shows_message_next_to_the_field(page, login_as, make_customer) -> None:
    make_customer(email="topup.bad@example.ru", password="password123")
    login_as(page, "topup.bad@example.ru", "password123")
    page.goto("/balance")
    page.fill("#topup-amount", "1,005")
    page.click("#topup-submit")
    expect(page.locator("#topup-error")).to_have_text("Не больше двух знаков после запятой")
    assert "/balance" in page.url
