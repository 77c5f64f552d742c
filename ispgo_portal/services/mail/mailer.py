"""SMTP delivery: one multipart (text + HTML) message per outbox row.

Settings: SMTP_HOST (empty = no delivery, emails wait in the outbox), SMTP_PORT,
SMTP_TLS (none | starttls | ssl), SMTP_USER / SMTP_PASSWORD (login only when a user is
set) and SMTP_FROM. Failures are sorted into two kinds, because the outbox treats them
differently: a transient one (server down, timeout, 4xx) is retried until it goes
through; a permanent one (5xx: the server refuses this message or recipient for good)
stops the retries and shows the email as failed to the admin.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from ispgo_portal.settings import Settings, get_settings

SMTP_TIMEOUT_SECONDS = 20


class MailError(Exception):
    """Delivery failed; `permanent` says whether trying again can help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class OutgoingEmail:
    outbox_id: int
    recipient: str
    subject: str
    body_text: str
    body_html: str


def smtp_configured(settings: Settings | None = None) -> bool:
    return bool((settings or get_settings()).smtp_host)


def message_id_for(outbox_id: int, settings: Settings | None = None) -> str:
    """A stable Message-ID per outbox row: if a crash makes us deliver a row twice, mail
    servers and clients that collapse duplicates by Message-ID see the same message."""
    sender = parseaddr((settings or get_settings()).smtp_from)[1]
    domain = sender.rpartition("@")[2] or "ispgo.local"
    return f"<outbox-{outbox_id}@{domain}>"


def build_message(email: OutgoingEmail, settings: Settings | None = None) -> EmailMessage:
    settings = settings or get_settings()
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = email.recipient
    msg["Subject"] = email.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id_for(email.outbox_id, settings) if email.outbox_id else make_msgid()
    msg.set_content(email.body_text)
    msg.add_alternative(email.body_html, subtype="html")
    return msg


def _classify(exc: BaseException) -> MailError:
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [c for c, _ in exc.recipients.values()]
        permanent = bool(codes) and all(500 <= c < 600 for c in codes)
        return MailError(f"получатель отклонён: {exc.recipients}", permanent=permanent)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        # A wrong password is a setting to fix, not a reason to drop the email.
        return MailError(f"ошибка входа на SMTP-сервер: {code}", permanent=False)
    if isinstance(exc, smtplib.SMTPResponseException) and code is not None and 500 <= code < 600:
        return MailError(f"SMTP {code}: {exc.smtp_error!r}", permanent=True)
    return MailError(f"{type(exc).__name__}: {exc}", permanent=False)


class SmtpConnection:
    """One SMTP session that can carry several messages (the outbox flush reuses it)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpConnection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        if not s.smtp_host:
            raise MailError("SMTP не настроен (SMTP_HOST пуст)", permanent=False)
        try:
            if s.smtp_tls == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT_SECONDS,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT_SECONDS)
                if s.smtp_tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password.get_secret_value())
        except (OSError, smtplib.SMTPException) as exc:
            raise _classify(exc) from exc
        return smtp

    def send(self, email: OutgoingEmail) -> None:
        """Deliver one message; raises MailError. Returns only once the server accepted it."""
        if self._smtp is None:
            self._smtp = self._open()
        try:
            self._smtp.send_message(build_message(email, self.settings))
        except (OSError, smtplib.SMTPException) as exc:
            self.close()  # the session may be in an unknown state; the next send reconnects
            raise _classify(exc) from exc

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def send_email(email: OutgoingEmail, settings: Settings | None = None) -> None:
    with SmtpConnection(settings) as conn:
        conn.send(email)
