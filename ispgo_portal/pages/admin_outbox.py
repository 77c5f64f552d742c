"""Admin «Исходящие письма»: the outbox with status, attempts and errors; read and resend."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.layout import app_shell, card, empty_state, page_title
from ispgo_portal.components.tables import pager
from ispgo_portal.pages.admin_customers import scroll_table
from ispgo_portal.state.admin_outbox import ALL, AdminOutboxState

S = AdminOutboxState


def status_badge(status, label) -> rx.Component:
    return rx.badge(
        label,
        color_scheme=rx.match(status, ("sent", "green"), ("failed", "red"), "amber"),
        variant="soft",
        white_space="nowrap",
    )


def _smtp_notice() -> rx.Component:
    return rx.cond(
        ~S.smtp,
        rx.callout(
            "SMTP не настроен (переменная SMTP_HOST): письма не отправляются и ждут здесь. "
            "Откройте письмо, чтобы прочитать его. Когда SMTP появится, ожидающие письма уйдут сами.",
            icon="info", color_scheme="blue", width="100%", id="outbox-no-smtp",
        ),
    )


def _status_button(label: str, value: str, count=None) -> rx.Component:
    active = S.status == value
    return rx.button(
        label, *([rx.badge(count, variant="surface", radius="full")] if count is not None else []),
        variant=rx.cond(active, "solid", "soft"),
        aria_pressed=rx.cond(active, "true", "false"),
        size="2",
        on_click=S.show_status(value),
        id=f"outbox-status-{value}",
    )


def _filters() -> rx.Component:
    return card(
        rx.vstack(
            rx.flex(
                _status_button("Все", ALL),
                _status_button("Ожидают", "pending", S.pending),
                _status_button("Отправлены", "sent", S.sent),
                _status_button("Ошибки", "failed", S.failed),
                spacing="2",
                wrap="wrap",
                id="outbox-status",
                role="group",
                aria_label="Статус письма",
            ),
            rx.form(
                rx.flex(
                    rx.input(rx.input.slot(rx.icon("search", size=16)), name="query", id="outbox-search",
                             default_value=S.query, placeholder="Получатель или тема письма",
                             aria_label="Поиск письма", flex="1", min_width="200px"),
                    rx.button("Найти", type="submit"),
                    rx.cond(S.query != "",
                            rx.button("Сбросить", type="button", variant="soft", color_scheme="gray",
                                      on_click=S.clear_search)),
                    spacing="2",
                    wrap="wrap",
                    width="100%",
                ),
                on_submit=S.search,
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
    )


def _row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["created_at"], white_space="nowrap"),
        rx.table.cell(row["recipient"]),
        # A button, not a link: a link without href navigates and reloads the page.
        rx.table.cell(rx.button(row["subject"], on_click=S.open_email(row["id"]), variant="ghost",
                                size="2", white_space="normal", text_align="left", height="auto",
                                id=f"outbox-open-{row['id']}")),
        rx.table.cell(status_badge(row["status"], row["status_label"])),
        rx.table.cell(row["attempts"], text_align="center"),
        rx.table.cell(rx.text(row["last_error"], size="1", color_scheme="red", max_width="260px",
                              overflow_wrap="anywhere")),
        rx.table.cell(
            rx.cond(
                row["status"] == "failed",
                rx.button(rx.icon("rotate-cw", size=14), "Отправить снова", size="1", variant="soft",
                          on_click=S.resend_email(row["id"]), id=f"outbox-resend-{row['id']}"),
            ),
        ),
    )


def _meta(label: str, value) -> rx.Component:
    return rx.hstack(rx.text(label, size="2", color_scheme="gray", min_width="110px"),
                     rx.text(value, size="2", overflow_wrap="anywhere"), spacing="2", align="start")


def _email_dialog() -> rx.Component:
    d = S.detail
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(d["subject"]),
            rx.vstack(
                _meta("Кому", d["recipient"]),
                _meta("Создано", d["created_at"]),
                rx.hstack(rx.text("Статус", size="2", color_scheme="gray", min_width="110px"),
                          status_badge(d["status"], d["status_label"]), spacing="2"),
                _meta("Попыток", d["attempts"]),
                rx.cond(d["sent_at"] != "", _meta("Отправлено", d["sent_at"])),
                rx.cond(d["last_error"] != "", _meta("Ошибка", d["last_error"])),
                rx.tabs.root(
                    rx.tabs.list(rx.tabs.trigger("Текст", value="text"),
                                 rx.tabs.trigger("Как увидит клиент", value="html")),
                    rx.tabs.content(
                        rx.box(rx.text(d["body_text"], size="2", white_space="pre-wrap",
                                       overflow_wrap="anywhere"),
                               padding="12px", background=rx.color("gray", 2), border_radius="8px",
                               max_height="50vh", overflow_y="auto", id="outbox-body-text"),
                        value="text", padding_top="12px",
                    ),
                    rx.tabs.content(
                        # A sandboxed frame: the letter's HTML is shown, never run.
                        rx.el.iframe(src_doc=d["body_html"], sandbox="", title="Письмо в HTML",
                                     width="100%", height="420px",
                                     style={"border": f"1px solid {rx.color('gray', 5)}",
                                            "borderRadius": "8px", "background": "white"}),
                        value="html", padding_top="12px",
                    ),
                    default_value="text",
                    width="100%",
                ),
                rx.hstack(
                    rx.cond(d["status"] == "failed",
                            rx.button(rx.icon("rotate-cw", size=14), "Отправить снова",
                                      on_click=S.resend_email(d["id"]))),
                    # Closing fires on_open_change(False) → close_email.
                    rx.dialog.close(rx.button("Закрыть", variant="soft", color_scheme="gray")),
                    justify="end",
                    width="100%",
                    spacing="2",
                ),
                spacing="3",
                width="100%",
            ),
            max_width="760px",
            id="outbox-email",
        ),
        open=S.detail_open,
        on_open_change=S.close_email,
    )


def admin_outbox_page() -> rx.Component:
    return app_shell(
        page_title("Исходящие письма", "Все письма портала: кому, статус отправки, попытки и ошибки"),
        _smtp_notice(),
        _filters(),
        rx.cond(
            S.loaded,
            rx.cond(
                S.rows.length() > 0,
                rx.vstack(
                    scroll_table(["Создано", "Кому", "Тема", "Статус", "Попыток", "Последняя ошибка", ""],
                                 S.rows, _row, "outbox-table"),
                    pager(S, "outbox-pager"),
                    spacing="3",
                    width="100%",
                ),
                card(empty_state("mail", "Писем нет",
                                 "Под эти условия ничего не подходит. Выберите «Все» или сбросьте поиск. "
                                 "Письма появляются здесь, когда портал что-то сообщает клиентам.")),
            ),
            rx.skeleton(height="320px", width="100%"),
        ),
        _email_dialog(),
    )
