"""Тикеты: the customer's list and archive, the «Создать тикет» dialog, a ticket's page and
the dashboard block (shared pieces are in components/tickets.py)."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.dialogs import cancel_button, confirm_dialog
from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import app_shell, card, empty_state, loading_block, page_title
from ispgo_portal.components.tickets import (
    choice_select,
    conversation,
    labelled,
    priority_badge,
    screenshot_picker,
    status_badge,
)
from ispgo_portal.limits import TICKET_DESCRIPTION_MAX, TICKET_REPLY_MAX, TICKET_SUBJECT_MAX
from ispgo_portal.models import TICKET_CATEGORIES, TICKET_PRIORITIES
from ispgo_portal.services.support.tickets import CATEGORY_HINTS
from ispgo_portal.state.tickets import (
    NEW_TICKET_UPLOAD,
    REPLY_UPLOAD,
    NewTicketState,
    TicketRow,
    TicketsState,
    TicketViewState,
)

# --- «Создать тикет» ---------------------------------------------------------------------

def category_hints() -> rx.Component:
    groups = [("Техническая", CATEGORY_HINTS["technical"]), ("Биллинг", CATEGORY_HINTS["billing"]),
              ("Лицензия", CATEGORY_HINTS["license"]), ("Общая / Другое", CATEGORY_HINTS["general"])]
    return rx.box(
        *[rx.text(rx.text.strong(name), " — ", hint, size="1", color_scheme="gray") for name, hint in groups],
        padding="8px 10px",
        border_radius="6px",
        background=rx.color("gray", 2),
        width="100%",
    )


def new_ticket_form() -> rx.Component:
    S = NewTicketState
    return rx.form(
        rx.vstack(
            labelled("Категория", choice_select("category", TICKET_CATEGORIES, element_id="ticket-category",
                                                placeholder="Выберите категорию"), S.err_category),
            category_hints(),
            labelled("Тема", rx.input(name="subject", id="ticket-subject", max_length=TICKET_SUBJECT_MAX, width="100%",
                                      placeholder="Кратко: что случилось"), S.err_subject, "ticket-subject"),
            labelled("Описание", rx.text_area(name="description", id="ticket-description", rows="6",
                                              max_length=TICKET_DESCRIPTION_MAX, width="100%",
                                              placeholder="Подробно: что делали, что ожидали, что получили"),
                     S.err_description, "ticket-description"),
            labelled("Приоритет", choice_select("priority", TICKET_PRIORITIES, element_id="ticket-priority",
                                                default="medium"), S.err_priority),
            labelled("Скриншоты", screenshot_picker(NEW_TICKET_UPLOAD, S.err_files)),
            rx.text("Чем подробнее вы опишете проблему, тем быстрее мы сможем помочь.",
                    size="1", color_scheme="gray"),
            rx.hstack(
                cancel_button(),
                rx.button("Отправить", type="submit", id="ticket-submit"),
                spacing="3",
                justify="end",
                width="100%",
                class_name="dialog-actions",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=lambda form: S.submit_ticket(form, rx.upload_files(upload_id=NEW_TICKET_UPLOAD)),
        id="new-ticket-form",
        width="100%",
    )


def new_ticket_button(label: str = "Создать тикет", button_id: str = "new-ticket-button") -> rx.Component:
    return rx.button(rx.icon("plus", size=16), label, on_click=NewTicketState.open_dialog, id=button_id,
                     color_scheme="blue")


def new_ticket_dialog() -> rx.Component:
    """Rendered once per page; any new_ticket_button opens it."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Создать тикет"),
            rx.dialog.description("Опишите вопрос — ответ придёт сюда и на ваш email.", size="2",
                                  margin_bottom="12px"),
            new_ticket_form(),
            max_width="560px",
            max_height="92vh",
            overflow_y="auto",
        ),
        open=NewTicketState.form_open,
        on_open_change=NewTicketState.set_dialog_open,
    )


# --- «Тикеты» ----------------------------------------------------------------------------

def ticket_card(row: TicketRow) -> rx.Component:
    return rx.link(
        card(
            rx.vstack(
                rx.hstack(
                    rx.text("№", row.id, size="2", color_scheme="gray"),
                    rx.text(row.subject, weight="bold", size="3", word_break="break-word"),
                    spacing="2",
                    align="baseline",
                ),
                rx.flex(status_badge(row.status, row.status_label),
                        rx.badge(row.category_label, variant="surface", color_scheme="gray"),
                        priority_badge(row.priority, row.priority_label),
                        wrap="wrap", gap="6px"),
                rx.flex(
                    rx.text("Создан ", row.created, size="1", color_scheme="gray"),
                    rx.text("Обновлён ", row.updated, size="1", color_scheme="gray"),
                    rx.text("Ответов: ", row.replies, size="1", color_scheme="gray"),
                    wrap="wrap", gap="4px 16px",
                ),
                spacing="2",
                align="start",
            ),
            _hover={"border_color": rx.color("blue", 7)},
        ),
        href=row.href,
        underline="none",
        color="inherit",
        width="100%",
        class_name="ticket-row",
    )


