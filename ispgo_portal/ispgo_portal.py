"""The Reflex app: pages and the extra HTTP API."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.api.app import create_api
from ispgo_portal.pages.registry import register_pages

app = rx.App(
    api_transformer=create_api(),
    head_components=[rx.el.link(rel="icon", href="/favicon.ico")],
)
register_pages(app)
