"""Every page of the portal, as the role it is meant for, at desktop and phone width: it opens
on its own address (no redirect), shows its title, finishes loading (no skeleton left), raises
no console error, does not scroll sideways (nor does any table on a phone) and passes axe-core's WCAG 2.0/2.1 A and AA rules.
A screenshot of each is saved.

The routes come from the app itself, so a new page is covered the day it is registered; a page
whose role or dynamic id this test does not know makes the test fail, never skip.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import assert_no_violations

CUSTOMER = ("customer@example.ru", "password123")
ADMIN = ("admin@example.ru", "password123")
WIDTHS = [1440, 360]

# The page routes agreed for the portal; each must be registered.
CONTRACT_ROUTES = [
    "/", "/login", "/register", "/dashboard", "/balance", "/payments/return", "/tariffs", "/licenses",
    "/tickets", "/tickets/[ticket_id]", "/faq", "/docs", "/features", "/password-reset",
    "/password-reset/confirm", "/admin", "/admin/customers", "/admin/customers/[customer_id]",
    "/admin/tariffs", "/admin/promo-codes", "/admin/payments", "/admin/licenses", "/admin/tickets",
    "/admin/tickets/[ticket_id]", "/admin/outbox", "/admin/audit",
]
VISITOR_ROUTES = {"/", "/login", "/register", "/faq", "/docs", "/features", "/password-reset",
                  "/password-reset/confirm", "/404"}
# Chromium reports the 404 status of the document itself as a console error; nothing else may appear.
EXPECTED_CONSOLE = {"/404": re.compile(r"status of 404")}


# Tables whose container scrolls sideways: on a phone a table must fit (rows become cards).
SIDEWAYS_TABLES = """() => [...document.querySelectorAll('table')].flatMap(table => {
    const out = [];
    for (let el = table; el && el !== document.body; el = el.parentElement) {
        if (el.scrollWidth - el.clientWidth > 1 && /auto|scroll/.test(getComputedStyle(el).overflowX)) {
            out.push((table.id || table.closest('[id]')?.id || 'table') + ': ' + el.scrollWidth + ' > ' + el.clientWidth);
        }
    }
    return out;
})"""

# Table rows that take no room on screen: restyled rows must still be seen.
HIDDEN_ROWS = """() => [...document.querySelectorAll('tbody tr')]
    .filter(row => row.getBoundingClientRect().height > 0
                   && row.closest('table').getBoundingClientRect().height < row.getBoundingClientRect().height)
    .map(row => (row.closest('[id]')?.id || 'table') + ': the table is shorter than its rows')"""


def registered_pages() -> dict[str, str]:
    """route ("/tickets/[ticket_id]") -> title, straight from the app's page registry."""
    import ispgo_portal.ispgo_portal as portal_app

    pages = portal_app.app._unevaluated_pages  # the registry Reflex compiles from
    return {("/" if route == "index" else f"/{route}"): str(page.title) for route, page in pages.items()}


PAGES = registered_pages()


def role_of(route: str) -> str:
    if route in VISITOR_ROUTES:
        return "visitor"
    if route == "/admin" or route.startswith("/admin/"):
        return "admin"
    return "customer"


def seed_world(make_customer, make_admin, make_tariff) -> dict[str, int]:
    """A customer with money, a license and a ticket, and an admin: every page has something to show."""
    from ispgo_portal.services.licensing.licenses import buy_from_balance
    from ispgo_portal.services.support.tickets import create_ticket

    customer_id = make_customer(email=CUSTOMER[0], password=CUSTOMER[1], balance=250_000,
                                credit_limit=100_000, discount=10, name="Иван Петров")
    make_admin(email=ADMIN[0], password=ADMIN[1])
    tariff_id = make_tariff(name="Бизнес", price=149_000, max_servers=5, max_sites=100)
    make_tariff(name="Безлимит", price=499_000, max_servers=0, max_sites=0)
    buy_from_balance(user_id=customer_id, tariff_id=tariff_id)
    ticket_id = create_ticket(user_id=customer_id, category="billing", subject="Не пришёл чек",
                              description="После пополнения баланса не пришёл чек на почту.",
                              priority="medium")
    return {"customer_id": customer_id, "ticket_id": ticket_id}


def concrete_path(route: str, ids: dict[str, int]) -> str:
    if route == "/404":
        return "/no-such-page"

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in ids:
            pytest.fail(f"{route}: no test data for [{name}] — add it to seed_world()")
        return str(ids[name])

    return re.sub(r"\[([a-z_]+)\]", fill, route)


def log_in(page: Any, role: str, login_as) -> None:
    if role == "customer":
        login_as(page, *CUSTOMER)
    elif role == "admin":
        login_as(page, *ADMIN, expect="**/dashboard**")


def test_every_contract_route_is_registered() -> None:
    missing = [route for route in CONTRACT_ROUTES if route not in PAGES]
    assert missing == []


def test_every_page_has_a_russian_title() -> None:
    untitled = [route for route, title in PAGES.items() if not re.search("[А-Яа-яЁё]", title)]
    assert untitled == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("route", sorted(PAGES))
def test_page_opens_for_its_role(route: str, width: int, page, login_as, shot, make_customer,
                                 make_admin, make_tariff) -> None:
    role = role_of(route)
    ids = seed_world(make_customer, make_admin, make_tariff)
    path = concrete_path(route, ids)
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, role, login_as)
    page.console_errors.clear()
    page.goto(path)
    if role != "visitor" or route == "/404":
        expect(page).to_have_url(re.compile(re.escape(path) + r"/?(\?.*)?$"))
    expect(page).to_have_title(PAGES[route])
    expect(page.locator("h1:visible").first).to_be_visible()
    expect(page.locator(".rt-Skeleton")).to_have_count(0)
    expect(page.locator("h1:visible")).to_have_count(1)  # one h1: the page's own title
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
    slug = route.strip("/").replace("/", "_").replace("[", "").replace("]", "") or "landing"
    shot(page, f"all-{role}-{slug}-{width}")
    allowed = EXPECTED_CONSOLE.get(route)
    assert [e for e in page.console_errors if not (allowed and allowed.search(e))] == []
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    if width < 768:
        assert page.evaluate(SIDEWAYS_TABLES) == []
        assert page.evaluate(HIDDEN_ROWS) == []
    assert_no_violations(page, f"{path} ({role}, {width} px)")
