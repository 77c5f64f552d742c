"""Browser fixtures: one real portal per test session (on the test database) and Chromium."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.portal import ROOT, PortalServer, launch_chromium
from tests.totp import totp_code

SHOTS = ROOT / "test-output" / "screenshots"


@pytest.fixture(scope="session")
def portal() -> Iterator[PortalServer]:
    with PortalServer() as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, portal: PortalServer) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ru-RU",
                                  base_url=portal.url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=portal.url)
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    pg.console_errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))  # type: ignore[attr-defined]
    yield pg
    context.close()


@pytest.fixture
def shot() -> Callable[[object, str], Path]:
    """shot(page, "name") saves a full-page screenshot under test-output/screenshots."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(pg, name: str) -> Path:
        path = SHOTS / f"{name}.png"
        pg.screenshot(path=str(path), full_page=True)
        return path

    return take


def until_live(pg, navigate: Callable[[], object], timeout: float = 20) -> None:
    """Run `navigate` (something that loads a page) and wait until that page is live: a websocket
    opened after it has had the backend's first answer. A socket the navigation closes again
    (the page it left) does not count. Before that a click may reach a page that cannot act on
    it yet (a loaded machine makes that window seconds long)."""
    live: list = []

    def watch(socket) -> None:
        socket.on("framereceived", lambda frame: "delta" in str(frame) and live.append(socket))

    pg.on("websocket", watch)
    try:
        navigate()
        deadline = time.monotonic() + timeout
        while not any(not socket.is_closed() for socket in live):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{pg.url} did not go live over the websocket in {timeout:.0f} s")
            pg.wait_for_timeout(50)
    finally:
        pg.remove_listener("websocket", watch)


def goto_live(pg, path: str) -> None:
    """Open `path` and wait until the page is live (see `until_live`)."""
    until_live(pg, lambda: pg.goto(path))


@pytest.fixture
def logout() -> Callable[[object], None]:
    """logout(page): the header's «Выйти» from a fresh dashboard (no dialog left open)."""

    def do(pg) -> None:
        goto_live(pg, "/dashboard")
        # «Выйти» posts to the logout route (only it can clear the HttpOnly cookie), then loads
        # /login afresh: wait for that page to be live.
        until_live(pg, pg.get_by_role("button", name=re.compile("Выйти")).first.click)
        pg.wait_for_url("**/login**")

    return do


def _with_two_factor(email: str) -> int | None:
    """The user's id if they sign in with a TOTP code (tests.totp supplies it)."""
    from sqlmodel import select

    from ispgo_portal.db import session_scope
    from ispgo_portal.models import User
    from ispgo_portal.services.accounts import two_factor

    with session_scope() as session:
        user = session.exec(select(User).where(User.email == email.strip().lower())).first()
        return user.id if user is not None and two_factor.is_enabled(session, user.id) else None


@pytest.fixture
def login_as(portal: PortalServer) -> Callable[..., None]:
    """login_as(page, email, password) through the real login form (it posts to the login route,
    which sets the HttpOnly cookie, and the page reloads); waits for the dashboard."""

    def do(pg, email: str, password: str, expect: str = "**/dashboard**") -> None:
        goto_live(pg, "/login")
        pg.fill("#email", email)
        pg.fill("#password", password)
        user_id = _with_two_factor(email)
        if user_id is not None:  # admins (and customers who enrolled): the code step first
            pg.click("button[type=submit]")
            pg.wait_for_selector("#code")
            pg.fill("#code", totp_code(user_id))
            until_live(pg, lambda: pg.click("#code-submit"))
        else:
            # The login route sets the cookie and the page loads `expect` afresh.
            until_live(pg, lambda: pg.click("button[type=submit]"))
        pg.wait_for_url(expect)

    return do


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
