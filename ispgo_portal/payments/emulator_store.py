"""The YooKassa emulator's memory: payments, refunds, idempotence keys, injected faults and
its own clock.

Everything runs on the emulator's event loop, so plain dicts are enough. The shapes of
payments and refunds follow YooKassa's API v3 closely enough for the official SDK to
parse them. The clock can be moved forward (`advance`) so that tests see what happens a
day later without waiting a day.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from ispgo_portal.payments import EMULATOR_SECRET_KEY, EMULATOR_SHOP_ID
from ispgo_portal.payments.emulator_errors import ApiProblem, invalid
from ispgo_portal.payments.emulator_receipts import (
    MAX_DESCRIPTION,
    check_metadata,
    check_receipt,
    parse_amount,
)

__all__ = ["ApiProblem", "EmulatorConfig", "EmulatorStore", "check_receipt", "invalid",
           "parse_amount", "public_view"]

# processing_202: answer 202 "processing" without doing the work yet (YooKassa still busy).
FAULT_MODES = {"500", "500_after", "429", "hang", "processing_202"}
FAULT_TARGETS = {"any", "create_payment", "get_payment", "capture_payment", "cancel_payment",
                 "create_refund", "get_refund", "list_refunds"}
REFUND_STATUSES = {"succeeded", "pending", "canceled"}
# Why YooKassa cancels a refund: https://yookassa.ru/developers/payment-acceptance/after-the-payment/refunds
REFUND_CANCEL_REASONS = {"insufficient_funds": "yoo_money", "rejected_by_payee": "refund_network",
                         "yoo_money_account_closed": "refund_network", "general_decline": "refund_network",
                         "payment_basket_id_not_found": "yoo_money", "payment_article_number_not_found": "yoo_money",
                         "payment_tru_code_not_found": "yoo_money", "too_many_refunding_articles": "yoo_money",
                         "some_articles_already_refunded": "yoo_money"}
# Create-payment parameters the emulator handles. YooKassa's others need shop settings it
# does not have (marketplaces, deals, airline tickets…): given a value they are refused,
# never ignored (the SDK itself sends some of them empty).
PAYMENT_FIELDS = {"amount", "description", "receipt", "confirmation", "capture", "client_ip",
                  "metadata", "merchant_customer_id", "save_payment_method", "payment_method_id"}
REFUND_FIELDS = {"payment_id", "amount", "description", "receipt"}
# Why YooKassa cancels a payment (cancellation_details.reason) and who decided (party), as
# listed in https://yookassa.ru/developers/payment-acceptance/after-the-payment/declined-payments
CANCEL_REASONS = {
    "3d_secure_failed": "payment_network", "call_issuer": "payment_network",
    "canceled_by_merchant": "merchant", "card_expired": "payment_network",
    "country_forbidden": "yoo_money", "deal_expired": "yoo_money",
    "expired_on_capture": "yoo_money", "expired_on_confirmation": "yoo_money",
    "fraud_suspected": "yoo_money", "general_decline": "payment_network",
    "identification_required": "yoo_money", "insufficient_funds": "payment_network",
    "internal_timeout": "yoo_money", "invalid_card_number": "payment_network",
    "invalid_csc": "payment_network", "issuer_unavailable": "payment_network",
    "payment_method_limit_exceeded": "yoo_money", "payment_method_restricted": "yoo_money",
    "permission_revoked": "yoo_money", "unsupported_mobile_operator": "payment_network",
}
# YooKassa's notification retries last 24 hours; these pauses (seconds) add up to that.
DAY_OF_RETRIES: tuple[float, ...] = (
    1, 2, 5, 10, 30, 60, 300, 900, 1800, 3600, 3600, 3600, 7200, 7200, 14400, 14400, 14400, 14400)


@dataclass
class EmulatorConfig:
    shop_id: str = EMULATOR_SHOP_ID
    secret_key: str = EMULATOR_SECRET_KEY
    public_url: str = "http://127.0.0.1:8765"  # how browsers reach the emulator (checkout page)
    webhook_url: str = ""  # where notifications go; empty: nowhere
    # Origins a payment's return_url may point at; empty: the origin of public_url (the
    # portal that mounts the emulator). Anything else would make the checkout an open redirect.
    return_origins: tuple[str, ...] = ()
    confirmation_timeout: float = 3600.0  # an unpaid payment is canceled after this (seconds)
    capture_timeout: float = 7 * 86400.0  # waiting_for_capture expires after this (bank cards: 7 days)
    idempotence_ttl: float = 86400.0  # YooKassa keeps a key for 24 hours
    processing_retry_after: int = 1000  # ms, in a 202 "processing" answer
    require_receipt: bool = True  # a 54-FZ shop: every payment must carry a receipt
    control_enabled: bool = True  # the test control API (loopback clients only)
    retry_delays: tuple[float, ...] = DAY_OF_RETRIES
    retry_scale: float = 1.0  # < 1 compresses the 24 h of notification retries for tests

    def allowed_origins(self) -> tuple[str, ...]:
        return self.return_origins or (_origin(self.public_url),)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_return_url(url: Any, config: EmulatorConfig) -> str:
    """Only http(s) back to the shop's own origin: a javascript: or foreign URL is refused."""
    text = url if isinstance(url, str) else ""
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = urlsplit("")
    if (parts.scheme not in ("http", "https") or not parts.netloc or any(c in text for c in "\r\n\t")
            or _origin(text) not in config.allowed_origins()):
        raise invalid("Invalid return_url: it must be an http(s) URL of the shop's site",
                      "confirmation.return_url")
    return text


