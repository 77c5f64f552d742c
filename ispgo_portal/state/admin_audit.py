"""Admin «Аудит»: the filterable, paged list of every admin action."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.clock import format_datetime
from ispgo_portal.services.audit import log as audit_log
from ispgo_portal.services.errors import AccessDenied, DomainError
from ispgo_portal.services.guard import Caller
from ispgo_portal.state.forms import form_value
from ispgo_portal.state.handler import admin_handler, error_toast
from ispgo_portal.state.session import SessionState

ALL = "all"  # the select's "no filter" value (Radix selects cannot hold an empty value)


class AdminAuditState(SessionState):
    aud_admin: str = ALL
    aud_action: str = ALL
    aud_customer: str = ""
    aud_from: str = ""
    aud_to: str = ""
    aud_page: int = 1
    aud_pages: int = 1
    aud_total: int = 0
    aud_rows: list[dict] = []
    aud_admins: list[dict] = []
    aud_actions: list[dict] = []
    aud_loaded: bool = False
    aud_error: str = ""
    # Bumped when filters are set from outside the form, so the form re-renders with them.
    aud_form_version: int = 0

    def _filters(self) -> audit_log.AuditFilter:
        return audit_log.AuditFilter(
            admin_id=int(self.aud_admin) if self.aud_admin.isdigit() else None,
            action="" if self.aud_action == ALL else self.aud_action,
            customer=self.aud_customer,
            date_from=audit_log.parse_filter_date(self.aud_from),
            date_to=audit_log.parse_filter_date(self.aud_to),
        )

    def _list(self, admin_id: int) -> None:
        result = audit_log.list_audit(admin_id=admin_id, filters=self._filters(), page=self.aud_page)
        self.aud_error = ""
        self.aud_page, self.aud_pages, self.aud_total = result.page, result.pages, result.total
        self.aud_rows = [
            {
                "date": format_datetime(r.created_at), "admin": r.admin_email, "action": r.action_label,
                "customer": r.target_email,
                "customer_href": f"/admin/customers/{r.target_user_id}" if r.target_user_id else "",
                "target": r.target, "changes": r.changes, "reason": r.reason,
            }
            for r in result.rows
        ]
        self.aud_loaded = True

    def _failed(self, exc: DomainError, caller: Caller | None) -> rx.event.EventSpec | None:
        self.aud_error = exc.message
        return error_toast(exc)

    def _load_failed(self, exc: DomainError, caller: Caller | None) -> rx.event.EventSpec | None:
        if isinstance(exc, AccessDenied) and caller is None:
            return None  # the page guard already redirected and said why
        return self._failed(exc, caller)

    @admin_handler(on_error=_load_failed)
    def load_audit(self, caller: Caller):
        admins, actions = audit_log.filter_options(admin_id=caller.user_id)
        self.aud_admins = [{"id": str(i), "email": e} for i, e in admins]
        self.aud_actions = [{"code": c, "label": label} for c, label in actions]
        # A link from a customer's card arrives as ?customer=<id>: show that customer's history.
        customer = str(self.router.url.query_parameters.get("customer", "") or "")[:100]
        self.aud_admin, self.aud_action, self.aud_from, self.aud_to = ALL, ALL, "", ""
        self.aud_customer = customer
        self.aud_page = 1
        self.aud_form_version += 1
        self._list(caller.user_id)

    @admin_handler(on_error=_failed)
    def apply_filters(self, caller: Caller, form: dict):
        audit_log.parse_filter_date(form_value(form, "date_from").strip())
        audit_log.parse_filter_date(form_value(form, "date_to").strip())
        admin = form_value(form, "admin").strip()
        self.aud_admin = admin if admin.isdigit() and len(admin) < 12 else ALL
        self.aud_action = form_value(form, "action").strip()[:60] or ALL
        self.aud_customer = form_value(form, "customer").strip()[:100]
        self.aud_from = form_value(form, "date_from").strip()[:10]
        self.aud_to = form_value(form, "date_to").strip()[:10]
        self.aud_page = 1
        self._list(caller.user_id)

    @admin_handler(on_error=_failed)
    def reset_filters(self, caller: Caller):
        self.aud_admin, self.aud_action, self.aud_customer, self.aud_from, self.aud_to = ALL, ALL, "", "", ""
        self.aud_page = 1
        self.aud_form_version += 1
        self._list(caller.user_id)

    @admin_handler(on_error=_failed)
    def next_page(self, caller: Caller):
        self.aud_page = min(self.aud_page + 1, self.aud_pages)
        self._list(caller.user_id)

    @admin_handler(on_error=_failed)
    def prev_page(self, caller: Caller):
        self.aud_page = max(self.aud_page - 1, 1)
        self._list(caller.user_id)
