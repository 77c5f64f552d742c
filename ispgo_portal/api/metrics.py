"""`GET /metrics`: Prometheus text format, for the operator's monitoring.

Served to loopback clients (a scraper on the same machine; behind nginx the address is the
one the proxy reports) or with `Authorization: Bearer <METRICS_TOKEN>`; everyone else gets
404, as if it did not exist. Besides this process's own numbers (CPU, memory, open files),
each scrape reads a few counts from the database that say whether money and mail are
flowing: open and flagged payments, refunds to check, unsent mail, licenses by status. Every
portal process answers the same database numbers, so a scrape through nginx may reach any.
"""

from __future__ import annotations

import hmac
import ipaddress
import sys
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlmodel import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ispgo_portal.api.client_address import client_address
from ispgo_portal.db import session_scope
from ispgo_portal.models import License, OutboxEmail, Payment, Refund
from ispgo_portal.settings import get_settings

OPEN_PAYMENT_STATUSES = ("new", "pending", "waiting_for_capture")


class PortalCollector(Collector):
    """Counts read from the database at each scrape (a handful of indexed aggregates)."""

    def describe(self) -> list[GaugeMetricFamily]:
        # Without this, registering calls collect() at import, before the database exists.
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with session_scope() as session:
            open_payments = session.exec(select(func.count(Payment.id))
                                         .where(Payment.status.in_(OPEN_PAYMENT_STATUSES))).one()
            flagged = session.exec(select(func.count(Payment.id)).where(Payment.review_reason != "")).one()
            refunds = session.exec(select(func.count(Refund.id)).where(Refund.attention != "")).one()
            outbox = session.exec(select(OutboxEmail.status, func.count(OutboxEmail.id))
                                  .group_by(OutboxEmail.status)).all()
            licenses = session.exec(select(License.status, func.count(License.id))
                                    .group_by(License.status)).all()
        yield GaugeMetricFamily("ispgo_payments_open", "YooKassa payments not yet paid or canceled",
                                value=open_payments)
        yield GaugeMetricFamily("ispgo_payments_needing_review",
                                "Payments not credited because YooKassa reported other data", value=flagged)
        yield GaugeMetricFamily("ispgo_refunds_needing_review", "Refunds a person must check at YooKassa",
                                value=refunds)
        mail = GaugeMetricFamily("ispgo_outbox_emails", "Emails in the outbox by status", labels=["status"])
        for status, count in outbox:
            mail.add_metric([status], count)
        yield mail
        lic = GaugeMetricFamily("ispgo_licenses", "Licenses by stored status", labels=["status"])
        for status, count in licenses:
            lic.add_metric([status], count)
        yield lic
        yield GaugeMetricFamily("ispgo_portal_connected_pages", "Browser pages with a websocket on this process",
                                value=_connected_pages())


def _connected_pages() -> int:
    app_module = sys.modules.get("ispgo_portal.ispgo_portal")
    namespace = getattr(getattr(app_module, "app", None), "event_namespace", None)
    return len(namespace.token_to_sid) if namespace is not None else 0


_collector = PortalCollector()
REGISTRY.register(_collector)


def _allowed(request: Request) -> bool:
    token = get_settings().metrics_token.get_secret_value()
    if token:
        given = request.headers.get("authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    try:
        return ipaddress.ip_address(client_address(request)).is_loopback
    except ValueError:
        return False


async def metrics(request: Request) -> Response:
    if not _allowed(request):
        return PlainTextResponse("Not Found", status_code=404)
    body = await run_in_threadpool(generate_latest, REGISTRY)  # the collector reads the database
    return Response(body, media_type=CONTENT_TYPE_LATEST)


routes = [Route("/metrics", metrics, methods=["GET"])]
