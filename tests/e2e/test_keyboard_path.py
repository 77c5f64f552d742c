"""The customer's main path with the keyboard alone — log in, top up through the emulator's
checkout, buy a license from the balance, copy its key, open a ticket — in Chromium against the
real portal. Every stop is reached with Tab and shows a focus ring; Enter submits forms; dialogs
take focus, keep it inside, close on Escape and give it back to the button that opened them."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect
from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import License
from tests.e2e.conftest import goto_live, until_live

EMAIL, PASSWORD = "keys.only@example.ru", "password123"
DIALOG = "[role=dialog], [role=alertdialog]"

FOCUS_RING = """() => {
    const el = document.activeElement;
    // Radix draws the ring on the field's root for text inputs, on the control itself otherwise.
    for (const node of [el, el.parentElement]) {
        const cs = getComputedStyle(node);
        if ((cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== 'none') return true;
    }
    return false;
}"""
DESCRIBE_FOCUS = """() => { const el = document.activeElement;
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' + (el.textContent || '').trim().slice(0, 30); }"""


def tab_to(page: Any, selector: str, limit: int = 60) -> None:
    """Press Tab until `selector` has the focus (it must, within `limit` presses), then check
    that the focus is visible."""
    trail = []
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            assert page.evaluate(FOCUS_RING), f"{selector} has the focus but no visible focus ring"
            return
        page.keyboard.press("Tab")
        trail.append(page.evaluate(DESCRIBE_FOCUS))
    raise AssertionError(f"Tab never reached {selector}; focus went: {trail}")


def focus_in_dialog(page: Any) -> bool:
    return page.evaluate("s => !!document.activeElement.closest(s)", DIALOG)


def follow_nav_link(page: Any, href: str) -> None:
    tab_to(page, f'nav a[href="{href}"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{href}**")


def test_customer_main_path_by_keyboard(page, make_customer, make_tariff, shot) -> None:
    make_customer(email=EMAIL, password=PASSWORD, name="Клава Табова")
    tariff = make_tariff(name="Старт", price=49_000, period_days=30, max_servers=1, max_sites=10)

    # Log in: the first Tab stop is the skip link; Enter in the password field submits.
    goto_live(page, "/login")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_have_text("Перейти к содержимому")
    assert skip.bounding_box()["y"] >= 0, "the focused skip link must be on screen"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    tab_to(page, "#email")
    page.keyboard.type(EMAIL)
    tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    until_live(page, lambda: page.keyboard.press("Enter"))
    page.wait_for_url("**/dashboard**")

    # Top up 500 ₽: Enter in the amount field submits; the emulator's checkout is paid by keyboard too.
    follow_nav_link(page, "/balance")
    tab_to(page, "#topup-amount")
    page.keyboard.type("500")
    page.keyboard.press("Enter")
    page.wait_for_url("**/emulator/checkout/**")
    tab_to(page, "#pay-button")
    until_live(page, lambda: page.keyboard.press("Enter"))
    page.wait_for_url(re.compile(r"/payments/return/?\?payment=\d+"))
    expect(page.locator("#return-balance")).to_have_text("500,00\u00a0₽")

    # Buy from the balance. The dialog takes the focus and keeps it; Escape closes it and the
    # focus goes back to the button that opened it.
    follow_nav_link(page, "/tariffs")
    buy = f"#buy-tariff-{tariff}"
    tab_to(page, buy)
    page.keyboard.press("Enter")
    expect(page.locator(DIALOG)).to_be_visible()
    assert focus_in_dialog(page)
    for _ in range(12):
        page.keyboard.press("Tab")
        assert focus_in_dialog(page), "Tab left the open dialog"
    page.keyboard.press("Escape")
    expect(page.locator(DIALOG)).to_have_count(0)
    expect(page.locator(buy)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#buy-breakdown")).to_contain_text("490,00\u00a0₽")
    tab_to(page, "#buy-confirm")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/licenses\?highlight=\d+"))

    # Copy the key: the live region says so.
    with session_scope() as session:
        lic = session.exec(select(License).where(License.tariff_id == tariff)).one()
    tab_to(page, f"#copy-key-{lic.id}")
    page.keyboard.press("Enter")
    expect(page.locator("#a11y-announcer")).to_have_text("Ключ скопирован")
    assert page.evaluate("navigator.clipboard.readText()") == lic.key

    # Open a ticket: the category from its list by keyboard, Enter in the subject submits.
    follow_nav_link(page, "/tickets")
    tab_to(page, "#new-ticket-button")
    page.keyboard.press("Enter")
    expect(page.locator(DIALOG)).to_be_visible()
    tab_to(page, "#ticket-category")
    page.keyboard.press("Enter")
    expect(page.get_by_role("option", name="Техническая")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-category")).to_contain_text("Техническая")
    tab_to(page, "#ticket-subject")
    page.keyboard.type("Не активируется ключ")
    tab_to(page, "#ticket-description")
    page.keyboard.type("Панель не видит лицензию после покупки.")
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#ticket-subject")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/tickets/\d+/?$"))
    expect(page.locator("#ticket-subject-title")).to_have_text("Не активируется ключ", timeout=20_000)
    shot(page, "keyboard-ticket-created")
    assert page.console_errors == []
