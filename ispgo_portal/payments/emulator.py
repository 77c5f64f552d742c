"""A local YooKassa: the HTTP API v3 subset the portal uses, a checkout page and webhooks.

It is the payment provider of the embedded default (mounted at /emulator on the portal's
own server) and a standalone server in tests, always driven by the official SDK over HTTP:

  POST /v3/payments, GET /v3/payments/{id}, POST /v3/payments/{id}/capture|cancel,
  POST /v3/refunds, GET /v3/refunds?payment_id=, GET /v3/refunds/{id}
                                               Basic auth, Idempotence-Key on every POST
  GET|POST /checkout/{id}                      «Оплатить» / «Отменить», then back to return_url

It behaves as YooKassa does (https://yookassa.ru/developers/using-api/interaction-format):
  * idempotence: the same key with the same request gets the first answer again, with
    another request a 400; a key lives 24 h (`idempotence_ttl`), then it is a new request;
    a second request while the first with the key still runs gets
    202 {"type": "processing", "description", "retry_after": ms};
  * errors use YooKassa's body {"type": "error", "id", "code", "description", "parameter"};
  * 54-FZ receipts are checked strictly (payment_mode, payment_subject, vat_code 1–12,
    descriptions up to 128 characters, sums); a partial refund of a payment with a receipt
    needs its own receipt; metadata: at most 16 keys of up to 32 characters, string values
    of up to 512; parameters it does not emulate (payment_method_id, save_payment_method…)
    are refused, never ignored; return_url must be http(s) on the shop's own origin;
  * lifecycle: an unpaid payment is canceled (expired_on_confirmation) after
    `confirmation_timeout`, a waiting_for_capture one carries `expires_at` and is canceled
    (expired_on_capture) after `capture_timeout`, on time and with payment.canceled pushed,
    whether or not anyone reads it; `confirmation` disappears once the customer has paid;
  * refunds end succeeded, pending (later succeeded or canceled) or canceled with
    `cancellation_details`; only refund.succeeded is notified, as by YooKassa;
  * notifications count as delivered only on HTTP 200 and are retried for 24 hours.

Control API for tests and benchmarks, loopback clients only (`emulator_control`), JSON in
and out, all `POST /control/...` except the two reads:
  reset                        forget everything, default knobs
  faults {target, mode, count, seconds, retry_after}
                               the next `count` calls of `target` (create_payment,
                               get_payment, capture_payment, cancel_payment, create_refund,
                               get_refund, list_refunds or any) fail: 500, 500_after (done,
                               then 500), 429, hang (`seconds`, the work still happens) or
                               processing_202 (202 with `retry_after` ms, nothing done)
  refund_outcomes {status, reason, notify_pending, count}
                               how the next refunds end: succeeded, pending, or canceled
                               with a reason (insufficient_funds, rejected_by_payee,
                               yoo_money_account_closed…)
  refunds/{id}/resolve {status, reason}   a pending refund succeeds or is canceled
  clock {advance}              move the emulator's clock `advance` seconds forward
  config {confirmation_timeout, capture_timeout, idempotence_ttl, return_origins,
          processing_retry_after}
  webhooks {drop, delay, duplicate, hold, url, retry_delays, retry_scale}
  webhooks/release {order}     send held notifications (fifo or reverse)
  payments/{id}/pay|decline|notify        act as the customer, or push a notification again
  methods/{id}/decline {reason}           charges of a saved method end canceled ("" : succeed)
  GET methods, POST methods {last4}       saved methods; add one (as saved by an earlier payment)
  GET deliveries, GET payments what was delivered; payments and refunds with the fields
                               only tests see (`_receipt`), and API calls per endpoint

Run standalone: python -m ispgo_portal.payments.emulator --port 8765 --webhook-url URL
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import contextlib
import hashlib
import html
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ispgo_portal.payments.emulator_control import control_routes
from ispgo_portal.payments.emulator_store import (
    ApiProblem,
    EmulatorConfig,
    EmulatorStore,
    invalid,
    public_view,
)
from ispgo_portal.payments.emulator_webhooks import WebhookSender

Handler = Callable[[dict[str, Any], Request], dict[str, Any]]
SWEEP_EVERY = 0.5  # seconds between expiry checks


def _error(problem: ApiProblem) -> JSONResponse:
    return JSONResponse(problem.body, status_code=problem.status)


def _authorized(request: Request, config: EmulatorConfig) -> bool:
    header = request.headers.get("authorization", "")
    if not header.startswith("Basic "):
        return False
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return user == config.shop_id and password == config.secret_key


PROCESSING = "Request accepted, but not processed yet. Retry with the same Idempotence-Key"


def _processing(retry_after: int) -> JSONResponse:
    """YooKassa's 202: still working; ask again after `retry_after` milliseconds."""
    return JSONResponse({"type": "processing", "description": PROCESSING, "retry_after": retry_after},
                        status_code=202)


