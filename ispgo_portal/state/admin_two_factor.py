"""The admin tool «Сбросить 2FA» on a customer's card (a lost phone): audited and emailed
by the service; every call re-checks the admin (with their own second factor)."""

from __future__ import annotations

from ispgo_portal.db import session_scope
from ispgo_portal.services.accounts import admin as accounts_admin
from ispgo_portal.services.accounts import two_factor
from ispgo_portal.services.guard import Caller
from ispgo_portal.state.forms import form_text
from ispgo_portal.state.handler import admin_handler, ok_toast, public_handler, unless_denied
from ispgo_portal.state.session import SessionState


def _customer_enabled(customer_id: int) -> bool:
    with session_scope() as session:
        return two_factor.is_enabled(session, customer_id)


class AdminTwoFactorState(SessionState):
    _tf_customer_id: int = 0
    tf_customer_enabled: bool = False
    tf_reset_open: bool = False

    def _customer_from_url(self) -> int:
        tail = str(self.router.url.path or "").rstrip("/").rsplit("/", 1)[-1]
        return int(tail) if tail.isdigit() and len(tail) < 12 else 0

    @admin_handler(on_error=unless_denied)
    def load_customer_two_factor(self, caller: Caller):
        self._tf_customer_id = self._customer_from_url()
        self.tf_reset_open = False
        self.tf_customer_enabled = _customer_enabled(self._tf_customer_id)

    @public_handler(inline=True)
    def set_tf_reset_open(self, value: bool):
        self.tf_reset_open = bool(value)

    @admin_handler
    def reset_customer_two_factor(self, caller: Caller, form: dict):
        accounts_admin.reset_two_factor(admin_id=caller.user_id, customer_id=self._tf_customer_id,
                                        reason=form_text(form, "reason"))
        self.tf_reset_open = False
        self.tf_customer_enabled = _customer_enabled(self._tf_customer_id)
        return ok_toast("Двухфакторная защита сброшена, клиенту отправлено письмо")
