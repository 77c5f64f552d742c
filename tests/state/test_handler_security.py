"""Every public handler of every state class is reachable by a crafted websocket message.

This test enumerates them all (so a new handler cannot be forgotten) and calls each one
  * anonymously (no or a forged session token): nothing may change in the database and no
    other customer's data may appear in the state;
  * as a customer: handlers of admin state classes (modules state/admin_*.py) must refuse and
    change nothing; customer handlers aimed at another customer's objects must leave that
    customer's data untouched and must not reveal it.
Handlers any visitor may use are listed in PUBLIC_HANDLERS.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import inspect
import pkgutil
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from tests.state.harness import make_state, run

PUBLIC_HANDLERS: set[str] = {
    # session plumbing: redirects only, they reveal nothing and change nothing
    "SessionState.require_login",
    "SessionState.redirect_if_logged_in",
    "SessionState.refresh_header",
    # showing the session routes' answer: only the caller's own error text changes
    "LoginState.login_finished",
    "LoginState.code_finished",
    "LoginState.reset_login",
    "LoginState.back_to_password",
    "RegisterState.register_finished",
    # public pages: FAQ search over static text, the tariffs on sale
    "FaqState.search",
    "FaqState.clear_search",
    "FaqState.show_answers",
    "LandingState.load_landing",
    # «Забыли пароль?»: anyone may ask for a link (the answer never says if the email exists)
    # and set a new password with a valid link
    "PasswordResetState.request_reset",
    "PasswordResetState.confirm_reset",
}

VICTIM_EMAIL = "victim-secret@example.ru"
VICTIM_KEY = "ISPG-VICT-IMKE-Y777-0001"
VICTIM_SUBJECT = "Секретная тема жертвы"
VICTIM_TOKEN_NAME = "Секретный токен жертвы"
VICTIM_COMPANY = "ООО «Секретная студия жертвы»"
VICTIM_SECRETS = (VICTIM_EMAIL, VICTIM_KEY, VICTIM_SUBJECT, "Жертва Викторовна", VICTIM_TOKEN_NAME, VICTIM_COMPANY)


def _state_classes() -> list[type]:
    import ispgo_portal.ispgo_portal  # noqa: F401  (imports every page and state module)
    import ispgo_portal.state as pkg
    from ispgo_portal.state.session import SessionState

    for mod in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"{pkg.__name__}.{mod.name}")
    found: list[type] = []
    todo = [SessionState]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _handlers() -> list[tuple[type, str]]:
    items = []
    for cls in _state_classes():
        for name in cls.event_handlers:
            fn = cls.event_handlers[name].fn
            if not getattr(fn, "__module__", "").startswith("ispgo_portal."):
                continue  # Reflex's own (`setvar`; auto setters are off)
            owner = next(c for c in cls.__mro__ if name in c.__dict__)
            if owner is not cls:
                continue  # inherited: tested on the class that defines it
            items.append((cls, name))
    return sorted(items, key=lambda item: (item[0].__name__, item[1]))


HANDLERS = _handlers()


def _is_admin_class(cls: type) -> bool:
    return cls.__module__.rsplit(".", 1)[-1].startswith("admin_")


def _snapshot(tables: list[str] | None = None, where_user: int | None = None) -> str:
    """A digest of database contents (all tables, or the victim's rows)."""
    from sqlmodel import SQLModel

    from ispgo_portal.db import get_engine

    digest = hashlib.sha256()
    with get_engine().connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if tables is not None and table.name not in tables:
                continue
            if table.name in {"login_attempts"}:
                continue  # a login attempt is itself a record, not a change of anyone's data
            query = f'SELECT * FROM "{table.name}"'
            if where_user is not None:
                query += _victim_filter(table.name, table.c, where_user)
            rows = conn.execute(text(query + " ORDER BY 1")).all()
            digest.update(f"{table.name}:{rows!r}".encode())
    return digest.hexdigest()


# Rows that belong to the victim, for tables that do not carry user_id themselves.
_VICTIM_FILTERS = {
    "users": " WHERE id = {u}",
    "ticket_messages": " WHERE ticket_id IN (SELECT id FROM tickets WHERE user_id = {u})",
    "ticket_attachments": " WHERE ticket_id IN (SELECT id FROM tickets WHERE user_id = {u})",
    "license_activations": " WHERE license_id IN (SELECT id FROM licenses WHERE user_id = {u})",
    "refunds": " WHERE payment_id IN (SELECT id FROM payments WHERE user_id = {u})",
    "outbox_emails": " WHERE recipient = (SELECT email FROM users WHERE id = {u})",
    "audit_log": " WHERE target_user_id = {u}",
}


def _victim_filter(name: str, columns: Any, user_id: int) -> str:
    if "user_id" in columns:
        return f" WHERE user_id = {user_id}"
    return _VICTIM_FILTERS.get(name, "").format(u=user_id)


def _seed_victim() -> dict[str, int]:
    """A customer with money, a license with a server, a ticket, a payment and an API token
    (all id 1)."""
    from ispgo_portal.clock import utcnow
    from ispgo_portal.db import session_scope
    from ispgo_portal.models import (
        ApiToken,
        License,
        LicenseActivation,
        Payment,
        PaymentMethod,
        Tariff,
        Ticket,
        TicketMessage,
        User,
    )
    from ispgo_portal.services.accounts.passwords import hash_password
    from ispgo_portal.services.billing import ledger as billing
    from tests.totp import enrol_totp

    with session_scope() as session:
        victim = User(email=VICTIM_EMAIL, name="Жертва Викторовна", password_hash=hash_password("password123"),
                      credit_limit=50_000)
        session.add(victim)
        session.flush()
        billing.credit(session, user_id=victim.id, amount=1_000_000, kind="topup",
                       description="Пополнение", reference="victim-topup")
        tariff = Tariff(name="Секретный", price=10_000, period_days=30, max_servers=2, max_sites=0)
        session.add(tariff)
        session.flush()
        lic = License(user_id=victim.id, tariff_id=tariff.id, key=VICTIM_KEY,
                      expires_at=utcnow() + timedelta(days=3), auto_renew=False)
        session.add(lic)
        session.flush()
        session.add(LicenseActivation(license_id=lic.id, fingerprint="fp-victim", hostname="victim.example.ru"))
        ticket = Ticket(user_id=victim.id, category="billing", subject=VICTIM_SUBJECT, priority="high")
        session.add(ticket)
        session.flush()
        session.add(TicketMessage(ticket_id=ticket.id, author_id=victim.id, body="Текст жертвы"))
        session.add(Payment(user_id=victim.id, amount=10_000, idempotence_key="victim-idem", status="succeeded",
                            yookassa_id="2f000000-000f-5000-8000-000000000001"))
        session.add(ApiToken(user_id=victim.id, name=VICTIM_TOKEN_NAME, token_hash="v" * 64, prefix="ispgo_victim",
                             scopes="read,write", password_marker="m"))
        session.add(PaymentMethod(user_id=victim.id, yookassa_method_id="2f000000-000f-5000-8000-0000000000aa",
                                  card_type="MasterCard", last4="4477", expiry_month="12", expiry_year="2030",
                                  is_autopay=True))
        _seed_victim_company(session, victim.id)
        session.flush()
        victim_id = victim.id
    enrol_totp(victim_id)  # crafted events must not turn the victim's 2FA off
    with session_scope() as session:
        return {"user": victim.id, "license": lic.id, "ticket": ticket.id, "tariff": tariff.id}


def _seed_victim_company(session: Any, user_id: int) -> None:
    """The victim's ООО with an open invoice (both id 1, like the rest)."""
    from ispgo_portal.models import Invoice, PayerProfile
    from ispgo_portal.services.billing.payers import details_json

    payer = PayerProfile(user_id=user_id, kind="company", name=VICTIM_COMPANY, inn="7707083893",
                         kpp="770701001", ogrn="1027700132195", bik="044525225", account="40702810938000000001",
                         corr_account="30101810400000000225", email=VICTIM_EMAIL, is_default=True)
    session.add(payer)
    session.flush()
    session.add(Invoice(number="2026-000001", user_id=user_id, payer_id=payer.id, payer_details=details_json(payer),
                        payer_inn=payer.inn, item="Пополнение", amount=100_000))


def _arg_for(name: str, annotation: Any, ids: dict[str, int]) -> Any:
    lowered = name.lower()
    target = next((ids[k] for k in ("ticket", "license", "tariff") if k in lowered), ids["user"])
    ann = str(annotation).lower()
    if "dict" in ann or lowered in {"form", "form_data", "data"}:
        return {
            "email": VICTIM_EMAIL, "new_email": "attacker@example.ru", "password": "password123",
            "password_confirm": "password123", "current": "password123", "amount": "100",
            "reason": "проверка", "percent": "50", "credit_limit": "100000", "discount": "50",
            "license_id": str(ids["license"]), "ticket_id": str(ids["ticket"]), "tariff_id": str(ids["tariff"]),
            "customer_id": str(ids["user"]), "user_id": str(ids["user"]), "days": "30", "text": "текст",
            "body": "Ответ злоумышленника", "subject": "Тема", "description": "Описание тикета",
            "category": "general", "priority": "high", "status": "closed", "code": "PROMO", "name": "X",
            "price": "100", "period_days": "30", "max_servers": "1", "max_sites": "1", "query": VICTIM_EMAIL,
            "fingerprint": "fp-victim", "method": "balance", "promo_code": "",
            "payer_id": str(ids["user"]), "invoice_number": "2026-000001", "kind": "company",
        }
    if "list" in ann or "uploadfile" in ann:
        return []
    if "bool" in ann:
        return True
    if "int" in ann:
        return target
    return str(target)


def _args(cls: type, name: str, ids: dict[str, int]) -> list[Any]:
    fn = cls.event_handlers[name].fn
    params = list(inspect.signature(fn).parameters.values())[1:]
    return [_arg_for(p.name, p.annotation, ids) for p in params
            if p.default is inspect.Parameter.empty and p.kind is not inspect.Parameter.VAR_KEYWORD]


def _leaks(state: Any) -> list[str]:
    try:
        dumped = repr(state.dict())
    except Exception:
        dumped = repr(vars(state))
    return [s for s in VICTIM_SECRETS if s in dumped]


def _id(item: tuple[type, str]) -> str:
    return f"{item[0].__name__}.{item[1]}"


@pytest.mark.parametrize("handler", HANDLERS, ids=[_id(h) for h in HANDLERS])
@pytest.mark.parametrize("token_kind", ["anonymous", "forged"])
def test_handler_refuses_anonymous(handler: tuple[type, str], token_kind: str) -> None:
    cls, name = handler
    if _id(handler) in PUBLIC_HANDLERS:
        pytest.skip("public handler: any visitor may call it")
    ids = _seed_victim()
    before = _snapshot()
    state = make_state(cls, "" if token_kind == "anonymous" else "forged-token-" + "x" * 30)
    with contextlib.suppress(Exception):
        run(state, name, *_args(cls, name, ids))
    assert _snapshot() == before, f"{_id(handler)} changed the database for an anonymous caller"
    assert _leaks(state) == [], f"{_id(handler)} revealed another customer's data"


@pytest.mark.parametrize("handler", HANDLERS, ids=[_id(h) for h in HANDLERS])
def test_handler_refuses_other_customer(handler: tuple[type, str], make_customer, session_token) -> None:
    cls, name = handler
    if _id(handler) in PUBLIC_HANDLERS:
        pytest.skip("public handler: any visitor may call it")
    ids = _seed_victim()
    attacker = make_customer(email="attacker@example.ru", balance=500_000)
    token = session_token(attacker)
    admin_only = _is_admin_class(cls)
    before = _snapshot() if admin_only else _snapshot(where_user=ids["user"])
    state = make_state(cls, token)
    with contextlib.suppress(Exception):
        run(state, name, *_args(cls, name, ids))
    after = _snapshot() if admin_only else _snapshot(where_user=ids["user"])
    who = "a customer calling an admin handler" if admin_only else "another customer"
    assert after == before, f"{_id(handler)} changed data for {who}"
    assert _leaks(state) == [], f"{_id(handler)} revealed another customer's data to {who}"


ADMIN_HANDLERS = [h for h in HANDLERS if _is_admin_class(h[0])]


@pytest.mark.parametrize("handler", ADMIN_HANDLERS, ids=[_id(h) for h in ADMIN_HANDLERS])
def test_admin_handler_refuses_admin_without_second_factor(handler: tuple[type, str], make_admin,
                                                           session_token) -> None:
    """A crafted event from an admin who has not enrolled TOTP changes and reveals nothing."""
    cls, name = handler
    ids = _seed_victim()
    token = session_token(make_admin(two_factor=False, email="no-2fa-admin@example.ru"))
    before = _snapshot()
    state = make_state(cls, token, url=f"/admin/customers/{ids['user']}")
    with contextlib.suppress(Exception):
        run(state, name, *_args(cls, name, ids))
    assert _snapshot() == before, f"{_id(handler)} acted for an admin without a second factor"
    assert _leaks(state) == [], f"{_id(handler)} revealed data to an admin without a second factor"


def test_every_admin_state_module_is_covered() -> None:
    admin_classes = [cls for cls in _state_classes() if _is_admin_class(cls)]
    assert admin_classes, "admin state classes are expected in ispgo_portal/state/admin_*.py"
    assert all(any(c is cls for c, _ in HANDLERS) or not cls.__dict__.get("event_handlers")
               for cls in admin_classes)
