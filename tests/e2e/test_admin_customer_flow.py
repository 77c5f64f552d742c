"""The admin console's customer card in a real browser, and what the customer sees afterwards."""

from __future__ import annotations

from playwright.sync_api import expect

NBSP = "\u00a0"


def _open_card(page, query: str, name: str, customer_id: int) -> None:
    page.goto("/admin/customers")
    page.fill("#customer-search", query)
    page.locator("#customer-search-form button[type=submit]").click()
    expect(page.locator("#customers-table")).to_contain_text(query)
    page.locator("#customers-table").get_by_role("link", name=name).click()
    page.wait_for_url(f"**/admin/customers/{customer_id}")
    expect(page.locator("#customer-card")).to_be_visible()


def test_admin_sets_discount_and_credit_limit_customer_buys_with_both(
    page, login_as, logout, make_admin, make_customer, make_tariff, shot
) -> None:
    make_admin(email="boss@example.ru", password="password123")
    customer = make_customer(email="shopper@example.ru", password="password123", name="Покупатель Петров",
                             balance=50_000)
    tariff = make_tariff(name="Бизнес E2E", price=120_000)
    login_as(page, "boss@example.ru", "password123")
    _open_card(page, "shopper@", "Покупатель Петров", customer)

    page.fill("#discount", "15")
    page.locator("#discount-form button[type=submit]").click()
    expect(page.locator("#card-discount")).to_have_text("15%")
    page.fill("#credit_limit", "1000")
    page.locator("#credit-limit-form button[type=submit]").click()
    expect(page.locator("#card-credit-limit")).to_have_text(f"1{NBSP}000,00{NBSP}₽")
    shot(page, "admin-customer-card")

    page.goto(f"/admin/audit?customer={customer}")
    expect(page.locator("#audit-table")).to_contain_text("Индивидуальная скидка")
    expect(page.locator("#audit-table")).to_contain_text(f"кредитный лимит: 0,00{NBSP}₽ → 1{NBSP}000,00{NBSP}₽")
    logout(page)

    login_as(page, "shopper@example.ru", "password123")
    info = page.locator("#account-info")
    expect(info).to_contain_text("15%")
    expect(info).to_contain_text(f"1{NBSP}000,00{NBSP}₽")

    # 1 200 ₽ less 15% is 1 020 ₽: 500 ₽ from the balance, the other 520 ₽ from the credit limit.
    page.goto("/tariffs")
    page.locator(f"#buy-tariff-{tariff}").click()
    breakdown = page.locator("#buy-breakdown")
    expect(breakdown).to_contain_text(f"1{NBSP}200,00{NBSP}₽")
    expect(breakdown).to_contain_text("−15%")
    expect(breakdown).to_contain_text(f"1{NBSP}020,00{NBSP}₽")
    page.locator("#buy-confirm").click()
    page.wait_for_url("**/licenses**")
    expect(page.locator("#license-list")).to_contain_text("Бизнес E2E")

    page.goto("/dashboard")
    expect(info).to_contain_text(f"−520,00{NBSP}₽")  # the balance, below zero by the credit used
    expect(info).to_contain_text(f"480,00{NBSP}₽")  # still available: 1 000 − 520
    assert page.console_errors == []


def test_admin_adjusts_balance_after_confirming_then_blocks_customer(
    page, login_as, logout, make_admin, make_customer
) -> None:
    make_admin(email="chief@example.ru", password="password123")
    customer = make_customer(email="payer@example.ru", password="password123", name="Плательщик")
    login_as(page, "chief@example.ru", "password123")
    _open_card(page, "payer@", "Плательщик", customer)

    page.fill("#adjust-amount", "250")
    page.fill("#adjust-reason", "Компенсация простоя")
    page.locator("#adjust-form button[type=submit]").click()
    page.locator("#adjust-confirm").click()
    expect(page.locator("#card-balance")).to_have_text(f"250,00{NBSP}₽")
    page.get_by_role("tab", name="Операции").click()
    expect(page.locator("#card-ledger")).to_contain_text("Корректировка: Компенсация простоя")

    page.locator("#block-button").click()
    page.fill("#block-reason", "Проверка безопасности")
    page.locator("#block-confirm").click()
    expect(page.locator("#blocked-badge")).to_be_visible()
    logout(page)

    page.goto("/login")
    page.fill("#email", "payer@example.ru")
    page.fill("#password", "password123")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_contain_text("заблокирована")
    assert page.console_errors == []
