"""Public pages in a real browser: they open for a visitor at desktop and phone width without
console errors or sideways scrolling, the landing page shows the tariffs on sale, the FAQ
filters as you type, and unknown addresses get the Russian 404 page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

SEED = Path(__file__).resolve().parents[1] / "content" / "faq_seed.txt"
WIDTHS = [1440, 360]
# route -> an element that exists only once the page has rendered its content
PUBLIC_PAGES = {
    "/": "#landing-tariffs",
    "/faq": "#faq-search",
    "/features": "#rest-api",
    "/docs": "#license-api",
}


def open_at(page, path: str, width: int, ready: str) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(path)
    expect(page.locator(ready).first).to_be_visible()


def wait_for_animations(page) -> None:
    """The accordion slides open; a screenshot should show it open, not half-way."""
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", list(PUBLIC_PAGES))
def test_public_page_opens_for_visitor(page, shot, make_tariff, path: str, width: int) -> None:
    make_tariff(name="Старт", price=49_000, max_servers=1, max_sites=10)
    open_at(page, path, width, PUBLIC_PAGES[path])
    if path == "/":
        expect(page.locator(".landing-tariff")).to_have_count(1)
    shot(page, f"public-{path.strip('/') or 'landing'}-{width}")
    assert page.console_errors == []
    assert horizontal_overflow(page) <= 0


def test_landing_shows_active_tariffs_with_unlimited_limits(page, make_tariff) -> None:
    make_tariff(name="Безлимит", price=499_000, max_servers=0, max_sites=0)
    make_tariff(name="Снятый с продажи", price=1_000, is_active=False)
    open_at(page, "/", 1440, "#landing-tariffs")
    cards = page.locator(".landing-tariff")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Безлимит")
    expect(cards.first).to_contain_text("4\u00a0990,00\u00a0₽")
    expect(cards.first).to_contain_text("без ограничений")
    expect(page.locator("#landing-register")).to_be_visible()
    expect(page.locator("#landing-login")).to_be_visible()


def test_landing_sends_logged_in_customer_to_dashboard(page, login_as, make_customer) -> None:
    make_customer(email="landing@example.ru", password="password123")
    login_as(page, "landing@example.ru", "password123")
    page.goto("/")
    page.wait_for_url("**/dashboard**")


def test_faq_search_shows_credit_limit_and_hides_unrelated(page, shot) -> None:
    open_at(page, "/faq", 1440, "#faq-search")
    page.locator("#faq-search").press_sequentially("кредит")
    credit = page.locator("#faq-credit-limit")
    expect(credit).to_be_visible()
    # Few matches open by themselves: the answer itself is on screen, not only the question.
    expect(credit.get_by_text("Кредитный лимит - это дополнительный лимит средств")).to_be_visible()
    expect(page.locator("#faq-create-ticket")).to_be_hidden()
    expect(page.locator("#faq-password")).to_be_hidden()
    expect(page.locator("#faq-section-tickets")).to_be_hidden()
    wait_for_animations(page)
    shot(page, "public-faq-search-credit")
    assert page.console_errors == []


def test_faq_search_without_matches_offers_a_ticket(page) -> None:
    open_at(page, "/faq", 360, "#faq-search")
    page.locator("#faq-search").press_sequentially("абракадабра")
    expect(page.locator("#faq-nothing-found")).to_be_visible()
    expect(page.locator(".faq-item:visible")).to_have_count(0)


def test_faq_page_shows_every_seed_question(page) -> None:
    open_at(page, "/faq", 1440, "#faq-search")
    questions = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()
                 if line.strip().endswith("?")]
    shown = page.locator(".faq-item").all_inner_texts()
    flat = " ".join(shown).replace("«", '"').replace("»", '"')
    assert [q for q in questions if q.replace("«", '"').replace("»", '"') not in flat] == []


@pytest.mark.parametrize("width", WIDTHS)
def test_unknown_address_shows_russian_404(page, shot, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/no-such-page")
    expect(page.locator("#not-found")).to_contain_text("Страница не найдена")
    expect(page).to_have_title(re.compile("Страница не найдена"))
    shot(page, f"public-404-{width}")
    assert horizontal_overflow(page) <= 0


def test_first_step_block_for_new_customer(page, login_as, make_customer, shot) -> None:
    make_customer(email="newbie@example.ru", password="password123")
    login_as(page, "newbie@example.ru", "password123")
    block = page.locator("#first-step")
    expect(block).to_contain_text("Пополните баланс и выберите тариф")
    expect(block.get_by_role("link", name=re.compile("Пополнить баланс"))).to_have_attribute("href", "/balance")
    expect(block.get_by_role("link", name=re.compile("Выбрать тариф"))).to_have_attribute("href", "/tariffs")
    shot(page, "dashboard-first-step")


def test_first_step_block_hidden_once_money_arrived(page, login_as, make_customer) -> None:
    make_customer(email="payer@example.ru", password="password123", balance=15_050)
    login_as(page, "payer@example.ru", "password123")
    expect(page.locator('#first-step-slot[data-checked="true"]')).to_have_count(1)
    expect(page.locator("#first-step")).to_have_count(0)


def test_logged_in_customer_sees_cabinet_link_on_faq(page, login_as, make_customer) -> None:
    make_customer(email="reader@example.ru", password="password123")
    login_as(page, "reader@example.ru", "password123")
    page.goto("/faq")
    expect(page.locator("#public-nav-cabinet")).to_be_visible()
    expect(page.get_by_role("link", name="Войти")).to_have_count(0)
