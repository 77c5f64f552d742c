"""The signature-check examples of «Документация» work as printed: the Python sample and the
curl + openssl script run against the real license API (uvicorn on loopback)."""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
import uvicorn

from ispgo_portal.content import docs
from tests.e2e.portal import free_port


@pytest.fixture(scope="module")
def portal_url() -> Iterator[str]:
    from starlette.applications import Starlette

    from ispgo_portal.api import licenses as licenses_api

    licenses_api.limiter.cache_clear()  # its Redis connections belong to one event loop
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=licenses_api.routes), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    licenses_api.limiter.cache_clear()


@pytest.fixture
def example_license(make_customer, make_tariff) -> None:
    from ispgo_portal.clock import utcnow
    from ispgo_portal.db import session_scope
    from ispgo_portal.models import License

    user_id, tariff_id = make_customer(), make_tariff(name="Бизнес", max_servers=5, max_sites=100)
    with session_scope() as session:
        session.add(License(user_id=user_id, tariff_id=tariff_id, key=docs.EXAMPLE_KEY,
                            expires_at=utcnow() + timedelta(days=30)))


def test_python_example_verifies_signature(portal_url: str, example_license) -> None:
    public_key = httpx.get(f"{portal_url}/api/v1/licenses/public-key").json()["public_key"]
    source = docs.sample(docs.PYTHON_VERIFY, portal_url).replace("ВСТАВЬТЕ_PUBLIC_KEY", public_key)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(source, "docs-python-example", "exec"), {"__name__": "docs_example"})
    assert printed.getvalue().split()[:2] == ["False", "not_activated"]


def test_python_example_rejects_foreign_key(portal_url: str, example_license) -> None:
    foreign = "Vq1nY9Zq6r1yQm3o6v6x2a7Qk3x8Jm0b5o9Yb2T1a4E="  # some other 32-byte key
    source = docs.sample(docs.PYTHON_VERIFY, portal_url).replace("ВСТАВЬТЕ_PUBLIC_KEY", foreign)
    with pytest.raises(RuntimeError, match="не подписан"):
        exec(compile(source, "docs-python-example", "exec"), {"__name__": "docs_example"})


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("openssl")), reason="needs curl and openssl")
def test_curl_openssl_example_verifies_signature(portal_url: str, example_license, tmp_path) -> None:
    script = docs.sample(docs.CURL_VERIFY, portal_url)
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert "Signature Verified Successfully" in result.stdout, result.stderr


def test_example_key_has_the_real_format() -> None:
    from ispgo_portal.services.licensing.keys import KEY_ALPHABET, KEY_LENGTH

    assert len(docs.EXAMPLE_KEY) == KEY_LENGTH
    assert set(docs.EXAMPLE_KEY.removeprefix("ISPG-").replace("-", "")) <= set(KEY_ALPHABET)
