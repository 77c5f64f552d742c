"""A customer with money buys a tariff from the balance, finds the license, copies its key and
renews it — in Chromium against the real portal."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlmodel import select

from ispgo_portal.clock import as_utc, format_date
from ispgo_portal.db import session_scope
from ispgo_portal.models import LedgerEntry, License


def test_buy_copy_and_renew_a_license(page, login_as, make_customer, make_tariff, shot) -> None:
    user = make_customer(balance=500_000, email="buyer.e2e@example.ru", password="password123")
    tariff = make_tariff(name="Бизнес", price=149_000, period_days=30, max_servers=5, max_sites=0)
    login_as(page, "buyer.e2e@example.ru", "password123")

    page.goto("/tariffs")
    expect(page.locator("#tariff-list")).to_contain_text("без ограничений")
    page.click(f"#buy-tariff-{tariff}")
    expect(page.locator("#buy-breakdown")).to_contain_text("1 490,00\u00a0₽")
    page.click("#buy-confirm")
    page.wait_for_url(re.compile(r".*/licenses\?highlight=\d+"))

    with session_scope() as session:
        lic = session.exec(select(License).where(License.user_id == user)).one()
    card = page.locator(f"#license-{lic.id}")
    expect(card).to_contain_text("Активна")
    expect(card).to_contain_text(lic.key)
    expect(card).to_contain_text(format_date(lic.expires_at))
    shot(page, "licenses-after-purchase")

    page.click(f"#copy-key-{lic.id}")
    expect(page.get_by_text("Ключ скопирован в буфер обмена")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == lic.key

    page.click(f"#renew-{lic.id}")
    expect(page.locator("#renew-breakdown")).to_contain_text("1 490,00\u00a0₽")
    page.click("#renew-confirm")
    renewed_until = format_date(as_utc(lic.expires_at) + timedelta(days=30))
    expect(page.get_by_text(f"Лицензия продлена до {renewed_until}")).to_be_visible()
    expect(card).to_contain_text(renewed_until)

    with session_scope() as session:
        kinds = session.exec(select(LedgerEntry.kind).where(LedgerEntry.user_id == user)
                             .order_by(LedgerEntry.id)).all()
    assert kinds == ["adjustment", "purchase", "renewal"]
    assert page.console_errors == []
