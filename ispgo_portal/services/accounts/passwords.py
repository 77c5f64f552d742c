"""Argon2 password hashing."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# One lane (argon2's default is four threads per hash): a hash then costs one core, not all of
# them, and the cap below bounds how many cores logins can take. Older hashes are rehashed with
# these parameters at their next login (`needs_rehash`).
_hasher = PasswordHasher(parallelism=1)
# A real hash to verify against when the email is unknown, so timing does not tell.
_DUMMY_HASH = _hasher.hash("dummy-password-for-timing")

MIN_PASSWORD_LENGTH = 8

# A hash is deliberately expensive (64 MiB of memory traffic and a core for ~0.1 s). Without a
# cap, a login storm runs one per request and takes every core from the event loops and queries
# that serve everyone else's pages. So at most cores/2 hashes run at once on the whole MACHINE —
# however many portal processes share it (a lock file per slot) — and their threads have a lower
# priority (nice 10, per thread on Linux): the storm's logins wait for spare capacity and nobody
# else notices; on an idle machine they run at full speed.
HASH_NICE = 10
_SLOTS = max(1, (os.cpu_count() or 2) // 2)
_SLOT_FILES = [Path(tempfile.gettempdir()) / f"ispgo-portal-hash-{n}.lock" for n in range(_SLOTS)]


def _lower_priority() -> None:
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not permitted: normal priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICE)


@contextlib.contextmanager
def _machine_slot() -> Iterator[None]:
    """Hold one of the machine's hashing slots: a free one if any, else wait for one."""
    files = [open(path, "a") for path in _SLOT_FILES]  # noqa: SIM115 - closed below
    try:
        held = next((f for f in files if _try_lock(f)), None)
        if held is None:
            held = files[threading.get_native_id() % len(files)]
            fcntl.flock(held, fcntl.LOCK_EX)
        yield
    finally:
        for f in files:
            f.close()  # closing releases the lock


def _try_lock(file: IO[str]) -> bool:
    try:
        fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


_HASHING = ThreadPoolExecutor(max_workers=_SLOTS, thread_name_prefix="argon2", initializer=_lower_priority)


def _hash(password: str) -> str:
    with _machine_slot():
        return _hasher.hash(password)


def hash_password(password: str) -> str:
    return _HASHING.submit(_hash, password).result()


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        with _machine_slot():
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def verify_password(password_hash: str | None, password: str) -> bool:
    return _HASHING.submit(_verify, password_hash, password).result()


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
