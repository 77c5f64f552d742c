"""Reflex configuration. Values come from the portal's settings (environment / .env)."""

import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin

from ispgo_portal.settings import get_settings

_settings = get_settings()
_settings.ensure_dirs()

config = rx.Config(
    app_name="ispgo_portal",
    db_url=_settings.db_url,
    # Only the portal's own origin (both loopback names in the embedded default) may open the websocket.
    cors_allowed_origins=_settings.allowed_origins,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_port=3000,
    backend_port=3000,
    disable_plugins=[SitemapPlugin],
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(appearance="light", accent_color="blue", radius="medium", scaling="100%")
        )
    ],
    **({"redis_url": _settings.redis_url} if _settings.redis_url and _settings.is_production else {}),
)
