"""The three documents in their usual Russian layout."""

from __future__ import annotations

from datetime import timedelta

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from ispgo_portal.clock import to_msk
from ispgo_portal.services.billing.closing_documents import ActView, Reconciliation
from ispgo_portal.services.billing.documents.layout import (
    CONTENT_WIDTH,
    Seller,
    build_pdf,
    grid,
    money,
    p,
    seller,
    vat_line,
)
from ispgo_portal.services.billing.documents.words import amount_in_words
from ispgo_portal.services.billing.invoices import InvoiceView
from ispgo_portal.services.billing.payers import PayerView
from ispgo_portal.settings import get_settings

W = CONTENT_WIDTH


def buyer_requisites(payer: PayerView) -> str:
    parts = [payer.name, f"ИНН {payer.inn}" if payer.inn else "", f"КПП {payer.kpp}" if payer.kpp else "",
             payer.legal_address]
    return ", ".join(x for x in parts if x)


def _bank_block(s: Seller) -> Flowable:
    rows = [
        [p(f"{s.bank}\nБанк получателя", "small"), p("БИК"), p(s.bik)],
        ["", p("Сч. №"), p(s.corr_account)],
        [p(f"ИНН {s.inn}    КПП {s.kpp}\n{s.name}\nПолучатель", "small"), p("Сч. №"), p(s.account)],
    ]
    table = grid(rows, [W * 0.58, W * 0.1, W * 0.32], header=False)
    table.setStyle([("SPAN", (0, 0), (0, 1))])
    return table


def _totals(total: int, vat_percent: int) -> Flowable:
    vat_label, vat_value = vat_line(total, vat_percent)
    rows = [[p("Итого:", "right_bold"), p(money(total), "right_bold")],
            [p(f"{vat_label}:", "right_bold"), p(vat_value, "right_bold")],
            [p("Всего к оплате:", "right_bold"), p(money(total), "right_bold")]]
    return grid(rows, [W * 0.8, W * 0.2], header=False, box=False)


def _signatures(s: Seller, *, buyer: PayerView | None = None) -> Flowable:
    if buyer is None:
        rows = [[p(f"{s.signer_title}"), p("____________________"), p(s.signer)],
                [p("Бухгалтер"), p("____________________"), p(s.signer)]]
        return grid(rows, [W * 0.3, W * 0.35, W * 0.35], header=False, box=False)
    rows = [[p("Исполнитель", "bold"), p("Заказчик", "bold")],
            [p(f"{s.name}\n{s.signer_title} ____________ {s.signer}"),
             p(f"{buyer.name}\n____________________")]]
    return grid(rows, [W * 0.5, W * 0.5], header=False, box=False)


def render_invoice(invoice: InvoiceView) -> bytes:
    s = seller()
    issued = to_msk(invoice.created_at)
    valid_until = (issued + timedelta(days=get_settings().invoice_valid_days)).strftime("%d.%m.%Y")
    vat_label, _ = vat_line(invoice.amount, s.vat_percent)
    purpose = f"Оплата по счёту № {invoice.number} от {issued:%d.%m.%Y}. {vat_label}"
    items = [
        [p("№"), p("Товары (работы, услуги)"), p("Кол-во"), p("Ед."), p("Цена"), p("Сумма")],
        [p("1"), p(invoice.item), p("1"), p("усл."), p(money(invoice.amount), "right"),
         p(money(invoice.amount), "right")],
    ]
    story: list[Flowable] = [
        _bank_block(s),
        p(f"Счёт на оплату № {invoice.number} от {issued:%d.%m.%Y}", "title"),
        grid([[p("Поставщик:"), p(s.requisites, "bold")],
              [p("Покупатель:"), p(buyer_requisites(invoice.payer), "bold")],
              [p("Основание:"), p("Договор-оферта на использование панели управления ISPGo")]],
             [W * 0.16, W * 0.84], header=False, box=False),
        Spacer(1, 4 * mm),
        grid(items, [W * 0.05, W * 0.5, W * 0.08, W * 0.07, W * 0.15, W * 0.15]),
        _totals(invoice.amount, s.vat_percent),
        p(f"Всего наименований 1, на сумму {money(invoice.amount)} руб."),
        p(amount_in_words(invoice.amount), "bold"),
        Spacer(1, 3 * mm),
        p(f"Назначение платежа: {purpose}"),
        p(f"Счёт действителен до {valid_until}. Указывайте номер счёта в назначении платежа — "
          "так оплата зачисляется автоматически.", "small"),
        Spacer(1, 8 * mm),
        _signatures(s),
    ]
    return build_pdf(story, title=f"Счёт № {invoice.number}")


