"""FAQ search, the landing tariffs and the dashboard's first-step block, called as the browser
would call them (handlers' functions on a real state tree)."""

from __future__ import annotations

from typing import Any

import pytest

from ispgo_portal.content.faq import ALL_SLUGS, section_slugs
from tests.state.harness import call, make_state


@pytest.fixture
def faq() -> Any:
    from ispgo_portal.state.faq import FaqState

    return make_state(FaqState)


def test_faq_search_for_credit_shows_credit_limit_and_opens_it(faq) -> None:
    call(faq, "search", "кредит")
    assert "credit-limit" in faq.visible_slugs
    assert "create-ticket" not in faq.visible_slugs
    assert "credit-limit" in faq.open_slugs


def test_faq_search_cleared_shows_everything_closed(faq) -> None:
    call(faq, "search", "кредит")
    call(faq, "clear_search")
    assert faq.visible_slugs == list(ALL_SLUGS)
    assert faq.open_slugs == []


@pytest.mark.parametrize("garbage", [None, 1, {}, [], "x" * 10_000])
def test_faq_search_survives_garbage(faq, garbage) -> None:
    call(faq, "search", garbage)
    assert len(faq.query) <= 200


def test_faq_show_answers_keeps_other_sections(faq) -> None:
    call(faq, "show_answers", "balance", ["topup"])
    call(faq, "show_answers", "tickets", ["close-ticket"])
    call(faq, "show_answers", "balance", [])
    assert faq.open_slugs == ["close-ticket"]


@pytest.mark.parametrize("section, opened", [("balance", ["create-ticket"]), ("nope", ["topup"]),
                                             ({}, "topup"), ("balance", {"a": 1}), ("balance", "1")])
def test_faq_show_answers_ignores_foreign_or_garbage(faq, section, opened) -> None:
    call(faq, "show_answers", section, opened)
    assert set(faq.open_slugs) <= set(section_slugs("balance"))
    assert "create-ticket" not in faq.open_slugs


def test_landing_lists_active_tariffs_with_unlimited_label(make_tariff) -> None:
    from ispgo_portal.state.landing import LandingState

    make_tariff(name="Безлимит", price=499_000, max_servers=0, max_sites=0)
    make_tariff(name="Архив", is_active=False)
    state = make_state(LandingState)
    call(state, "load_landing")
    assert [t["name"] for t in state.tariffs] == ["Безлимит"]
    assert state.tariffs[0]["max_servers"] == "без ограничений"
    assert state.tariffs[0]["price"] == "4\u00a0990,00\u00a0₽"
    assert state.tariffs[0]["period"] == "за 30 дней"


def test_first_step_shown_to_new_customer(make_customer, session_token) -> None:
    from ispgo_portal.state.dashboard import DashboardState

    state = make_state(DashboardState, session_token(make_customer()))
    call(state, "load_dashboard")
    assert state.show_first_step is True


def test_first_step_hidden_after_top_up(make_customer, session_token) -> None:
    from ispgo_portal.state.dashboard import DashboardState

    state = make_state(DashboardState, session_token(make_customer(balance=15_050)))
    call(state, "load_dashboard")
    assert state.show_first_step is False


def test_first_step_hidden_for_anonymous() -> None:
    from ispgo_portal.state.dashboard import DashboardState

    state = make_state(DashboardState, "forged-token")
    call(state, "load_dashboard")
    assert state.show_first_step is False
