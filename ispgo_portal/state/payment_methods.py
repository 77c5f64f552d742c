"""«Способы оплаты» in «Баланс»: the customer's saved cards and the one that pays
auto-renewals when the balance and credit are not enough."""

from __future__ import annotations

from dataclasses import dataclass

from ispgo_portal.clock import format_datetime
from ispgo_portal.services.billing import payment_methods
from ispgo_portal.services.guard import Caller
from ispgo_portal.state.forms import as_id
from ispgo_portal.state.handler import customer_handler, ok_toast, unless_denied
from ispgo_portal.state.session import SessionState


@dataclass
class CardRow:
    id: int = 0
    title: str = ""  # «MasterCard *4477»
    kind: str = ""  # «Банковская карта»
    expiry: str = ""
    is_autopay: bool = False
    declined: str = ""  # why the last autopayment was declined, and when


def row_of(view: payment_methods.MethodView) -> CardRow:
    title = f"{view.card_type or view.type_label} *{view.last4}" if view.last4 else view.type_label
    declined = (f"Отклонена {format_datetime(view.declined_at)}: {view.decline_reason}"
                if view.declined_at is not None else "")
    return CardRow(id=view.id, title=title, kind=view.type_label, expiry=view.expiry,
                   is_autopay=view.is_autopay, declined=declined)


class PaymentMethodsState(SessionState):
    cards: list[CardRow] = []

    def _reload(self, user_id: int) -> None:
        self.cards = [row_of(v) for v in payment_methods.list_methods(user_id=user_id)]

    @customer_handler(on_error=unless_denied)
    def load_cards(self, caller: Caller):
        self._reload(caller.user_id)

    @customer_handler
    def choose_autopay(self, caller: Caller, method_id: str):
        payment_methods.choose_autopay(user_id=caller.user_id, method_id=as_id(method_id))
        self._reload(caller.user_id)
        return ok_toast("Эта карта будет оплачивать автопродление, когда на балансе не хватит средств")

    @customer_handler
    def stop_autopay(self, caller: Caller):
        payment_methods.stop_autopay(user_id=caller.user_id)
        self._reload(caller.user_id)
        return ok_toast("Автоплатёж с карты выключен: продление только с баланса")

    @customer_handler
    def delete_card(self, caller: Caller, method_id: str):
        payment_methods.delete_method(user_id=caller.user_id, method_id=as_id(method_id))
        self._reload(caller.user_id)
        return ok_toast("Карта удалена: списаний с неё больше не будет")
