"""Admin «Лицензии» (/admin/licenses)."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.dialogs import confirm_dialog
from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import app_shell, card, empty_state, field_error, page_title
from ispgo_portal.components.tables import data_table, pager
from ispgo_portal.state.admin_licenses import (
    STATUS_OPTIONS,
    AdminLicensesState,
    LicenseView,
    ServerView,
)

S = AdminLicensesState


def search_bar() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.box(
                field_label("Ключ, email или имя клиента", "license-query", size="2"),
                rx.input(id="license-query", name="query", default_value=S.query,
                         placeholder="ISPG-… или ivan@example.ru", width="100%"),
                flex="3 1 220px",
            ),
            rx.box(
                field_label("Статус", "license-status", size="2"),
                rx.select.root(
                    rx.select.trigger(id="license-status", width="100%"),
                    rx.select.content(
                        rx.select.item("Все", value="all"),
                        *[rx.select.item(label, value=key) for key, label in STATUS_OPTIONS],
                    ),
                    name="status",
                    default_value=S.status,
                ),
                flex="1 1 180px",
            ),
            rx.button(rx.icon("search", size=16), "Найти", type="submit", id="license-search"),
            spacing="3",
            align="end",
            wrap="wrap",
            width="100%",
        ),
        on_submit=S.search,
        width="100%",
    )


def license_row(lic: LicenseView) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.code(lic.key, size="2", white_space="nowrap")),
        rx.table.cell(rx.vstack(rx.text(lic.customer_email, size="2"),
                                rx.text(lic.customer_name, size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(lic.tariff),
        rx.table.cell(rx.badge(lic.status, color_scheme=lic.status_color)),
        rx.table.cell(lic.expires),
        rx.table.cell(lic.servers, white_space="nowrap"),
        rx.table.cell(rx.button("Открыть", size="1", variant="soft", on_click=S.open_license(lic.id),
                                id=f"license-open-{lic.id}")),
        align="center",
        id=f"license-row-{lic.id}",
    )


def license_table() -> rx.Component:
    return card(
        rx.vstack(
            data_table(["Ключ", "Клиент", "Тариф", "Статус", "Действует до", "Серверы", ""], S.licenses,
                       license_row),
            pager(S, "licenses-pager"),
            spacing="3",
            width="100%",
        ),
        id="license-list",
    )


def _fact(label: str, value) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"), rx.text(value, size="2", weight="medium"),
                     spacing="0")


def _labeled(label: str, control: rx.Component, error) -> rx.Component:
    return rx.vstack(
        field_label(label, control.id, size="2"),
        control,
        field_error(error),
        spacing="1",
        width="100%",
    )


def server_row(server: ServerView) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(server.hostname, size="2", weight="medium"),
            rx.text("Активирован ", server.activated, " · на связи ", server.last_seen, size="1",
                    color_scheme="gray"),
            rx.code(server.fingerprint, size="1", variant="ghost", word_break="break-all"),
            spacing="0",
            min_width="0",
        ),
        rx.spacer(),
        rx.button("Деактивировать", size="1", variant="soft", color_scheme="red",
                  on_click=S.ask_deactivate_server(server.id), id=f"server-deactivate-{server.id}"),
        width="100%",
        align="center",
        padding_y="6px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def status_section() -> rx.Component:
    lic = S.selected
    return rx.cond(
        lic.is_suspended,
        rx.form(
            rx.vstack(
                rx.text("Снять приостановку", weight="bold", size="2"),
                _labeled("Причина", rx.input(id="license-resume-reason", name="reason",
                                             placeholder="Например: оплата подтверждена", width="100%"), S.err_reason),
                rx.button(rx.icon("play", size=16), "Возобновить", type="submit", color_scheme="green",
                          id="license-resume"),
                spacing="2",
                width="100%",
            ),
            on_submit=S.resume,
            id="license-resume-form",
        ),
        rx.form(
            rx.vstack(
                rx.text("Приостановить", weight="bold", size="2"),
                _labeled("Причина (клиент увидит её в карточке лицензии)",
                         rx.input(id="license-suspend-reason", name="reason",
                                  placeholder="Например: жалоба на рассылку спама", width="100%"), S.err_reason),
                rx.button(rx.icon("pause", size=16), "Приостановить…", type="submit", color_scheme="red",
                          variant="soft", id="license-suspend"),
                spacing="2",
                width="100%",
            ),
            on_submit=S.ask_suspend,
            id="license-suspend-form",
        ),
    )


def extend_section() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text("Продлить бесплатно", weight="bold", size="2"),
            rx.grid(
                _labeled("Дней", rx.input(id="license-extend-days", name="days", input_mode="numeric",
                                          placeholder="30", width="100%"), S.err_days),
                _labeled("Причина", rx.input(id="license-extend-reason", name="reason",
                                             placeholder="Например: компенсация простоя", width="100%"),
                         S.err_extend_reason),
                columns="1fr 2fr",
                spacing="2",
                width="100%",
            ),
            rx.button(rx.icon("calendar-plus", size=16), "Продлить", type="submit", variant="soft",
                      id="license-extend"),
            rx.text("Срок считается от текущей даты окончания (или от сегодня, если она прошла).",
                    size="1", color_scheme="gray"),
            spacing="2",
            width="100%",
        ),
        on_submit=S.extend,
        id="license-extend-form",
    )


def license_card_dialog() -> rx.Component:
    lic = S.selected
    return rx.dialog.root(
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title(rx.code(lic.key, size="4"), margin="0"),
                rx.spacer(),
                rx.dialog.close(rx.icon_button(rx.icon("x", size=16), variant="ghost", aria_label="Закрыть")),
                width="100%",
                align="center",
            ),
            rx.dialog.description(
                rx.link(lic.customer_email, href="/admin/customers/" + lic.user_id.to_string()),
                " · ", lic.customer_name, size="2",
            ),
            rx.vstack(
                rx.grid(
                    _fact("Статус", rx.badge(lic.status, color_scheme=lic.status_color)),
                    _fact("Тариф", lic.tariff),
                    _fact("Действует до", lic.expires),
                    _fact("Автопродление", lic.auto_renew),
                    columns=rx.breakpoints(initial="2", sm="4"),
                    spacing="3",
                    width="100%",
                ),
                rx.cond(lic.status_reason != "",
                        rx.callout(lic.status_reason, icon="info", size="1", width="100%",
                                   color_scheme=lic.status_color, id="license-status-reason")),
                rx.separator(),
                rx.text("Серверы (", lic.servers, ")", weight="bold", size="2"),
                rx.cond(S.servers.length() > 0,
                        rx.vstack(rx.foreach(S.servers, server_row), spacing="0", width="100%",
                                  id="license-servers"),
                        rx.text("Панель ещё не активирована ни на одном сервере.", size="2", color_scheme="gray")),
                rx.separator(),
                status_section(),
                rx.separator(),
                extend_section(),
                spacing="3",
                width="100%",
                margin_top="12px",
            ),
            max_width="640px",
            id="license-card",
        ),
        open=S.card_open,
        on_open_change=S.set_card_open,
    )


def action_confirm_dialog() -> rx.Component:
    return confirm_dialog(title=S.confirm_title, text=S.confirm_text, action="Подтвердить",
                          on_confirm=S.confirm_action, action_id="license-confirm", open=S.confirm_open,
                          on_cancel=S.set_confirm_open(False))


def admin_licenses_page() -> rx.Component:
    return app_shell(
        page_title("Лицензии", "Поиск по ключу или клиенту; приостановка, продление и серверы"),
        card(search_bar()),
        rx.cond(
            S.licenses_loaded,
            rx.cond(
                S.licenses.length() > 0,
                license_table(),
                card(empty_state("key-round", "Лицензий не найдено",
                                 "Проверьте ключ или email, либо выберите статус «Все».")),
            ),
            rx.skeleton(height="240px", width="100%"),
        ),
        license_card_dialog(),
        action_confirm_dialog(),
    )