def ticket_list() -> rx.Component:
    S = TicketsState
    return rx.cond(
        S.loaded,
        rx.cond(
            S.rows.length() > 0,
            rx.vstack(rx.foreach(S.rows, ticket_card), spacing="3", width="100%", id="ticket-list"),
            rx.cond(
                S.view == "archive",
                empty_state("archive", "Архив пуст", "Закрытые тикеты будут храниться здесь."),
                empty_state("life-buoy", "Открытых тикетов нет",
                            "Если что-то не работает или есть вопрос — создайте тикет, поддержка ответит здесь и на email.",
                            new_ticket_button("Создать тикет", "new-ticket-empty")),
            ),
        ),
        loading_block(),
    )


def tickets_page() -> rx.Component:
    S = TicketsState
    return app_shell(
        rx.flex(
            page_title("Тикеты", "Обращения в службу поддержки"),
            rx.spacer(),
            new_ticket_button(),
            width="100%",
            align="start",
            wrap="wrap",
            gap="8px",
        ),
        # The list is the tabs' panel (one per tab; only the chosen one is mounted), so each tab
        # controls an element that exists.
        rx.tabs.root(
            rx.flex(
                rx.tabs.list(
                    rx.tabs.trigger("Активные", value="active", id="tab-active"),
                    rx.tabs.trigger("Архив", value="archive", id="tab-archive"),
                ),
                rx.spacer(),
                rx.cond(
                    S.view == "active",
                    rx.hstack(
                        field_label("Статус", "status-filter", size="2", color_scheme="gray"),
                        rx.select.root(
                            rx.select.trigger(id="status-filter", min_width="220px"),
                            rx.select.content(
                                rx.select.item("Все активные", value="all"),
                                rx.select.item("Открыт — ожидает ответа поддержки", value="open"),
                                rx.select.item("В работе", value="in_progress"),
                            ),
                            value=S.status,
                            on_change=S.filter_status,
                        ),
                        align="center",
                        spacing="2",
                    ),
                ),
                width="100%",
                align="center",
                wrap="wrap",
                gap="12px",
            ),
            *[rx.tabs.content(ticket_list(), value=view, padding_top="16px") for view in ("active", "archive")],
            value=S.view,
            on_change=S.show_view,
            width="100%",
        ),
        new_ticket_dialog(),
    )


# --- a ticket's page ---------------------------------------------------------------------

def ticket_header(S) -> rx.Component:
    return card(
        rx.vstack(
            rx.hstack(rx.text("Тикет №", S.number, size="2", color_scheme="gray"), spacing="1"),
            rx.heading(S.subject, size="5", word_break="break-word", id="ticket-subject-title", as_="h1"),
            rx.flex(status_badge(S.status, S.status_label),
                    rx.badge(S.category_label, variant="surface", color_scheme="gray"),
                    priority_badge(S.priority, S.priority_label),
                    wrap="wrap", gap="6px", id="ticket-status"),
            rx.flex(rx.text("Создан ", S.created, size="1", color_scheme="gray"),
                    rx.text("Обновлён ", S.updated, size="1", color_scheme="gray"),
                    rx.text("Ответов: ", S.replies, size="1", color_scheme="gray"),
                    wrap="wrap", gap="4px 16px"),
            spacing="2",
            align="start",
        )
    )


def reply_form() -> rx.Component:
    S = TicketViewState
    return card(
        rx.form(
            rx.vstack(
                labelled("Ваш ответ", rx.text_area(name="text", id="reply-text", rows="4", max_length=TICKET_REPLY_MAX,
                                                  width="100%"), S.err_reply_text, "reply-text"),
                screenshot_picker(REPLY_UPLOAD, S.err_reply_files),
                rx.flex(
                    confirm_dialog(
                        trigger=rx.button(rx.icon("archive", size=16), "В архив", type="button", variant="soft",
                                          color_scheme="gray", id="archive-button"),
                        title="Закрыть тикет?",
                        text="Тикет будет закрыт и перемещён в архив. Ответить в нём будет нельзя, но вы всегда "
                             "можете создать новый тикет.",
                        action="В архив", on_confirm=S.archive_current, action_id="archive-confirm", color=None,
                    ),
                    rx.spacer(),
                    rx.button(rx.icon("send", size=16), "Отправить ответ", type="submit", id="reply-submit"),
                    width="100%",
                    wrap="wrap",
                    gap="8px",
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=lambda form: S.send_reply(form, rx.upload_files(upload_id=REPLY_UPLOAD)),
            id="reply-form",
            width="100%",
        )
    )


def closed_notice() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("archive")),
        rx.callout.text("Тикет закрыт и перемещён в архив. Если вопрос остался — создайте новый тикет."),
        rx.box(new_ticket_button("Создать новый тикет", "new-ticket-from-closed"), margin_top="8px"),
        color_scheme="gray",
        width="100%",
        id="ticket-closed-notice",
    )


def ticket_page() -> rx.Component:
    S = TicketViewState
    return app_shell(
        rx.link(rx.hstack(rx.icon("arrow-left", size=16), rx.text("Все тикеты", size="2"), align="center",
                          spacing="1"), href="/tickets", underline="none"),
        rx.cond(
            S.loaded,
            rx.cond(
                S.found,
                rx.vstack(
                    ticket_header(S),
                    conversation(S.messages, "Вы"),
                    rx.cond(S.status == "closed", closed_notice(), reply_form()),
                    spacing="4",
                    width="100%",
                ),
                empty_state("search-x", "Тикет не найден",
                            "Возможно, ссылка неверна. Все ваши обращения — в разделе «Тикеты».",
                            rx.link(rx.button("К списку тикетов", variant="soft"), href="/tickets")),
            ),
            loading_block(),
        ),
        new_ticket_dialog(),
    )
