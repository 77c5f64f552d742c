"""The FAQ page must answer every question of the FAQ the portal was built from (a copy of
it lives next to this test as faq_seed.txt)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ispgo_portal.content.faq import ALL_ITEMS, ALL_SLUGS, SECTIONS, matching_slugs


@pytest.fixture(autouse=True)
def clean_db() -> None:
    """Content only: no database (this replaces the suite's database fixture)."""


SEED = Path(__file__).with_name("faq_seed.txt")
EXPECTED_SECTIONS = ["Баланс и оплата", "Лицензии и тарифы", "Тикеты", "Аккаунт", "Панель управления"]


def seed_questions() -> list[str]:
    """Every line of the seed that is a question (the headings end with «?»)."""
    return [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip().endswith("?")]


def normalize_quotes(text: str) -> str:
    return text.replace("«", '"').replace("»", '"')


def test_seed_copy_has_the_questions() -> None:
    assert len(seed_questions()) == 19


def test_every_seed_question_is_on_the_faq() -> None:
    questions = {normalize_quotes(entry.question) for entry in ALL_ITEMS}
    missing = [q for q in seed_questions() if normalize_quotes(q) not in questions]
    assert missing == []


def test_faq_has_no_question_twice() -> None:
    questions = [entry.question for entry in ALL_ITEMS]
    assert len(questions) == len(set(questions))
    assert len(ALL_SLUGS) == len(set(ALL_SLUGS))


def test_faq_sections_are_grouped_as_agreed() -> None:
    assert [section.title for section in SECTIONS] == EXPECTED_SECTIONS
    assert all(section.items for section in SECTIONS)


def test_every_answer_links_to_a_page() -> None:
    unlinked = [entry.question for entry in ALL_ITEMS if not entry.links]
    assert unlinked == []


def test_password_answer_mentions_self_service_and_reset() -> None:
    entry = next(e for e in ALL_ITEMS if e.question == "Как изменить пароль?")
    hrefs = [href for _, href in entry.links]
    assert "/password-reset" in hrefs
    assert "/dashboard" in hrefs
    assert "смена пароля" in entry.search_text


def test_search_for_credit_finds_credit_limit_not_tickets() -> None:
    found = matching_slugs("кредит")
    assert "credit-limit" in found
    assert "create-ticket" not in found


def test_search_ignores_case_and_yo() -> None:
    assert matching_slugs("ИСТЁК") == matching_slugs("истек")
    assert "expired" in matching_slugs("истек")


def test_search_needs_every_word() -> None:
    assert matching_slugs("ключ лицензии") != []
    assert matching_slugs("ключ несуществующееслово") == []


def test_empty_search_shows_everything() -> None:
    assert matching_slugs("   ") == list(ALL_SLUGS)
