"""«API-токены»: create (the token is shown once), list and revoke the customer's tokens."""

from __future__ import annotations

from dataclasses import dataclass

from ispgo_portal.clock import format_date, format_datetime
from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.guard import Caller
from ispgo_portal.services.rest import tokens as api_tokens
from ispgo_portal.state.forms import as_id, form_text
from ispgo_portal.state.handler import customer_handler, ok_toast, public_handler
from ispgo_portal.state.session import SessionState

STATUS_COLORS = {"active": "green", "expired": "orange", "revoked": "gray"}
SCOPE_LABELS = {"read": "чтение", "write": "изменение"}


@dataclass
class TokenRow:
    id: int = 0
    name: str = ""
    prefix: str = ""
    scopes: str = ""
    created: str = ""
    last_used: str = ""
    expires: str = ""
    status_label: str = ""
    status_color: str = "gray"
    active: bool = False


def row_of(view: api_tokens.TokenView) -> TokenRow:
    last_used = "ещё не использовался"
    if view.last_used_at is not None:
        last_used = format_datetime(view.last_used_at) + (f", {view.last_used_ip}" if view.last_used_ip else "")
    return TokenRow(
        id=view.id, name=view.name, prefix=view.prefix + "…",
        scopes=", ".join(SCOPE_LABELS.get(s, s) for s in view.scopes), created=format_datetime(view.created_at),
        last_used=last_used, expires=format_date(view.expires_at) if view.expires_at else "бессрочно",
        status_label=view.status_label, status_color=STATUS_COLORS.get(view.status, "gray"),
        active=view.status == "active",
    )


class ApiTokensState(SessionState):
    tokens: list[TokenRow] = []
    tokens_loaded: bool = False
    form_open: bool = False
    form_error: str = ""
    busy: bool = False
    # The new token, shown once to its owner; forgotten when the dialog closes.
    new_token: str = ""

    def _reload(self, user_id: int) -> None:
        self.tokens = [row_of(v) for v in api_tokens.list_tokens(user_id=user_id)]
        self.tokens_loaded = True

    @customer_handler(page=True)
    def load_tokens(self, caller: Caller):
        self._reload(caller.user_id)

    @public_handler(inline=True)
    def open_form(self):
        self.form_open, self.form_error, self.new_token = True, "", ""

    @public_handler(inline=True)
    def close_form(self, _open: bool = False):
        self.form_open, self.form_error, self.new_token = False, "", ""

    def _not_created(self, exc: DomainError, caller: Caller | None) -> None:
        self.busy = False
        self.form_error = exc.message

    @customer_handler(on_error=_not_created)
    def create_token(self, caller: Caller, form: dict):
        scopes = [s for s in ("read", "write") if form_text(form, f"scope_{s}") in ("on", "true")]
        self.busy, self.form_error = True, ""
        yield
        expires_at = api_tokens.parse_expiry(form_text(form, "expires"))
        created = api_tokens.create_token(user_id=caller.user_id, name=form_text(form, "name"),
                                          scopes=scopes, expires_at=expires_at)
        self.new_token = created.token
        self._reload(caller.user_id)
        self.busy = False

    @customer_handler
    def revoke_token(self, caller: Caller, token_id: str):
        api_tokens.revoke_token(user_id=caller.user_id, token_id=as_id(token_id))
        self._reload(caller.user_id)
        return ok_toast("Токен отозван: запросы с ним больше не принимаются")
