"""Gap-free yearly document numbers (`2026-000123`). The year's counter row is created if
missing (a concurrent creator is not an error) and then locked FOR UPDATE until the caller's
transaction ends: a number is taken only together with the document that carries it, and a
rolled-back document gives its number back."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from ispgo_portal.db import is_postgres
from ispgo_portal.models import DocumentCounter


def next_number(session: Session, *, kind: str, year: int, prefix: str = "") -> str:
    dialect = postgresql if is_postgres(session) else sqlite
    session.exec(dialect.insert(DocumentCounter).values(kind=kind, year=year, last_number=0)
                 .on_conflict_do_nothing(index_elements=["kind", "year"]))
    query = select(DocumentCounter).where(DocumentCounter.kind == kind, DocumentCounter.year == year)
    if is_postgres(session):
        query = query.with_for_update()
    counter = session.exec(query.execution_options(populate_existing=True)).one()
    counter.last_number += 1
    session.add(counter)
    session.flush()
    return f"{prefix}{year}-{counter.last_number:06d}"
