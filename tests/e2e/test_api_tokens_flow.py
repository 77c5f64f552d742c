"""A customer creates an API token on «API-токены», copies it, uses it against the REST API,
and revokes it — after which the API answers 401. In Chromium against the real portal."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.e2e.conftest import goto_live


def test_create_copy_use_and_revoke_a_token(page, portal, login_as, make_customer, shot) -> None:
    user = make_customer(balance=12_345, email="tokens.e2e@example.ru", password="password123")
    login_as(page, "tokens.e2e@example.ru", "password123")

    goto_live(page, "/api-tokens")
    expect(page.get_by_text("Токенов пока нет")).to_be_visible()
    expect(page.get_by_text("отзывают все токены")).to_be_visible()
    page.click("#new-token-button")
    page.fill("#token-name", "Биллинг реселлера")
    page.click("#token-scope-write")
    page.click("#token-create-submit")
    token_box = page.locator("#new-api-token")
    expect(token_box).to_contain_text("ispgo_")
    token = token_box.inner_text().strip()
    page.click("#copy-new-token")
    expect(page.get_by_text("Токен скопирован")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == token
    shot(page, "api-tokens-created")
    page.click("#new-token-done")

    api = httpx.Client(base_url=f"{portal.url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    me = api.get("/me")
    assert me.status_code == 200 and me.json()["id"] == user and me.json()["balance"] == 12_345

    goto_live(page, "/api-tokens")
    card = page.locator("#token-list")
    expect(card).to_contain_text("Биллинг реселлера")
    expect(card).to_contain_text(token[:12])
    expect(card).to_contain_text("чтение, изменение")
    expect(card).to_contain_text("127.0.0.1")  # last used: time and address
    shot(page, "api-tokens-1440")
    page.set_viewport_size({"width": 360, "height": 800})
    shot(page, "api-tokens-360")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1440, "height": 900})

    page.locator("[id^=revoke-token-]").first.click()
    page.locator("[id^=revoke-confirm-]").first.click()
    expect(page.get_by_text("Токен отозван")).to_be_visible()
    expect(card).to_contain_text("Отозван")
    revoked = api.get("/me")
    assert revoked.status_code == 401 and revoked.json()["code"] == "unauthorized"
    assert page.console_errors == []
