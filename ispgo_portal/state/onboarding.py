"""The dashboard's «first step» block for a customer who has nothing yet."""

from __future__ import annotations

from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.guard import Caller
from ispgo_portal.services.licensing.catalog import has_started
from ispgo_portal.state.handler import customer_handler
from ispgo_portal.state.session import SessionState


class OnboardingState(SessionState):
    show_first_step: bool = False
    first_step_checked: bool = False

    def _not_logged_in(self, exc: DomainError, caller: Caller | None) -> None:
        self.show_first_step = False
        self.first_step_checked = False

    @customer_handler(on_error=_not_logged_in)
    def load_first_step(self, caller: Caller):
        # Admins run the console; the customer's first step is not theirs to take.
        self.show_first_step = not caller.is_admin and not has_started(user_id=caller.user_id)
        self.first_step_checked = True
