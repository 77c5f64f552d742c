"""Every limit a customer or an admin can run into, in one place: the services enforce them,
and forms and pages show them (input lengths, hints), so the two never disagree.

Money is in kopecks. The largest top-up is a setting (`MAX_TOPUP_KOPECKS`), not a constant.
"""

from __future__ import annotations

# --- money ---
MIN_PAYMENT = 100  # 1 ₽: the smallest top-up, refund or tariff price
MAX_TARIFF_PRICE = 100_000_000  # 1 000 000 ₽ per period: anything above is a typo
MAX_CREDIT_LIMIT = 100_000_000  # 1 000 000 ₽: anything above is a typo, not a decision
MAX_BANK_PAYMENT = 100_000_000_000  # 1 000 000 000 ₽ in one payment order: above is a broken file
AMOUNT_INPUT_LENGTH = 20  # characters in a money field («1 000 000,00»)

# --- promo codes ---
PROMO_CODE_MIN, PROMO_CODE_MAX = 3, 40

# --- tickets ---
TICKET_SUBJECT_MIN, TICKET_SUBJECT_MAX = 3, 200
TICKET_DESCRIPTION_MIN, TICKET_DESCRIPTION_MAX = 10, 10_000
TICKET_REPLY_MAX = 10_000
SCREENSHOTS_MAX = 5
SCREENSHOT_BYTES_MAX = 5 * 1024 * 1024

# --- reasons an admin gives ---
ADMIN_REASON_MAX = 500  # on a customer's card
REFUND_REASON_MAX = 250
LICENSE_REASON_MAX = 250  # leaves room for the prefix in a license's status_reason (300)

# --- tariffs ---
TARIFF_NAME_MAX = 100
TARIFF_DESCRIPTION_MAX = 2000
TARIFF_FEATURES_MAX = 4000

# --- API tokens ---
TOKEN_NAME_MAX = 100


def megabytes(size: int) -> str:
    """5242880 -> «5 МБ» (for hints next to upload fields)."""
    return f"{size // (1024 * 1024)} МБ"
