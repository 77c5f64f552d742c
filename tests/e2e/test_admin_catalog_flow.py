"""Admin «Промокоды», «Лицензии» and «Платежи» in a real browser, and what the customer sees."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlmodel import select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import AuditLog, License, User

NBSP = "\u00a0"


def test_admin_creates_promo_code_for_one_tariff(page, login_as, make_admin, make_tariff, shot) -> None:
    make_admin(email="promo.boss@example.ru", password="password123")
    tariff = make_tariff(name="Промо-тариф")
    make_tariff(name="Другой тариф")
    login_as(page, "promo.boss@example.ru", "password123")
    page.goto("/admin/promo-codes")
    page.click("#promo-new")
    page.fill("#promo-code", "autumn-15")
    page.fill("#promo-percent", "15")
    page.fill("#promo-max_uses", "100")
    page.click(f"#promo-tariff-{tariff}")
    shot(page, "admin-promo-dialog")
    page.click("#promo-save")
    row = page.locator("#promo-list tbody tr").first
    expect(row).to_contain_text("AUTUMN-15")
    expect(row).to_contain_text("−15%")
    expect(row).to_contain_text("0 из 100")
    expect(row).to_contain_text("Промо-тариф")
    expect(row).not_to_contain_text("Другой тариф")
    shot(page, "admin-promo-list")
    assert page.console_errors == []


def test_admin_suspends_license_and_customer_sees_reason(
    page, login_as, logout, make_admin, make_customer, make_tariff, shot
) -> None:
    make_admin(email="lic.boss@example.ru", password="password123")
    owner = make_customer(email="lic.owner@example.ru", password="password123", name="Владелец Лицензии")
    with session_scope() as session:
        lic = License(user_id=owner, tariff_id=make_tariff(name="Старт E2E"), key="ISPG-E2EA-BCDE-FGHJ-KMNP",
                      expires_at=utcnow() + timedelta(days=20))
        session.add(lic)
        session.flush()
        license_id = lic.id
    login_as(page, "lic.boss@example.ru", "password123")
    page.goto("/admin/licenses")
    page.fill("#license-query", "lic.owner@")
    page.click("#license-search")
    page.click(f"#license-open-{license_id}")
    expect(page.locator("#license-card")).to_contain_text("ISPG-E2EA-BCDE-FGHJ-KMNP")
    page.fill("#license-suspend-reason", "Жалоба на рассылку спама")
    page.click("#license-suspend")
    page.click("#license-confirm")
    expect(page.locator("#license-status-reason")).to_have_text(
        "Приостановлена администратором: Жалоба на рассылку спама")
    shot(page, "admin-license-card")
    with session_scope() as session:
        assert session.exec(select(AuditLog.action).where(AuditLog.target_id == license_id)).all() == [
            "license.suspend"]
    page.keyboard.press("Escape")
    logout(page)

    login_as(page, "lic.owner@example.ru", "password123")
    page.goto("/licenses")
    expect(page.get_by_text("Приостановлена администратором: Жалоба на рассылку спама")).to_be_visible()
    assert page.console_errors == []


def test_admin_refunds_part_of_a_top_up(page, login_as, logout, make_admin, make_customer, shot) -> None:
    make_admin(email="refund.boss@example.ru", password="password123")
    customer = make_customer(email="refund.payer@example.ru", password="password123")
    login_as(page, "refund.payer@example.ru", "password123")
    page.goto("/balance")
    page.fill("#topup-amount", "500")
    page.click("#topup-submit")
    page.wait_for_url("**/emulator/checkout/**")
    page.click("#pay-button")
    page.wait_for_url(re.compile(r"/payments/return/?\?payment=\d+"))
    expect(page.locator("#return-balance")).to_have_text(f"500,00{NBSP}₽")
    logout(page)

    login_as(page, "refund.boss@example.ru", "password123")
    page.goto("/admin/payments")
    page.fill("#payments-query", "refund.payer@")
    page.click("#payments-filter")
    row = page.locator("#payment-list tbody tr").first
    expect(row).to_contain_text("Оплачен")
    row.get_by_role("button", name="Возврат").click()
    page.fill("#refund-amount", "600")
    page.fill("#refund-reason", "Двойная оплата")
    page.click("#refund-submit")
    expect(page.locator("#refund-dialog")).to_contain_text(f"доступно к возврату 500,00{NBSP}₽")
    page.fill("#refund-amount", "200")
    page.click("#refund-submit")
    page.click("#refund-confirm")
    expect(page.locator("#refund-history")).to_contain_text("Выполнен")
    expect(row).to_contain_text(f"200,00{NBSP}₽")
    shot(page, "admin-refund-dialog")
    with session_scope() as session:
        assert session.get(User, customer).balance == 30_000
    assert page.console_errors == []


def test_admin_edits_then_archives_tariff(page, login_as, make_admin, make_tariff, shot) -> None:
    make_admin(email="tariff.boss@example.ru", password="password123")
    tariff = make_tariff(name="Архивный E2E", price=49_000)
    make_tariff(name="Продаваемый E2E")
    login_as(page, "tariff.boss@example.ru", "password123")
    page.goto("/admin/tariffs")
    page.click(f"#tariff-edit-{tariff}")
    expect(page.locator("#tariff-price")).to_have_value("490")
    page.fill("#tariff-price", "590,50")
    page.fill("#tariff-period_days", "0")
    page.click("#tariff-save")
    expect(page.locator("#tariff-form")).to_contain_text("Период (дней): допустимо от 1 до 3650")
    page.fill("#tariff-period_days", "90")
    page.click("#tariff-save")
    card = page.locator(f"#tariff-{tariff}")
    expect(card).to_contain_text(f"590,50{NBSP}₽")
    expect(card).to_contain_text("за 90 дн.")

    page.click(f"#tariff-archive-{tariff}")
    shot(page, "admin-tariff-archive-confirm")
    page.click(f"#tariff-archive-confirm-{tariff}")
    expect(card).to_contain_text("В архиве")
    page.goto("/tariffs")
    expect(page.locator("body")).to_contain_text("Продаваемый E2E")
    expect(page.locator("body")).not_to_contain_text("Архивный E2E")
    assert page.console_errors == []
