"""What `make run` and `make cluster` print once the portal answers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def print_ready(title: str, url: str, logins: Iterable[Any], *extra: str) -> None:
    print()
    print(f"  {title}: {url}")
    for line in extra:
        print(f"  {line}")
    for login in logins:
        print(f"  {login.role}: {login.email} / {login.password}")
        if getattr(login, "totp_secret", ""):
            print(f"    код входа (TOTP): секрет {login.totp_secret} — добавьте в приложение-аутентификатор")
            print(f"    или откройте {login.totp_uri}")
    print("  Ctrl-C — остановить всё.")
    print(flush=True)
