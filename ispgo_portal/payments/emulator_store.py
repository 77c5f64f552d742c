"""The YooKassa emulator's memory: payments, refunds, idempotence keys and injected faults.

Everything runs on the emulator's event loop, so plain dicts are enough. The shapes of
payments and refunds follow YooKassa's API v3 closely enough for the official SDK to
parse them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ispgo_portal.payments import EMULATOR_SECRET_KEY, EMULATOR_SHOP_ID

FAULT_MODES = {"500", "500_after", "429", "hang"}
FAULT_TARGETS = {"any", "create_payment", "get_payment", "capture_payment", "cancel_payment",
                 "create_refund", "get_refund"}


@dataclass
class EmulatorConfig:
    shop_id: str = EMULATOR_SHOP_ID
    secret_key: str = EMULATOR_SECRET_KEY
    public_url: str = "http://127.0.0.1:8765"  # how browsers reach the emulator (checkout page)
    webhook_url: str = ""  # where notifications go; empty: nowhere
    confirmation_timeout: float = 3600.0  # an unpaid payment is canceled after this (seconds)
    require_receipt: bool = True  # a 54-FZ shop: every payment must carry a receipt
    control_enabled: bool = True  # the test control API (loopback clients only)
    retry_delays: tuple[float, ...] = (1, 2, 5, 10, 30, 60, 300, 900, 1800, 3600)


class ApiProblem(Exception):
    """Answered with YooKassa's standard error body."""

    def __init__(self, status: int, code: str, description: str, parameter: str | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.body: dict[str, Any] = {"type": "error", "id": str(uuid.uuid4()), "code": code,
                                     "description": description}
        if parameter:
            self.body["parameter"] = parameter


def invalid(description: str, parameter: str | None = None) -> ApiProblem:
    return ApiProblem(400, "invalid_request", description, parameter)


@dataclass
class Fault:
    target: str
    mode: str
    remaining: int
    seconds: float = 30.0


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def new_id() -> str:
    """36 characters, UUID-like, as YooKassa's (the SDK refuses other lengths for refunds)."""
    return str(uuid.uuid4())


def parse_amount(value: Any, parameter: str) -> Decimal:
    if not isinstance(value, dict):
        raise invalid("Amount is required", parameter)
    try:
        amount = Decimal(str(value.get("value")))
    except InvalidOperation as exc:
        raise invalid("Invalid amount value", f"{parameter}.value") from exc
    if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise invalid("Invalid amount value", f"{parameter}.value")
    if value.get("currency") != "RUB":
        raise invalid("Unsupported currency", f"{parameter}.currency")
    return amount


def money(amount: Decimal) -> dict[str, str]:
    return {"value": f"{amount:.2f}", "currency": "RUB"}


def check_receipt(receipt: Any, total: Decimal) -> None:
    """54-FZ: a customer contact and items whose sum equals the payment."""
    if not isinstance(receipt, dict):
        raise invalid("Receipt is required for this shop", "receipt")
    customer = receipt.get("customer") or {}
    if not isinstance(customer, dict) or not (customer.get("email") or customer.get("phone")):
        raise invalid("Receipt customer email or phone is required", "receipt.customer")
    items = receipt.get("items")
    if not isinstance(items, list) or not items:
        raise invalid("Receipt items are required", "receipt.items")
    items_sum = Decimal(0)
    for index, item in enumerate(items):
        where = f"receipt.items[{index}]"
        if not isinstance(item, dict) or not str(item.get("description") or "").strip():
            raise invalid("Receipt item description is required", f"{where}.description")
        try:
            quantity = Decimal(str(item.get("quantity")))
        except InvalidOperation as exc:
            raise invalid("Invalid quantity", f"{where}.quantity") from exc
        items_sum += parse_amount(item.get("amount"), f"{where}.amount") * quantity
        if item.get("vat_code") not in range(1, 13) and not receipt.get("tax_system_code"):
            raise invalid("Invalid vat_code", f"{where}.vat_code")
        for name in ("payment_mode", "payment_subject"):
            if not item.get(name):
                raise invalid(f"{name} is required", f"{where}.{name}")
    if items_sum != total:
        raise invalid("The sum of receipt items differs from the payment amount", "receipt.items")


@dataclass
class EmulatorStore:
    config: EmulatorConfig
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    created_at: dict[str, datetime] = field(default_factory=dict)
    # key -> (what the request was, status, body answered)
    idempotence: dict[str, tuple[str, int, dict[str, Any]]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)  # API calls per endpoint, for tests
    on_event: Callable[[str, dict[str, Any]], None] = lambda _event, _obj: None

    def reset(self) -> None:
        self.payments.clear()
        self.refunds.clear()
        self.created_at.clear()
        self.idempotence.clear()
        self.faults.clear()
        self.calls.clear()

    # --- faults ---
    def add_fault(self, *, target: str, mode: str, count: int, seconds: float = 30.0) -> None:
        if mode not in FAULT_MODES or target not in FAULT_TARGETS:
            raise ValueError(f"unknown fault {target}/{mode}")
        self.faults.append(Fault(target=target, mode=mode, remaining=max(1, count), seconds=seconds))

    def take_fault(self, target: str) -> Fault | None:
        self.calls[target] = self.calls.get(target, 0) + 1
        for fault in self.faults:
            if fault.target in (target, "any"):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    # --- payments ---
    def create_payment(self, body: dict[str, Any]) -> dict[str, Any]:
        amount = parse_amount(body.get("amount"), "amount")
        description = str(body.get("description") or "")
        if len(description) > 128:
            raise invalid("Description is longer than 128 characters", "description")
        metadata = body.get("metadata") or {}
        if not isinstance(metadata, dict) or len(metadata) > 16:
            raise invalid("Invalid metadata", "metadata")
        if self.config.require_receipt or body.get("receipt") is not None:
            check_receipt(body.get("receipt"), amount)
        payment_id = new_id()
        payment: dict[str, Any] = {
            "id": payment_id,
            "status": "pending",
            "paid": False,
            "amount": money(amount),
            "created_at": now_iso(),
            "description": description,
            "metadata": {str(k): str(v) for k, v in metadata.items()},
            "recipient": {"account_id": self.config.shop_id, "gateway_id": "100700"},
            "refundable": False,
            "test": True,
            "_capture": bool(body.get("capture", False)),
            "_receipt": body.get("receipt"),
        }
        if body.get("receipt") is not None:
            payment["receipt_registration"] = "pending"
        confirmation = body.get("confirmation")
        if isinstance(confirmation, dict):
            if confirmation.get("type") != "redirect" or not confirmation.get("return_url"):
                raise invalid("Only redirect confirmation with return_url is emulated", "confirmation")
            payment["confirmation"] = {
                "type": "redirect",
                "return_url": str(confirmation["return_url"]),
                "confirmation_url": f"{self.config.public_url.rstrip('/')}/checkout/{payment_id}",
            }
            payment["_return_url"] = str(confirmation["return_url"])  # kept after a cancel
        self.payments[payment_id] = payment
        self.created_at[payment_id] = datetime.now(UTC)
        return payment

    def get_payment(self, payment_id: str) -> dict[str, Any]:
        payment = self.payments.get(payment_id)
        if payment is None:
            raise ApiProblem(404, "not_found", "Payment not found or forbidden", "payment_id")
        self.expire_if_due(payment_id)
        return payment

    def expire_if_due(self, payment_id: str) -> None:
        payment = self.payments[payment_id]
        age = (datetime.now(UTC) - self.created_at[payment_id]).total_seconds()
        if payment["status"] == "pending" and age >= self.config.confirmation_timeout:
            self._cancel(payment, party="yoo_money", reason="expired_on_confirmation")

    def pay(self, payment_id: str) -> dict[str, Any]:
        """The customer paid on the checkout page."""
        payment = self.get_payment(payment_id)
        if payment["status"] != "pending":
            raise invalid(f"Payment is {payment['status']}", "payment_id")
        payment["paid"] = True
        payment["payment_method"] = {
            "type": "bank_card", "id": new_id(), "saved": False, "title": "Bank card *4477",
            "card": {"first6": "555555", "last4": "4477", "expiry_month": "12", "expiry_year": "2030",
                     "card_type": "MasterCard", "issuer_country": "RU"},
        }
        if payment["_capture"]:
            self._succeed(payment)
        else:
            payment["status"] = "waiting_for_capture"
            self.on_event("payment.waiting_for_capture", payment)
        return payment

    def decline(self, payment_id: str, reason: str = "general_decline") -> dict[str, Any]:
        """The customer gave up or the bank declined on the checkout page."""
        payment = self.get_payment(payment_id)
        if payment["status"] != "pending":
            raise invalid(f"Payment is {payment['status']}", "payment_id")
        party = "yoo_money" if reason == "expired_on_confirmation" else "payment_network"
        self._cancel(payment, party=party, reason=reason)
        return payment

    def capture(self, payment_id: str, body: dict[str, Any]) -> dict[str, Any]:
        payment = self.get_payment(payment_id)
        if payment["status"] == "succeeded":
            return payment
        if payment["status"] != "waiting_for_capture":
            raise invalid(f"Payment is {payment['status']}, it cannot be captured", "payment_id")
        if body.get("amount") is not None:
            amount = parse_amount(body["amount"], "amount")
            if amount > Decimal(payment["amount"]["value"]):
                raise invalid("Capture amount exceeds the payment", "amount.value")
            payment["amount"] = money(amount)
        self._succeed(payment)
        return payment

    def cancel(self, payment_id: str) -> dict[str, Any]:
        payment = self.get_payment(payment_id)
        if payment["status"] == "canceled":
            return payment
        if payment["status"] != "waiting_for_capture":
            raise invalid(f"Payment is {payment['status']}, it cannot be canceled", "payment_id")
        self._cancel(payment, party="merchant", reason="canceled_by_merchant")
        return payment

    def _succeed(self, payment: dict[str, Any]) -> None:
        amount = Decimal(payment["amount"]["value"])
        payment.update(status="succeeded", paid=True, refundable=True, captured_at=now_iso(),
                       income_amount=money((amount * Decimal("0.965")).quantize(Decimal("0.01"))))
        if "receipt_registration" in payment:
            payment["receipt_registration"] = "succeeded"
        self.on_event("payment.succeeded", payment)

    def _cancel(self, payment: dict[str, Any], *, party: str, reason: str) -> None:
        payment.update(status="canceled", paid=False, refundable=False,
                       cancellation_details={"party": party, "reason": reason})
        payment.pop("confirmation", None)
        self.on_event("payment.canceled", payment)

    # --- refunds ---
    def create_refund(self, body: dict[str, Any]) -> dict[str, Any]:
        payment_id = str(body.get("payment_id") or "")
        if len(payment_id) != 36:
            raise invalid("Invalid payment_id", "payment_id")
        payment = self.get_payment(payment_id)
        if payment["status"] != "succeeded":
            raise invalid("Payment is not succeeded, it cannot be refunded", "payment_id")
        amount = parse_amount(body.get("amount"), "amount")
        refunded = Decimal(payment.get("refunded_amount", {}).get("value", "0"))
        if refunded + amount > Decimal(payment["amount"]["value"]):
            raise invalid("Refund amount exceeds the amount available for refund", "amount.value")
        if body.get("receipt") is not None:
            check_receipt(body["receipt"], amount)
        refund = {
            "id": new_id(),
            "payment_id": payment_id,
            "status": "succeeded",
            "created_at": now_iso(),
            "amount": money(amount),
            "description": str(body.get("description") or "")[:250],
        }
        payment["refunded_amount"] = money(refunded + amount)
        payment["refundable"] = refunded + amount < Decimal(payment["amount"]["value"])
        self.refunds[refund["id"]] = refund
        self.on_event("refund.succeeded", refund)
        return refund

    def get_refund(self, refund_id: str) -> dict[str, Any]:
        refund = self.refunds.get(refund_id)
        if refund is None:
            raise ApiProblem(404, "not_found", "Refund not found or forbidden", "refund_id")
        return refund


def public_view(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as the API shows it (internal fields start with `_`)."""
    return {k: v for k, v in obj.items() if not k.startswith("_")}
