"""The YooKassa gateway: the only module that imports the `yookassa` SDK.

It speaks the SDK, and gives the rest of the portal our own data classes and our own
errors. Four SDK habits are corrected here:
  * the SDK sets no HTTP timeout, so its requests session gets one (30 s by default:
    YooKassa may work on a request that long before it answers);
  * the SDK invents a new idempotence key per call, so we always pass ours, and a retry
    after a 500, a 429 or a timeout reuses it (YooKassa then answers with the same
    payment instead of creating a second one); a 4xx is never repeated;
  * the SDK retries YooKassa's 202 "processing" only over https, on a fixed backoff that
    ignores the `retry_after` YooKassa sends; we wait what YooKassa asks, over any scheme,
    and all retries of one call fit in RETRY_BUDGET seconds; a call that runs out of it
    says so (GatewayProcessing) instead of looking like a network failure;
  * a network failure surfaces as an `AttributeError` (the SDK reads `.response` of a
    `requests` exception that has none), which we tell apart from API errors.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from urllib3 import Retry
from yookassa import Configuration
from yookassa import Payment as SdkPayment
from yookassa import Refund as SdkRefund
from yookassa.client import ApiClient
from yookassa.domain.exceptions import (
    ApiError,
    InternalServerError,
    NotFoundError,
    ResponseProcessingError,
    TooManyRequestsError,
)
from yookassa.domain.notification import WebhookNotificationFactory

from ispgo_portal.money import from_api_amount, to_api_amount
from ispgo_portal.payments import EMULATOR_MOUNT_PATH, EMULATOR_SECRET_KEY, EMULATOR_SHOP_ID
from ispgo_portal.payments.gateway_models import (  # noqa: F401 - part of the gateway's interface
    CANCELLATION_REASONS_RU,
    RECEIPT_KINDS,
    GatewayConfig,
    GatewayError,
    GatewayNotFound,
    GatewayPayment,
    GatewayProcessing,
    GatewayRefund,
    GatewayRejected,
    GatewayUnavailable,
    InvalidNotification,
    Notification,
    SavedMethod,
    describe_cancellation,
    describe_refund_cancellation,
)
from ispgo_portal.settings import get_settings

log = logging.getLogger(__name__)

YOOKASSA_API_URL = "https://api.yookassa.ru/v3"
# Pauses before the 2nd and 3rd attempt of a call that failed transiently.
RETRY_DELAYS: tuple[float, ...] = (0.3, 1.0)
# Seconds one call may spend waiting between attempts (202 "processing" included); an
# attempt in flight still runs to its HTTP timeout.
RETRY_BUDGET = 35.0
MAX_RETRY_AFTER = 10.0  # seconds: a larger retry_after is capped
T = TypeVar("T")


# --- configuration -----------------------------------------------------------------------

_lock = threading.Lock()
_active: GatewayConfig | None = None


def config_from_settings() -> GatewayConfig:
    """Shop credentials and API URL. Without shop credentials the built-in emulator,
    mounted on the portal's own server, is the provider."""
    settings = get_settings()
    if settings.uses_emulator:
        shop_id, secret = EMULATOR_SHOP_ID, EMULATOR_SECRET_KEY
        default_url = f"{settings.base_url.rstrip('/')}{EMULATOR_MOUNT_PATH}/v3"
    else:
        shop_id, secret = settings.yookassa_shop_id, settings.yookassa_secret_key.get_secret_value()
        default_url = YOOKASSA_API_URL
    return GatewayConfig(
        shop_id=shop_id,
        secret_key=secret,
        api_url=(settings.yookassa_api_url or default_url).rstrip("/"),
        http_timeout=settings.yookassa_timeout,
    )


def _ensure_configured() -> GatewayConfig:
    """Configure the SDK (process-wide class attributes) when the settings change."""
    global _active
    wanted = config_from_settings()
    if wanted != _active:
        with _lock:
            if wanted != _active:
                # `timeout` here is the SDK's pause (ms) between its own retries of a 202
                # answer, not an HTTP timeout; that one is set on the session below.
                Configuration.configure(wanted.shop_id, wanted.secret_key, api_url=wanted.api_url,
                                        timeout=1000, max_attempts=3)
                _active = wanted
    return wanted