class EmulatorApi:
    def __init__(self, store: EmulatorStore) -> None:
        self.store = store
        self._sweeper: asyncio.Task | None = None

    def _ensure_sweeper(self) -> None:
        """Expiry happens on time, read or not (a mounted app gets no lifespan of its own)."""
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_EVERY)
            self.store.sweep()

    async def _run(self, request: Request, target: str, handler: Handler, *, post: bool) -> Response:
        store = self.store
        self._ensure_sweeper()
        if not _authorized(request, store.config):
            return _error(ApiProblem(401, "invalid_credentials",
                                     "Authentication by given credentials failed"))
        fault = store.take_fault(target)
        if fault and fault.mode == "processing_202":
            return _processing(fault.retry_after)
        if fault and fault.mode == "500":
            return _error(ApiProblem(500, "internal_server_error", "Internal server error"))
        if fault and fault.mode == "429":
            problem = ApiProblem(429, "too_many_requests", "Too many requests")
            problem.body["retry_after"] = 1000
            return _error(problem)
        key = request.headers.get("idempotence-key", "") if post else ""
        if key and key in store.in_flight:  # the first request with this key still runs
            return _processing(store.config.processing_retry_after)
        try:
            body = await self._body(request) if post else {}
            if post:
                self._check_key(key)
            if fault and fault.mode == "hang":  # the client's timeout fires first; the work goes on
                if key:
                    store.in_flight.add(key)
                try:
                    await asyncio.sleep(fault.seconds)
                finally:
                    store.in_flight.discard(key)
            if post:
                status, answer = self._idempotent(key, request, body, handler)
            else:
                status, answer = 200, public_view(handler(body, request))
        except ApiProblem as problem:
            return _error(problem)
        if fault and fault.mode == "500_after":  # done, but the client hears a failure
            return _error(ApiProblem(500, "internal_server_error", "Internal server error"))
        return JSONResponse(answer, status_code=status)

    @staticmethod
    async def _body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise invalid("Request body is not valid JSON") from exc
        if not isinstance(body, dict):
            raise invalid("Request body must be a JSON object")
        return body

    @staticmethod
    def _check_key(key: str) -> None:
        if not key:
            raise invalid("Idempotence-Key header is required", "Idempotence-Key")
        if len(key) > 64:
            raise invalid("Idempotence-Key is longer than 64 characters", "Idempotence-Key")

    def _idempotent(self, key: str, request: Request, body: dict[str, Any],
                    handler: Handler) -> tuple[int, dict[str, Any]]:
        """Same key and request within the key's life: the first answer again. After it
        (24 h by default) the key is forgotten and the request is a new one."""
        fingerprint = hashlib.sha256(
            f"{request.url.path}\n{json.dumps(body, sort_keys=True)}".encode()).hexdigest()
        seen = self.store.recall(key)
        if seen is not None:
            if seen[0] != fingerprint:
                raise invalid("Idempotence key duplicated with other request parameters",
                              "Idempotence-Key")
            return seen[1], seen[2]
        try:
            status, answer = 200, public_view(handler(body, request))
        except ApiProblem as problem:
            status, answer = problem.status, problem.body
        self.store.remember(key, fingerprint, status, answer)
        return status, answer

    # --- endpoints ---
    async def create_payment(self, request: Request) -> Response:
        return await self._run(request, "create_payment",
                               lambda body, _r: self.store.create_payment(body), post=True)

    async def get_payment(self, request: Request) -> Response:
        return await self._run(request, "get_payment", lambda _b, r: self.store.get_payment(
            r.path_params["payment_id"]), post=False)

    async def capture_payment(self, request: Request) -> Response:
        return await self._run(request, "capture_payment", lambda body, r: self.store.capture(
            r.path_params["payment_id"], body), post=True)

    async def cancel_payment(self, request: Request) -> Response:
        return await self._run(request, "cancel_payment", lambda _b, r: self.store.cancel(
            r.path_params["payment_id"]), post=True)

    async def create_refund(self, request: Request) -> Response:
        return await self._run(request, "create_refund",
                               lambda body, _r: self.store.create_refund(body), post=True)

    async def get_refund(self, request: Request) -> Response:
        return await self._run(request, "get_refund", lambda _b, r: self.store.get_refund(
            r.path_params["refund_id"]), post=False)

    async def list_refunds(self, request: Request) -> Response:
        return await self._run(request, "list_refunds", lambda _b, r: self.store.list_refunds(
            r.query_params.get("payment_id", "")), post=False)

    async def refunds(self, request: Request) -> Response:
        if request.method == "POST":
            return await self.create_refund(request)
        return await self.list_refunds(request)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/v3/payments", self.create_payment, methods=["POST"]),
            Route("/v3/payments/{payment_id}", self.get_payment, methods=["GET"]),
            Route("/v3/payments/{payment_id}/capture", self.capture_payment, methods=["POST"]),
            Route("/v3/payments/{payment_id}/cancel", self.cancel_payment, methods=["POST"]),
            Route("/v3/refunds", self.refunds, methods=["GET", "POST"]),
            Route("/v3/refunds/{refund_id}", self.get_refund, methods=["GET"]),
        ]


# --- checkout page ---------------------------------------------------------------------------

