"""The panel license API over real HTTP: the Starlette app from api/app.py under uvicorn on
loopback, PostgreSQL behind it, Redis counting requests, signatures checked with the public key
the API publishes."""

from __future__ import annotations

import base64
import json
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import httpx
import pytest
import uvicorn
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import func, select

from ispgo_portal.clock import utcnow
from ispgo_portal.db import session_scope
from ispgo_portal.models import License, LicenseActivation
from tests.e2e.portal import ROOT, free_port


@pytest.fixture(scope="module")
def api_url() -> Iterator[str]:
    from ispgo_portal.api import licenses as licenses_api
    from ispgo_portal.api.app import create_api

    licenses_api.limiter.cache_clear()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_api(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    licenses_api.limiter.cache_clear()


@pytest.fixture(scope="module")
def public_key(api_url: str) -> Ed25519PublicKey:
    resp = httpx.get(f"{api_url}/api/v1/licenses/public-key")
    raw = base64.b64decode(resp.json()["public_key"])
    key = Ed25519PublicKey.from_public_bytes(raw)
    key.verify(base64.b64decode(resp.headers["X-Signature"]), resp.content)
    return key


@pytest.fixture
def call(api_url: str, public_key: Ed25519PublicKey) -> Callable[..., httpx.Response]:
    """call("validate", {...}) -> the response, after checking its signature."""

    def do(action: str, payload: object = None, *, content: bytes | None = None,
           client: httpx.Client | None = None) -> httpx.Response:
        body = content if content is not None else json.dumps(payload).encode()
        resp = (client or httpx).post(f"{api_url}/api/v1/licenses/{action}", content=body,
                                      headers={"Content-Type": "application/json"})
        public_key.verify(base64.b64decode(resp.headers["X-Signature"]), resp.content)
        return resp

    do.api_url = api_url  # type: ignore[attr-defined]
    return do


@pytest.fixture
def make_license(make_customer, make_tariff) -> Callable[..., str]:
    """make_license(max_servers=1, status="active", expires_in=days) -> its key."""
    owner = make_customer()

    def factory(*, max_servers: int = 1, status: str = "active", expires_in: float = 30,
                tariff_name: str = "Бизнес") -> str:
        from ispgo_portal.services.licensing.keys import generate_license_key

        tariff = make_tariff(name=tariff_name, max_servers=max_servers, max_sites=100)
        with session_scope() as session:
            lic = License(user_id=owner, tariff_id=tariff, key=generate_license_key(), status=status,
                          expires_at=utcnow() + timedelta(days=expires_in))
            session.add(lic)
            return lic.key

    return factory


def _servers(key: str) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(LicenseActivation)
                            .join(License, License.id == LicenseActivation.license_id)
                            .where(License.key == key)).one()


# --- activation ----------------------------------------------------------------------------

def test_activation_registers_the_server(call, make_license) -> None:
    key = make_license(max_servers=2)
    resp = call("activate", {"key": key, "fingerprint": "fp-a", "hostname": "a.example.ru"})
    data = resp.json()
    assert resp.status_code == 200
    assert (data["valid"], data["code"], data["activated"], data["servers_used"]) == (True, "valid", True, 1)
    assert (data["status"], data["tariff"], data["max_servers"], data["max_sites"]) == ("active", "Бизнес", 2, 100)
    assert data["expires_at"].endswith("Z")
    assert _servers(key) == 1


def test_same_fingerprint_again_is_idempotent(call, make_license) -> None:
    key = make_license(max_servers=1)
    for _ in range(3):
        data = call("activate", {"key": key, "fingerprint": "fp-a", "hostname": "a.example.ru"}).json()
        assert data["valid"] is True
    assert data["activated"] is False
    assert _servers(key) == 1


def test_new_server_beyond_the_limit_is_refused(call, make_license) -> None:
    key = make_license(max_servers=1)
    call("activate", {"key": key, "fingerprint": "fp-a", "hostname": "a"})
    resp = call("activate", {"key": key, "fingerprint": "fp-b", "hostname": "b"})
    assert resp.status_code == 409
    assert (resp.json()["valid"], resp.json()["code"]) == (False, "server_limit_reached")
    assert _servers(key) == 1


def test_zero_max_servers_means_unlimited(call, make_license) -> None:
    key = make_license(max_servers=0)
    for n in range(12):
        assert call("activate", {"key": key, "fingerprint": f"fp-{n}", "hostname": "h"}).json()["valid"] is True
    assert _servers(key) == 12


