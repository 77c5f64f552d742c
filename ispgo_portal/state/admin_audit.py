"""Admin «Аудит»: the filterable, paged list of every admin action."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.clock import format_datetime
from ispgo_portal.services.audit import log as audit_log
from ispgo_portal.services.errors import AccessDenied, DomainError
from ispgo_portal.services.forms import parse_date_range, parse_day
from ispgo_portal.services.guard import Caller
from ispgo_portal.state.forms import form_value, step_page
from ispgo_portal.state.handler import admin_handler, error_toast
from ispgo_portal.state.session import SessionState

ALL = "all"  # the select's "no filter" value (Radix selects cannot hold an empty value)


class AdminAuditState(SessionState):
    admin: str = ALL
    action: str = ALL
    customer: str = ""
    date_from: str = ""
    date_to: str = ""
    page: int = 1
    pages: int = 1
    total: int = 0
    rows: list[dict] = []
    admins: list[dict] = []
    actions: list[dict] = []
    loaded: bool = False
    error: str = ""
    # Bumped when filters are set from outside the form, so the form re-renders with them.
    form_version: int = 0

    def _filters(self) -> audit_log.AuditFilter:
        return audit_log.AuditFilter(
            admin_id=int(self.admin) if self.admin.isdigit() else None,
            action="" if self.action == ALL else self.action,
            customer=self.customer,
            date_from=parse_day(self.date_from, field="date_from"),
            date_to=parse_day(self.date_to, field="date_to"),
        )

    def _list(self, admin_id: int) -> None:
        result = audit_log.list_audit(admin_id=admin_id, filters=self._filters(), page=self.page)
        self.error = ""
        self.page, self.pages, self.total = result.page, result.pages, result.total
        self.rows = [
            {
                "date": format_datetime(r.created_at), "admin": r.admin_email, "action": r.action_label,
                "customer": r.target_email,
                "customer_href": f"/admin/customers/{r.target_user_id}" if r.target_user_id else "",
                "target": r.target, "changes": r.changes, "reason": r.reason,
            }
            for r in result.rows
        ]
        self.loaded = True

    def _failed(self, exc: DomainError, caller: Caller | None) -> rx.event.EventSpec | None:
        self.error = exc.message
        return error_toast(exc)

    def _load_failed(self, exc: DomainError, caller: Caller | None) -> rx.event.EventSpec | None:
        if isinstance(exc, AccessDenied) and caller is None:
            return None  # the page guard already redirected and said why
        return self._failed(exc, caller)

    @admin_handler(page=True, on_error=_load_failed)
    def load_audit(self, caller: Caller):
        admins, actions = audit_log.filter_options(admin_id=caller.user_id)
        self.admins = [{"id": str(i), "email": e} for i, e in admins]
        self.actions = [{"code": c, "label": label} for c, label in actions]
        # A link from a customer's card arrives as ?customer=<id>: show that customer's history.
        customer = str(self.router.url.query_parameters.get("customer", "") or "")[:100]
        self.admin, self.action, self.date_from, self.date_to = ALL, ALL, "", ""
        self.customer = customer
        self.page = 1
        self.form_version += 1
        self._list(caller.user_id)

    @admin_handler(on_error=_failed)
    def apply_filters(self, caller: Caller, form: dict):
        parse_date_range(form_value(form, "date_from"), form_value(form, "date_to"))
        admin = form_value(form, "admin").strip()
        self.admin = admin if admin.isdigit() and len(admin) < 12 else ALL
        self.action = form_value(form, "action").strip()[:60] or ALL
        self.customer = form_value(form, "customer").strip()[:100]
        self.date_from = form_value(form, "date_from").strip()[:10]
        self.date_to = form_value(form, "date_to").strip()[:10]
        self.page = 1
        self._list(caller.user_id)

    @admin_handler(on_error=_failed)
    def reset_filters(self, caller: Caller):
        self.admin, self.action, self.customer, self.date_from, self.date_to = ALL, ALL, "", "", ""
        self.page = 1
        self.form_version += 1
        self._list(caller.user_id)

    @admin_handler(on_error=_failed)
    def change_page(self, caller: Caller, delta: int):
        self.page = step_page(self.page, delta)
        self._list(caller.user_id)
