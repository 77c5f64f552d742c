"""Ed25519 signatures for the panel license API.

The private key comes from ``LICENSE_SIGNING_KEY``, in either form:
  * base64 of the 32-byte raw Ed25519 private key (any 32 random bytes are a valid key:
    ``python -c "import base64,os; print(base64.b64encode(os.urandom(32)).decode())"``), or
  * a PKCS#8 PEM block as written by ``openssl genpkey -algorithm ed25519``
    (``-----BEGIN PRIVATE KEY-----``; in a one-line variable newlines may be written as ``\\n``).
Without it (the embedded default) a key is generated on first start and kept in
``<DATA_DIR>/license_signing_key.pem`` (mode 600), so signatures stay verifiable across restarts.
Production refuses to start without ``LICENSE_SIGNING_KEY`` (see settings).
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ispgo_portal.settings import get_settings

KEY_FILE_NAME = "license_signing_key.pem"


class SigningKeyError(RuntimeError):
    """LICENSE_SIGNING_KEY is set but is not an Ed25519 private key."""


def parse_private_key(text: str) -> Ed25519PrivateKey:
    value = text.strip().replace("\\n", "\n")
    if value.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(value.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError("LICENSE_SIGNING_KEY: the PEM key is not an Ed25519 key")
        return key
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SigningKeyError("LICENSE_SIGNING_KEY: neither PEM nor base64") from exc
    if len(raw) != 32:
        raise SigningKeyError("LICENSE_SIGNING_KEY: base64 must hold exactly 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(raw)


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load_or_create_key_file(path: Path) -> Ed25519PrivateKey:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Write a private temp file, then hard-link it into place: the link is atomic and
        # fails if the name exists, so when several processes start at once exactly one key
        # wins and nobody ever reads a half-written file.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")  # unique per thread too
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(private_key_pem(Ed25519PrivateKey.generate()))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return parse_private_key(path.read_text())


@lru_cache
def signing_key() -> Ed25519PrivateKey:
    settings = get_settings()
    configured = settings.license_signing_key.get_secret_value()
    if configured.strip():
        return parse_private_key(configured)
    return _load_or_create_key_file(settings.data_dir / KEY_FILE_NAME)


def sign(body: bytes) -> str:
    """Base64 signature over exactly these bytes."""
    return base64.b64encode(signing_key().sign(body)).decode()


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def public_key_base64() -> str:
    """The 32-byte raw public key, base64 — what a panel pins."""
    raw = public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def public_key_pem() -> str:
    return public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def verify(body: bytes, signature_b64: str, key: Ed25519PublicKey | None = None) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        (key or public_key()).verify(base64.b64decode(signature_b64), body)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
