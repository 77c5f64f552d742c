"""Support's pages: /admin/tickets (the queue) and /admin/tickets/[ticket_id]."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.dialogs import confirm_dialog
from ispgo_portal.components.layout import app_shell, card, empty_state, loading_block, page_title
from ispgo_portal.components.tables import data_table
from ispgo_portal.components.tickets import (
    conversation,
    labelled,
    priority_badge,
    screenshot_picker,
    status_badge,
)
from ispgo_portal.limits import TICKET_REPLY_MAX
from ispgo_portal.models import TICKET_CATEGORIES, TICKET_PRIORITIES, TICKET_STATUSES
from ispgo_portal.state.admin_tickets import (
    ADMIN_REPLY_UPLOAD,
    AdminTicketsState,
    AdminTicketViewState,
    LicenseLine,
)
from ispgo_portal.state.tickets import TicketRow

QUEUE_STATUS_OPTIONS = {
    "active": "Активные (открытые и в работе)",
    "open": "Открыт — ожидает ответа поддержки",
    "in_progress": "В работе",
    "closed": "Закрытые",
    "all": "Все",
}


def _select(name: str, options: dict[str, str], value, element_id: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(width="100%", id=element_id),
        rx.select.content(*[rx.select.item(label, value=key) for key, label in options.items()]),
        name=name,
        default_value=value,
    )


# --- the queue ---------------------------------------------------------------------------

def queue_filters() -> rx.Component:
    S = AdminTicketsState
    return card(
        rx.form(
            rx.grid(
                labelled("Статус", _select("status", QUEUE_STATUS_OPTIONS, S.status, "queue-status")),
                labelled("Категория", _select("category", {"any": "Любая", **TICKET_CATEGORIES}, S.category,
                                              "queue-category")),
                labelled("Приоритет", _select("priority", {"any": "Любой", **TICKET_PRIORITIES}, S.priority,
                                              "queue-priority")),
                labelled("Клиент", rx.input(name="customer", id="queue-customer", placeholder="email или имя",
                                            default_value=S.customer, width="100%"), html_for="queue-customer"),
                labelled("Поиск", rx.input(name="search", id="queue-search", placeholder="тема, текст или №",
                                           default_value=S.search, width="100%"), html_for="queue-search"),
                rx.hstack(
                    rx.button(rx.icon("search", size=16), "Найти", type="submit", id="queue-apply"),
                    rx.button("Сбросить", type="button", variant="soft", color_scheme="gray",
                              on_click=S.reset_filters),
                    align="end",
                    spacing="2",
                    height="100%",
                ),
                columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                spacing="3",
                width="100%",
            ),
            on_submit=S.apply_filters,
            id="queue-filters",
            width="100%",
        )
    )


def queue_row(row: TicketRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link("№", row.id, href=row.href), white_space="nowrap"),
        # min widths keep columns readable on a phone: the table scrolls sideways instead
        rx.table.cell(rx.link(row.subject, href=row.href, weight="medium"), min_width="200px",
                      max_width="320px", overflow_wrap="anywhere"),
        rx.table.cell(rx.text(row.customer_email, size="2"), white_space="nowrap"),
        rx.table.cell(status_badge(row.status, row.status_label), min_width="150px"),
        rx.table.cell(row.category_label),
        rx.table.cell(priority_badge(row.priority, row.priority_label)),
        rx.table.cell(rx.cond(row.waiting_since != "", rx.text(row.waiting_since, color_scheme="orange", size="2"),
                              rx.text("—", color_scheme="gray"))),
        rx.table.cell(row.updated),
        rx.table.cell(row.replies),
        class_name="queue-row",
    )


def queue_table() -> rx.Component:
    S = AdminTicketsState
    headers = ["№", "Тема", "Клиент", "Статус", "Категория", "Приоритет", "Ждёт ответа с", "Обновлён", "Ответов"]
    return rx.cond(
        S.loaded,
        rx.cond(
            S.rows.length() > 0,
            card(
                data_table(headers, S.rows, queue_row, variant="ghost"),
                id="ticket-queue",
            ),
            empty_state("inbox", "Тикетов не найдено",
                        "Очередь пуста или фильтры слишком строгие — попробуйте «Сбросить»."),
        ),
        loading_block(),
    )


def admin_tickets_page() -> rx.Component:
    return app_shell(
        page_title("Тикеты", "Очередь поддержки: дольше всех ждущие ответа — сверху"),
        queue_filters(),
        queue_table(),
    )


# --- one ticket --------------------------------------------------------------------------

def license_line(lic: LicenseLine) -> rx.Component:
    return rx.vstack(
        rx.text(lic.tariff, " · ", lic.status_label, size="2", weight="medium"),
        rx.code(lic.key, size="1"),
        rx.text("до ", lic.expires, size="1", color_scheme="gray"),
        spacing="1",
    )


def customer_context() -> rx.Component:
    S = AdminTicketViewState
    return card(
        rx.vstack(
            rx.heading("Клиент", size="4", as_="h2"),
            rx.link(S.customer_email, href=S.customer_href, weight="medium", id="ticket-customer-email"),
            rx.text(S.customer_name, size="2", color_scheme="gray"),
            rx.cond(S.customer_blocked, rx.badge("Заблокирован", color_scheme="red")),
            rx.separator(),
            rx.text("Баланс: ", rx.text.strong(S.customer_balance), size="2", id="ticket-customer-balance"),
            rx.text("Кредитный лимит: ", S.customer_credit, size="2"),
            rx.text("Скидка: ", S.customer_discount, size="2"),
            rx.separator(),
            rx.text("Лицензии", weight="bold", size="2"),
            rx.cond(S.licenses.length() > 0,
                    rx.vstack(rx.foreach(S.licenses, license_line), spacing="3"),
                    rx.text("Лицензий нет", size="2", color_scheme="gray")),
            spacing="2",
            align="start",
            width="100%",
        ),
        id="ticket-customer",
    )


def ticket_controls() -> rx.Component:
    S = AdminTicketViewState
    return card(
        rx.vstack(
            rx.heading("Управление", size="4", as_="h2"),
            labelled("Статус", rx.select.root(
                rx.select.trigger(width="100%", id="admin-ticket-status"),
                rx.select.content(*[rx.select.item(label, value=key) for key, label in TICKET_STATUSES.items()]),
                value=S.status,
                on_change=S.change_status,
            )),
            labelled("Приоритет", rx.select.root(
                rx.select.trigger(width="100%", id="admin-ticket-priority"),
                rx.select.content(*[rx.select.item(label, value=key) for key, label in TICKET_PRIORITIES.items()]),
                value=S.priority,
                on_change=S.change_priority,
            )),
            rx.cond(
                S.status != "closed",
                confirm_dialog(
                    trigger=rx.button(rx.icon("archive", size=16), "Закрыть тикет", variant="soft",
                                      color_scheme="gray", width="100%", id="admin-close-button"),
                    title="Закрыть тикет?",
                    text="Тикет уйдёт в архив клиента, ответить в нём будет нельзя, пока его не вернут в работу.",
                    action="Закрыть", on_confirm=S.close_current, action_id="admin-close-confirm", color=None,
                ),
            ),
            spacing="3",
            width="100%",
        )
    )


def admin_reply_form() -> rx.Component:
    S = AdminTicketViewState
    return rx.cond(
        S.status == "closed",
        rx.callout("Тикет закрыт. Чтобы ответить, верните его в работу (статус справа).", icon="archive",
                   color_scheme="gray", width="100%"),
        card(
            rx.form(
                rx.vstack(
                    labelled("Ответ клиенту", rx.text_area(name="text", id="admin-reply-text", rows="5",
                                                          max_length=TICKET_REPLY_MAX, width="100%"),
                             S.err_reply_text, "admin-reply-text"),
                    screenshot_picker(ADMIN_REPLY_UPLOAD, S.err_reply_files),
                    rx.text("Клиент получит ответ на email, тикет перейдёт в статус «В работе».",
                            size="1", color_scheme="gray"),
                    rx.button(rx.icon("send", size=16), "Ответить", type="submit", id="admin-reply-submit"),
                    spacing="3",
                    width="100%",
                    align="start",
                ),
                on_submit=lambda form: S.admin_reply(form, rx.upload_files(upload_id=ADMIN_REPLY_UPLOAD)),
                id="admin-reply-form",
                width="100%",
            )
        ),
    )


def admin_ticket_page() -> rx.Component:
    S = AdminTicketViewState
    header = card(
        rx.vstack(
            rx.text("Тикет №", S.number, " · создан ", S.created, " · обновлён ", S.updated,
                    " · ответов: ", S.replies, size="1", color_scheme="gray"),
            rx.heading(S.subject, size="5", word_break="break-word", as_="h1"),
            rx.flex(status_badge(S.status, S.status_label),
                    rx.badge(S.category_label, variant="surface", color_scheme="gray"),
                    priority_badge(S.priority, S.priority_label),
                    wrap="wrap", gap="6px", id="admin-ticket-badges"),
            spacing="2",
            align="start",
        )
    )
    return app_shell(
        rx.link(rx.hstack(rx.icon("arrow-left", size=16), rx.text("Очередь", size="2"), align="center",
                          spacing="1"), href="/admin/tickets", underline="none"),
        rx.cond(
            S.loaded,
            rx.cond(
                S.found,
                rx.grid(
                    rx.vstack(header, conversation(S.messages, "Клиент"), admin_reply_form(),
                              spacing="4", width="100%", grid_column=rx.breakpoints(initial="auto", lg="span 2")),
                    rx.vstack(customer_context(), ticket_controls(), spacing="4", width="100%"),
                    columns=rx.breakpoints(initial="1", lg="3"),
                    spacing="4",
                    width="100%",
                ),
                empty_state("search-x", "Тикет не найден", "Вернитесь в очередь.",
                            rx.link(rx.button("К очереди", variant="soft"), href="/admin/tickets")),
            ),
            loading_block(),
        ),
    )
