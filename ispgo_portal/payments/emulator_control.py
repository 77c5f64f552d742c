"""The emulator's control API (for tests and benchmarks) and a small client for it.

Only loopback clients may use it. It makes the next N API calls fail (500, 500 after
doing the work, 429, 202 "processing", or hang past the client's timeout), chooses how the
next refunds end, moves the emulator's clock, turns the webhook knobs (drop, delay,
duplicate, hold and release in any order, 24 h of retries compressed), pays or declines a
payment without a browser, and shows what was delivered. The routes are listed in the
`emulator` module's docstring.
"""

from __future__ import annotations

import ipaddress
import ssl
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ispgo_portal.payments.emulator_store import ApiProblem, EmulatorStore, public_view
from ispgo_portal.payments.emulator_webhooks import DeliveryControls, WebhookSender


def _is_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


# Knobs a test may turn and `reset` puts back as the emulator was started.
TUNABLES = ("confirmation_timeout", "capture_timeout", "idempotence_ttl", "processing_retry_after",
            "return_origins", "retry_delays", "retry_scale")


def control_routes(store: EmulatorStore, sender: WebhookSender) -> list[BaseRoute]:
    started = {name: getattr(store.config, name) for name in TUNABLES}

    def guarded(fn):
        async def endpoint(request: Request) -> Response:
            if not _is_loopback(request):
                return JSONResponse({"error": "control API is for loopback clients"}, status_code=403)
            try:
                return JSONResponse(await fn(request))
            except ApiProblem as problem:
                return JSONResponse(problem.body, status_code=problem.status)
            except (ValueError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return endpoint

    async def reset(_request: Request) -> dict[str, Any]:
        store.reset()
        for name, value in started.items():
            setattr(store.config, name, value)
        sender.reset()
        return {"ok": True}

    async def faults(request: Request) -> dict[str, Any]:
        body = await _json(request)
        store.add_fault(target=str(body.get("target", "any")), mode=str(body.get("mode", "")),
                        count=int(body.get("count", 1)), seconds=float(body.get("seconds", 30)),
                        retry_after=int(body.get("retry_after", 1000)))
        return {"ok": True, "pending": len(store.faults)}

    async def refund_outcomes(request: Request) -> dict[str, Any]:
        body = await _json(request)
        store.add_refund_outcome(status=str(body.get("status", "")),
                                 reason=str(body.get("reason", "insufficient_funds")),
                                 notify_pending=bool(body.get("notify_pending", False)),
                                 count=int(body.get("count", 1)))
        return {"ok": True, "queued": len(store.refund_outcomes)}

    async def resolve_refund(request: Request) -> dict[str, Any]:
        body = await _json(request)
        return public_view(store.resolve_refund(request.path_params["refund_id"], str(body.get("status", "")),
                                                str(body.get("reason", "insufficient_funds"))))

    async def clock(request: Request) -> dict[str, Any]:
        body = await _json(request)
        advance = float(body.get("advance", 0))
        if advance < 0:
            raise ValueError("the clock only moves forward")
        store.advance(advance)
        return {"now": store.now().isoformat()}

    async def webhooks(request: Request) -> dict[str, Any]:
        body = await _json(request)
        controls = sender.controls
        sender.controls = DeliveryControls(
            drop=int(body.get("drop", controls.drop)),
            delay=float(body.get("delay", controls.delay)),
            duplicate=int(body.get("duplicate", controls.duplicate)),
            hold=bool(body.get("hold", controls.hold)),
        )
        if "url" in body:
            store.config.webhook_url = str(body["url"])
        if "retry_delays" in body:
            store.config.retry_delays = tuple(float(x) for x in body["retry_delays"])
        if "retry_scale" in body:
            store.config.retry_scale = float(body["retry_scale"])
        return {"ok": True}

    async def release(request: Request) -> dict[str, Any]:
        body = await _json(request)
        return {"released": sender.release(order=str(body.get("order", "fifo")))}

    async def deliveries(_request: Request) -> dict[str, Any]:
        return {"deliveries": list(sender.deliveries), "held": len(sender.held)}

    async def payments(_request: Request) -> dict[str, Any]:
        # Internal fields too (`_receipt`, `_capture`): tests check what was sent.
        return {"payments": list(store.payments.values()), "refunds": list(store.refunds.values()),
                "calls": dict(store.calls)}

    async def pay(request: Request) -> dict[str, Any]:
        body = await _json(request)
        return public_view(store.pay(request.path_params["payment_id"],
                                     save_method=body.get("save_method", True) is not False,
                                     last4=str(body.get("last4") or "4477")[-4:].rjust(4, "0")))

    async def decline_method(request: Request) -> dict[str, Any]:
        body = await _json(request)
        store.decline_method(request.path_params["method_id"], str(body.get("reason") or ""))
        return {"ok": True}

    async def methods(request: Request) -> dict[str, Any]:
        if request.method == "POST":  # a card saved earlier, for seeding tests
            body = await _json(request)
            return store.add_method(str(body.get("last4") or "4477")[-4:].rjust(4, "0"))
        return {"methods": list(store.methods.values()), "declines": dict(store.method_declines)}

    async def decline(request: Request) -> dict[str, Any]:
        body = await _json(request)
        return public_view(store.decline(request.path_params["payment_id"],
                                         str(body.get("reason", "general_decline"))))

    async def notify(request: Request) -> dict[str, Any]:
        body = await _json(request)
        payment = store.get_payment(request.path_params["payment_id"])
        sender.resend(str(body.get("event") or f"payment.{payment['status']}"), payment)
        return {"ok": True}

    async def config(request: Request) -> dict[str, Any]:
        body = await _json(request)
        cfg = store.config
        for name in ("confirmation_timeout", "capture_timeout", "idempotence_ttl"):
            if name in body:
                setattr(cfg, name, float(body[name]))
        if "processing_retry_after" in body:
            cfg.processing_retry_after = int(body["processing_retry_after"])
        if "return_origins" in body:
            cfg.return_origins = tuple(str(o).rstrip("/").lower() for o in body["return_origins"])
        return {"confirmation_timeout": cfg.confirmation_timeout, "capture_timeout": cfg.capture_timeout,
                "idempotence_ttl": cfg.idempotence_ttl, "return_origins": list(cfg.allowed_origins()),
                "webhook_url": cfg.webhook_url}

    return [
        Route("/control/reset", guarded(reset), methods=["POST"]),
        Route("/control/faults", guarded(faults), methods=["POST"]),
        Route("/control/refund_outcomes", guarded(refund_outcomes), methods=["POST"]),
        Route("/control/refunds/{refund_id}/resolve", guarded(resolve_refund), methods=["POST"]),
        Route("/control/clock", guarded(clock), methods=["POST"]),
        Route("/control/webhooks", guarded(webhooks), methods=["POST"]),
        Route("/control/webhooks/release", guarded(release), methods=["POST"]),
        Route("/control/deliveries", guarded(deliveries), methods=["GET"]),
        Route("/control/payments", guarded(payments), methods=["GET"]),
        Route("/control/payments/{payment_id}/pay", guarded(pay), methods=["POST"]),
        Route("/control/payments/{payment_id}/decline", guarded(decline), methods=["POST"]),
        Route("/control/payments/{payment_id}/notify", guarded(notify), methods=["POST"]),
        Route("/control/config", guarded(config), methods=["POST"]),
        Route("/control/methods", guarded(methods), methods=["GET", "POST"]),
        Route("/control/methods/{method_id}/decline", guarded(decline_method), methods=["POST"]),
    ]


class EmulatorControl:
    """Client of the control API: `EmulatorControl("http://127.0.0.1:8765")`."""

    def __init__(self, base_url: str, *, timeout: float = 30.0, verify: ssl.SSLContext | bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(timeout=timeout, verify=verify)

    def _post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self._http.post(f"{self.base_url}/control/{path}", json=body or {})
        response.raise_for_status()
        return response.json()

    def _get(self, path: str) -> dict[str, Any]:
        response = self._http.get(f"{self.base_url}/control/{path}")
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self._post("reset")

    def fail_next(self, mode: str, *, target: str = "any", count: int = 1, seconds: float = 30,
                  retry_after: int = 1000) -> None:
        """mode: 500 | 500_after | 429 | hang | processing_202."""
        self._post("faults", {"mode": mode, "target": target, "count": count, "seconds": seconds,
                              "retry_after": retry_after})

    def next_refunds(self, status: str, *, reason: str = "insufficient_funds", notify_pending: bool = False,
                     count: int = 1) -> None:
        """How the next refunds end: succeeded | pending | canceled (with `reason`)."""
        self._post("refund_outcomes", {"status": status, "reason": reason, "notify_pending": notify_pending,
                                       "count": count})

    def resolve_refund(self, refund_id: str, status: str, reason: str = "insufficient_funds") -> dict[str, Any]:
        return self._post(f"refunds/{refund_id}/resolve", {"status": status, "reason": reason})

    def advance(self, seconds: float) -> None:
        """Move the emulator's clock forward (key expiry, payment expiry)."""
        self._post("clock", {"advance": seconds})

    def refunds(self) -> list[dict[str, Any]]:
        return self._get("payments")["refunds"]

    def webhooks(self, **controls: Any) -> None:
        """drop=N, delay=s, duplicate=K, hold=bool, url=str, retry_delays=[...]."""
        self._post("webhooks", controls)

    def release(self, order: str = "fifo") -> int:
        return int(self._post("webhooks/release", {"order": order})["released"])

    def deliveries(self) -> list[dict[str, Any]]:
        return self._get("deliveries")["deliveries"]

    def payments(self) -> list[dict[str, Any]]:
        return self._get("payments")["payments"]

    def calls(self) -> dict[str, int]:
        """How many API calls each endpoint received since the last reset."""
        return self._get("payments")["calls"]

    def pay(self, payment_id: str, *, save_method: bool = True, last4: str = "4477") -> dict[str, Any]:
        return self._post(f"payments/{payment_id}/pay", {"save_method": save_method, "last4": last4})

    def methods(self) -> list[dict[str, Any]]:
        """Saved payment methods the emulator keeps for autopayments."""
        return self._get("methods")["methods"]

    def add_method(self, last4: str = "4477") -> dict[str, Any]:
        """A saved card as if a payer had saved it earlier: its YooKassa object."""
        return self._post("methods", {"last4": last4})

    def decline_method(self, method_id: str, reason: str) -> None:
        """Charges of this saved method are canceled with `reason` ("" : they succeed again)."""
        self._post(f"methods/{method_id}/decline", {"reason": reason})

    def decline(self, payment_id: str, reason: str = "general_decline") -> dict[str, Any]:
        return self._post(f"payments/{payment_id}/decline", {"reason": reason})

    def notify(self, payment_id: str, event: str = "") -> None:
        self._post(f"payments/{payment_id}/notify", {"event": event} if event else {})

    def configure(self, **values: Any) -> dict[str, Any]:
        return self._post("config", values)

    def close(self) -> None:
        self._http.close()
