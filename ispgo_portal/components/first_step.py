"""Dashboard block: what a new customer should do first."""

from __future__ import annotations

import reflex as rx

from ispgo_portal.components.layout import ACCENT
from ispgo_portal.state.dashboard import DashboardState


def first_step_block() -> rx.Component:
    # display: contents — the empty slot adds no gap; data-checked tells tests the check ran.
    return rx.box(first_step_card(), id="first-step-slot", display="contents",
                  custom_attrs={"data-checked": DashboardState.first_step_checked.to_string()})


def first_step_card() -> rx.Component:
    return rx.cond(
        DashboardState.show_first_step,
        rx.card(
            rx.flex(
                rx.center(rx.icon("rocket", size=26, color=ACCENT), min_width="52px", width="52px",
                          height="52px", border_radius="14px", background=rx.color("blue", 3)),
                rx.vstack(
                    rx.heading("Пополните баланс и выберите тариф", size="4", as_="h2"),
                    rx.text("Первый шаг: пополните баланс через YooKassa и купите лицензию на подходящем "
                            "тарифе — ключ для активации панели появится в разделе «Мои лицензии». "
                            "Лицензию можно оплатить и сразу картой, без пополнения.",
                            size="2", color_scheme="gray"),
                    rx.hstack(
                        rx.link(rx.button(rx.icon("wallet", size=16), "Пополнить баланс"), href="/balance",
                                underline="none"),
                        rx.link(rx.button(rx.icon("tags", size=16), "Выбрать тариф", variant="soft"),
                                href="/tariffs", underline="none"),
                        spacing="2",
                        wrap="wrap",
                    ),
                    spacing="2",
                    width="100%",
                ),
                direction=rx.breakpoints(initial="column", sm="row"),
                gap="16px",
                width="100%",
            ),
            id="first-step",
            size="3",
            width="100%",
            style={"border_left": f"4px solid {ACCENT}"},
        ),
    )
