"""Every page and its route, title and on_load guard, in one list."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.pages.admin import admin_overview_page
from ispgo_portal.pages.auth import login_page, register_page
from ispgo_portal.pages.dashboard import dashboard_page
from ispgo_portal.state.auth import LoginState
from ispgo_portal.state.dashboard import DashboardState
from ispgo_portal.state.session import SessionState


def register_public_pages(app: rx.App) -> None:
    """Landing, FAQ, features, documentation and the 404 page: open to every visitor."""
    from ispgo_portal.pages.docs import docs_page
    from ispgo_portal.pages.faq import faq_page
    from ispgo_portal.pages.features import features_page
    from ispgo_portal.pages.landing import landing_page
    from ispgo_portal.pages.not_found import not_found_page
    from ispgo_portal.state.landing import LandingState

    app.add_page(landing_page, route="/", title="ISPGo — панель управления хостингом",
                 description="Лицензии панели ISPGo: сайты, почта, DNS, базы данных, cron, мониторинг, REST API.",
                 on_load=[SessionState.redirect_if_logged_in, LandingState.load_landing])
    # Logged-in visitors keep the public shell; refresh_header only switches its buttons.
    app.add_page(faq_page, route="/faq", title="Часто задаваемые вопросы — ISPGo",
                 on_load=SessionState.refresh_header)
    app.add_page(features_page, route="/features", title="Возможности — ISPGo",
                 on_load=SessionState.refresh_header)
    app.add_page(docs_page, route="/docs", title="Документация — ISPGo",
                 on_load=SessionState.refresh_header)
    app.add_page(not_found_page, route="404", title="Страница не найдена — ISPGo",
                 on_load=SessionState.refresh_header)


def register_pages(app: rx.App) -> None:
    register_public_pages(app)
    app.add_page(login_page, route="/login", title="Вход — ISPGo",
                 on_load=[SessionState.redirect_if_logged_in, LoginState.reset_login])
    app.add_page(register_page, route="/register", title="Регистрация — ISPGo",
                 on_load=SessionState.redirect_if_logged_in)
    app.add_page(dashboard_page, route="/dashboard", title="Дашборд — ISPGo",
                 on_load=DashboardState.load_dashboard)
    from ispgo_portal.state.admin_overview import AdminOverviewState

    app.add_page(admin_overview_page, route="/admin", title="Обзор — ISPGo",
                 on_load=AdminOverviewState.load_overview)

    from ispgo_portal.pages.admin_tariffs import admin_tariffs_page
    from ispgo_portal.state.admin_tariffs import AdminTariffsState

    app.add_page(admin_tariffs_page, route="/admin/tariffs", title="Тарифы — ISPGo",
                 on_load=AdminTariffsState.load_tariffs)

    from ispgo_portal.pages.admin_promo import admin_promo_page
    from ispgo_portal.state.admin_promo import AdminPromoState

    app.add_page(admin_promo_page, route="/admin/promo-codes", title="Промокоды — ISPGo",
                 on_load=AdminPromoState.load_promos)

    from ispgo_portal.pages.admin_licenses import admin_licenses_page
    from ispgo_portal.state.admin_licenses import AdminLicensesState

    app.add_page(admin_licenses_page, route="/admin/licenses", title="Лицензии — ISPGo",
                 on_load=AdminLicensesState.load_licenses)

    from ispgo_portal.pages.admin_payments import admin_payments_page
    from ispgo_portal.state.admin_payments import AdminPaymentsState

    app.add_page(admin_payments_page, route="/admin/payments", title="Платежи — ISPGo",
                 on_load=AdminPaymentsState.load_payments)

    register_admin_customer_pages(app)

    register_ticket_pages(app)

    register_license_pages(app)

    register_password_reset_pages(app)

    register_outbox_pages(app)

    register_balance_pages(app)

    register_api_token_pages(app)

    register_payer_pages(app)


def register_license_pages(app: rx.App) -> None:
    """«Тарифы» and «Мои лицензии»."""
    from ispgo_portal.pages.licenses import licenses_page
    from ispgo_portal.pages.tariffs import tariffs_page
    from ispgo_portal.state.licenses import LicensesState
    from ispgo_portal.state.tariffs import TariffsState

    app.add_page(tariffs_page, route="/tariffs", title="Тарифы — ISPGo",
                 on_load=TariffsState.load_tariffs)
    app.add_page(licenses_page, route="/licenses", title="Мои лицензии — ISPGo",
                 on_load=LicensesState.load_licenses)


def register_ticket_pages(app: rx.App) -> None:
    from ispgo_portal.pages.admin_tickets import admin_ticket_page, admin_tickets_page
    from ispgo_portal.pages.tickets import ticket_page, tickets_page
    from ispgo_portal.state.admin_tickets import AdminTicketsState, AdminTicketViewState
    from ispgo_portal.state.tickets import TicketsState, TicketViewState

    app.add_page(tickets_page, route="/tickets", title="Тикеты — ISPGo",
                 on_load=TicketsState.load_tickets)
    app.add_page(ticket_page, route="/tickets/[ticket_id]", title="Тикет — ISPGo",
                 on_load=TicketViewState.load_ticket)
    app.add_page(admin_tickets_page, route="/admin/tickets", title="Тикеты поддержки — ISPGo",
                 on_load=AdminTicketsState.load_queue)
    app.add_page(admin_ticket_page, route="/admin/tickets/[ticket_id]", title="Тикет — ISPGo",
                 on_load=AdminTicketViewState.load_admin_ticket)


def register_admin_customer_pages(app: rx.App) -> None:
    """«Клиенты» (list and card) and «Аудит»."""
    from ispgo_portal.pages.admin_audit import admin_audit_page
    from ispgo_portal.pages.admin_customer_card import admin_customer_card_page
    from ispgo_portal.pages.admin_customers import admin_customers_page
    from ispgo_portal.state.admin_audit import AdminAuditState
    from ispgo_portal.state.admin_customers import AdminCustomerCardState, AdminCustomersState
    from ispgo_portal.state.admin_two_factor import AdminTwoFactorState

    app.add_page(admin_customers_page, route="/admin/customers", title="Клиенты — ISPGo",
                 on_load=AdminCustomersState.load_customers)
    app.add_page(admin_customer_card_page, route="/admin/customers/[customer_id]", title="Клиент — ISPGo",
                 on_load=[AdminCustomerCardState.load_card,
                          AdminTwoFactorState.load_customer_two_factor])
    app.add_page(admin_audit_page, route="/admin/audit", title="Аудит — ISPGo",
                 on_load=AdminAuditState.load_audit)


def register_password_reset_pages(app: rx.App) -> None:
    """«Забыли пароль?» and the new-password form: open to every visitor."""
    from ispgo_portal.pages.password_reset import password_reset_confirm_page, password_reset_page
    from ispgo_portal.state.password_reset import PasswordResetState

    app.add_page(password_reset_page, route="/password-reset", title="Восстановление пароля — ISPGo",
                 on_load=PasswordResetState.start_request)
    app.add_page(password_reset_confirm_page, route="/password-reset/confirm", title="Новый пароль — ISPGo",
                 on_load=PasswordResetState.check_link)


def register_outbox_pages(app: rx.App) -> None:
    """«Исходящие письма»."""
    from ispgo_portal.pages.admin_outbox import admin_outbox_page
    from ispgo_portal.state.admin_outbox import AdminOutboxState

    app.add_page(admin_outbox_page, route="/admin/outbox", title="Исходящие письма — ISPGo",
                 on_load=AdminOutboxState.load_outbox)


def register_balance_pages(app: rx.App) -> None:
    """«Баланс» and the page YooKassa sends the customer back to."""
    from ispgo_portal.pages.balance import balance_page
    from ispgo_portal.pages.payment_return import payment_return_page
    from ispgo_portal.state.balance import BalanceState
    from ispgo_portal.state.payment_methods import PaymentMethodsState
    from ispgo_portal.state.payment_return import PaymentReturnState

    app.add_page(balance_page, route="/balance", title="Баланс — ISPGo",
                 on_load=[BalanceState.load_balance, PaymentMethodsState.load_cards])
    app.add_page(payment_return_page, route="/payments/return", title="Оплата — ISPGo",
                 on_load=[SessionState.require_login, PaymentReturnState.watch_payment])


def register_api_token_pages(app: rx.App) -> None:
    """«API-токены» for the customer REST API."""
    from ispgo_portal.pages.api_tokens import api_tokens_page
    from ispgo_portal.state.api_tokens import ApiTokensState

    app.add_page(api_tokens_page, route="/api-tokens", title="API-токены — ISPGo",
                 on_load=ApiTokensState.load_tokens)
    register_security_pages(app)


def register_security_pages(app: rx.App) -> None:
    """«Безопасность»: two-factor sign-in (admins are sent here until they enrol)."""
    from ispgo_portal.pages.security import security_page
    from ispgo_portal.state.security import SecurityState

    app.add_page(security_page, route="/security", title="Безопасность — ISPGo",
                 on_load=SecurityState.load_security)


def register_payer_pages(app: rx.App) -> None:
    """Company payers: «Плательщики», «Документы», «Счёт на оплату», «Банковские поступления»."""
    from ispgo_portal.pages.admin_bank import admin_bank_page
    from ispgo_portal.pages.documents import documents_page, invoice_form_page
    from ispgo_portal.pages.payers import payers_page
    from ispgo_portal.state.admin_bank import AdminBankState
    from ispgo_portal.state.documents import DocumentsState, InvoiceFormState
    from ispgo_portal.state.payers import PayersState

    app.add_page(payers_page, route="/payers", title="Плательщики — ISPGo",
                 on_load=PayersState.load_payers)
    app.add_page(documents_page, route="/documents", title="Документы — ISPGo",
                 on_load=DocumentsState.load_documents)
    app.add_page(invoice_form_page, route="/balance/invoice", title="Счёт на оплату — ISPGo",
                 on_load=InvoiceFormState.load_invoice_form)
    app.add_page(admin_bank_page, route="/admin/payments/bank", title="Банковские поступления — ISPGo",
                 on_load=AdminBankState.load_bank)
