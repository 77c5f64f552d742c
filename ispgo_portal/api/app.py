"""The FastAPI (Starlette) app mounted next to Reflex's backend (`rx.App(api_transformer=...)`)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.routing import BaseRoute

from ispgo_portal.api import attachments, documents, health, licenses, metrics, payments, sessions
from ispgo_portal.payments import emulator_mount

# Each module exposes `routes`.
ROUTE_MODULES = [health, payments, licenses, attachments, documents, sessions, metrics, emulator_mount]


def collect_routes() -> list[BaseRoute]:
    return [route for module in ROUTE_MODULES for route in module.routes]


def create_api() -> FastAPI:
    from starlette.middleware import Middleware

    from ispgo_portal.api import rest
    from ispgo_portal.api.request_id import RequestIdMiddleware
    from ispgo_portal.api.request_metrics import HttpMetricsMiddleware
    from ispgo_portal.api.upload_limit import UploadSizeLimit
    from ispgo_portal.logging_setup import configure_logging

    configure_logging()  # the portal process's one configuration (later calls do nothing)

    # FastAPI is Starlette: the routes above keep their paths and come first; the customer
    # REST API follows. FastAPI's own /docs pages are off (the portal has its own /docs).
    # Outermost first: the request id covers everything logged while serving, the timing
    # covers the size cap's refusals too.
    middleware = [Middleware(RequestIdMiddleware), Middleware(HttpMetricsMiddleware),
                  Middleware(UploadSizeLimit)]
    app = FastAPI(routes=collect_routes(), middleware=middleware,
                  openapi_url=rest.OPENAPI_URL, docs_url=None, redoc_url=None)
    rest.mount(app)
    # Reflex's whole backend is mounted inside this app, so the cap also covers its /_upload.
    return app