def render_act(act: ActView) -> bytes:
    s = seller()
    rows = [[p("№"), p("Наименование работ, услуг"), p("Дата"), p("Кол-во"), p("Ед."), p("Сумма")]]
    rows += [[p(str(i)), p(line.description), p(f"{line.day:%d.%m.%Y}"), p("1"), p("усл."),
              p(money(line.amount), "right")] for i, line in enumerate(act.lines, start=1)]
    story: list[Flowable] = [
        p(f"Акт № {act.number} от {act.act_date:%d.%m.%Y}", "title"),
        p(f"оказанных услуг за {act.period_label}"),
        Spacer(1, 3 * mm),
        grid([[p("Исполнитель:"), p(s.requisites, "bold")],
              [p("Заказчик:"), p(buyer_requisites(act.payer), "bold")]],
             [W * 0.16, W * 0.84], header=False, box=False),
        Spacer(1, 3 * mm),
        grid(rows, [W * 0.05, W * 0.5, W * 0.12, W * 0.08, W * 0.07, W * 0.18]),
        _totals(act.total, s.vat_percent),
        p(f"Всего оказано услуг {len(act.lines)}, на сумму {money(act.total)} руб."),
        p(amount_in_words(act.total), "bold"),
        Spacer(1, 3 * mm),
        p("Вышеперечисленные услуги выполнены полностью и в срок. Заказчик претензий по объёму, "
          "качеству и срокам оказания услуг не имеет.", "small"),
        Spacer(1, 8 * mm),
        _signatures(s, buyer=act.payer),
    ]
    return build_pdf(story, title=f"Акт № {act.number}")


def render_reconciliation(rec: Reconciliation) -> bytes:
    s = seller()
    period = f"{rec.date_from:%d.%m.%Y} — {rec.date_to:%d.%m.%Y}"
    rows = [[p("Дата"), p("Операция"), p("Поступило"), p("Списано")],
            [p(f"{rec.date_from:%d.%m.%Y}"), p("Сальдо на начало периода", "bold"),
             p(money(rec.opening), "right_bold"), p("")]]
    rows += [[p(f"{line.day:%d.%m.%Y}"), p(line.description),
              p(money(line.amount), "right") if line.amount > 0 else p(""),
              p(money(-line.amount), "right") if line.amount < 0 else p("")] for line in rec.lines]
    rows += [[p(""), p("Обороты за период", "bold"), p(money(rec.received), "right_bold"),
              p(money(rec.charged), "right_bold")],
             [p(f"{rec.date_to:%d.%m.%Y}"), p("Сальдо на конец периода", "bold"),
              p(money(rec.closing), "right_bold"), p("")]]
    closing = (f"аванс {money(rec.closing)} руб. в пользу {rec.payer.name}" if rec.closing >= 0
               else f"задолженность {money(-rec.closing)} руб. в пользу {s.name}")
    story: list[Flowable] = [
        p("Акт сверки взаимных расчётов", "title"),
        p(f"за период {period} между {s.name} и {rec.payer.name}"),
        Spacer(1, 3 * mm),
        grid([[p("Исполнитель:"), p(s.requisites, "bold")],
              [p("Заказчик:"), p(buyer_requisites(rec.payer), "bold")]],
             [W * 0.16, W * 0.84], header=False, box=False),
        Spacer(1, 3 * mm),
        p("Сальдо — остаток на лицевом счёте: плюс — аванс заказчика, минус — его долг. Сумма, руб.", "small"),
        grid(rows, [W * 0.13, W * 0.53, W * 0.17, W * 0.17]),
        Spacer(1, 3 * mm),
        p(f"По данным {s.name} на {rec.date_to:%d.%m.%Y}: {closing}.", "bold"),
        Spacer(1, 8 * mm),
        _signatures(s, buyer=rec.payer),
    ]
    return build_pdf(story, title="Акт сверки")
