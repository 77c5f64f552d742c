"""The FastAPI (Starlette) app mounted next to Reflex's backend (`rx.App(api_transformer=...)`)."""

from __future__ import annotations

import importlib

from fastapi import FastAPI
from starlette.routing import BaseRoute

# Each module exposes `routes`; modules of features not installed are simply absent.
ROUTE_MODULES = [
    "ispgo_portal.api.health",
    "ispgo_portal.api.payments",
    "ispgo_portal.api.licenses",
    "ispgo_portal.api.attachments",
    "ispgo_portal.api.sessions",
    "ispgo_portal.api.metrics",
    "ispgo_portal.payments.emulator_mount",
]


def collect_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for name in ROUTE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        routes.extend(module.routes)
    return routes


def create_api() -> FastAPI:
    from starlette.middleware import Middleware

    from ispgo_portal.api import rest
    from ispgo_portal.api.upload_limit import UploadSizeLimit

    # FastAPI is Starlette: the routes above keep their paths and come first; the customer
    # REST API follows. FastAPI's own /docs pages are off (the portal has its own /docs).
    app = FastAPI(routes=collect_routes(), middleware=[Middleware(UploadSizeLimit)],
                  openapi_url=rest.OPENAPI_URL, docs_url=None, redoc_url=None)
    rest.mount(app)
    # Reflex's whole backend is mounted inside this app, so the cap also covers its /_upload.
    return app
