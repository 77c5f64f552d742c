"""The production shape (`make cluster`: nginx, two portal processes, two workers, a beat, the
YooKassa emulator) in Chromium: any process serves any user, and losing the process a customer
is talking to in the middle of a payment loses nothing and credits the payment once."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from ispgo_portal.money import format_rub
from tests.cluster.cluster import ClusterUnderTest, wait_healthy
from tests.e2e.conftest import goto_live, until_live

DEMO_EMAIL, DEMO_PASSWORD = "demo@ispgo.local", "demo12345"
# The first test also waits for the `.web` lock and, after a change of the UI, for the build.
pytestmark = pytest.mark.timeout(1800)


@pytest.fixture
def context(browser, cluster: ClusterUnderTest) -> Iterator[object]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU", base_url=cluster.url)
    yield ctx
    ctx.close()


def _login(pg) -> str:
    """Log in through the form; the address of the portal process that took the login."""
    goto_live(pg, "/login")
    pg.fill("#email", DEMO_EMAIL)
    pg.fill("#password", DEMO_PASSWORD)
    with pg.expect_response(re.compile(r"/api/session/login")) as answer:
        until_live(pg, lambda: pg.click("button[type=submit]"))
    pg.wait_for_url("**/dashboard**")
    return answer.value.headers.get("x-upstream", "")


def _serving(cluster: ClusterUnderTest, expected_pages: int = 1, timeout: float = 10) -> list[str]:
    """The portal processes holding this test's open page websockets, once they add up."""
    deadline = time.monotonic() + timeout
    while True:
        counts = {}
        for name in cluster.names:
            try:
                counts[name] = cluster.metric(name, "ispgo_portal_connected_pages")
            except OSError:
                counts[name] = 0.0  # killed: it serves nobody
        if sum(counts.values()) == expected_pages or time.monotonic() > deadline:
            return [name for name, count in counts.items() for _ in range(int(count))]
        time.sleep(0.2)


def _shows_the_demo_customer(pg) -> None:
    expect(pg.get_by_text(DEMO_EMAIL).first).to_be_visible()
    assert "/login" not in pg.url


def test_log_in_through_one_process_and_continue_on_the_other(context, cluster) -> None:
    pg = context.new_page()
    login_upstream = _login(pg)
    assert login_upstream in {f"127.0.0.1:{port}" for port in cluster.portal_ports}

    seen: set[str] = set()
    for _ in range(12):
        goto_live(pg, "/dashboard")
        _shows_the_demo_customer(pg)
        [holder] = _serving(cluster)
        seen.add(holder)
        if seen == set(cluster.names):
            break
    assert seen == set(cluster.names), f"nginx sent every reload to {seen}"


def test_killing_the_customers_process_mid_payment_loses_nothing(context, cluster) -> None:
    watcher = context.new_page()
    _login(watcher)
    goto_live(watcher, "/balance")
    before = cluster.sql("SELECT balance FROM users WHERE email = %s", DEMO_EMAIL)[0][0]

    # The payment in flight: YooKassa's checkout open in a second tab of the same browser.
    checkout = context.new_page()
    goto_live(checkout, "/balance")
    checkout.fill("#topup-amount", "250")
    checkout.click("#topup-submit")
    checkout.wait_for_url("**/emulator/checkout/**")

    [victim] = _serving(cluster)  # the process holding the watcher's websocket
    [survivor] = set(cluster.names) - {victim}
    old_pid = cluster.pid(victim)
    # The whole process: `reflex run` and the server process it started (same group).
    os.killpg(old_pid, signal.SIGKILL)

    checkout.click("#pay-button")
    checkout.wait_for_url(re.compile(r"/payments/return/?\?payment=\d+"))
    expect(checkout.locator("#payment-result")).to_contain_text("Баланс пополнен", timeout=60_000)

    # The watcher's page reconnects through nginx to the survivor, still logged in, and shows
    # the credited balance (navigation inside the app runs over the reconnected websocket).
    watcher.get_by_role("link", name="Дашборд").first.click()
    watcher.wait_for_url("**/dashboard**")
    _shows_the_demo_customer(watcher)
    watcher.get_by_role("link", name="Баланс").first.click()
    watcher.wait_for_url("**/balance**")
    credited = before + 25_000
    expect(watcher.locator("#balance-value")).to_have_text(format_rub(credited), timeout=30_000)

    # Both tabs (the watcher and the return page) are now on the survivor.
    assert _serving(cluster, expected_pages=2) == [survivor, survivor], "a websocket stayed on the killed process"

    # Credited exactly once, whatever answered: the webhook, the return page's check, reconciliation.
    [[payment_id]] = cluster.sql("SELECT id FROM payments WHERE status = 'succeeded'")
    entries = cluster.sql("SELECT amount FROM ledger_entries WHERE reference = %s", f"payment:{payment_id}")
    assert entries == [(25_000,)]
    [[balance, ledger_sum]] = cluster.sql(
        "SELECT u.balance, COALESCE(SUM(l.amount), 0) FROM users u LEFT JOIN ledger_entries l "
        "ON l.user_id = u.id WHERE u.email = %s GROUP BY u.balance", DEMO_EMAIL)
    assert balance == ledger_sum == credited

    # The runner starts the killed process again; it serves again.
    deadline = time.monotonic() + 120
    while cluster.pid(victim) == old_pid and time.monotonic() < deadline:
        time.sleep(0.5)
    assert cluster.pid(victim) != old_pid
    wait_healthy(f"{cluster.portal_url(victim)}/api/health", 180)
