"""«Баланс» history filters: a year the calendar allows but the history cannot hold is a
Russian message under the field, not a crashed handler."""

from __future__ import annotations

import pytest

from ispgo_portal.state.balance import BalanceState
from tests.state.harness import call, make_state


@pytest.mark.parametrize(("field", "day"), [
    ("date_to", "31.12.9999"), ("date_from", "31.12.9999"), ("date_from", "01.01.0001"),
    ("date_to", "0001-01-01"),
])
def test_extreme_years_are_refused_with_a_message(field: str, day: str, make_customer, session_token) -> None:
    state = make_state(BalanceState, session_token(make_customer()))
    call(state, "apply_history_filter", {"kind": "all", field: day})
    shown = state.date_to_error if field == "date_to" else state.date_from_error
    assert shown == "Укажите дату между 01.01.2000 и 31.12.2099"
    assert (state.date_from, state.date_to) == ("", "")
