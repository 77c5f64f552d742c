"""Encryption of secrets kept in the database (TOTP secrets), with Fernet.

The key comes from ``SECRETS_KEY`` (a Fernet key: urlsafe base64 of 32 random bytes,
``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``).
Without it (the embedded default) one is generated on first start and kept in
``<DATA_DIR>/secrets.key`` (mode 600), like the license signing key. Production refuses to
start without ``SECRETS_KEY`` (see settings).
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from ispgo_portal.settings import get_settings, make_private_dir

KEY_FILE_NAME = "secrets.key"


class SecretsKeyError(RuntimeError):
    """SECRETS_KEY is not a Fernet key, or a stored secret was encrypted with another key."""


def _load_or_create_key_file(path: Path) -> bytes:
    make_private_dir(path.parent)
    if not path.exists():
        # A private temp file hard-linked into place: atomic, and the first process wins.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(Fernet.generate_key())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_bytes().strip()


@lru_cache
def _fernet() -> Fernet:
    settings = get_settings()
    key = settings.secrets_key.get_secret_value().strip().encode() or _load_or_create_key_file(settings.data_dir / KEY_FILE_NAME)
    try:
        return Fernet(key)
    except ValueError as exc:
        raise SecretsKeyError("SECRETS_KEY must be a Fernet key (urlsafe base64 of 32 bytes)") from exc


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretsKeyError("a stored secret cannot be decrypted with SECRETS_KEY") from exc
