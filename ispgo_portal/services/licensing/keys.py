"""License keys: random, unique and easy to read aloud or type from a screenshot.

Format: ``ISPG-XXXX-XXXX-XXXX-XXXX`` — 16 random characters from an alphabet without the
look-alikes 0/O, 1/I/L, so about 79 bits of randomness from `secrets`.
"""

from __future__ import annotations

import secrets

from sqlmodel import Session, select

from ispgo_portal.models import License

KEY_PREFIX = "ISPG"
# Digits and Latin capitals minus 0, 1, I, L, O: nothing a person could confuse.
KEY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GROUPS = 4
GROUP_SIZE = 4
KEY_LENGTH = len(KEY_PREFIX) + GROUPS * (GROUP_SIZE + 1)  # 24


def generate_license_key() -> str:
    groups = ["".join(secrets.choice(KEY_ALPHABET) for _ in range(GROUP_SIZE)) for _ in range(GROUPS)]
    return "-".join([KEY_PREFIX, *groups])


def normalize_license_key(text: str) -> str:
    """What a person pasted or typed -> the stored form (upper case, no spaces)."""
    return "".join((text or "").split()).upper()


def new_unique_license_key(session: Session) -> str:
    """A key not used yet. The unique index stays the final guard; a clash of 79 random bits
    is practically impossible, the loop only makes it certain."""
    while True:
        key = generate_license_key()
        if session.exec(select(License.id).where(License.key == key)).first() is None:
            return key
