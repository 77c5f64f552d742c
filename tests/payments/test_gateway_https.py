"""The gateway's production transport: the emulator served over HTTPS with a certificate
from a test CA, trusted through REQUESTS_CA_BUNDLE as a system CA would be. The https
adapter, the timeouts and the retries run exactly as they do against YooKassa."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ispgo_portal.payments import gateway
from ispgo_portal.payments.emulator import create_emulator_app
from ispgo_portal.payments.emulator_control import EmulatorControl
from ispgo_portal.payments.emulator_server import ThreadedServer
from ispgo_portal.payments.emulator_store import EmulatorConfig
from ispgo_portal.settings import get_settings

ENV = ("YOOKASSA_API_URL", "YOOKASSA_TIMEOUT", "REQUESTS_CA_BUNDLE")


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))


def make_ca(folder: Path, name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(_name(name))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    path = folder / f"{name}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, path


def make_server_cert(folder: Path, ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    cert_path, key_path = folder / "server.pem", folder / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(key, key_path)
    return cert_path, key_path


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tls")
    ca_key, ca, ca_path = make_ca(folder, "test-ca")
    cert, key = make_server_cert(folder, ca_key, ca)
    _other_key, _other, other_ca_path = make_ca(folder, "other-ca")
    return {"ca": ca_path, "other_ca": other_ca_path, "cert": cert, "key": key}


@pytest.fixture(scope="module")
def https_emulator(tls: dict[str, Path]) -> Iterator[ThreadedServer]:
    config = EmulatorConfig(return_origins=(os.environ["BASE_URL"].rstrip("/"),))
    server = ThreadedServer(create_emulator_app(config), ssl_certfile=str(tls["cert"]),
                            ssl_keyfile=str(tls["key"])).start()
    config.public_url = server.url
    saved = {k: os.environ.get(k) for k in ENV}
    os.environ.update(YOOKASSA_API_URL=f"{server.url}/v3", YOOKASSA_TIMEOUT="2",
                      REQUESTS_CA_BUNDLE=str(tls["ca"]))
    get_settings.cache_clear()
    yield server
    server.stop()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    get_settings.cache_clear()


@pytest.fixture
def tls_control(https_emulator: ThreadedServer, tls: dict[str, Path]) -> Iterator[EmulatorControl]:
    ctl = EmulatorControl(https_emulator.url, verify=ssl.create_default_context(cafile=str(tls["ca"])))
    ctl.reset()
    yield ctl
    ctl.reset()
    ctl.close()


def _create(key: str) -> gateway.GatewayPayment:
    return gateway.create_payment(payment_id=1, user_id=7, purpose="topup", idempotence_key=key,
                                  amount=10_000, description="Пополнение баланса",
                                  customer_email="c@example.ru", receipt_item="Пополнение баланса")


def test_gateway_speaks_https_to_the_provider(tls_control) -> None:
    created = _create(uuid.uuid4().hex)
    assert created.confirmation_url.startswith("https://127.0.0.1:")
    assert gateway.fetch_payment(created.id).id == created.id


def test_202_over_https_is_retried_by_the_gateway_once_per_answer(tls_control) -> None:
    """Not by urllib3's status retries beneath it: each 202 is one call the emulator counts."""
    tls_control.fail_next("processing_202", target="create_payment", count=2, retry_after=100)
    created = _create(uuid.uuid4().hex)
    assert tls_control.calls()["create_payment"] == 3
    assert [p["id"] for p in tls_control.payments()] == [created.id]


def test_timeout_over_https_then_same_key_gives_one_payment(tls_control) -> None:
    tls_control.fail_next("hang", target="create_payment", seconds=3)  # past the 2 s timeout
    created = _create(uuid.uuid4().hex)
    assert [p["id"] for p in tls_control.payments()] == [created.id]


def test_500_after_over_https_is_retried_with_the_same_key(tls_control) -> None:
    tls_control.fail_next("500_after", target="create_payment")
    created = _create(uuid.uuid4().hex)
    assert tls_control.calls()["create_payment"] == 2
    assert [p["id"] for p in tls_control.payments()] == [created.id]


def test_certificate_of_an_untrusted_ca_is_refused(tls_control, tls, monkeypatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls["other_ca"]))
    monkeypatch.setattr(gateway, "RETRY_DELAYS", (0.01,))
    with pytest.raises(gateway.GatewayUnavailable) as failure:
        gateway.fetch_payment(str(uuid.uuid4()))
    assert failure.value.code == "network" and "SSL" in failure.value.detail
    assert tls_control.calls().get("get_payment", 0) == 0
