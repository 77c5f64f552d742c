"""What the gateway gives the rest of the portal instead of SDK objects: our errors and
our data classes (amounts in kopecks), plus YooKassa's vocabulary in Russian."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# --- our errors -------------------------------------------------------------------------

class GatewayError(Exception):
    """A call to YooKassa failed. `message` is safe to show to a customer."""

    retryable = False

    def __init__(self, code: str, detail: str = "", *, status: int | None = None) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.status = status

    @property
    def message(self) -> str:
        return "Платёжная система отклонила запрос. Попробуйте позже или обратитесь в поддержку."


class GatewayUnavailable(GatewayError):
    """Network failure, timeout, 5xx, 429 or 202: worth trying again later with the same key."""

    retryable = True

    def __init__(self, code: str, detail: str = "", *, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(code, detail, status=status)
        self.retry_after = retry_after  # seconds YooKassa asked us to wait, if it said

    @property
    def message(self) -> str:
        return "Платёжная система временно недоступна. Попробуйте ещё раз через минуту."


class GatewayProcessing(GatewayUnavailable):
    """YooKassa kept answering 202 "processing" until our time budget ran out: the request
    is accepted and will finish there; asking again later with the same key gets its result."""

    @property
    def message(self) -> str:
        return "ЮKassa ещё обрабатывает запрос. Результат появится автоматически, повторять не нужно."


class GatewayRejected(GatewayError):
    """YooKassa refused the request (4xx). Repeating it would not help. `parameter`: the
    field YooKassa named in its error body (e.g. `confirmation.return_url`), if any."""

    def __init__(self, code: str, detail: str = "", *, status: int | None = None,
                 parameter: str = "") -> None:
        super().__init__(code, detail, status=status)
        self.parameter = parameter


class GatewayNotFound(GatewayRejected):
    """YooKassa does not know this payment or refund."""


class InvalidNotification(ValueError):
    """A webhook body that is not a YooKassa notification."""


# --- our data classes --------------------------------------------------------------------

@dataclass(frozen=True)
class GatewayPayment:
    id: str
    status: str  # pending | waiting_for_capture | succeeded | canceled
    amount: int  # kopecks
    currency: str
    paid: bool
    confirmation_url: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    cancellation_party: str = ""
    cancellation_reason: str = ""
    refunded_amount: int = 0
    # The payment method as YooKassa reports it; `method_saved`: YooKassa keeps it for
    # autopayments (the only case we store it, by `method_id`).
    method: SavedMethod | None = None


@dataclass(frozen=True)
class SavedMethod:
    method_id: str
    saved: bool
    type: str = ""
    title: str = ""
    card_type: str = ""
    last4: str = ""
    expiry_month: str = ""
    expiry_year: str = ""


@dataclass(frozen=True)
class GatewayRefund:
    id: str
    payment_id: str
    status: str  # pending | succeeded | canceled
    amount: int
    currency: str
    cancellation_reason: str = ""
    cancellation_party: str = ""
    description: str = ""


@dataclass(frozen=True)
class Notification:
    event: str  # payment.succeeded, payment.canceled, payment.waiting_for_capture, refund.succeeded
    object_id: str

    @property
    def is_refund(self) -> bool:
        return self.event.startswith("refund.")


@dataclass(frozen=True)
class GatewayConfig:
    shop_id: str
    secret_key: str
    api_url: str
    http_timeout: float


# 54-FZ receipt attributes per purpose: money for future services is an advance; a
# license is a service paid in full.
RECEIPT_KINDS = {
    "topup": ("advance", "payment"),
    "purchase": ("full_payment", "service"),
    "renewal": ("full_payment", "service"),
    "autopay": ("advance", "payment"),  # an autopayment tops the balance up, like a top-up
}

# YooKassa's cancellation reasons as a customer should read them.
CANCELLATION_REASONS_RU = {
    "3d_secure_failed": "Не пройдена проверка 3-D Secure",
    "call_issuer": "Банк отклонил платёж: обратитесь в банк",
    "canceled_by_merchant": "Платёж отменён магазином",
    "card_expired": "Истёк срок действия карты",
    "country_forbidden": "Оплата картой этой страны невозможна",
    "deal_expired": "Истёк срок сделки",
    "expired_on_capture": "Истёк срок подтверждения платежа",
    "expired_on_confirmation": "Истёк срок оплаты",
    "fraud_suspected": "Платёж заблокирован из-за подозрения в мошенничестве",
    "general_decline": "Банк отклонил платёж",
    "identification_required": "Превышены лимиты кошелька без идентификации",
    "insufficient_funds": "Недостаточно средств для оплаты",
    "internal_timeout": "Технический сбой на стороне платёжной системы",
    "invalid_card_number": "Неверный номер карты",
    "invalid_csc": "Неверный код CVV2/CVC2",
    "issuer_unavailable": "Банк недоступен, попробуйте позже",
    "payment_method_limit_exceeded": "Превышен лимит платежей",
    "payment_method_restricted": "Операции этим способом оплаты запрещены",
    "permission_revoked": "Разрешение на списание без подтверждения отозвано",
    "unsupported_mobile_operator": "Оплата с этого номера телефона невозможна",
}


def describe_cancellation(reason: str) -> str:
    return CANCELLATION_REASONS_RU.get(reason, "Платёж отменён")


# Why YooKassa cancels a refund, for the admin who asked for it.
REFUND_CANCELLATION_REASONS_RU = {
    "insufficient_funds": "на балансе магазина в ЮKassa не хватает денег",
    "rejected_by_payee": "банк или кошелёк покупателя отклонил возврат",
    "yoo_money_account_closed": "кошелёк ЮMoney покупателя закрыт",
    "general_decline": "возврат отклонён без объяснения причин",
    "payment_basket_id_not_found": "не найдена корзина платежа",
    "payment_article_number_not_found": "не найден товар платежа",
    "payment_tru_code_not_found": "не найден код товара",
    "too_many_refunding_articles": "товаров в возврате больше, чем в платеже",
    "some_articles_already_refunded": "часть товаров уже возвращена",
}


def describe_refund_cancellation(reason: str) -> str:
    if reason in REFUND_CANCELLATION_REASONS_RU:
        return REFUND_CANCELLATION_REASONS_RU[reason]
    return f"ЮKassa отклонила запрос ({reason})" if reason else "причина не указана"
