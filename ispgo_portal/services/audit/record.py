"""The admin audit trail: every admin action writes one row in the same transaction."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from ispgo_portal.models import AuditLog


def _dump(data: dict[str, Any] | None) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str) if data else ""


def record(
    session: Session,
    *,
    admin_id: int,
    action: str,
    target_type: str = "",
    target_id: int | None = None,
    target_user_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditLog:
    row = AuditLog(
        admin_id=admin_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_user_id=target_user_id,
        before=_dump(before),
        after=_dump(after),
        reason=reason[:500],
    )
    session.add(row)
    session.flush()
    return row
