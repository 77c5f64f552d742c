"""«Безопасность»: two-factor sign-in (TOTP) for the caller's own account.

Every handler resolves the caller from the session cookie again; the enrolment secret shown
here is the caller's own (it is on the screen as a QR code and as text anyway), and the
recovery codes are shown once, then forgotten by the state."""

from __future__ import annotations

from ispgo_portal.services.accounts import two_factor
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.guard import Caller
from ispgo_portal.state.forms import clear_field_errors, form_text
from ispgo_portal.state.handler import (
    customer_handler,
    error_toast,
    ok_toast,
    public_handler,
)
from ispgo_portal.state.session import SessionState

# A form error's field -> the var that shows it under that field (both forms ask for a code).
ENROL_FIELDS = {"code": "err_code"}
DISABLE_FIELDS = {"code": "err_disable_code"}


def _enrolment_failed(state: SecurityState, exc: DomainError, caller: Caller | None) -> object:
    """Stop the spinner; an enrolment that timed out is said under the code field too (the
    customer is looking there), anything else of no field is a toast."""
    del caller
    state.busy = False
    if exc.code == "enrolment_missing":
        state.err_code = exc.message
        return None
    return error_toast(exc)


class SecurityState(SessionState):
    tf_enabled: bool = False
    tf_required: bool = False  # an admin: cannot be turned off
    recovery_left: int = 0
    enrol_open: bool = False
    enrol_secret: str = ""
    enrol_qr: str = ""
    err_code: str = ""
    err_disable_code: str = ""
    busy: bool = False
    # Shown once, right after enrolment; cleared when the customer confirms they saved them.
    recovery_codes: list[str] = []

    def _refresh(self, user_id: int) -> None:
        status = two_factor.status(user_id=user_id)
        self.tf_enabled, self.recovery_left = status.enabled, status.recovery_left

    @customer_handler(page=True)
    def load_security(self, caller: Caller):
        self.enrol_open, self.enrol_secret, self.enrol_qr = False, "", ""
        clear_field_errors(self, ENROL_FIELDS, DISABLE_FIELDS)
        self.tf_required = caller.is_admin
        self._refresh(caller.user_id)

    @customer_handler
    def start_enrolment(self, caller: Caller):
        enrolment = two_factor.begin_enrolment(user_id=caller.user_id)
        self.enrol_secret, self.enrol_qr, self.enrol_open = enrolment.secret, enrolment.qr_data_uri, True
        clear_field_errors(self, ENROL_FIELDS)

    @public_handler(inline=True)
    def cancel_enrolment(self):
        self.enrol_open, self.enrol_secret, self.enrol_qr = False, "", ""
        clear_field_errors(self, ENROL_FIELDS)

    @customer_handler(on_error=_enrolment_failed, fields=ENROL_FIELDS)
    def confirm_enrolment(self, caller: Caller, form: dict):
        self.busy = True
        yield
        codes = two_factor.confirm_enrolment(user_id=caller.user_id, code=form_text(form, "code"),
                                             keep_token=self.session_token)
        self.busy = False
        self.enrol_open, self.enrol_secret, self.enrol_qr = False, "", ""
        self.recovery_codes = codes
        self._refresh(caller.user_id)
        yield ok_toast("Двухфакторная защита включена")

    @public_handler(inline=True)
    def codes_saved(self):
        self.recovery_codes = []

    @customer_handler(fields=DISABLE_FIELDS)
    def disable(self, caller: Caller, form: dict):
        two_factor.disable(user_id=caller.user_id, code=form_text(form, "code"))
        self._refresh(caller.user_id)
        return ok_toast("Двухфакторная защита отключена")
