"""The embedded default: without shop credentials the YooKassa emulator is mounted at
/emulator on the portal's own server, and the gateway talks to BASE_URL/emulator/v3.

Its notifications go to the portal's own webhook; they arrive from loopback, which the
webhook trusts only while the emulator is the provider. Never in production: its «Оплатить»
credits balances for nothing.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount

from ispgo_portal.payments import EMULATOR_MOUNT_PATH
from ispgo_portal.payments.emulator import create_emulator_app
from ispgo_portal.payments.emulator_store import EmulatorConfig
from ispgo_portal.settings import Settings, get_settings


def emulator_routes(settings: Settings | None = None) -> list[BaseRoute]:
    settings = settings or get_settings()
    if not settings.uses_emulator or settings.is_production:
        return []
    base = settings.base_url.rstrip("/")
    config = EmulatorConfig(
        public_url=f"{base}{EMULATOR_MOUNT_PATH}",
        webhook_url=f"{base}/api/yookassa/webhook",
        control_enabled=True,
    )
    return [Mount(EMULATOR_MOUNT_PATH, app=create_emulator_app(config))]


routes = emulator_routes()
