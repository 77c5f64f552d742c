"""Payment HTTP routes: the YooKassa webhook and the history CSV download.

POST /api/yookassa/webhook — notifications carry no signature, so they are accepted only
from YooKassa's networks (loopback too while the built-in emulator is the provider), and
only the payment as fetched back from the API is acted on. Answers: 200 processed or
already processed (YooKassa stops), 4xx invalid (logged), 5xx transient (YooKassa retries).

GET /api/ledger/export.csv — the signed-in customer's history (same filters as the page),
streamed; the Баланс page triggers it with rx.download.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Iterable
from typing import Any

import anyio
from sqlalchemy.exc import DBAPIError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ispgo_portal.api.client_address import client_address
from ispgo_portal.payments import gateway
from ispgo_portal.services.accounts.cookie import SESSION_COOKIE
from ispgo_portal.services.billing.history import iter_ledger_csv, parse_history_filter
from ispgo_portal.services.billing.payments import settle_payment
from ispgo_portal.services.billing.refunds import settle_refund
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.guard import resolve_caller
from ispgo_portal.settings import Settings, get_settings

log = logging.getLogger(__name__)

PAYMENT_EVENTS = {"payment.succeeded", "payment.canceled", "payment.waiting_for_capture"}
MAX_BODY = 64 * 1024
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def source_address(request: Request, settings: Settings) -> str:
    """The notification's sender, taken the same way as every client address."""
    return client_address(request, settings)


def is_trusted_source(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


def _answer(http_status: int, result: str, **extra: Any) -> tuple[int, dict[str, Any]]:
    return http_status, {"result": result, **extra}


def _failure(exc: Exception) -> tuple[int, dict[str, Any]]:
    if isinstance(exc, DomainError):
        status = 404 if exc.code in ("payment_not_found", "refund_not_found", "not_found") else 422
        log.warning("webhook refused: %s", exc)
        return _answer(status, exc.code)
    log.warning("webhook deferred, YooKassa will retry: %s: %s", type(exc).__name__, exc)
    if isinstance(exc, gateway.GatewayError):
        return _answer(503, "gateway_unavailable")
    return _answer(503, "database_unavailable")


def process_notification(note: gateway.Notification) -> tuple[int, dict[str, Any]]:
    """Blocking: runs in a worker thread (it calls YooKassa and the database)."""
    try:
        if note.is_refund:
            if note.event != "refund.succeeded":
                return _answer(200, "ignored")
            settle_refund(yookassa_refund_id=note.object_id)
            return _answer(200, "processed")
        if note.event not in PAYMENT_EVENTS:
            return _answer(200, "ignored")
        result = settle_payment(yookassa_id=note.object_id)
    except (DomainError, gateway.GatewayError, DBAPIError) as exc:
        return _failure(exc)
    # 200 either way: we acted on YooKassa's own answer, a repeat would change nothing.
    return _answer(200, "processed" if result.applied else "no_change", status=result.status)


async def yookassa_webhook(request: Request) -> Response:
    settings = get_settings()
    source = source_address(request, settings)
    if not is_trusted_source(source, settings.trusted_networks):
        log.warning("webhook from untrusted address %r refused", source)
        return JSONResponse({"result": "forbidden"}, status_code=403)
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return JSONResponse({"result": "too_large"}, status_code=413)
    try:
        note = gateway.parse_notification(json.loads(raw))
    except (ValueError, gateway.InvalidNotification):
        return JSONResponse({"result": "invalid_notification"}, status_code=400)
    status, body = await anyio.to_thread.run_sync(process_notification, note)
    return JSONResponse(body, status_code=status)


async def export_ledger_csv(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    caller = await anyio.to_thread.run_sync(resolve_caller, token)
    if caller is None:
        return JSONResponse({"error": "Войдите в личный кабинет"}, status_code=401)
    params = request.query_params
    try:
        filters = parse_history_filter(kind=params.get("kind", ""), date_from=params.get("from", ""),
                                       date_to=params.get("to", ""))
    except DomainError as exc:
        return JSONResponse({"error": exc.message, "field": exc.field}, status_code=400)
    return StreamingResponse(
        iter_ledger_csv(user_id=caller.user_id, filters=filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ispgo-history.csv"',
                 "Cache-Control": "no-store"},
    )


routes = [
    Route("/api/yookassa/webhook", yookassa_webhook, methods=["POST"]),
    Route("/api/ledger/export.csv", export_ledger_csv, methods=["GET"]),
]
