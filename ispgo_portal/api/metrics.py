"""`GET /metrics`: Prometheus text format, for the operator's monitoring.

Served to loopback clients (a scraper on the same machine; behind nginx the address is the
one the proxy reports) or with `Authorization: Bearer <METRICS_TOKEN>`; everyone else gets
404, as if it did not exist.

Two kinds of numbers. This process's own: CPU, memory, HTTP requests and their latency by
route (`api/request_metrics.py`), websocket events by handler — scrape each portal process
directly (its own port) to see them all. And the whole system's, read at each scrape from
the database and Redis, the same whichever process answers: payments credited and how long
after their creation (the webhook lag), renewals done and failed, open and flagged payments,
refunds to check, the outbox backlog, licenses by status and the Celery queue length. Those
are counted from rows rather than in memory because the work happens in any of several
processes (a webhook on portal-2, a reconciliation on a worker, the renewal pass on another):
the database is the one place that saw all of it, and its counts survive restarts.
"""

from __future__ import annotations

import hmac
import ipaddress
import sys
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ispgo_portal.api.client_address import client_address
from ispgo_portal.db import is_postgres, session_scope
from ispgo_portal.models import LedgerEntry, License, OutboxEmail, Payment, Refund
from ispgo_portal.settings import get_settings

OPEN_PAYMENT_STATUSES = ("new", "pending", "waiting_for_capture")
# Seconds from a payment's creation to its credit: a webhook in seconds, the return page or
# reconciliation in minutes, a lost notification found by reconciliation in hours.
LAG_BUCKETS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 21600.0, 86400.0)
CELERY_QUEUE = "celery"  # Celery's default queue: a Redis list of waiting messages


def _lag_seconds(session: Session) -> ColumnElement:
    if is_postgres(session):
        return func.extract("epoch", Payment.settled_at - Payment.created_at)
    return (func.julianday(Payment.settled_at) - func.julianday(Payment.created_at)) * 86400.0


def _credit_lag(session: Session) -> HistogramMetricFamily:
    """Every credited payment, cumulative (rows are never deleted, so the counts only grow)."""
    lag = _lag_seconds(session)
    columns = [func.count(Payment.id), func.coalesce(func.sum(lag), 0.0)]
    columns += [func.count(Payment.id).filter(lag <= bound) for bound in LAG_BUCKETS]
    row = session.exec(select(*columns).where(Payment.status == "succeeded",
                                              Payment.settled_at.is_not(None))).one()
    total, lag_sum, *counts = row
    buckets = [(str(bound), count) for bound, count in zip(LAG_BUCKETS, counts, strict=True)]
    buckets.append(("+Inf", total))
    return HistogramMetricFamily("ispgo_payment_credit_lag_seconds",
                                 "Seconds from a YooKassa payment's creation to its credit",
                                 buckets=buckets, sum_value=float(lag_sum))


def _celery_queue_length() -> int | None:
    url = get_settings().redis_url
    if not url:
        return None  # the embedded broker: no Redis list to measure
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        try:
            return int(client.llen(CELERY_QUEUE))
        finally:
            client.close()
    except redis.RedisError:
        return None


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
            credited = session.exec(select(func.count(Payment.id), func.coalesce(func.sum(Payment.amount), 0))
                                    .where(Payment.status == "succeeded", Payment.settled_at.is_not(None))).one()
            lag = _credit_lag(session)
            renewed = session.exec(select(func.count(LedgerEntry.id))
                                   .where(LedgerEntry.reference.startswith("autorenew:"))).one()
            # The renewal pass records one "renewal_failed" email per license and term it
            # could not renew (deduplicated), and outbox rows are kept.
            renewal_failed = session.exec(select(func.count(OutboxEmail.id))
                                          .where(OutboxEmail.dedupe_key.startswith("renewal_failed:"))).one()
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
        yield CounterMetricFamily("ispgo_payments_credited", "YooKassa payments credited",
                                  value=credited[0])
        yield CounterMetricFamily("ispgo_payments_credited_kopecks", "Kopecks credited from YooKassa payments",
                                  value=credited[1])
        yield lag
        renewals = CounterMetricFamily("ispgo_renewals", "Automatic renewals by outcome", labels=["outcome"])
        renewals.add_metric(["done"], renewed)
        renewals.add_metric(["failed"], renewal_failed)
        yield renewals
        queue = _celery_queue_length()
        if queue is not None:
            yield GaugeMetricFamily("ispgo_celery_queue_length", "Celery tasks waiting in the Redis queue",
                                    value=queue)
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
