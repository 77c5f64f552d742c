"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the tests."""

from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """Collects delivered messages. `reject_with` (e.g. "550 no such user") makes the server
    refuse DATA. Extra keyword arguments go to aiosmtpd's Controller (TLS, auth)."""

    def __init__(self, port: int | None = None, **controller_kwargs: Any) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.reject_with: str | None = None
        self._lock = threading.Lock()
        self._controller_kwargs = controller_kwargs
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.reject_with:
            return self.reject_with
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def start(self) -> SmtpSink:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, ready_timeout=10,
                                      **self._controller_kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def received(self, to: str | None = None, subject_part: str = "") -> list[EmailMessage]:
        with self._lock:
            found = list(self.messages)
        return [m for m in found
                if (to is None or m["To"] == to) and subject_part in str(m["Subject"])]

    def wait_for(self, count: int = 1, *, to: str | None = None, subject_part: str = "",
                 timeout: float = 60) -> list[EmailMessage]:
        """Wait until at least `count` matching messages arrived; fail after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.received(to, subject_part)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} email(s) to {to} with {subject_part!r}, got "
                             f"{[str(m['Subject']) for m in self.received()]}")


def text_part(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()
