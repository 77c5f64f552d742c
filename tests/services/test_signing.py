"""The license API's Ed25519 key: from LICENSE_SIGNING_KEY (base64 or PEM) or generated once
and kept in the data directory."""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ispgo_portal.services.licensing import signing
from ispgo_portal.settings import get_settings


@pytest.fixture(autouse=True)
def clean_db() -> None:
    """Keys and signatures only: no database (this replaces the suite's database fixture)."""


@pytest.fixture
def fresh_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """A clean data directory and no cached key; everything restored afterwards."""
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LICENSE_SIGNING_KEY", raising=False)
    get_settings.cache_clear()
    signing.signing_key.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()
    signing.signing_key.cache_clear()


def _raw_private(key: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())


def test_generated_key_is_stored_privately_and_reused(fresh_key, tmp_path: Path) -> None:
    signature = signing.sign(b"body")
    path = tmp_path / signing.KEY_FILE_NAME
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    signing.signing_key.cache_clear()  # as after a restart
    assert signing.verify(b"body", signature)
    assert signing.sign(b"body") == signature  # Ed25519 is deterministic: the same key


def test_base64_key_from_the_environment_is_used(fresh_key, monkeypatch: pytest.MonkeyPatch) -> None:
    key = Ed25519PrivateKey.generate()
    monkeypatch.setenv("LICENSE_SIGNING_KEY", base64.b64encode(_raw_private(key)).decode())
    get_settings.cache_clear()
    signature = signing.sign(b"payload")
    key.public_key().verify(base64.b64decode(signature), b"payload")


def test_pem_key_with_escaped_newlines_is_used(fresh_key, monkeypatch: pytest.MonkeyPatch) -> None:
    key = Ed25519PrivateKey.generate()
    one_line = signing.private_key_pem(key).decode().strip().replace("\n", "\\n")
    monkeypatch.setenv("LICENSE_SIGNING_KEY", one_line)
    get_settings.cache_clear()
    key.public_key().verify(base64.b64decode(signing.sign(b"x")), b"x")
    assert signing.public_key_base64() == base64.b64encode(
        key.public_key().public_bytes_raw()).decode()


@pytest.mark.parametrize("value", ["not a key", base64.b64encode(b"short").decode()])
def test_unusable_key_is_refused(value: str) -> None:
    with pytest.raises(signing.SigningKeyError):
        signing.parse_private_key(value)


def test_tampered_body_does_not_verify(fresh_key) -> None:
    signature = signing.sign(b'{"valid":false}')
    assert signing.verify(b'{"valid":false}', signature)
    assert not signing.verify(b'{"valid":true}', signature)
