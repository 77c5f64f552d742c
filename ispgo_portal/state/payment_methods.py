"""«Способы оплаты» in «Баланс»: the customer's saved cards and the one that pays
auto-renewals when the balance and credit are not enough."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import reflex as rx

from ispgo_portal.clock import format_datetime
from ispgo_portal.services.billing import payment_methods
from ispgo_portal.services.errors import DomainError
from ispgo_portal.state.forms import as_id
from ispgo_portal.state.session import SessionState, error_toast, ok_toast


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
    cards_loaded: bool = False

    async def _reload(self, user_id: int) -> None:
        views = await asyncio.to_thread(payment_methods.list_methods, user_id=user_id)
        self.cards = [row_of(v) for v in views]
        self.cards_loaded = True

    @rx.event
    async def load_cards(self):
        try:
            caller = await asyncio.to_thread(self._caller)
            await self._reload(caller.user_id)
        except DomainError as exc:
            return error_toast(exc)
        return None

    @rx.event
    async def choose_autopay(self, method_id: str):
        try:
            caller = await asyncio.to_thread(self._caller)
            await asyncio.to_thread(payment_methods.choose_autopay, user_id=caller.user_id,
                                    method_id=as_id(method_id))
            await self._reload(caller.user_id)
        except DomainError as exc:
            return error_toast(exc)
        return ok_toast("Эта карта будет оплачивать автопродление, когда на балансе не хватит средств")

    @rx.event
    async def stop_autopay(self):
        try:
            caller = await asyncio.to_thread(self._caller)
            await asyncio.to_thread(payment_methods.stop_autopay, user_id=caller.user_id)
            await self._reload(caller.user_id)
        except DomainError as exc:
            return error_toast(exc)
        return ok_toast("Автоплатёж с карты выключен: продление только с баланса")

    @rx.event
    async def delete_card(self, method_id: str):
        try:
            caller = await asyncio.to_thread(self._caller)
            await asyncio.to_thread(payment_methods.delete_method, user_id=caller.user_id,
                                    method_id=as_id(method_id))
            await self._reload(caller.user_id)
        except DomainError as exc:
            return error_toast(exc)
        return ok_toast("Карта удалена: списаний с неё больше не будет")
