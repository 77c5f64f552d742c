"""Browser fixtures: one real portal per test session (on the test database) and Chromium."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.portal import ROOT, PortalServer, launch_chromium

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
def page(browser, portal: PortalServer) -> Iterator[object]:  # noqa: ANN001
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

    def take(pg, name: str) -> Path:  # noqa: ANN001
        path = SHOTS / f"{name}.png"
        pg.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login_as(portal: PortalServer) -> Callable[..., None]:
    """login_as(page, email, password) through the real login form; waits for the dashboard."""

    def do(pg, email: str, password: str, expect: str = "**/dashboard**") -> None:  # noqa: ANN001
        pg.goto("/login")
        pg.fill("#email", email)
        pg.fill("#password", password)
        pg.click("button[type=submit]")
        pg.wait_for_url(expect)

    return do


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
