"""The dashboard's «first step» block for a customer who has nothing yet."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.licensing.catalog import has_started
from ispgo_portal.state.session import SessionState


class OnboardingState(SessionState):
    show_first_step: bool = False
    first_step_checked: bool = False

    @rx.event
    def load_first_step(self):
        try:
            caller = self._caller()
        except DomainError:
            self.show_first_step = False
            self.first_step_checked = False
            return
        # Admins run the console; the customer's first step is not theirs to take.
        self.show_first_step = not caller.is_admin and not has_started(user_id=caller.user_id)
        self.first_step_checked = True
