"""Emails: rendered from templates into the outbox inside the business transaction,
handed to Celery only after the commit (so a rolled-back operation sends nothing)."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import Insert, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from ispgo_portal.clock import utcnow
from ispgo_portal.db import is_postgres
from ispgo_portal.models import OutboxEmail, OutboxStatus
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


@lru_cache
def _outbox_insert(postgres: bool) -> Insert:
    """INSERT … ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, built once per dialect (the
    values come as parameters; a plain INSERT skips the ORM's unit of work, which matters when
    the renewal pass records thousands)."""
    insert = pg_insert if postgres else sqlite_insert
    table = OutboxEmail.metadata.tables[OutboxEmail.__tablename__]
    statement: Insert = insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)
    return statement


def queue_email(session: Session, *, template: str, to: str, context: dict[str, Any],
                dedupe_key: str | None = None, dispatch: bool = True) -> int | None:
    """The one way an email enters the outbox: recorded within `session` (so it exists exactly
    when the business change does) and handed to the sender after the commit. Returns the new
    row's id, or None when this dedupe_key's email exists already — also when a concurrent
    transaction recorded it (the unique key decides). `dispatch=False`: the caller hands the
    ids over itself, in a batch (the renewal pass)."""
    subject, text, html = render_email(template, context)
    row = {"recipient": to, "subject": subject, "body_text": text, "body_html": html, "template": template,
           "status": OutboxStatus.PENDING, "attempts": 0, "last_error": "", "dedupe_key": dedupe_key,
           "created_at": utcnow()}
    email_id: int | None = session.execute(_outbox_insert(is_postgres(session)), row).scalar_one_or_none()
    if email_id is not None and dispatch:
        pending = session.info.setdefault("outbox_ids", [])
        if not pending:
            event.listen(session, "after_commit", _after_commit, once=True)
            event.listen(session, "after_rollback", _after_rollback, once=True)
        pending.append(email_id)
    return email_id


def _after_rollback(session: Session) -> None:
    session.info.pop("outbox_ids", None)


def _after_commit(session: Session) -> None:
    ids = session.info.pop("outbox_ids", [])
    if ids:
        dispatch_outbox(ids)

