"""Argon2 password hashing."""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# One lane (argon2's default is four threads per hash): a hash then costs one core, not all of
# them, and the cap below bounds how many cores logins can take. Older hashes are rehashed with
# these parameters at their next login (`needs_rehash`).
_hasher = PasswordHasher(parallelism=1)
# A real hash to verify against when the email is unknown, so timing does not tell.
_DUMMY_HASH = _hasher.hash("dummy-password-for-timing")

MIN_PASSWORD_LENGTH = 8

# A hash is deliberately expensive. Without a cap, a login storm runs one per request and takes
# every core from the event loops and queries that serve everyone else's pages. So hashes run on
# a small pool of their own (at most cores/2 at once per process) whose threads have a lower
# priority (nice 10, per thread on Linux): on a busy machine the storm's logins wait for spare CPU
# and nobody else notices; on an idle one they run at full speed.
HASH_NICE = 10


def _lower_priority() -> None:
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not permitted: normal priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICE)


_HASHING = ThreadPoolExecutor(max_workers=max(1, (os.cpu_count() or 2) // 2), thread_name_prefix="argon2",
                              initializer=_lower_priority)


def hash_password(password: str) -> str:
    return _HASHING.submit(_hasher.hash, password).result()


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def verify_password(password_hash: str | None, password: str) -> bool:
    return _HASHING.submit(_verify, password_hash, password).result()


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
