"""Argon2 password hashing."""

from __future__ import annotations

import os
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# One lane (argon2's default is four threads per hash): a hash then costs one core, not all of
# them, and the cap below bounds how many cores logins can take. Older hashes are rehashed with
# these parameters at their next login (`needs_rehash`).
_hasher = PasswordHasher(parallelism=1)
# A real hash to verify against when the email is unknown, so timing does not tell.
_DUMMY_HASH = _hasher.hash("dummy-password-for-timing")

MIN_PASSWORD_LENGTH = 8

# A hash is deliberately expensive (and argon2 spreads one over several threads). Without a cap, a
# login storm runs one per request and takes every core from the event loop that serves everyone
# else's pages; with it, the storm's own logins wait their turn and nobody else notices.
_HASHING = threading.BoundedSemaphore(max(1, (os.cpu_count() or 2) // 2))


def hash_password(password: str) -> str:
    with _HASHING:
        return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        with _HASHING:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
