"""Admin «Клиенты»: one customer's card — money, access, history — with every support action."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.dialogs import cancel_button, confirm_dialog
from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import app_shell, card, empty_state, field_error
from ispgo_portal.limits import ADMIN_REASON_MAX
from ispgo_portal.pages.admin_customers import scroll_table
from ispgo_portal.state.admin_customers import AdminCustomerCardState
from ispgo_portal.state.admin_two_factor import AdminTwoFactorState

C = AdminCustomerCardState


def form_label(text: str, html_for: str) -> rx.Component:
    return field_label(text, html_for, size="2", weight="medium")


def _stat(label: str, value, stat_id: str, color=None) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", color_scheme="gray"),
        rx.text(value, size="5", weight="bold", as_="div", color=color, id=stat_id),
        spacing="1",
    )


def _small_form(title: str, field: str, input_id: str, default, placeholder: str, hint: str,
                error, on_submit, form_id: str, button: str) -> rx.Component:
    return rx.form(
        rx.vstack(
            form_label(title, input_id),
            rx.hstack(
                rx.input(name=field, id=input_id, default_value=default, placeholder=placeholder,
                         input_mode="decimal", width="100%"),
                rx.button(button, type="submit"),
                width="100%",
            ),
            rx.text(hint, size="1", color_scheme="gray"),
            field_error(error),
            spacing="1",
            width="100%",
        ),
        on_submit=on_submit,
        id=form_id,
        key=C.form_version,
        width="100%",
    )


def _finance_card() -> rx.Component:
    return card(
        rx.vstack(
            rx.heading("Деньги", size="4", as_="h2"),
            rx.grid(
                _stat("Баланс", C.balance, "card-balance", rx.cond(C.balance_negative, "var(--red-11)", None)),
                _stat("Кредитный лимит", C.credit_limit, "card-credit-limit"),
                _stat("Использовано кредита", C.credit_used, "card-credit-used"),
                _stat("Доступно средств", C.available, "card-available"),
                _stat("Индивидуальная скидка", C.discount, "card-discount"),
                columns=rx.breakpoints(initial="2", md="5"),
                spacing="4",
                width="100%",
            ),
            rx.separator(size="4"),
            rx.grid(
                _small_form("Кредитный лимит, ₽", "credit_limit", "credit_limit", C.credit_limit_input,
                            "например 1000", "0 — без кредита. Снижение ниже долга не меняет баланс: "
                            "новые списания просто не пройдут.", C.err_credit_limit, C.save_credit_limit,
                            "credit-limit-form", "Сохранить"),
                _small_form("Индивидуальная скидка, %", "discount", "discount", C.discount_input, "от 0 до 100",
                            "Со скидкой промокоды не суммируются: действует большая.", C.err_discount,
                            C.save_discount, "discount-form", "Сохранить"),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="5",
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        id="customer-finance",
    )


def _adjust_card() -> rx.Component:
    return card(
        rx.vstack(
            rx.heading("Корректировка баланса", size="4", as_="h2"),
            rx.text("Запись «Корректировка» появится в истории операций клиента с указанной причиной.",
                    size="2", color_scheme="gray"),
            rx.form(
                rx.vstack(
                    rx.grid(
                        rx.vstack(
                            form_label("Действие", "adjust-direction"),
                            rx.select.root(
                                rx.select.trigger(id="adjust-direction", width="100%"),
                                rx.select.content(rx.select.item("Начислить", value="credit"),
                                                  rx.select.item("Списать", value="debit")),
                                name="direction",
                                default_value="credit",
                            ),
                            spacing="1",
                            width="100%",
                        ),
                        rx.vstack(
                            form_label("Сумма, ₽", "adjust-amount"),
                            rx.input(name="amount", id="adjust-amount", placeholder="например 500,00",
                                     input_mode="decimal", width="100%"),
                            field_error(C.err_amount),
                            spacing="1",
                            width="100%",
                        ),
                        columns=rx.breakpoints(initial="1", sm="2"),
                        spacing="3",
                        width="100%",
                    ),
                    form_label("Причина (обязательно, её увидит клиент)", "adjust-reason"),
                    rx.text_area(name="reason", id="adjust-reason", placeholder="Компенсация за простой 12.11",
                                 width="100%", max_length=ADMIN_REASON_MAX),
                    field_error(C.err_reason),
                    rx.button("Провести…", type="submit"),
                    spacing="2",
                    width="100%",
                ),
                on_submit=C.prepare_adjustment,
                id="adjust-form",
                key=C.form_version,
            ),
            spacing="3",
            width="100%",
        ),
    )


def _adjust_dialog() -> rx.Component:
    return confirm_dialog(
        title="Подтвердите корректировку",
        text=rx.vstack(
            rx.text(C.adj_preview, " — ", C.name, " (", C.email, ")", weight="bold",
                    color=rx.cond(C.adj_is_debit, "var(--red-11)", "var(--green-11)")),
            rx.text("Причина: ", C.adj_reason_preview, size="2"),
            spacing="2",
        ),
        action="Провести", on_confirm=C.confirm_adjustment, action_id="adjust-confirm", color=None,
        open=C.adj_open, on_cancel=C.cancel_adjustment,
    )


def _account_card() -> rx.Component:
    return card(
        rx.vstack(
            rx.heading("Доступ", size="4", as_="h2"),
            rx.grid(
                rx.form(
                    rx.vstack(
                        form_label("Новый email", "new-email"),
                        rx.hstack(rx.input(name="email", id="new-email", type="email", placeholder=C.email,
                                           width="100%"),
                                  rx.button("Сменить", type="submit"), width="100%"),
                        rx.text("Письмо придёт на старый и на новый адрес.", size="1", color_scheme="gray"),
                        field_error(C.err_email),
                        spacing="1",
                        width="100%",
                    ),
                    on_submit=C.save_email,
                    id="email-form",
                    key=C.form_version,
                ),
                rx.form(
                    rx.vstack(
                        form_label("Новый пароль (не короче 8 символов)", "new-password"),
                        rx.input(name="password", id="new-password", type="password", auto_complete="new-password",
                                 width="100%"),
                        form_label("Повторите пароль", "new-password-confirm"),
                        rx.input(name="password_confirm", id="new-password-confirm", type="password",
                                 auto_complete="new-password", width="100%"),
                        field_error(C.err_password),
                        rx.text("Клиент получит письмо, все его сеансы завершатся.", size="1", color_scheme="gray"),
                        rx.button("Установить пароль", type="submit"),
                        spacing="1",
                        width="100%",
                    ),
                    on_submit=C.save_password,
                    id="admin-password-form",
                    key=C.form_version,
                ),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="5",
                width="100%",
            ),
            rx.separator(size="4"),
            rx.flex(
                rx.cond(
                    C.blocked,
                    rx.button(rx.icon("lock-open", size=16), "Разблокировать", color_scheme="green",
                              variant="soft", id="block-button", on_click=C.open_block_dialog),
                    rx.button(rx.icon("lock", size=16), "Заблокировать", color_scheme="red", variant="soft",
                              id="block-button", on_click=C.open_block_dialog, disabled=C.is_self),
                ),
                _role_button(),
                spacing="3",
                wrap="wrap",
            ),
            spacing="4",
            width="100%",
        ),
    )


def _block_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(rx.cond(C.blocked, "Разблокировать аккаунт?", "Заблокировать аккаунт?")),
            rx.alert_dialog.description(
                rx.cond(C.blocked, "Клиент снова сможет войти в личный кабинет.",
                        "Все сеансы клиента завершатся, вход будет запрещён с сообщением "
                        "«Учётная запись заблокирована»."),
                size="2",
            ),
            rx.form(
                rx.vstack(
                    form_label("Причина (для журнала аудита)", "block-reason"),
                    rx.input(name="reason", id="block-reason", width="100%", max_length=ADMIN_REASON_MAX),
                    rx.hstack(
                        rx.button("Отмена", type="button", variant="soft", color_scheme="gray",
                                  on_click=C.close_block_dialog),
                        rx.button(rx.cond(C.blocked, "Разблокировать", "Заблокировать"), type="submit",
                                  color_scheme=rx.cond(C.blocked, "green", "red"), id="block-confirm"),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="2",
                    margin_top="12px",
                ),
                on_submit=C.confirm_block,
            ),
            max_width="460px",
            on_escape_key_down=C.close_block_dialog,
        ),
        open=C.block_open,
    )


def _role_button() -> rx.Component:
    return confirm_dialog(
        trigger=rx.button(rx.icon("shield", size=16),
                          rx.cond(C.is_admin, "Снять права администратора", "Сделать администратором"),
                          variant="soft", color_scheme="gray", id="role-button", disabled=C.is_self),
        title=rx.cond(C.is_admin, "Снять права администратора?", "Сделать администратором?"),
        text=rx.cond(C.is_admin, "Аккаунт станет обычным клиентским.",
                     "Аккаунт получит доступ ко всей админ-консоли."),
        action="Подтвердить", on_confirm=C.toggle_admin_role, color=None, max_width="420px",
    )


def _history_tabs() -> rx.Component:
    def license_row(r) -> rx.Component:
        return rx.table.row(
            rx.table.cell(rx.code(r["key"]), white_space="nowrap"), rx.table.cell(r["tariff"]),
            rx.table.cell(rx.vstack(rx.text(r["status_label"]),
                                    rx.cond(r["reason"] != "", rx.text(r["reason"], size="1", color_scheme="gray")),
                                    spacing="0")),
            rx.table.cell(r["expires"]), rx.table.cell(r["auto_renew"]))

    def ledger_row(r) -> rx.Component:
        return rx.table.row(
            rx.table.cell(r["date"], white_space="nowrap"), rx.table.cell(r["kind"]),
            rx.table.cell(rx.text(r["amount"], color=rx.cond(r["negative"], "var(--red-11)", "var(--green-11)")),
                          white_space="nowrap"),
            rx.table.cell(r["balance_after"], white_space="nowrap"), rx.table.cell(r["description"]))

    def payment_row(r) -> rx.Component:
        return rx.table.row(
            rx.table.cell(r["date"], white_space="nowrap"), rx.table.cell(r["purpose"]),
            rx.table.cell(r["amount"], white_space="nowrap"), rx.table.cell(r["status"]),
            rx.table.cell(r["refunded"], white_space="nowrap"), rx.table.cell(rx.code(r["yookassa_id"])))

    def ticket_row(r) -> rx.Component:
        return rx.table.row(
            rx.table.cell(rx.link("#", r["id"], " ", r["subject"], href=r["href"])), rx.table.cell(r["status"]),
            rx.table.cell(r["category"]), rx.table.cell(r["priority"]), rx.table.cell(r["updated"]))

    def section(rows, header: list[str], render, table_id: str, empty: str):
        return rx.cond(rows.length() > 0, scroll_table(header, rows, render, table_id),
                       rx.text(empty, size="2", color_scheme="gray", padding_y="12px"))

    return card(
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Лицензии", value="licenses"),
                rx.tabs.trigger("Операции", value="ledger"),
                rx.tabs.trigger("Платежи", value="payments"),
                rx.tabs.trigger("Тикеты", value="tickets"),
            ),
            rx.box(
                rx.tabs.content(section(C.licenses, ["Ключ", "Тариф", "Статус", "Действует до", "Автопродление"],
                                        license_row, "card-licenses", "Лицензий пока нет."), value="licenses"),
                rx.tabs.content(section(C.transactions, ["Дата", "Операция", "Сумма", "Баланс после", "Описание"],
                                        ledger_row, "card-ledger", "Операций по балансу пока не было."),
                                value="ledger"),
                rx.tabs.content(section(C.payments, ["Дата", "Назначение", "Сумма", "Статус", "Возвращено",
                                                       "ID YooKassa"], payment_row, "card-payments",
                                        "Платежей через YooKassa не было."), value="payments"),
                rx.tabs.content(section(C.tickets, ["Тикет", "Статус", "Категория", "Приоритет", "Обновлён"],
                                        ticket_row, "card-tickets", "Обращений в поддержку не было."),
                                value="tickets"),
                padding_top="12px",
            ),
            default_value="licenses",
            width="100%",
        ),
    )


def _card_header() -> rx.Component:
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=16), rx.text("Все клиенты"), spacing="1", align="center"),
                href="/admin/customers", size="2"),
        rx.flex(
            rx.vstack(
                rx.hstack(rx.heading(C.name, size="7", as_="h1"),
                          rx.cond(C.is_admin, rx.badge("Администратор", color_scheme="blue")),
                          rx.cond(C.blocked, rx.badge("Заблокирован", color_scheme="red", id="blocked-badge")),
                          spacing="2", align="center", wrap="wrap"),
                rx.text(C.email, " · с ", C.created, " · активных лицензий: ", C.active_licenses,
                        color_scheme="gray", size="2", id="card-email"),
                spacing="1",
            ),
            rx.spacer(),
            rx.link(rx.button(rx.icon("scroll-text", size=16), "История изменений", variant="soft", size="2"),
                    href="/admin/audit?customer=" + C.card_id),
            width="100%",
            wrap="wrap",
            gap="12px",
            align="end",
        ),
        spacing="2",
        width="100%",
        margin_bottom="8px",
    )


def two_factor_card() -> rx.Component:
    T = AdminTwoFactorState
    return card(
        rx.hstack(
            rx.vstack(
                rx.heading("Двухфакторная защита", size="3", as_="h3"),
                rx.cond(T.tf_customer_enabled,
                        rx.badge("Включена", color_scheme="green", id="customer-2fa-status"),
                        rx.badge("Выключена", color_scheme="gray", id="customer-2fa-status")),
                spacing="2", align="start",
            ),
            rx.spacer(),
            rx.cond(
                T.tf_customer_enabled,
                rx.dialog.root(
                    rx.dialog.trigger(rx.button("Сбросить 2FA", color_scheme="red", variant="soft",
                                                id="reset-2fa")),
                    rx.dialog.content(
                        rx.dialog.title("Сбросить двухфакторную защиту?"),
                        rx.dialog.description(
                            "Клиент войдёт по одному паролю и сможет включить защиту заново. Все его сеансы "
                            "завершатся, он получит письмо; действие попадёт в аудит.", size="2"),
                        rx.form(
                            rx.vstack(
                                rx.input(name="reason", placeholder="Причина (например, потерян телефон)",
                                         max_length=500, width="100%", id="reset-2fa-reason"),
                                rx.hstack(
                                    cancel_button(),
                                    rx.button("Сбросить", type="submit", color_scheme="red", id="reset-2fa-confirm"),
                                    justify="end", spacing="3", width="100%",
                                ),
                                spacing="3",
                            ),
                            on_submit=T.reset_customer_two_factor,
                        ),
                        max_width="460px",
                    ),
                    open=T.tf_reset_open,
                    on_open_change=T.set_tf_reset_open,
                ),
            ),
            width="100%", align="center",
        ),
        id="customer-two-factor",
    )


def admin_customer_card_page() -> rx.Component:
    return app_shell(
        rx.cond(
            C.card_loaded,
            rx.vstack(
                _card_header(),
                _finance_card(),
                _adjust_card(),
                _account_card(),
                two_factor_card(),
                _history_tabs(),
                _adjust_dialog(),
                _block_dialog(),
                spacing="4",
                width="100%",
                id="customer-card",
            ),
            rx.cond(
                C.card_missing,
                card(empty_state("user-x", "Клиент не найден", "Вернитесь к списку и найдите клиента поиском.",
                                 rx.link(rx.button("К списку клиентов"), href="/admin/customers"))),
                rx.vstack(rx.skeleton(height="48px", width="50%"), rx.skeleton(height="220px", width="100%"),
                          rx.skeleton(height="220px", width="100%"), spacing="4", width="100%"),
            ),
        ),
    )
