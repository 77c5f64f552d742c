"""Admin «Тарифы» (/admin/tariffs)."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.dialogs import cancel_button, confirm_dialog
from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import app_shell, card, empty_state, field_error, page_title
from ispgo_portal.limits import TARIFF_DESCRIPTION_MAX, TARIFF_NAME_MAX
from ispgo_portal.state.admin_tariffs import TARIFF_FIELDS, AdminTariffsState, TariffView

S = AdminTariffsState


def form_field(label: str, name: str, control: rx.Component, hint: str = "") -> rx.Component:
    """A labelled input whose error (from the service) shows right under it."""
    return rx.vstack(
        field_label(label, f"tariff-{name}", size="2", weight="medium"),
        control,
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray")),
        field_error(getattr(S, TARIFF_FIELDS[name])),
        spacing="1",
        width="100%",
    )


def _input(name: str, **props) -> rx.Component:
    return rx.input(id=f"tariff-{name}", name=name, default_value=S.editor_values[name], width="100%", **props)


def editor_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.editor_tariff_id == 0, "Новый тариф", "Изменение тарифа")),
            rx.dialog.description(
                "Новая цена действует для покупок и продлений с этого момента.", size="2", color_scheme="gray",
            ),
            rx.form(
                rx.vstack(
                    form_field("Название", "name", _input("name", max_length=TARIFF_NAME_MAX, required=True)),
                    rx.grid(
                        form_field("Цена за период, ₽", "price", _input("price", placeholder="490,00",
                                                                        input_mode="decimal")),
                        form_field("Период, дней", "period_days", _input("period_days", input_mode="numeric"),
                                   "от 1 до 3650"),
                        form_field("Максимум серверов", "max_servers", _input("max_servers", input_mode="numeric"),
                                   "0 — без ограничений"),
                        form_field("Максимум сайтов", "max_sites", _input("max_sites", input_mode="numeric"),
                                   "0 — без ограничений"),
                        columns=rx.breakpoints(initial="1", sm="2"),
                        spacing="3",
                        width="100%",
                    ),
                    form_field("Описание", "description",
                               rx.text_area(id="tariff-description", name="description",
                                            default_value=S.editor_values["description"], rows="2",
                                            width="100%", max_length=TARIFF_DESCRIPTION_MAX)),
                    form_field("Возможности", "features",
                               rx.text_area(id="tariff-features", name="features",
                                            default_value=S.editor_values["features"], rows="4", width="100%"),
                               "по одной на строку"),
                    form_field("Порядок на странице", "sort_order", _input("sort_order", input_mode="numeric"),
                               "меньше — выше в списке"),
                    rx.hstack(
                        cancel_button(),
                        rx.button("Сохранить", type="submit", id="tariff-save"),
                        justify="end",
                        width="100%",
                        spacing="3",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=S.save_tariff,
                id="tariff-form",
            ),
            max_width="560px",
        ),
        open=S.editor_open,
        on_open_change=S.set_editor_open,
    )


def archive_button(tariff: TariffView) -> rx.Component:
    return confirm_dialog(
        trigger=rx.button(rx.icon("archive", size=16), "В архив", variant="soft", color_scheme="orange", size="2",
                          id=f"tariff-archive-{tariff.id}"),
        title="Перенести тариф в архив?",
        text=rx.text("«", tariff.name, "» перестанет продаваться. Уже купленные лицензии продолжат "
                     "работать и продлеваться по этому тарифу. Вернуть в продажу можно в любой момент."),
        action="В архив", on_confirm=S.archive_tariff(tariff.id), action_id=f"tariff-archive-confirm-{tariff.id}",
        color="orange",
    )


def _fact(label: str, value) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"), rx.text(value, size="2", weight="medium"),
                     spacing="0")


def tariff_card(tariff: TariffView) -> rx.Component:
    return card(
        rx.vstack(
            rx.hstack(
                rx.heading(tariff.name, size="4", as_="h2"),
                rx.spacer(),
                rx.cond(tariff.is_active, rx.badge("Продаётся", color_scheme="green"),
                        rx.badge("В архиве", color_scheme="gray")),
                width="100%",
                align="center",
            ),
            rx.hstack(rx.text(tariff.price, size="5", weight="bold", as_="div"), rx.text("за ", tariff.period, size="2",
                                                                                color_scheme="gray"),
                      align="baseline", spacing="2"),
            rx.grid(
                _fact("Серверов", tariff.servers),
                _fact("Сайтов", tariff.sites),
                _fact("Лицензий", tariff.licenses),
                _fact("Порядок", tariff.sort_order),
                columns="2",
                spacing="3",
                width="100%",
            ),
            rx.cond(tariff.description != "", rx.text(tariff.description, size="2", color_scheme="gray")),
            rx.cond(tariff.features != "", rx.text(tariff.features, size="2", white_space="pre-line")),
            rx.spacer(),
            rx.hstack(
                rx.button(rx.icon("pencil", size=16), "Изменить", variant="soft", size="2",
                          on_click=S.open_edit_tariff(tariff.id), id=f"tariff-edit-{tariff.id}"),
                rx.cond(
                    tariff.is_active,
                    archive_button(tariff),
                    rx.button(rx.icon("archive-restore", size=16), "Вернуть в продажу", variant="soft",
                              color_scheme="green", size="2", on_click=S.unarchive_tariff(tariff.id),
                              id=f"tariff-unarchive-{tariff.id}"),
                ),
                spacing="2",
                wrap="wrap",
            ),
            spacing="3",
            height="100%",
        ),
        id=f"tariff-{tariff.id}",
    )


def admin_tariffs_page() -> rx.Component:
    return app_shell(
        rx.hstack(
            page_title("Тарифы", "Что продаётся клиентам. Тариф не удаляется: архивный не продаётся, "
                                 "а его лицензии продолжают продлеваться."),
            rx.spacer(),
            rx.button(rx.icon("plus", size=16), "Новый тариф", on_click=S.open_new_tariff, id="tariff-new"),
            width="100%",
            align="start",
            wrap="wrap",
        ),
        rx.cond(
            S.tariffs_loaded,
            rx.cond(
                S.tariffs.length() > 0,
                rx.grid(
                    rx.foreach(S.tariffs, tariff_card),
                    columns=rx.breakpoints(initial="1", md="2", lg="3"),
                    spacing="4",
                    width="100%",
                    id="tariff-list",
                ),
                card(empty_state("package", "Тарифов пока нет",
                                 "Создайте первый тариф: он сразу появится на странице «Тарифы» у клиентов.",
                                 rx.button("Создать тариф", on_click=S.open_new_tariff))),
            ),
            rx.grid(rx.skeleton(height="220px"), rx.skeleton(height="220px"), rx.skeleton(height="220px"),
                    columns=rx.breakpoints(initial="1", md="3"), spacing="4", width="100%"),
        ),
        editor_dialog(),
    )
