"""Admin «Промокоды» (/admin/promo-codes)."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.dialogs import cancel_button, confirm_dialog
from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import app_shell, card, empty_state, field_error, page_title
from ispgo_portal.components.tables import data_table
from ispgo_portal.limits import PROMO_CODE_MAX
from ispgo_portal.state.admin_promo import PROMO_FIELDS, AdminPromoState, PromoView, TariffOption

S = AdminPromoState


def form_field(label: str, name: str, control: rx.Component, hint: str = "") -> rx.Component:
    return rx.vstack(
        field_label(label, f"promo-{name}", size="2", weight="medium"),
        control,
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray")),
        field_error(getattr(S, PROMO_FIELDS[name])),
        spacing="1",
        width="100%",
    )


def _input(name: str, **props) -> rx.Component:
    return rx.input(id=f"promo-{name}", name=name, default_value=S.editor_values[name], width="100%", **props)


def tariff_checkbox(option: TariffOption) -> rx.Component:
    return rx.text(
        rx.hstack(
            rx.checkbox(name="tariff_" + option.id.to_string(),
                        default_checked=S.editor_tariff_ids.contains(option.id),
                        id="promo-tariff-" + option.id.to_string(),
                        custom_attrs={"aria-label": option.name}),
            option.name,
            spacing="2",
            align="center",
        ),
        as_="label",
        size="2",
    )


def editor_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.editor_promo_id == 0, "Новый промокод", "Изменение промокода")),
            rx.dialog.description("Скидки не суммируются: клиент получает большую из индивидуальной и промокода. "
                                  "Один клиент может использовать код один раз.", size="2", color_scheme="gray"),
            rx.form(
                rx.vstack(
                    rx.grid(
                        form_field("Код", "code", _input("code", placeholder="SPRING25", max_length=PROMO_CODE_MAX),
                                   "регистр не важен"),
                        form_field("Скидка, %", "percent", _input("percent", input_mode="numeric"), "от 1 до 100"),
                        form_field("Действует с", "valid_from", _input("valid_from", type="date"),
                                   "пусто — сразу"),
                        form_field("Действует по", "valid_until", _input("valid_until", type="date"),
                                   "включительно; пусто — бессрочно"),
                        columns=rx.breakpoints(initial="1", sm="2"),
                        spacing="3",
                        width="100%",
                    ),
                    form_field("Лимит использований", "max_uses", _input("max_uses", input_mode="numeric"),
                               "всего для всех клиентов; 0 — без лимита"),
                    rx.vstack(
                        rx.text("Тарифы", size="2", weight="medium"),
                        rx.text("Ни один не отмечен — код действует для всех тарифов.", size="1",
                                color_scheme="gray"),
                        rx.foreach(S.tariff_options, tariff_checkbox),
                        field_error(S.err_tariff_ids),
                        spacing="2",
                        width="100%",
                    ),
                    rx.hstack(
                        cancel_button(),
                        rx.button("Сохранить", type="submit", id="promo-save"),
                        justify="end",
                        width="100%",
                        spacing="3",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=S.save_promo,
                id="promo-form",
            ),
            max_width="560px",
        ),
        open=S.editor_open,
        on_open_change=S.set_editor_open,
    )


def deactivate_button(promo: PromoView) -> rx.Component:
    return confirm_dialog(
        trigger=rx.button("Отключить", variant="soft", color_scheme="red", size="1",
                          id=f"promo-deactivate-{promo.id}"),
        title="Отключить промокод?",
        text=rx.text("Код ", rx.text.strong(promo.code), " перестанет приниматься при покупке. "
                     "Уже полученные по нему скидки останутся. Включить снова можно в любой момент."),
        action="Отключить", on_confirm=S.deactivate_promo(promo.id),
        action_id=f"promo-deactivate-confirm-{promo.id}",
    )


def promo_row(promo: PromoView) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.code(promo.code, size="2")),
        rx.table.cell(promo.percent),
        rx.table.cell(promo.window, white_space="nowrap"),
        rx.table.cell(promo.uses, white_space="nowrap"),
        rx.table.cell(promo.tariffs, max_width="220px"),
        rx.table.cell(rx.badge(promo.status, color_scheme=promo.status_color)),
        rx.table.cell(
            rx.hstack(
                rx.button("Изменить", variant="soft", size="1", on_click=S.open_edit_promo(promo.id),
                          id=f"promo-edit-{promo.id}"),
                rx.cond(promo.is_active, deactivate_button(promo),
                        rx.button("Включить", variant="soft", color_scheme="green", size="1",
                                  on_click=S.activate_promo(promo.id), id=f"promo-activate-{promo.id}")),
                spacing="2",
            ),
        ),
        id=f"promo-{promo.id}",
        align="center",
    )


def promo_table() -> rx.Component:
    return card(
        data_table(["Код", "Скидка", "Период действия", "Использований", "Тарифы", "Статус", ""], S.promos,
                   promo_row),
        id="promo-list",
    )


def admin_promo_page() -> rx.Component:
    return app_shell(
        rx.hstack(
            page_title("Промокоды", "Скидка в процентах по коду при покупке лицензии"),
            rx.spacer(),
            rx.button(rx.icon("plus", size=16), "Новый промокод", on_click=S.open_new_promo, id="promo-new"),
            width="100%",
            align="start",
            wrap="wrap",
        ),
        rx.cond(
            S.promos_loaded,
            rx.cond(
                S.promos.length() > 0,
                promo_table(),
                card(empty_state("ticket-percent", "Промокодов пока нет",
                                 "Создайте код, и клиенты смогут ввести его при покупке тарифа.",
                                 rx.button("Создать промокод", on_click=S.open_new_promo))),
            ),
            rx.skeleton(height="240px", width="100%"),
        ),
        editor_dialog(),
    )
