"""«API-токены» handlers: create shows the token once, the list shows it, revoke ends it."""

from __future__ import annotations

import pytest

from ispgo_portal.services.errors import AccessDenied
from ispgo_portal.services.rest import tokens as api_tokens
from ispgo_portal.state.api_tokens import ApiTokensState
from tests.state.harness import make_state, run


def test_create_list_and_revoke(make_customer, session_token) -> None:
    user = make_customer()
    state = make_state(ApiTokensState, session_token(user))
    run(state, "open_form")
    run(state, "create_token", {"name": "Биллинг", "scope_read": "on", "scope_write": "on", "expires": ""})
    assert state.form_error == "" and state.new_token.startswith("ispgo_")
    assert api_tokens.authenticate(state.new_token).user_id == user
    [row] = state.tokens
    assert row.name == "Биллинг" and row.scopes == "чтение, изменение" and row.active
    assert row.prefix == state.new_token[:12] + "…" and row.expires == "бессрочно"
    token = state.new_token
    run(state, "close_form", False)
    assert state.new_token == ""
    run(state, "revoke_token", str(row.id))
    assert state.tokens[0].status_label == "Отозван" and not state.tokens[0].active
    with pytest.raises(AccessDenied):
        api_tokens.authenticate(token)


def test_form_errors_are_shown_and_nothing_is_created(make_customer, session_token) -> None:
    user = make_customer()
    state = make_state(ApiTokensState, session_token(user))
    run(state, "create_token", {"name": "Без прав", "expires": ""})
    assert "хотя бы одно право" in state.form_error and state.new_token == ""
    run(state, "create_token", {"name": "Старый", "scope_read": "on", "expires": "2000-01-01"})
    assert "в прошлом" in state.form_error
    assert api_tokens.list_tokens(user_id=user) == []
