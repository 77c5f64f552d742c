"""The YooKassa emulator as a standalone server, the portal's HTTP API as another, and the
real SDK between them: the gateway is pointed at the emulator through YOOKASSA_API_URL.

Both are per test module, so the environment they change is restored before other test
packages (the browser tests' portal inherits the environment) run."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from ispgo_portal.payments.emulator import create_emulator_app
from ispgo_portal.payments.emulator_control import EmulatorControl
from ispgo_portal.payments.emulator_server import ThreadedServer
from ispgo_portal.payments.emulator_store import EmulatorConfig

FAST_RETRIES = [0.2, 0.5, 1.0, 2.0]


@pytest.fixture(scope="module")
def emulator() -> Iterator[ThreadedServer]:
    # The portal's own origin (BASE_URL) is where payments may send the customer back.
    config = EmulatorConfig(return_origins=(os.environ["BASE_URL"].rstrip("/"),))
    server = ThreadedServer(create_emulator_app(config)).start()
    config.public_url = server.url  # the checkout page lives on this server
    yield server
    server.stop()


@pytest.fixture(scope="module")
def portal_api(emulator: ThreadedServer) -> Iterator[ThreadedServer]:
    """The portal's own HTTP app (webhook, health…) configured for the emulator."""
    from ispgo_portal.settings import get_settings

    saved = {k: os.environ.get(k) for k in ("YOOKASSA_API_URL", "YOOKASSA_TIMEOUT")}
    os.environ["YOOKASSA_API_URL"] = f"{emulator.url}/v3"
    os.environ["YOOKASSA_TIMEOUT"] = "2"  # a hanging emulator times out quickly
    get_settings.cache_clear()
    from ispgo_portal.api.app import create_api

    server = ThreadedServer(create_api()).start()
    yield server
    server.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()


@pytest.fixture
def control(emulator: ThreadedServer, portal_api: ThreadedServer) -> Iterator[EmulatorControl]:
    """A clean emulator whose notifications go to the portal, retried quickly."""
    ctl = EmulatorControl(emulator.url)
    ctl.reset()
    ctl.webhooks(url=f"{portal_api.url}/api/yookassa/webhook", retry_delays=FAST_RETRIES)
    yield ctl
    ctl.reset()
    ctl.configure(confirmation_timeout=3600)
    ctl.close()


@pytest.fixture
def webhook_url(portal_api: ThreadedServer) -> str:
    return f"{portal_api.url}/api/yookassa/webhook"
