"""Demo data for the embedded default: tariffs, an admin and a customer. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from sqlmodel import select

from ispgo_portal.db import session_scope
from ispgo_portal.models import ROLE_ADMIN, ROLE_CUSTOMER, Tariff, User
from ispgo_portal.services.accounts import two_factor
from ispgo_portal.services.accounts.passwords import hash_password

DEMO_ADMIN = ("admin@ispgo.local", "admin12345", "Администратор")
DEMO_CUSTOMER = ("demo@ispgo.local", "demo12345", "Демо Клиент")


class _TariffSpec(TypedDict):
    """The keyword arguments of a demo `Tariff(...)`, typed so the call is checked."""

    name: str
    price: int
    period_days: int
    max_servers: int
    max_sites: int
    sort_order: int
    description: str
    features: str


DEMO_TARIFFS = [
    _TariffSpec(name="Старт", price=49_000, period_days=30, max_servers=1, max_sites=10, sort_order=1,
                description="Для одного сервера и небольших проектов.",
                features="1 сервер\n10 сайтов\nПочта, DNS, базы данных\nSSL-сертификаты Let's Encrypt"),
    _TariffSpec(name="Бизнес", price=149_000, period_days=30, max_servers=5, max_sites=100, sort_order=2,
                description="Для растущего хостинга: несколько серверов и сотня сайтов.",
                features="До 5 серверов\n100 сайтов\nМониторинг серверов\nREST API"),
    _TariffSpec(name="Безлимит", price=499_000, period_days=30, max_servers=0, max_sites=0, sort_order=3,
                description="Без ограничений на серверы и сайты.",
                features="Серверы без ограничений\nСайты без ограничений\nПриоритетная поддержка\nREST API"),
]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    totp_secret: str = ""  # admins sign in with a TOTP code: add this secret to an authenticator

    @property
    def totp_uri(self) -> str:
        return two_factor.provisioning_uri(self.totp_secret, self.email) if self.totp_secret else ""


def seed_demo() -> list[DemoLogin]:
    """Create what is missing; a second run adds nothing."""
    with session_scope() as session:
        for spec in DEMO_TARIFFS:
            if session.exec(select(Tariff.id).where(Tariff.name == spec["name"])).first() is None:
                session.add(Tariff(**spec))
        for (email, password, name), role in ((DEMO_ADMIN, ROLE_ADMIN), (DEMO_CUSTOMER, ROLE_CUSTOMER)):
            if session.exec(select(User.id).where(User.email == email)).first() is None:
                session.add(User(email=email, name=name, password_hash=hash_password(password), role=role))
        session.flush()
        admin = session.exec(select(User).where(User.email == DEMO_ADMIN[0])).one()
        # Admins must have a second factor; the demo admin's secret is printed with the logins.
        secret = two_factor.ensure_enrolled(session, user=admin) if admin.role == ROLE_ADMIN else ""
    return [
        DemoLogin("администратор", DEMO_ADMIN[0], DEMO_ADMIN[1], totp_secret=secret),
        DemoLogin("клиент", DEMO_CUSTOMER[0], DEMO_CUSTOMER[1]),
    ]
