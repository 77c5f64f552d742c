"""SMTP modes from settings: STARTTLS and SSL with login, against real TLS servers on loopback."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult

from ispgo_portal.services.mail.mailer import MailError, OutgoingEmail, send_email
from tests.tasks.smtp_sink import SmtpSink, text_part

USER, PASSWORD = "mailer", "s3cret-pass"
EMAIL = OutgoingEmail(outbox_id=7, recipient="ivan@example.ru", subject="Проверка",
                      body_text="Текст письма", body_html="<p>Текст письма</p>")


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def server_tls(tmp_path: Path) -> Iterator[ssl.SSLContext]:
    """A server certificate the client trusts (through SSL_CERT_FILE, as a real CA would be)."""
    cert_path, key_path = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    saved = os.environ.get("SSL_CERT_FILE")
    os.environ["SSL_CERT_FILE"] = str(cert_path)
    yield context
    if saved is None:
        os.environ.pop("SSL_CERT_FILE", None)
    else:
        os.environ["SSL_CERT_FILE"] = saved


def _authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


def _settings(port: int, tls: str, password: str = PASSWORD):
    from ispgo_portal.settings import Settings

    return Settings(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS=tls, SMTP_USER=USER,
                    SMTP_PASSWORD=password)


def test_starttls_with_login_delivers(server_tls: ssl.SSLContext) -> None:
    sink = SmtpSink(tls_context=server_tls, require_starttls=True, authenticator=_authenticator,
                    auth_required=True).start()
    try:
        send_email(EMAIL, _settings(sink.port, "starttls"))
        [message] = sink.wait_for(1)
    finally:
        sink.stop()
    assert text_part(message).strip() == "Текст письма"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_ssl_with_login_delivers(server_tls: ssl.SSLContext) -> None:
    # aiosmtpd counts only STARTTLS as TLS for AUTH; this whole connection is TLS already.
    sink = SmtpSink(ssl_context=server_tls, authenticator=_authenticator, auth_required=True,
                    auth_require_tls=False).start()
    try:
        send_email(EMAIL, _settings(sink.port, "ssl"))
        [message] = sink.wait_for(1)
    finally:
        sink.stop()
    assert str(message["Subject"]) == "Проверка"


def test_wrong_login_is_transient_so_the_email_waits(server_tls: ssl.SSLContext) -> None:
    sink = SmtpSink(tls_context=server_tls, require_starttls=True, authenticator=_authenticator,
                    auth_required=True).start()
    try:
        with pytest.raises(MailError) as err:
            send_email(EMAIL, _settings(sink.port, "starttls", password="wrong"))
    finally:
        sink.stop()
    assert not err.value.permanent
    assert sink.received() == []


def test_plain_smtp_without_login_delivers() -> None:
    from ispgo_portal.settings import Settings

    sink = SmtpSink().start()
    try:
        send_email(EMAIL, Settings(SMTP_HOST="127.0.0.1", SMTP_PORT=sink.port, SMTP_TLS="none"))
        [message] = sink.wait_for(1)
    finally:
        sink.stop()
    assert message["Message-ID"] == "<outbox-7@ispgo.local>"
