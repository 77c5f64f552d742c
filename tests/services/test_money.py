"""Amounts typed by people, and money shown to them and sent to YooKassa."""

from __future__ import annotations

import pytest

from ispgo_portal.money import (
    AmountError,
    apply_percent_off,
    format_rub,
    from_api_amount,
    parse_rubles,
    to_api_amount,
)


@pytest.fixture(autouse=True)
def clean_db() -> None:
    """Pure functions: no database (this replaces the suite's database fixture)."""


MAX = 100_000_000  # 1 000 000 ₽


@pytest.mark.parametrize(("text", "kopecks"), [
    ("150,50", 15_050),
    ("150.50", 15_050),
    ("  10,50 ", 1_050),
    ("1", 100),
    ("1,5", 150),
    ("1 000", 100_000),
    ("1\u00a0000,01", 100_001),
    ("1000000", MAX),
])
def test_parse_rubles_accepts(text: str, kopecks: int) -> None:
    assert parse_rubles(text, max_kopecks=MAX) == kopecks


@pytest.mark.parametrize(("text", "message"), [
    ("0", "больше нуля"),
    ("0,00", "больше нуля"),
    ("-5", "числом"),
    ("abc", "числом"),
    ("1e3", "числом"),
    ("1,005", "двух знаков"),
    ("", "Введите сумму"),
    ("   ", "Введите сумму"),
    ("0,99", "Минимальная сумма"),
    ("1000000,01", "Максимальная сумма"),
    ("99999999999999999999999999", "Максимальная сумма"),
    ("1,2,3", "числом"),
    ("NaN", "числом"),
    ("Infinity", "числом"),
    (".", "числом"),
])
def test_parse_rubles_rejects(text: str, message: str) -> None:
    with pytest.raises(AmountError, match=message):
        parse_rubles(text, max_kopecks=MAX)


def test_parse_rubles_survives_non_strings() -> None:
    with pytest.raises(AmountError):
        parse_rubles(None, max_kopecks=MAX)  # type: ignore[arg-type]


@pytest.mark.parametrize(("kopecks", "shown"), [
    (15_050, "150,50\u00a0₽"), (0, "0,00\u00a0₽"), (123_456, "1\u00a0234,56\u00a0₽"),
    (-30_000, "−300,00\u00a0₽"), (5, "0,05\u00a0₽"),
])
def test_format_rub(kopecks: int, shown: str) -> None:
    assert format_rub(kopecks) == shown


@pytest.mark.parametrize(("kopecks", "api"), [(15_050, "150.50"), (100, "1.00"), (7, "0.07")])
def test_api_amounts_round_trip(kopecks: int, api: str) -> None:
    assert to_api_amount(kopecks) == api
    assert from_api_amount(api) == kopecks


def test_api_amount_with_three_decimals_is_refused() -> None:
    with pytest.raises(ValueError):
        from_api_amount("1.005")


@pytest.mark.parametrize(("price", "percent", "expected"), [
    (100_000, 15, 85_000),
    (999, 15, 849),  # 849,15 -> 849
    (1_001, 50, 501),  # 500,5 -> 501: half rounds up
    (333, 33, 223),  # 223,11 -> 223
    (100_000, 0, 100_000),
    (100_000, 100, 0),
])
def test_percent_off_rounds_half_up_to_the_kopeck(price: int, percent: int, expected: int) -> None:
    assert apply_percent_off(price, percent) == expected
