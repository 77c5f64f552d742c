"""Every email template renders from exactly its agreed context, in Russian, with the
portal's name and a link back, and money and dates formatted for people."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from jinja2 import UndefinedError

from ispgo_portal.services.mail.notifications import TEMPLATES, render_email


@pytest.fixture(autouse=True)
def clean_db() -> None:
    """Templates only: no database (this replaces the suite's database fixture)."""


WHEN = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
CONTEXTS = {
    "welcome": {"name": "Иван"},
    "topup_received": {"name": "Иван", "amount": 150_050, "balance": 123_456},
    "license_bought": {"name": "Иван", "tariff": "Старт", "key": "ISPG-AAAA-BBBB", "expires_at": WHEN},
    "license_renewed": {"name": "Иван", "tariff": "Старт", "key": "ISPG-AAAA-BBBB", "amount": 99_000,
                        "expires_at": WHEN},
    "renewal_failed": {"name": "Иван", "tariff": "Старт", "key": "ISPG-AAAA-BBBB", "price": 99_000,
                       "missing": 45_050},
    "license_expiring": {"name": "Иван", "tariff": "Старт", "key": "ISPG-AAAA-BBBB", "expires_at": WHEN,
                         "days_left": 7, "auto_renew": True, "missing": 0},
    "license_expired": {"name": "Иван", "tariff": "Старт", "key": "ISPG-AAAA-BBBB", "expires_at": WHEN},
    "ticket_reply": {"name": "Иван", "ticket_id": 12, "subject": "Не работает <панель>",
                     "reply_text": "Перезапустите службу"},
    "ticket_new_admin": {"ticket_id": 12, "subject": "Не работает", "customer_email": "ivan@example.ru",
                         "category": "Техническая", "priority": "Высокий", "text": "Помогите",
                         "is_reply": False},
    "password_reset": {"name": "Иван", "reset_url": "http://localhost:3000/password-reset/confirm?token=t"},
    "password_changed_by_admin": {"name": "Иван"},
    "email_changed_by_admin": {"name": "Иван", "old_email": "old@example.ru", "new_email": "new@example.ru"},
    "two_factor_enabled": {"name": "Иван"},
    "two_factor_disabled": {"name": "Иван", "by_admin": True},
    "recovery_code_used": {"name": "Иван", "left": 9},
    "act_issued": {"name": "Иван", "payer": "ООО «Ромашка»", "number": "А-2026-000001", "period": "октябрь 2026",
                   "total": 479_820},
}


def test_every_template_file_has_a_context_here() -> None:
    names = {p.stem for p in TEMPLATES.glob("*.txt")} - {"_footer"}
    assert names == set(CONTEXTS)
    assert {p.stem for p in TEMPLATES.glob("*.html")} - {"_base"} == names


@pytest.mark.parametrize("template", sorted(CONTEXTS))
def test_template_renders_in_russian_with_portal_name_and_link(template: str) -> None:
    subject, text, html = render_email(template, CONTEXTS[template])
    assert subject and any("а" <= ch <= "я" for ch in subject.lower())
    assert "ISPGo" in subject + text
    assert "http://localhost:3000/" in text
    assert 'href="http://localhost:3000/' in html
    assert "<html" in html and "ISPGo" in html


@pytest.mark.parametrize("template", sorted(t for t, ctx in CONTEXTS.items() if len(ctx) > 1))
def test_template_refuses_a_missing_variable(template: str) -> None:
    context = dict(CONTEXTS[template])
    context.pop(next(k for k in context if k != "name"))
    with pytest.raises(UndefinedError):
        render_email(template, context)


def test_money_and_dates_are_formatted_for_people() -> None:
    _, text, _ = render_email("topup_received", CONTEXTS["topup_received"])
    assert "1\u00a0500,50\u00a0₽" in text and "1\u00a0234,56\u00a0₽" in text
    _, text, _ = render_email("license_bought", CONTEXTS["license_bought"])
    assert "26.11.2026" in text


def test_html_escapes_what_customers_wrote() -> None:
    _, _, html = render_email("ticket_reply", CONTEXTS["ticket_reply"])
    assert "&lt;панель&gt;" in html


def test_manual_renewal_is_not_called_automatic() -> None:
    _, text, _ = render_email("license_renewed", {**CONTEXTS["license_renewed"], "automatic": False})
    assert "продлена." in text and "автоматически" not in text
    _, text, _ = render_email("license_renewed", CONTEXTS["license_renewed"])
    assert "продлена автоматически" in text


def test_ticket_reply_from_customer_is_labelled_for_support() -> None:
    subject, _, _ = render_email("ticket_new_admin", {**CONTEXTS["ticket_new_admin"], "is_reply": True})
    assert subject.startswith("Новый ответ клиента")
