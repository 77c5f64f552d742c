"""Numbered pages: the one helper every paged list (admin lists, balance history) uses."""

from __future__ import annotations

import pytest

from ispgo_portal.services.paging import PageSlice, page_slice


@pytest.mark.parametrize(("total", "page", "expected"), [
    (0, 1, PageSlice(page=1, pages=1, offset=0, limit=20)),  # an empty list has one empty page
    (45, 3, PageSlice(page=3, pages=3, offset=40, limit=20)),
    (40, 3, PageSlice(page=2, pages=2, offset=20, limit=20)),  # past the end: the last page
    (45, 0, PageSlice(page=1, pages=3, offset=0, limit=20)),
    (45, -7, PageSlice(page=1, pages=3, offset=0, limit=20)),
])
def test_page_slice_keeps_the_page_within_the_list(total: int, page: int, expected: PageSlice) -> None:
    assert page_slice(total=total, page=page, page_size=20) == expected


@pytest.mark.parametrize("garbage", ["2", None, 2.5, True, [2]])
def test_page_slice_reads_anything_but_a_page_number_as_the_first_page(garbage: object) -> None:
    assert page_slice(total=100, page=garbage, page_size=10).page == 1
