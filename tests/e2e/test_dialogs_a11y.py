"""The portal's main dialogs, open, at desktop and phone width on a 640 px-high screen: axe-core
finds no WCAG 2.0/2.1 A/AA violation, the dialog fits the screen with its primary button in view
(nothing behind it has to scroll), and Escape closes it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import License
from tests.e2e.axe import assert_no_violations
from tests.e2e.test_all_pages import ADMIN, CUSTOMER, seed_world

NBSP = "\u00a0"
HEIGHT = 640


@dataclass(frozen=True)
class Dialog:
    role: str
    path: str
    open: Callable[[Any, dict[str, int]], None]
    primary: str


def _top_up_500(page: Any) -> None:
    """A paid top-up (through the emulator's checkout) that the admin can then refund."""
    page.goto("/balance")
    page.fill("#topup-amount", "500")
    page.click("#topup-submit")
    page.wait_for_url("**/emulator/checkout/**")
    page.click("#pay-button")
    page.wait_for_url(re.compile(r"/payments/return/?\?payment=\d+"))


def _open_adjustment(page: Any, ids: dict[str, int]) -> None:
    page.fill("#adjust-amount", "250")
    page.fill("#adjust-reason", "Компенсация простоя")
    page.locator("#adjust-form button[type=submit]").click()


DIALOGS = {
    "buy": Dialog("customer", "/tariffs", lambda p, ids: p.click(f"#buy-tariff-{ids['tariff_id']}"), "#buy-confirm"),
    "renew": Dialog("customer", "/licenses", lambda p, ids: p.click(f"#renew-{ids['license_id']}"),
                    "#renew-confirm"),
    "new-ticket": Dialog("customer", "/tickets", lambda p, ids: p.click("#new-ticket-button"), "#ticket-submit"),
    "archive-confirm": Dialog("customer", "/tickets/{ticket_id}", lambda p, ids: p.click("#archive-button"),
                              "#archive-confirm"),
    "refund": Dialog("admin", "/admin/payments",
                     lambda p, ids: p.locator("#payment-list tbody tr").first
                     .get_by_role("button", name="Возврат").click(), "#refund-submit"),
    "adjust-confirm": Dialog("admin", "/admin/customers/{customer_id}", _open_adjustment, "#adjust-confirm"),
    "block": Dialog("admin", "/admin/customers/{customer_id}", lambda p, ids: p.click("#block-button"),
                    "#block-confirm"),
}

IN_VIEW = """([dialog, primary]) => {
    const d = document.querySelector(dialog).getBoundingClientRect();
    const b = document.querySelector(primary).getBoundingClientRect();
    const h = window.innerHeight, w = window.innerWidth;
    return {dialog: d.top >= 0 && d.bottom <= h && d.left >= 0 && d.right <= w,
            primary: b.top >= d.top && b.bottom <= Math.min(d.bottom, h) && b.height > 0};
}"""


@pytest.mark.parametrize("width", [1440, 360])
@pytest.mark.parametrize("name", sorted(DIALOGS))
def test_dialog_is_accessible_and_fits(name: str, width: int, page, login_as, logout, make_customer,
                                       make_admin, make_tariff, shot) -> None:
    dialog = DIALOGS[name]
    ids = seed_world(make_customer, make_admin, make_tariff)
    with session_scope() as session:
        lic = session.exec(select(License).where(License.user_id == ids["customer_id"])).one()
        ids |= {"license_id": lic.id, "tariff_id": lic.tariff_id}
    page.set_viewport_size({"width": width, "height": HEIGHT})
    login_as(page, *CUSTOMER)
    if dialog.role == "admin":
        if name == "refund":
            _top_up_500(page)
        logout(page)
        login_as(page, *ADMIN)
    page.goto(dialog.path.format(**ids))
    expect(page.locator("h1:visible").first).to_be_visible()
    expect(page.locator(".rt-Skeleton")).to_have_count(0)
    dialog.open(page, ids)

    box = page.locator("[role=dialog], [role=alertdialog]").last
    expect(box).to_be_visible()
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
    shot(page, f"dialog-{name}-{width}")
    assert_no_violations(page, f"{name} dialog ({width}×{HEIGHT})")
    fits = page.evaluate(IN_VIEW, ["[role=dialog], [role=alertdialog]", dialog.primary])
    assert fits == {"dialog": True, "primary": True}, f"{name}: the dialog or its primary button is off-screen"

    page.keyboard.press("Escape")
    expect(box).to_be_hidden()


MOVING = """() => {
    const seconds = v => Math.max(...v.split(',').map(s => s.trim().endsWith('ms') ? parseFloat(s) / 1000 : parseFloat(s)));
    const moving = [];
    for (const el of document.querySelectorAll('*')) {
        const cs = getComputedStyle(el);
        const t = seconds(cs.transitionDuration), a = cs.animationName !== 'none' ? seconds(cs.animationDuration) : 0;
        if (t > 0.001 || a > 0.001) moving.push(`${el.tagName.toLowerCase()}.${el.className}: transition ${t}s, animation ${a}s`);
    }
    return moving;
}"""


def test_reduced_motion_stops_movement(page, login_as, make_customer) -> None:
    """With «reduce motion» set in the system nothing slides or fades: the phone menu, the dialogs
    and the toasts appear at once."""
    make_customer(email=CUSTOMER[0], password=CUSTOMER[1])
    page.emulate_media(reduced_motion="reduce")
    page.set_viewport_size({"width": 360, "height": HEIGHT})
    login_as(page, *CUSTOMER)
    page.get_by_role("button", name="Меню").click()
    expect(page.locator("[role=dialog]")).to_be_visible()
    assert page.evaluate(MOVING) == []