DECLINE_REASONS = {
    "general_decline": "Банк отклонил платёж",
    "insufficient_funds": "Недостаточно средств",
    "3d_secure_failed": "Не пройдена проверка 3-D Secure",
    "expired_on_confirmation": "Покупатель не завершил оплату",
}

PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Оплата — эмулятор ЮKassa</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;margin:0;color:#1f2328}}
main{{max-width:420px;margin:40px auto;background:#fff;border-radius:12px;padding:28px;box-shadow:0 1px 4px #0002}}
h1{{font-size:20px;margin:0 0 4px}} .muted{{color:#667085;font-size:14px}} .sum{{font-size:32px;font-weight:700;margin:16px 0}}
button{{font-size:16px;padding:12px 16px;border-radius:8px;border:0;cursor:pointer;width:100%;margin-top:10px}}
#pay-button{{background:#2563eb;color:#fff}} #cancel-button{{background:#eef0f3;color:#1f2328}}
select{{width:100%;padding:8px;border-radius:8px;border:1px solid #ccd;margin-top:4px;font-size:14px}}
label{{font-size:13px;color:#667085;display:block;margin-top:14px}}
</style></head><body><main>
<h1>ЮKassa · тестовый режим</h1>
<div class="muted">Эмулятор: деньги не списываются</div>
{content}
</main></body></html>"""


def _money_ru(value: str) -> str:
    rubles, _, kopecks = value.partition(".")
    grouped = f"{int(rubles):,}".replace(",", "\u00a0")
    return f"{grouped},{kopecks or '00'}\u00a0₽"


class Checkout:
    def __init__(self, store: EmulatorStore) -> None:
        self.store = store

    def _page(self, content: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(PAGE.format(content=content), status_code=status)

    async def show(self, request: Request) -> Response:
        payment = self.store.payments.get(request.path_params["payment_id"])
        if payment is None:
            return self._page("<p>Платёж не найден.</p>", 404)
        self.store.expire_if_due(payment["id"])
        description = html.escape(payment.get("description") or "")
        if payment["status"] != "pending":
            state = {"succeeded": "оплачен", "canceled": "отменён",
                     "waiting_for_capture": "ожидает подтверждения магазином"}.get(payment["status"], "")
            back = html.escape(payment.get("_return_url", ""))
            link = f'<p><a id="back-link" href="{back}">Вернуться в магазин</a></p>' if back else ""
            return self._page(f"<p id=\"payment-state\">Платёж {state}.</p>{link}")
        options = "".join(f'<option value="{html.escape(code)}">{html.escape(text)}</option>'
                          for code, text in DECLINE_REASONS.items())
        # Shown when the shop asked to keep the card (save_payment_method); the payer decides.
        remember = ('<label class="remember"><input type="checkbox" id="save-method" name="save_method" '
                    'value="on" checked> Запомнить карту</label>') if payment.get("_save_method") else ""
        return self._page(
            f'<div class="sum" id="amount">{html.escape(_money_ru(payment["amount"]["value"]))}</div>'
            f'<div>{description}</div>'
            '<form method="post">'
            f'{remember}'
            '<button id="pay-button" name="action" value="pay" type="submit">Оплатить</button>'
            '<label for="reason">Причина отказа (для «Отменить»)</label>'
            f'<select id="reason" name="reason">{options}</select>'
            '<button id="cancel-button" name="action" value="cancel" type="submit">Отменить</button>'
            "</form>"
        )

    async def act(self, request: Request) -> Response:
        payment_id = request.path_params["payment_id"]
        form = await request.form()
        action = str(form.get("action") or "")
        reason = str(form.get("reason") or "general_decline")
        try:
            if action == "pay":
                payment = self.store.pay(payment_id, save_method=form.get("save_method") == "on")
            elif action == "cancel":
                payment = self.store.decline(payment_id, reason if reason in DECLINE_REASONS
                                             else "general_decline")
            else:
                return self._page("<p>Неизвестное действие.</p>", 400)
        except ApiProblem:
            return await self.show(request)
        if payment.get("_return_url"):
            return RedirectResponse(payment["_return_url"], status_code=303)
        return await self.show(request)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/checkout/{payment_id}", self.show, methods=["GET"]),
            Route("/checkout/{payment_id}", self.act, methods=["POST"]),
        ]


def create_emulator_app(config: EmulatorConfig | None = None) -> Starlette:
    config = config or EmulatorConfig()
    store = EmulatorStore(config)
    sender = WebhookSender(config)

    store.on_event = sender.notify
    api = EmulatorApi(store)
    routes: list[BaseRoute] = [*api.routes(), *Checkout(store).routes()]
    if config.control_enabled:
        routes += control_routes(store, sender)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        api.stop()
        await sender.aclose()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.store = store
    app.state.sender = sender
    return app


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Local YooKassa emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--webhook-url", default="")
    parser.add_argument("--public-url", default="")
    args = parser.parse_args(argv)
    config = EmulatorConfig(public_url=args.public_url or f"http://{args.host}:{args.port}",
                            webhook_url=args.webhook_url)
    uvicorn.run(create_emulator_app(config), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
