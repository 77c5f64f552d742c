"""«Безопасность»: two-factor sign-in (TOTP) for the caller's own account.

Every handler resolves the caller from the session cookie again; the enrolment secret shown
here is the caller's own (it is on the screen as a QR code and as text anyway), and the
recovery codes are shown once, then forgotten by the state."""

from __future__ import annotations

import asyncio

import reflex as rx

from ispgo_portal.services.accounts import two_factor
from ispgo_portal.services.errors import DomainError
from ispgo_portal.state.forms import form_text
from ispgo_portal.state.session import SessionState, error_toast, ok_toast


class SecurityState(SessionState):
    tf_loaded: bool = False
    tf_enabled: bool = False
    tf_required: bool = False  # an admin: cannot be turned off
    recovery_left: int = 0
    enrol_open: bool = False
    enrol_secret: str = ""
    enrol_qr: str = ""
    code_error: str = ""
    disable_error: str = ""
    busy: bool = False
    # Shown once, right after enrolment; cleared when the customer confirms they saved them.
    recovery_codes: list[str] = []

    async def _refresh(self, user_id: int) -> None:
        status = await asyncio.to_thread(two_factor.status, user_id=user_id)
        self.tf_enabled, self.recovery_left, self.tf_loaded = status.enabled, status.recovery_left, True

    @rx.event
    async def load_security(self):
        self.enrol_open, self.enrol_secret, self.enrol_qr, self.code_error, self.disable_error = (
            False, "", "", "", "")
        try:
            caller = await asyncio.to_thread(self._caller)
            self.tf_required = caller.is_admin
            await self._refresh(caller.user_id)
        except DomainError as exc:
            return error_toast(exc)
        return None

    @rx.event
    async def start_enrolment(self):
        try:
            caller = await asyncio.to_thread(self._caller)
            enrolment = await asyncio.to_thread(two_factor.begin_enrolment, user_id=caller.user_id)
        except DomainError as exc:
            return error_toast(exc)
        self.enrol_secret, self.enrol_qr, self.enrol_open, self.code_error = (
            enrolment.secret, enrolment.qr_data_uri, True, "")
        return None

    @rx.event
    def cancel_enrolment(self):
        self.enrol_open, self.enrol_secret, self.enrol_qr, self.code_error = False, "", "", ""

    @rx.event
    async def confirm_enrolment(self, form: dict):
        self.busy, self.code_error = True, ""
        yield
        try:
            caller = await asyncio.to_thread(self._caller)
            codes = await asyncio.to_thread(two_factor.confirm_enrolment, user_id=caller.user_id,
                                            code=form_text(form, "code"), keep_token=self.session_token)
        except DomainError as exc:
            self.busy = False
            if exc.field == "code" or exc.code == "enrolment_missing":
                self.code_error = exc.message
                return
            yield error_toast(exc)
            return
        self.busy = False
        self.enrol_open, self.enrol_secret, self.enrol_qr = False, "", ""
        self.recovery_codes = codes
        await self._refresh(caller.user_id)
        yield ok_toast("Двухфакторная защита включена")

    @rx.event
    def codes_saved(self):
        self.recovery_codes = []

    @rx.event
    async def disable(self, form: dict):
        self.disable_error = ""
        try:
            caller = await asyncio.to_thread(self._caller)
            await asyncio.to_thread(two_factor.disable, user_id=caller.user_id, code=form_text(form, "code"))
            await self._refresh(caller.user_id)
        except DomainError as exc:
            if exc.field == "code":
                self.disable_error = exc.message
                return None
            return error_toast(exc)
        return ok_toast("Двухфакторная защита отключена")