def test_twenty_concurrent_activations_never_exceed_a_limit_of_three(api_url, call, make_license) -> None:
    key = make_license(max_servers=3)
    start = threading.Barrier(20)
    codes: list[str] = []

    def activate(n: int) -> None:
        with httpx.Client(timeout=30) as client:
            start.wait()
            codes.append(call("activate", {"key": key, "fingerprint": f"server-{n}", "hostname": f"s{n}"},
                              client=client).json()["code"])

    threads = [threading.Thread(target=activate, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == ["server_limit_reached"] * 17 + ["valid"] * 3
    assert _servers(key) == 3


@pytest.mark.parametrize("status", ["expired", "suspended"])
def test_lapsed_license_does_not_activate(status: str, call, make_license) -> None:
    key = make_license(status=status)
    data = call("activate", {"key": key, "fingerprint": "fp-a", "hostname": "a"}).json()
    assert (data["valid"], data["code"]) == (False, status)
    assert _servers(key) == 0


def test_deactivation_frees_the_slot(call, make_license) -> None:
    key = make_license(max_servers=1)
    call("activate", {"key": key, "fingerprint": "fp-a", "hostname": "a"})
    data = call("deactivate", {"key": key, "fingerprint": "fp-a"}).json()
    assert (data["valid"], data["code"], data["deactivated"]) == (False, "not_activated", True)
    assert call("activate", {"key": key, "fingerprint": "fp-b", "hostname": "b"}).json()["valid"] is True
    assert call("deactivate", {"key": key, "fingerprint": "fp-a"}).json()["deactivated"] is False


# --- validation ----------------------------------------------------------------------------

def test_validate_active_activated_license(call, make_license) -> None:
    key = make_license()
    call("activate", {"key": key, "fingerprint": "fp-a", "hostname": "a"})
    resp = call("validate", {"key": key.lower(), "fingerprint": "fp-a", "nonce": "n-123"})
    data = resp.json()
    assert resp.status_code == 200
    assert (data["valid"], data["code"], data["status"], data["nonce"]) == (True, "valid", "active", "n-123")


def test_validate_on_a_server_not_activated(call, make_license) -> None:
    key = make_license()
    data = call("validate", {"key": key, "fingerprint": "fp-never"}).json()
    assert (data["valid"], data["code"], data["status"]) == (False, "not_activated", "active")


@pytest.mark.parametrize(("status", "expires_in", "code"), [
    ("expired", -1, "expired"),
    ("active", -0.001, "expired"),  # term over, the expiry pass has not run yet
    ("suspended", 10, "suspended"),
])
def test_validate_lapsed_license_is_not_valid(status: str, expires_in: float, code: str, call,
                                              make_license) -> None:
    key = make_license()
    call("activate", {"key": key, "fingerprint": "fp-a", "hostname": "a"})
    with session_scope() as session:
        lic = session.exec(select(License).where(License.key == key)).one()
        lic.status, lic.expires_at = status, utcnow() + timedelta(days=expires_in)
        session.add(lic)
    data = call("validate", {"key": key, "fingerprint": "fp-a"}).json()
    assert (data["valid"], data["code"], data["status"]) == (False, code, code)


def test_unknown_key_reveals_nothing(call, make_license) -> None:
    make_license()
    resp = call("validate", {"key": "ISPG-AAAA-BBBB-CCCC-DDDD", "fingerprint": "fp-a"})
    data = resp.json()
    assert resp.status_code == 404
    assert (data["valid"], data["code"]) == (False, "not_found")
    assert [data[f] for f in ("status", "expires_at", "tariff", "max_servers", "max_sites", "servers_used")] == [None] * 6


def test_tampered_body_fails_verification(call, make_license, public_key) -> None:
    resp = call("validate", {"key": make_license(), "fingerprint": "fp-a"})
    forged = resp.content.replace(b'"valid":false', b'"valid":true')
    assert forged != resp.content
    with pytest.raises(InvalidSignature):
        public_key.verify(base64.b64decode(resp.headers["X-Signature"]), forged)


# --- bad requests --------------------------------------------------------------------------

@pytest.mark.parametrize("content", [
    b"not json",
    b"[1, 2]",
    b'{"key": "ISPG-AAAA-BBBB-CCCC-DDDD"}',
    b'{"key": "ISPG-AAAA-BBBB-CCCC-DDDD", "fingerprint": 42}',
    b'{"key": "", "fingerprint": "fp"}',
    json.dumps({"key": "ISPG-AAAA-BBBB-CCCC-DDDD", "fingerprint": "f" * 129}).encode(),
    json.dumps({"key": "ISPG-AAAA-BBBB-CCCC-DDDD", "fingerprint": "fp", "pad": "x" * 5000}).encode(),
    b"\xff\xfe\x00",
], ids=["not-json", "array", "missing-field", "wrong-type", "empty", "too-long-field", "oversized", "binary"])
def test_bad_bodies_are_invalid_requests(content: bytes, call) -> None:
    resp = call("validate", content=content)
    assert resp.status_code == 400
    assert (resp.json()["valid"], resp.json()["code"]) == (False, "invalid_request")


@pytest.mark.parametrize(("field", "value"), [
    ("fingerprint", "fp\x00a"), ("hostname", "panel\x00.example.ru"), ("hostname", "panel\x1b[31m.ru"),
    ("fingerprint", "fp\u202e"),
], ids=["nul-fingerprint", "nul-hostname", "escape-hostname", "bidi-fingerprint"])
def test_control_characters_are_invalid_requests(field: str, value: str, call, make_license) -> None:
    key = make_license()
    resp = call("activate", {"key": key, "fingerprint": "fp-a", "hostname": "panel.example.ru", field: value})
    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_request")
    assert _servers(key) == 0


def test_activation_needs_a_hostname(call, make_license) -> None:
    key = make_license()
    assert call("activate", {"key": key, "fingerprint": "fp-a"}).json()["code"] == "invalid_request"
    assert _servers(key) == 0


# --- rate limiting -------------------------------------------------------------------------

@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    from ispgo_portal.settings import get_settings

    def set_limits(*, per_address: int = 600, per_key: int = 60) -> None:
        monkeypatch.setenv("LICENSE_API_RATE_PER_ADDRESS", str(per_address))
        monkeypatch.setenv("LICENSE_API_RATE_PER_KEY", str(per_key))
        get_settings.cache_clear()

    yield set_limits
    monkeypatch.undo()
    get_settings.cache_clear()


def test_too_many_requests_for_one_key_are_limited(call, make_license, limits) -> None:
    limits(per_key=5)
    key, other = make_license(), make_license()
    codes = [call("validate", {"key": key, "fingerprint": "fp"}).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    resp = call("validate", {"key": key, "fingerprint": "fp"})
    assert (resp.json()["code"], int(resp.headers["Retry-After"]) > 0) == ("rate_limited", True)
    assert call("validate", {"key": other, "fingerprint": "fp"}).status_code == 200


def test_too_many_requests_from_one_address_are_limited(api_url, call, make_license, limits) -> None:
    limits(per_address=5)
    key = make_license()
    # Each test speaks from fresh loopback addresses so earlier windows do not count.
    first, second = (f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{n}" for n in (10, 11))
    with httpx.Client(transport=httpx.HTTPTransport(local_address=first)) as client:
        codes = [call("validate", {"key": key, "fingerprint": "fp"}, client=client).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    with httpx.Client(transport=httpx.HTTPTransport(local_address=second)) as client:
        assert call("validate", {"key": key, "fingerprint": "fp"}, client=client).status_code == 200


def test_address_limit_counts_our_proxys_entry_not_the_clients(call, make_license, limits,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Behind a proxy appending to X-Forwarded-For, the leftmost entries are whatever the client
    sent: rotating them must not buy a fresh allowance."""
    from ispgo_portal.settings import get_settings

    limits(per_address=5)  # first: it starts new settings, which must keep the header below
    monkeypatch.setattr(get_settings(), "trusted_proxy_header", "X-Forwarded-For")
    key = make_license()
    proxy_wrote = f"198.51.100.{random.randint(1, 254)}"
    codes = []
    for n in range(6):
        # Each request from a fresh loopback address too: only our proxy's entry ties them together.
        peer = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{n + 20}"
        with httpx.Client(transport=httpx.HTTPTransport(local_address=peer)) as client:
            resp = client.post(f"{call.api_url}/api/v1/licenses/validate", json={"key": key, "fingerprint": "fp"},
                               headers={"X-Forwarded-For": f"203.0.113.{n}, {proxy_wrote}"})
        codes.append(resp.status_code)
    assert codes == [200] * 5 + [429]


def test_limiter_counts_in_process_without_redis() -> None:
    from ispgo_portal.api.rate_limit import Bucket, RateLimiter

    limiter = RateLimiter(redis_url="")
    results = [limiter.hit([Bucket("addr:x", 3)]) for _ in range(4)]
    assert results[:3] == [None] * 3 and results[3] >= 1


def test_limiter_falls_back_to_process_counters_when_redis_is_down() -> None:
    from ispgo_portal.api.rate_limit import Bucket, RateLimiter

    limiter = RateLimiter(redis_url="redis://127.0.0.1:1/0")  # nothing listens there
    results = [limiter.hit([Bucket("key:y", 2)]) for _ in range(3)]
    assert results[:2] == [None, None] and results[2] >= 1


# --- the panel's side ------------------------------------------------------------------------

def _panel(api_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "panel_check.py"), "--url", api_url, *args],
                          capture_output=True, text=True, timeout=60)


def test_panel_script_activates_and_validates_with_verified_signatures(api_url, make_license) -> None:
    key = make_license()
    result = _panel(api_url, "--key", key, "--fingerprint", "panel-fp", "--hostname", "panel.example.ru")
    assert result.returncode == 0, result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["activate", "validate"]
    assert result.stdout.count("подпись верна") == 2
    assert _servers(key) == 1


def test_panel_script_refuses_answers_signed_by_another_key(api_url, make_license) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    result = _panel(api_url, "--key", make_license(), "--public-key", base64.b64encode(other).decode())
    assert result.returncode == 2
    assert "не подписан" in result.stderr
