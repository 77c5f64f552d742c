"""Money is integer kopecks. Parsing user input and formatting for people live here."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ispgo_portal.limits import MIN_PAYMENT

KOPECKS_PER_RUBLE = 100
MIN_AMOUNT = MIN_PAYMENT  # 1 ₽


class AmountError(ValueError):
    """Input that is not an acceptable amount; the message is for the user."""


def parse_rubles(text: str, *, max_kopecks: int, min_kopecks: int = MIN_AMOUNT) -> int:
    """'150,50' -> 15050. Rejects non-numbers, >2 decimals, <= 0, below min, above max."""
    raw = (text or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not raw:
        raise AmountError("Введите сумму")
    if not all(ch.isdigit() or ch == "." for ch in raw) or raw.count(".") > 1 or raw == ".":
        raise AmountError("Сумма должна быть числом, например 150,50")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:  # pragma: no cover - filtered above
        raise AmountError("Сумма должна быть числом, например 150,50") from exc
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise AmountError("Не больше двух знаков после запятой")
    kopecks = int(value * KOPECKS_PER_RUBLE)
    if kopecks <= 0:
        raise AmountError("Сумма должна быть больше нуля")
    if kopecks < min_kopecks:
        raise AmountError(f"Минимальная сумма: {format_rub(min_kopecks)}")
    if kopecks > max_kopecks:
        raise AmountError(f"Максимальная сумма: {format_rub(max_kopecks)}")
    return kopecks


def format_rub(kopecks: int) -> str:
    """15050 -> '150,50 ₽'; 123456 -> '1 234,56 ₽' (narrow no-break space between thousands)."""
    sign = "−" if kopecks < 0 else ""
    rubles, kop = divmod(abs(int(kopecks)), KOPECKS_PER_RUBLE)
    grouped = f"{rubles:,}".replace(",", "\u00a0")
    return f"{sign}{grouped},{kop:02d}\u00a0₽"


def to_api_amount(kopecks: int) -> str:
    """Kopecks -> YooKassa's '150.50'."""
    rubles, kop = divmod(int(kopecks), KOPECKS_PER_RUBLE)
    return f"{rubles}.{kop:02d}"


def from_api_amount(value: str | Decimal) -> int:
    """YooKassa's '150.50' -> 15050 (exact)."""
    dec = Decimal(str(value))
    if dec.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(f"amount with more than two decimals: {value}")
    return int(dec * KOPECKS_PER_RUBLE)


def apply_percent_off(kopecks: int, percent: int) -> int:
    """Price after `percent` off, rounded half-up to the kopeck."""
    value = Decimal(kopecks) * Decimal(100 - percent) / Decimal(100)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
