"""54-FZ receipt and metadata rules of the emulator, as YooKassa checks them.

Sources: https://yookassa.ru/developers/payment-acceptance/receipts/54fz/yoomoney/parameters-values
(payment_mode, payment_subject, vat_code, tax_system_code) and
https://yookassa.ru/developers/api#create_payment (metadata, description).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ispgo_portal.payments.emulator_errors import invalid

PAYMENT_MODES = frozenset({
    "full_prepayment", "partial_prepayment", "advance", "full_payment", "partial_payment",
    "credit", "credit_payment",
})
PAYMENT_SUBJECTS = frozenset({
    "commodity", "excise", "job", "service", "gambling_bet", "gambling_prize", "lottery",
    "lottery_prize", "intellectual_activity", "payment", "agent_commission", "composite",
    "another", "property_right", "non-operating_gain", "insurance_premium", "sales_tax",
    "resort_fee", "marked", "non_marked", "marked_excise", "non_marked_excise", "fine",
    "tax", "lien", "cost", "pension_insurance_without_payouts", "pension_insurance_with_payouts",
    "health_insurance_without_payouts", "health_insurance_with_payouts", "health_insurance",
    "casino", "agent_withdrawals",
})
VAT_CODES = range(1, 13)  # 1..6 and, since 2025, 7..12 (5 % and 7 % rates)
TAX_SYSTEM_CODES = range(1, 7)
MAX_ITEM_DESCRIPTION = 128
MAX_DESCRIPTION = 128
MAX_METADATA_KEYS = 16
MAX_METADATA_KEY = 32
MAX_METADATA_VALUE = 512


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


def _check_item(item: Any, where: str) -> Decimal:
    if not isinstance(item, dict) or not str(item.get("description") or "").strip():
        raise invalid("Receipt item description is required", f"{where}.description")
    if len(str(item["description"])) > MAX_ITEM_DESCRIPTION:
        raise invalid(f"Receipt item description is longer than {MAX_ITEM_DESCRIPTION} characters",
                      f"{where}.description")
    try:
        quantity = Decimal(str(item.get("quantity")))
    except InvalidOperation as exc:
        raise invalid("Invalid quantity", f"{where}.quantity") from exc
    if not quantity.is_finite() or quantity <= 0:
        raise invalid("Invalid quantity", f"{where}.quantity")
    amount = parse_amount(item.get("amount"), f"{where}.amount")
    vat_code = item.get("vat_code")
    if isinstance(vat_code, bool) or vat_code not in VAT_CODES:
        raise invalid("Invalid vat_code value", f"{where}.vat_code")
    if item.get("payment_mode") not in PAYMENT_MODES:
        raise invalid("Invalid payment_mode value", f"{where}.payment_mode")
    if item.get("payment_subject") not in PAYMENT_SUBJECTS:
        raise invalid("Invalid payment_subject value", f"{where}.payment_subject")
    return amount * quantity


def check_receipt(receipt: Any, total: Decimal) -> None:
    """A customer contact, a known tax system, and valid items whose sum equals the total."""
    if not isinstance(receipt, dict):
        raise invalid("Receipt is required for this shop", "receipt")
    customer = receipt.get("customer") or {}
    if not isinstance(customer, dict) or not (customer.get("email") or customer.get("phone")):
        raise invalid("Receipt customer email or phone is required", "receipt.customer")
    tax_system = receipt.get("tax_system_code")
    if tax_system is not None and (isinstance(tax_system, bool) or tax_system not in TAX_SYSTEM_CODES):
        raise invalid("Invalid tax_system_code value", "receipt.tax_system_code")
    items = receipt.get("items")
    if not isinstance(items, list) or not items:
        raise invalid("Receipt items are required", "receipt.items")
    items_sum = sum((_check_item(item, f"receipt.items[{i}]") for i, item in enumerate(items)), Decimal(0))
    if items_sum != total:
        raise invalid("The sum of receipt items differs from the amount", "receipt.items")


def check_metadata(metadata: Any) -> dict[str, str]:
    """At most 16 pairs, keys up to 32 characters, string values up to 512 characters."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict) or len(metadata) > MAX_METADATA_KEYS:
        raise invalid(f"Metadata is not an object of at most {MAX_METADATA_KEYS} keys", "metadata")
    for key, value in metadata.items():
        if len(str(key)) > MAX_METADATA_KEY:
            raise invalid(f"Metadata key is longer than {MAX_METADATA_KEY} characters", "metadata")
        if not isinstance(value, str) or len(value) > MAX_METADATA_VALUE:
            raise invalid(f"Metadata value must be a string of at most {MAX_METADATA_VALUE} characters",
                          "metadata")
    return {str(k): v for k, v in metadata.items()}
