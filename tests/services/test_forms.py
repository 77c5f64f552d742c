"""The one date and date-range parser of forms and filters."""

from __future__ import annotations

from datetime import date

import pytest

from ispgo_portal.services.errors import DomainError
from ispgo_portal.services.forms import DateRange, parse_date_range, parse_day


@pytest.mark.parametrize(("text", "expected"), [("2026-11-26", date(2026, 11, 26)),
                                                ("26.11.2026", date(2026, 11, 26)), ("  ", None)])
def test_parse_day_reads_both_formats(text: str, expected: date | None) -> None:
    assert parse_day(text, field="day") == expected


@pytest.mark.parametrize(("text", "code"), [("вчера", "invalid_date"), ("31.02.2026", "invalid_date"),
                                            ("01.01.0001", "date_out_of_range")])
def test_parse_day_names_the_field_for_bad_input(text: str, code: str) -> None:
    with pytest.raises(DomainError) as bad:
        parse_day(text, field="valid_from", label="Действует с")
    assert (bad.value.code, bad.value.field) == (code, "valid_from")
    assert bad.value.message.startswith("Действует с: ")


def test_date_range_has_open_ends() -> None:
    assert parse_date_range("01.03.2026", "") == DateRange(date(2026, 3, 1), None)


def test_date_range_the_wrong_way_round_is_the_to_fields_error() -> None:
    with pytest.raises(DomainError) as bad:
        parse_date_range("2026-03-05", "2026-03-01")
    assert (bad.value.field, bad.value.message) == ("date_to", "Дата «с» позже даты «по»")


def test_each_end_reports_its_own_field() -> None:
    with pytest.raises(DomainError) as bad:
        parse_date_range("", "x", to_field="to")
    assert (bad.value.field, bad.value.message) == ("to", "Дата в формате ДД.ММ.ГГГГ")