@dataclass
class Fault:
    target: str
    mode: str
    remaining: int
    seconds: float = 30.0
    retry_after: int = 1000  # ms, for processing_202


@dataclass
class RefundOutcome:
    status: str  # succeeded | pending | canceled
    reason: str = "insufficient_funds"  # when canceled
    notify_pending: bool = False  # send refund.succeeded carrying the still-pending object


def new_id() -> str:
    """36 characters, UUID-like, as YooKassa's (the SDK refuses other lengths for refunds)."""
    return str(uuid.uuid4())


def money(amount: Decimal) -> dict[str, str]:
    return {"value": f"{amount:.2f}", "currency": "RUB"}


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def now_iso() -> str:
    return iso(datetime.now(UTC))


def _refuse_unknown(body: dict[str, Any], known: set[str]) -> None:
    for name, value in body.items():
        if name not in known and value not in (None, [], {}, ""):
            raise invalid(f"Parameter {name} is not supported for this shop", name)


@dataclass
class EmulatorStore:
    config: EmulatorConfig
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    created_at: dict[str, datetime] = field(default_factory=dict)
    # key -> (what the request was, status, body answered, when)
    idempotence: dict[str, tuple[str, int, dict[str, Any], datetime]] = field(default_factory=dict)
    in_flight: set[str] = field(default_factory=set)  # keys whose first request still runs
    faults: list[Fault] = field(default_factory=list)
    refund_outcomes: list[RefundOutcome] = field(default_factory=list)
    # Saved payment methods (autopayments) by id, and how charges of one end (a cancellation
    # reason) until told otherwise.
    methods: dict[str, dict[str, Any]] = field(default_factory=dict)
    method_declines: dict[str, str] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)  # API calls per endpoint, for tests
    clock_offset: timedelta = timedelta(0)
    on_event: Callable[[str, dict[str, Any]], None] = lambda _event, _obj: None

    def reset(self) -> None:
        for table in (self.payments, self.refunds, self.created_at, self.idempotence, self.calls,
                      self.methods, self.method_declines):
            table.clear()
        self.in_flight.clear()
        self.faults.clear()
        self.refund_outcomes.clear()
        self.clock_offset = timedelta(0)

    # --- clock ---
    def now(self) -> datetime:
        return datetime.now(UTC) + self.clock_offset

    def advance(self, seconds: float) -> None:
        """Move the emulator's clock forward; what falls due (expiry) happens at once."""
        self.clock_offset += timedelta(seconds=seconds)
        self.sweep()

    # --- idempotence (24 h keys) ---
    def recall(self, key: str) -> tuple[str, int, dict[str, Any]] | None:
        seen = self.idempotence.get(key)
        if seen is None:
            return None
        if (self.now() - seen[3]).total_seconds() >= self.config.idempotence_ttl:
            del self.idempotence[key]  # expired: the same key is a new request now
            return None
        return seen[0], seen[1], seen[2]

    def remember(self, key: str, fingerprint: str, status: int, answer: dict[str, Any]) -> None:
        self.idempotence[key] = (fingerprint, status, answer, self.now())

    # --- faults and outcomes ---
    def add_fault(self, *, target: str, mode: str, count: int, seconds: float = 30.0,
                  retry_after: int = 1000) -> None:
        if mode not in FAULT_MODES or target not in FAULT_TARGETS:
            raise ValueError(f"unknown fault {target}/{mode}")
        self.faults.append(Fault(target=target, mode=mode, remaining=max(1, count), seconds=seconds,
                                 retry_after=int(retry_after)))

    def take_fault(self, target: str) -> Fault | None:
        self.calls[target] = self.calls.get(target, 0) + 1
        for fault in self.faults:
            if fault.target in (target, "any"):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def add_refund_outcome(self, *, status: str, reason: str = "insufficient_funds",
                           notify_pending: bool = False, count: int = 1) -> None:
        if status not in REFUND_STATUSES or (status == "canceled" and reason not in REFUND_CANCEL_REASONS):
            raise ValueError(f"unknown refund outcome {status}/{reason}")
        self.refund_outcomes.extend(RefundOutcome(status, reason, notify_pending) for _ in range(max(1, count)))

    # --- payments ---
    def create_payment(self, body: dict[str, Any]) -> dict[str, Any]:
        _refuse_unknown(body, PAYMENT_FIELDS)
        amount = parse_amount(body.get("amount"), "amount")
        description = body.get("description") or ""
        if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
            raise invalid(f"Description is longer than {MAX_DESCRIPTION} characters", "description")
        metadata = check_metadata(body.get("metadata"))
        if self.config.require_receipt or body.get("receipt") is not None:
            check_receipt(body.get("receipt"), amount)
        confirmation = body.get("confirmation")
        if confirmation is not None and (not isinstance(confirmation, dict)
                                         or confirmation.get("type") != "redirect"):
            raise invalid("Only redirect confirmation is emulated", "confirmation.type")
        return_url = check_return_url(confirmation.get("return_url"), self.config) if confirmation else ""
        save_method = body.get("save_payment_method")
        if save_method is not None and not isinstance(save_method, bool):
            raise invalid("save_payment_method must be a boolean", "save_payment_method")
        method_id = body.get("payment_method_id")
        if method_id is not None and (not isinstance(method_id, str) or method_id not in self.methods):
            raise invalid("Payment method is not saved or does not exist", "payment_method_id")
        payment_id = new_id()
        now = self.now()
        payment: dict[str, Any] = {
            "id": payment_id, "status": "pending", "paid": False, "amount": money(amount),
            "created_at": iso(now), "description": description, "metadata": metadata,
            "recipient": {"account_id": self.config.shop_id, "gateway_id": "100700"},
            "refundable": False, "test": True,
            "_capture": bool(body.get("capture", False)), "_receipt": body.get("receipt"),
            "_save_method": bool(save_method),
        }
        if body.get("receipt") is not None:
            payment["receipt_registration"] = "pending"
        if return_url:
            payment["confirmation"] = {
                "type": "redirect", "return_url": return_url,
                "confirmation_url": f"{self.config.public_url.rstrip('/')}/checkout/{payment_id}",
            }
            payment["_return_url"] = return_url  # kept after the confirmation is gone
        self.payments[payment_id] = payment
        self.created_at[payment_id] = now
        if method_id is not None:
            self._charge_saved(payment, method_id)
        return payment

    def _charge_saved(self, payment: dict[str, Any], method_id: str) -> None:
        """An autopayment: no customer, no confirmation; the bank answers at once."""
        payment["payment_method"] = dict(self.methods[method_id])
        reason = self.method_declines.get(method_id, "")
        if reason:
            if reason == "permission_revoked":  # the payer withdrew the permission: gone for good
                self.methods.pop(method_id, None)
                self.method_declines.pop(method_id, None)
                payment["payment_method"]["saved"] = False
            self._cancel(payment, party=CANCEL_REASONS[reason], reason=reason)
            return
        payment["paid"] = True
        if payment["_capture"]:
            self._succeed(payment)
        else:
            self._await_capture(payment)

    def add_method(self, last4: str = "4477") -> dict[str, Any]:
        """A card saved earlier (as by a paid payment with save_payment_method), for tests."""
        method = {"type": "bank_card", "id": new_id(), "saved": True, "title": f"Bank card *{last4}",
                  "card": {"first6": "555555", "last4": last4, "expiry_month": "12", "expiry_year": "2030",
                           "card_type": "MasterCard", "issuer_country": "RU"}}
        self.methods[method["id"]] = method
        return method

    def decline_method(self, method_id: str, reason: str) -> None:
        """Charges of a saved method end canceled with `reason` from now on ("" : they succeed)."""
        if method_id not in self.methods:
            raise invalid("Payment method is not saved", "payment_method_id")
        if reason and reason not in CANCEL_REASONS:
            raise ValueError(f"unknown cancellation reason {reason}")
        if reason:
            self.method_declines[method_id] = reason
        else:
            self.method_declines.pop(method_id, None)

    def get_payment(self, payment_id: str) -> dict[str, Any]:
        payment = self.payments.get(payment_id)
        if payment is None:
            raise ApiProblem(404, "not_found", "Payment not found or forbidden", "payment_id")
        self._expire_if_due(payment)
        return payment

    def sweep(self) -> None:
        """Expire what is due, pushing payment.canceled, whether or not anyone reads it."""
        for payment in list(self.payments.values()):
            self._expire_if_due(payment)

    def expire_if_due(self, payment_id: str) -> None:
        self._expire_if_due(self.payments[payment_id])

    def _expire_if_due(self, payment: dict[str, Any]) -> None:
        now = self.now()
        if payment["status"] == "pending":
            age = (now - self.created_at[payment["id"]]).total_seconds()
            if age >= self.config.confirmation_timeout:
                self._cancel(payment, party="yoo_money", reason="expired_on_confirmation")
        elif payment["status"] == "waiting_for_capture" and now.timestamp() >= payment["_expires"]:
            self._cancel(payment, party="yoo_money", reason="expired_on_capture")

    def pay(self, payment_id: str, *, save_method: bool = True, last4: str = "4477") -> dict[str, Any]:
        """The customer paid on the checkout page. The card is saved for autopayments only if
        the shop asked (save_payment_method) and the payer left «Запомнить карту» ticked."""
        payment = self.get_payment(payment_id)
        if payment["status"] != "pending":
            raise invalid(f"Payment is {payment['status']}", "payment_id")
        payment["paid"] = True
        payment.pop("confirmation", None)  # YooKassa drops it once the customer has paid
        saved = bool(payment.get("_save_method")) and save_method
        payment["payment_method"] = {
            "type": "bank_card", "id": new_id(), "saved": saved, "title": f"Bank card *{last4}",
            "card": {"first6": "555555", "last4": last4, "expiry_month": "12", "expiry_year": "2030",
                     "card_type": "MasterCard", "issuer_country": "RU"},
        }
        if saved:
            self.methods[payment["payment_method"]["id"]] = dict(payment["payment_method"])
        if payment["_capture"]:
            self._succeed(payment)
        else:
            self._await_capture(payment)
        return payment

    def _await_capture(self, payment: dict[str, Any]) -> None:
        expires = self.now() + timedelta(seconds=self.config.capture_timeout)
        payment.update(status="waiting_for_capture", expires_at=iso(expires), _expires=expires.timestamp())
        self.on_event("payment.waiting_for_capture", payment)

    def decline(self, payment_id: str, reason: str = "general_decline") -> dict[str, Any]:
        """The customer gave up or the bank declined on the checkout page."""
        payment = self.get_payment(payment_id)
        if payment["status"] != "pending":
            raise invalid(f"Payment is {payment['status']}", "payment_id")
        if reason not in CANCEL_REASONS:
            raise ValueError(f"unknown cancellation reason {reason}")
        self._cancel(payment, party=CANCEL_REASONS[reason], reason=reason)
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
        payment.pop("expires_at", None)
        payment.update(status="succeeded", paid=True, refundable=True, captured_at=iso(self.now()),
                       income_amount=money((amount * Decimal("0.965")).quantize(Decimal("0.01"))))
        if "receipt_registration" in payment:
            payment["receipt_registration"] = "succeeded"
        self.on_event("payment.succeeded", payment)

    def _cancel(self, payment: dict[str, Any], *, party: str, reason: str) -> None:
        payment.pop("expires_at", None)
        payment.update(status="canceled", paid=False, refundable=False,
                       cancellation_details={"party": party, "reason": reason})
        payment.pop("confirmation", None)
        self.on_event("payment.canceled", payment)

    # --- refunds ---
    def _held_by_refunds(self, payment_id: str) -> Decimal:
        return sum((Decimal(r["amount"]["value"]) for r in self.refunds.values()
                    if r["payment_id"] == payment_id and r["status"] != "canceled"), Decimal(0))

    def create_refund(self, body: dict[str, Any]) -> dict[str, Any]:
        _refuse_unknown(body, REFUND_FIELDS)
        payment_id = str(body.get("payment_id") or "")
        if len(payment_id) != 36:
            raise invalid("Invalid payment_id", "payment_id")
        payment = self.get_payment(payment_id)
        if payment["status"] != "succeeded":
            raise invalid("Payment is not succeeded, it cannot be refunded", "payment_id")
        amount = parse_amount(body.get("amount"), "amount")
        paid = Decimal(payment["amount"]["value"])
        held = self._held_by_refunds(payment_id)
        if held + amount > paid:
            raise invalid("Refund amount exceeds the amount available for refund", "amount.value")
        if body.get("receipt") is not None:
            check_receipt(body["receipt"], amount)
        elif payment.get("_receipt") is not None and held + amount < paid:
            # 54-FZ: YooKassa builds the receipt of a full refund itself, a partial one needs ours.
            raise invalid("Receipt is required for a partial refund of a payment with a receipt", "receipt")
        outcome = self.refund_outcomes.pop(0) if self.refund_outcomes else RefundOutcome("succeeded")
        refund: dict[str, Any] = {
            "id": new_id(), "payment_id": payment_id, "status": "pending", "created_at": iso(self.now()),
            "amount": money(amount), "description": str(body.get("description") or "")[:250],
            "_receipt": body.get("receipt"),
        }
        self.refunds[refund["id"]] = refund
        if outcome.status == "pending":
            if outcome.notify_pending:
                self.on_event("refund.succeeded", refund)
        else:
            self.resolve_refund(refund["id"], outcome.status, outcome.reason)
        return refund

    def resolve_refund(self, refund_id: str, status: str, reason: str = "insufficient_funds") -> dict[str, Any]:
        """A pending refund ends: succeeded (the money leaves the shop) or canceled."""
        refund = self.get_refund(refund_id)
        if refund["status"] != "pending":
            raise invalid(f"Refund is {refund['status']}", "refund_id")
        if status == "succeeded":
            payment = self.payments[refund["payment_id"]]
            refunded = Decimal(payment.get("refunded_amount", {}).get("value", "0"))
            refunded += Decimal(refund["amount"]["value"])
            payment["refunded_amount"] = money(refunded)
            payment["refundable"] = refunded < Decimal(payment["amount"]["value"])
            refund["status"] = "succeeded"
            if "_receipt" in refund and refund["_receipt"] is not None:
                refund["receipt_registration"] = "succeeded"
            self.on_event("refund.succeeded", refund)
        elif status == "canceled":
            if reason not in REFUND_CANCEL_REASONS:
                raise ValueError(f"unknown refund cancellation reason {reason}")
            refund.update(status="canceled",
                          cancellation_details={"party": REFUND_CANCEL_REASONS[reason], "reason": reason})
        else:
            raise ValueError(f"a refund cannot become {status}")
        return refund

    def get_refund(self, refund_id: str) -> dict[str, Any]:
        refund = self.refunds.get(refund_id)
        if refund is None:
            raise ApiProblem(404, "not_found", "Refund not found or forbidden", "refund_id")
        return refund

    def list_refunds(self, payment_id: str) -> dict[str, Any]:
        """GET /v3/refunds?payment_id=: newest first, as YooKassa lists them."""
        found = [public_view(r) for r in self.refunds.values() if r["payment_id"] == payment_id]
        return {"type": "list", "items": list(reversed(found))}


def public_view(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as the API shows it (internal fields start with `_`)."""
    return {k: v for k, v in obj.items() if not k.startswith("_")}
