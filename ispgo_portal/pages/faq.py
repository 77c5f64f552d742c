"""/faq «Часто задаваемые вопросы»: grouped accordion with search as you type."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.forms import field_label
from ispgo_portal.components.layout import ACCENT
from ispgo_portal.components.public import public_shell
from ispgo_portal.content.faq import SECTIONS, Block, FaqItem, FaqSection
from ispgo_portal.state.faq import FaqState


def render_block(block: Block) -> rx.Component:
    if block.kind == "steps":
        return rx.el.ol(*[rx.el.li(rx.text(text, size="2")) for text in block.items],
                        style={"padding_left": "1.4em", "margin": "0", "list_style_type": "decimal", "display": "grid", "gap": "4px"})
    if block.kind == "list":
        return rx.el.ul(*[rx.el.li(rx.text(text, size="2")) for text in block.items],
                        style={"padding_left": "1.4em", "margin": "0", "list_style_type": "disc", "display": "grid", "gap": "4px"})
    if block.kind == "terms":
        return rx.vstack(
            *[rx.box(rx.text(term, weight="bold", size="2"), rx.text(meaning, size="2", color_scheme="gray"))
              for term, meaning in block.terms],
            spacing="2",
            width="100%",
        )
    if block.kind == "note":
        return rx.callout(block.text, icon="info", size="1", variant="surface", width="100%")
    return rx.text(block.text, size="2")


def answer_links(entry: FaqItem) -> rx.Component:
    return rx.hstack(
        *[rx.link(rx.button(label, rx.icon("arrow-right", size=14), variant="soft", size="1",
                            color_scheme="blue"),
                  href=href, underline="none") for label, href in entry.links],
        spacing="2",
        wrap="wrap",
        padding_top="4px",
    )


def faq_entry(entry: FaqItem) -> rx.Component:
    return rx.accordion.item(
        header=rx.text(entry.question, size="3", weight="medium", text_align="left"),
        content=rx.vstack(*[render_block(b) for b in entry.blocks], answer_links(entry),
                          spacing="3", width="100%", padding_bottom="8px"),
        value=entry.slug,
        id=f"faq-{entry.slug}",
        class_name="faq-item",
        display=rx.cond(FaqState.visible_slugs.contains(entry.slug), "block", "none"),
    )


def faq_section(section: FaqSection) -> rx.Component:
    slugs = [entry.slug for entry in section.items]
    any_visible = FaqState.visible_slugs.contains(slugs[0])
    for slug in slugs[1:]:
        any_visible = any_visible | FaqState.visible_slugs.contains(slug)
    return rx.box(
        rx.heading(section.title, size="5", as_="h2", margin_bottom="8px"),
        rx.accordion.root(
            *[faq_entry(entry) for entry in section.items],
            type="multiple",
            collapsible=True,
            value=FaqState.open_slugs,
            on_value_change=lambda opened: FaqState.show_answers(section.slug, opened),
            variant="surface",
            color_scheme="gray",
            width="100%",
        ),
        id=f"faq-section-{section.slug}",
        width="100%",
        display=rx.cond(any_visible, "block", "none"),
    )


def search_box() -> rx.Component:
    return rx.vstack(
        field_label("Поиск по вопросам и ответам", "faq-search", size="2", weight="medium"),
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            rx.cond(
                FaqState.query != "",
                rx.input.slot(rx.icon_button(rx.icon("x", size=14), variant="ghost", size="1",
                                             aria_label="Очистить поиск", on_click=FaqState.clear_search)),
            ),
            id="faq-search",
            value=FaqState.query,
            on_change=FaqState.search,
            placeholder="Например: кредит, ключ, пароль",
            size="3",
            width="100%",
            auto_complete="off",
        ),
        spacing="1",
        width="100%",
        max_width="640px",
    )


def nothing_found() -> rx.Component:
    return rx.cond(
        FaqState.nothing_found,
        rx.card(
            rx.vstack(
                rx.icon("search-x", size=32, color=rx.color("gray", 9)),
                rx.text("Ничего не нашлось", weight="bold", size="4", as_="div"),
                rx.text("Попробуйте другое слово или задайте вопрос поддержке — создайте тикет.",
                        size="2", color_scheme="gray", text_align="center"),
                rx.hstack(
                    rx.button("Сбросить поиск", variant="soft", on_click=FaqState.clear_search),
                    rx.link(rx.button("Создать тикет"), href="/tickets"),
                    spacing="2",
                    wrap="wrap",
                    justify="center",
                ),
                align="center",
                spacing="2",
                padding="16px",
            ),
            id="faq-nothing-found",
            width="100%",
        ),
    )


def faq_page() -> rx.Component:
    return public_shell(
        rx.vstack(
            rx.heading("Часто задаваемые вопросы", size=rx.breakpoints(initial="7", md="8"), color=ACCENT, as_="h1"),
            rx.text("Ответы на самые популярные вопросы о биллинговой системе и панели управления",
                    size="3", color_scheme="gray"),
            spacing="2",
        ),
        search_box(),
        nothing_found(),
        *[faq_section(section) for section in SECTIONS],
        rx.card(
            rx.hstack(
                rx.icon("life-buoy", size=24, color=ACCENT),
                rx.vstack(
                    rx.text("Не нашли ответ?", weight="bold"),
                    rx.text("Напишите в поддержку: создайте тикет в личном кабинете — ответ придёт "
                            "и на email.", size="2", color_scheme="gray"),
                    spacing="1",
                ),
                rx.spacer(),
                rx.link(rx.button("Создать тикет", variant="soft"), href="/tickets"),
                align="center",
                spacing="3",
                wrap="wrap",
                width="100%",
            ),
            width="100%",
        ),
    )