class _TimeoutSession(requests.Session):
    """A requests session with a default timeout, kept per thread so that connections to
    YooKassa are reused (the SDK opens a new session per call and closes it after)."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)

    def close(self) -> None:
        """Ignored: the SDK calls it after every request; the pool stays for the next call."""

    def really_close(self) -> None:
        super().close()


_sessions = threading.local()


class _TimeoutApiClient(ApiClient):
    def get_session(self) -> requests.Session:
        config = _active or config_from_settings()
        cached = getattr(_sessions, "value", None)
        if cached is not None and cached[0] == config:
            return cached[1]
        if cached is not None:
            cached[1].really_close()
        session = _TimeoutSession(config.http_timeout)
        # No retries down here: `_call` repeats 202s and failures itself, honouring
        # retry_after, within its budget, the same over http (emulator) and https (YooKassa).
        adapter = HTTPAdapter(max_retries=Retry(total=0, read=False, redirect=False, status=0,
                                                raise_on_status=False))
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        _sessions.value = (config, session)
        return session


class _Payments(SdkPayment):
    def __init__(self) -> None:
        self.client = _TimeoutApiClient()


class _Refunds(SdkRefund):
    def __init__(self) -> None:
        self.client = _TimeoutApiClient()


# --- calling with retries ----------------------------------------------------------------

def _retry_after(content: dict) -> float | None:
    try:
        return min(MAX_RETRY_AFTER, max(0.0, float(content["retry_after"]) / 1000))
    except (KeyError, TypeError, ValueError):
        return None


def _translate(exc: Exception) -> GatewayError | None:
    """Our error for an SDK failure, or None if it is not a gateway failure (a bug)."""
    if isinstance(exc, ApiError):
        content = exc.content or {}
        detail = str(content.get("description") or content.get("code") or type(exc).__name__)
        if content.get("type") == "processing":  # 202: accepted, not finished yet
            return GatewayProcessing("processing", detail, status=202, retry_after=_retry_after(content))
        if isinstance(exc, TooManyRequestsError | InternalServerError | ResponseProcessingError):
            return GatewayUnavailable("api_unavailable", detail, status=exc.HTTP_CODE,
                                      retry_after=_retry_after(content))
        if isinstance(exc, NotFoundError):
            return GatewayNotFound("not_found", detail, status=404)
        if exc.HTTP_CODE == 0:  # a status the SDK has no class for (502, 503, 504…)
            return GatewayUnavailable("api_unavailable", detail)
        return GatewayRejected(str(content.get("code") or "rejected"), detail, status=exc.HTTP_CODE,
                               parameter=str(content.get("parameter") or ""))
    if isinstance(exc, AttributeError) and isinstance(exc.__context__, requests.RequestException):
        exc = exc.__context__
    if isinstance(exc, requests.Timeout):
        return GatewayUnavailable("timeout", f"{type(exc).__name__}: {exc}")
    if isinstance(exc, requests.RequestException):  # includes a non-JSON error body
        return GatewayUnavailable("network", f"{type(exc).__name__}: {exc}")
    return None


def _call(operation: str, fn: Callable[[], T]) -> T:
    """Run one SDK call; repeat it with the same key after a transient failure (at most
    len(RETRY_DELAYS) times) or a 202 (as often as the budget allows), waiting what
    YooKassa asked for when it said."""
    _ensure_configured()
    deadline = time.monotonic() + RETRY_BUDGET
    failures = 0
    while True:
        try:
            return fn()
        except Exception as exc:
            error = _translate(exc)
            if error is None:
                raise
        if not isinstance(error, GatewayProcessing):
            failures += 1
        if not error.retryable or failures > len(RETRY_DELAYS):
            log.warning("yookassa %s failed for good: %s", operation, error)
            raise error from None
        wait = getattr(error, "retry_after", None)
        if wait is None:
            wait = RETRY_DELAYS[max(0, failures - 1)]
        if time.monotonic() + wait > deadline:
            log.warning("yookassa %s: retry budget of %.0f s spent, last answer: %s",
                        operation, RETRY_BUDGET, error)
            raise error from None
        log.info("yookassa %s: %s, again in %.1f s with the same key", operation, error, wait)
        time.sleep(wait)


# --- conversions -------------------------------------------------------------------------

def _text(obj: Any, name: str) -> str:
    return str(getattr(obj, name, "") or "") if obj is not None else ""


def _method_from_sdk(obj: Any) -> SavedMethod | None:
    method = getattr(obj, "payment_method", None)
    if method is None or not _text(method, "id"):
        return None
    card = getattr(method, "card", None)
    return SavedMethod(method_id=_text(method, "id"), saved=bool(getattr(method, "saved", False)),
                       type=_text(method, "type"), title=_text(method, "title"),
                       card_type=_text(card, "card_type"), last4=_text(card, "last4"),
                       expiry_month=_text(card, "expiry_month"), expiry_year=_text(card, "expiry_year"))


def _payment_from_sdk(obj: Any) -> GatewayPayment:
    confirmation = getattr(obj, "confirmation", None)
    details = getattr(obj, "cancellation_details", None)
    refunded = getattr(obj, "refunded_amount", None)
    return GatewayPayment(
        id=str(obj.id),
        status=str(obj.status),
        amount=from_api_amount(obj.amount.value),
        currency=str(obj.amount.currency),
        paid=bool(obj.paid),
        confirmation_url=str(getattr(confirmation, "confirmation_url", "") or ""),
        metadata={str(k): str(v) for k, v in dict(obj.metadata or {}).items()},
        cancellation_party=str(getattr(details, "party", "") or ""),
        cancellation_reason=str(getattr(details, "reason", "") or ""),
        refunded_amount=from_api_amount(refunded.value) if refunded is not None else 0,
        method=_method_from_sdk(obj),
    )


def _refund_from_sdk(obj: Any) -> GatewayRefund:
    details = getattr(obj, "cancellation_details", None)
    return GatewayRefund(
        id=str(obj.id),
        payment_id=str(obj.payment_id),
        status=str(obj.status),
        amount=from_api_amount(obj.amount.value),
        currency=str(obj.amount.currency),
        cancellation_reason=str(getattr(details, "reason", "") or ""),
        cancellation_party=str(getattr(details, "party", "") or ""),
        description=str(getattr(obj, "description", "") or ""),
    )


def build_receipt(*, customer_email: str, item_description: str, amount: int, purpose: str) -> dict:
    """A 54-FZ receipt with one line, as YooKassa expects it."""
    settings = get_settings()
    payment_mode, payment_subject = RECEIPT_KINDS.get(purpose, RECEIPT_KINDS["purchase"])
    receipt: dict[str, Any] = {
        "customer": {"email": customer_email},
        "items": [{
            "description": item_description[:128],
            "quantity": "1.00",
            "amount": {"value": to_api_amount(amount), "currency": "RUB"},
            "vat_code": settings.yookassa_vat_code,
            "payment_mode": payment_mode,
            "payment_subject": payment_subject,
        }],
    }
    if settings.yookassa_tax_system_code:
        receipt["tax_system_code"] = settings.yookassa_tax_system_code
    return receipt


def return_url_for(payment_id: int) -> str:
    return f"{get_settings().base_url.rstrip('/')}/payments/return?payment={payment_id}"


# --- operations --------------------------------------------------------------------------

def create_payment(
    *, payment_id: int, user_id: int, purpose: str, idempotence_key: str, amount: int,
    description: str, customer_email: str, receipt_item: str, return_url: str = "",
    save_payment_method: bool = False,
) -> GatewayPayment:
    """Create a redirect payment for our Payment row `payment_id`, captured automatically.
    The payer comes back to `return_url` if given (an API client's own page), else to ours.
    `save_payment_method`: ask YooKassa to keep the card for autopayments (it says in the
    paid payment's `payment_method.saved` whether it did)."""
    params = {
        "amount": {"value": to_api_amount(amount), "currency": "RUB"},
        "capture": True,
        "confirmation": {"type": "redirect", "return_url": return_url or return_url_for(payment_id)},
        "description": description[:128],
        "metadata": {"payment_id": str(payment_id), "user_id": str(user_id), "purpose": purpose},
        "receipt": build_receipt(customer_email=customer_email, item_description=receipt_item,
                                 amount=amount, purpose=purpose),
    }
    if save_payment_method:
        params["save_payment_method"] = True
    return _call("create_payment", lambda: _payment_from_sdk(
        _Payments.create(params, idempotence_key)))


def charge_saved_method(
    *, payment_id: int, user_id: int, purpose: str, idempotence_key: str, amount: int,
    description: str, customer_email: str, receipt_item: str, payment_method_id: str,
) -> GatewayPayment:
    """An autopayment: charge a saved method with no customer present (no confirmation).
    YooKassa answers succeeded or canceled (with `cancellation_details`) straight away."""
    params = {
        "amount": {"value": to_api_amount(amount), "currency": "RUB"},
        "capture": True,
        "payment_method_id": payment_method_id,
        "description": description[:128],
        "metadata": {"payment_id": str(payment_id), "user_id": str(user_id), "purpose": purpose},
        "receipt": build_receipt(customer_email=customer_email, item_description=receipt_item,
                                 amount=amount, purpose=purpose),
    }
    return _call("charge_saved_method", lambda: _payment_from_sdk(
        _Payments.create(params, idempotence_key)))


def fetch_payment(yookassa_id: str) -> GatewayPayment:
    return _call("fetch_payment", lambda: _payment_from_sdk(_Payments.find_one(yookassa_id)))


def capture_payment(yookassa_id: str, *, amount: int, idempotence_key: str) -> GatewayPayment:
    params = {"amount": {"value": to_api_amount(amount), "currency": "RUB"}}
    return _call("capture_payment", lambda: _payment_from_sdk(
        _Payments.capture(yookassa_id, params, idempotence_key)))


def build_refund_request(
    *, payment_yookassa_id: str, amount: int, description: str, purpose: str,
    customer_email: str = "", receipt_item: str = "Возврат оплаты",
) -> dict[str, Any]:
    """The body of POST /v3/refunds for `amount` kopecks of a succeeded payment. With
    `customer_email` a refund receipt (54-FZ) is attached whose items are sold as the
    original payment's were (`purpose`: a top-up is an advance, a license a service).
    The caller stores it and re-sends it unchanged: the same key with another body is a 400."""
    body: dict[str, Any] = {
        "payment_id": payment_yookassa_id,
        "amount": {"value": to_api_amount(amount), "currency": "RUB"},
        "description": description[:250],
    }
    if customer_email:
        body["receipt"] = build_receipt(customer_email=customer_email, item_description=receipt_item,
                                        amount=amount, purpose=purpose)
    return body


def send_refund(body: dict[str, Any], *, idempotence_key: str) -> GatewayRefund:
    """POST /v3/refunds with a body built by `build_refund_request`, exactly as given."""
    return _call("create_refund", lambda: _refund_from_sdk(_Refunds.create(dict(body), idempotence_key)))


def create_refund(
    *, payment_yookassa_id: str, amount: int, idempotence_key: str, description: str,
    customer_email: str = "", receipt_item: str = "Возврат оплаты", purpose: str = "purchase",
) -> GatewayRefund:
    """Build a refund request and send it (see `build_refund_request`)."""
    body = build_refund_request(payment_yookassa_id=payment_yookassa_id, amount=amount,
                                description=description, purpose=purpose,
                                customer_email=customer_email, receipt_item=receipt_item)
    return send_refund(body, idempotence_key=idempotence_key)


def get_refund(refund_id: str) -> GatewayRefund:
    return _call("get_refund", lambda: _refund_from_sdk(_Refunds.find_one(refund_id)))


def list_refunds(payment_yookassa_id: str) -> list[GatewayRefund]:
    """Every refund of a payment (GET /v3/refunds?payment_id=), following the pages."""
    found: list[GatewayRefund] = []
    params: dict[str, Any] = {"payment_id": payment_yookassa_id, "limit": 100}
    while True:
        page = _call("list_refunds", lambda p=dict(params): _Refunds.list(p))
        found += [_refund_from_sdk(item) for item in (page.items or [])]
        if not getattr(page, "next_cursor", None):
            return found
        params["cursor"] = page.next_cursor


def parse_notification(body: Any) -> Notification:
    """Read a webhook body with the SDK's factory; InvalidNotification if it is not one."""
    try:
        notification = WebhookNotificationFactory().create(body)
        obj = notification.object
        object_id = str(getattr(obj, "id", "") or "")
    except Exception as exc:
        raise InvalidNotification(f"{type(exc).__name__}: {exc}") from exc
    event = str(notification.event or "")
    if not object_id or not event:
        raise InvalidNotification("notification without event or object id")
    return Notification(event=event, object_id=object_id)
