"""«Мои лицензии» (/licenses) and the licenses block of the dashboard."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.checkout import checkout_dialog
from ispgo_portal.components.dialogs import confirm_dialog
from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import (
    ACCENT,
    announce,
    app_shell,
    card,
    empty_state,
    page_title,
)
from ispgo_portal.state.licenses import LicenseCard, LicensesState, ServerRow

S = LicensesState


def fact(label: str, *value: rx.Component | str, **props) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"), rx.text(*value, size="2", weight="medium"),
                     spacing="0", align="start", **props)


def key_row(lic: LicenseCard) -> rx.Component:
    return rx.hstack(
        rx.code(lic.key, size="3", variant="soft", id="license-key-" + lic.id.to_string(),
                style={"letter_spacing": "0.04em", "word_break": "break-all"}),
        rx.tooltip(
            rx.icon_button(rx.icon("copy", size=16), variant="ghost", size="2", aria_label="Скопировать ключ",
                           on_click=[rx.set_clipboard(lic.key), announce("Ключ скопирован"),
                                     rx.toast.success("Ключ скопирован в буфер обмена", close_button=True)],
                           id="copy-key-" + lic.id.to_string()),
            content="Скопировать ключ",
        ),
        align="center",
        spacing="2",
    )


def server_row(lic: LicenseCard, server: ServerRow) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(server.hostname, size="2", weight="medium"),
            rx.text("Отпечаток: ", rx.code(server.fingerprint, size="1"), size="1", color_scheme="gray",
                    style={"word_break": "break-all"}),
            rx.text("Последняя проверка: ", server.last_seen, size="1", color_scheme="gray"),
            spacing="0",
            align="start",
            min_width="0",
        ),
        rx.spacer(),
        confirm_dialog(
            trigger=rx.button(rx.icon("unplug", size=14), "Отключить сервер", variant="soft", color_scheme="gray",
                              size="1", id="deactivate-" + server.id.to_string()),
            title="Отключить сервер?",
            text=rx.text("Панель на сервере ", rx.text.strong(server.hostname),
                         " перестанет проходить проверку лицензии, а место освободится для другого сервера."),
            action="Отключить",
            on_confirm=S.deactivate_server(lic.id, server.id),
            action_id="deactivate-confirm-" + server.id.to_string(),
        ),
        width="100%",
        align="center",
        wrap="wrap",
        spacing="2",
        padding_y="8px",
        border_top=f"1px solid {rx.color('gray', 4)}",
    )


def servers_block(lic: LicenseCard) -> rx.Component:
    return rx.vstack(
        rx.text("Активированные серверы", size="2", weight="medium"),
        rx.cond(
            lic.servers.length() > 0,
            rx.vstack(rx.foreach(lic.servers, lambda server: server_row(lic, server)), spacing="0", width="100%"),
            rx.text("Пока ни одного: введите ключ в панели ISPGo на сервере — он появится здесь.", size="2",
                    color_scheme="gray"),
        ),
        spacing="1",
        width="100%",
    )


def license_card(lic: LicenseCard) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(lic.tariff, size="4", as_="h2"),
                rx.badge(lic.status_label, color_scheme=lic.status_color, size="2",
                         id="license-status-" + lic.id.to_string()),
                rx.cond(lic.highlighted, rx.badge("Новая", color_scheme="blue", variant="outline")),
                rx.spacer(),
                rx.text(lic.days_left, size="2", color=rx.cond(lic.expiring_soon, rx.color("orange", 11),
                                                               rx.color("gray", 11))),
                align="center",
                spacing="2",
                width="100%",
                wrap="wrap",
            ),
            rx.cond(lic.status_reason != "",
                    rx.callout(lic.status_reason, icon="info", color_scheme=lic.status_color, size="1",
                               width="100%")),
            key_row(lic),
            rx.grid(
                fact("Срок действия до", lic.expires),
                fact("Серверы", lic.servers_used),
                fact("Максимум сайтов", lic.max_sites),
                rx.vstack(
                    field_label("Автопродление", "auto-renew-" + lic.id.to_string(), size="1",
                                color_scheme="gray"),
                    rx.switch(checked=lic.auto_renew, on_change=lambda value: S.set_auto_renew(lic.id, value),
                              id="auto-renew-" + lic.id.to_string()),
                    spacing="1",
                ),
                columns=rx.breakpoints(initial="2", md="4"),
                spacing="4",
                width="100%",
            ),
            servers_block(lic),
            rx.hstack(
                rx.button(rx.icon("refresh-cw", size=16), "Продлить", on_click=S.open_renew(lic.id),
                          id="renew-" + lic.id.to_string()),
                rx.cond(
                    lic.can_delete,
                    confirm_dialog(
                        trigger=rx.button(rx.icon("trash-2", size=16), "Удалить", variant="soft",
                                          color_scheme="red", id="delete-" + lic.id.to_string()),
                        title="Удалить лицензию?",
                        text=rx.text("Лицензия ", rx.text.strong(lic.key), " и список её серверов будут удалены "
                                     "без возможности восстановления. История платежей сохранится."),
                        action="Удалить",
                        on_confirm=S.delete_license(lic.id),
                        action_id="delete-confirm-" + lic.id.to_string(),
                    ),
                ),
                spacing="3",
                wrap="wrap",
            ),
            spacing="4",
            width="100%",
        ),
        size="3",
        width="100%",
        id="license-" + lic.id.to_string(),
        class_name="license-card",
        style=rx.cond(lic.highlighted, {"outline": f"2px solid {ACCENT}", "outline_offset": "2px"}, {}),
    )


def renew_dialog() -> rx.Component:
    return checkout_dialog(
        S, "renew",
        title=rx.dialog.title("Продление лицензии"),
        description=rx.dialog.description(
            S.renew_title, ". Срок продлевается от даты окончания, а для истёкшей лицензии — от "
            "сегодняшнего дня.", size="2", color_scheme="gray"),
        balance_label="Продлить с баланса",
    )


def licenses_page() -> rx.Component:
    return app_shell(
        rx.hstack(
            page_title("Мои лицензии", "Ключи для панели ISPGo, сроки, автопродление и серверы"),
            rx.spacer(),
            rx.link(rx.button(rx.icon("plus", size=16), "Купить лицензию"), href="/tariffs", underline="none"),
            width="100%",
            align="start",
            wrap="wrap",
        ),
        rx.cond(
            S.licenses_loaded,
            rx.cond(
                S.licenses.length() > 0,
                rx.vstack(rx.foreach(S.licenses, license_card), spacing="4", width="100%", id="license-list"),
                card(empty_state("key-round", "У вас пока нет лицензий",
                                 "Выберите тариф — ключ появится здесь сразу после оплаты.",
                                 rx.link(rx.button("Выбрать тариф"), href="/tariffs", underline="none"))),
            ),
            rx.vstack(rx.skeleton(height="220px", width="100%"), rx.skeleton(height="220px", width="100%"),
                      spacing="4", width="100%"),
        ),
        renew_dialog(),
    )
