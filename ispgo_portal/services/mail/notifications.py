"""Emails: rendered from templates into the outbox inside the business transaction,
handed to Celery only after the commit (so a rolled-back operation sends nothing)."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ispgo_portal.models import OutboxEmail
from ispgo_portal.services.mail.dispatch import dispatch_outbox
from ispgo_portal.settings import get_settings

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "email"
PORTAL_NAME = "ISPGo"


@lru_cache
def _env(autoescape: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]) if autoescape else False,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        auto_reload=False,  # templates ship with the code: no stat() per render
    )
    from ispgo_portal.clock import format_date, format_datetime
    from ispgo_portal.money import format_rub

    env.filters.update(rub=format_rub, date=format_date, datetime=format_datetime)
    return env


def render_email(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) for a template name such as 'welcome'."""
    ctx = {"portal_name": PORTAL_NAME, "base_url": get_settings().base_url.rstrip("/"), **context}
    text = _env(False).get_template(f"{template}.txt").render(ctx)
    subject, _, body = text.partition("\n")
    html = _env(True).get_template(f"{template}.html").render(ctx)
    return subject.removeprefix("Subject:").strip(), body.lstrip("\n"), html


def queue_email(
    session: Session, *, template: str, to: str, context: dict[str, Any], dedupe_key: str | None = None
) -> OutboxEmail | None:
    """Record an email in the outbox within `session`; sent after the commit.
    A repeated dedupe_key (the same business event) records nothing."""
    if dedupe_key and session.exec(select(OutboxEmail.id).where(OutboxEmail.dedupe_key == dedupe_key)).first():
        return None
    subject, text, html = render_email(template, context)
    email = OutboxEmail(
        recipient=to, subject=subject, body_text=text, body_html=html, template=template,
        dedupe_key=dedupe_key,
    )
    try:
        with session.begin_nested():
            session.add(email)
            session.flush()
    except IntegrityError:
        return None  # a concurrent transaction recorded the same event
    pending = session.info.setdefault("outbox_ids", [])
    if not pending:
        event.listen(session, "after_commit", _after_commit, once=True)
        event.listen(session, "after_rollback", _after_rollback, once=True)
    pending.append(email.id)
    return email


def _after_rollback(session: Session) -> None:
    session.info.pop("outbox_ids", None)


def _after_commit(session: Session) -> None:
    ids = session.info.pop("outbox_ids", [])
    if ids:
        dispatch_outbox(ids)

