"""Browser tests on `make cluster`. They sit outside tests/e2e on purpose: the single-process
portal of those tests holds the project's `.web` lock for the rest of the session once it
starts, and the cluster may need `.web` to build its pages, so the cluster goes first (pytest
runs tests/cluster before tests/e2e). The fixture does not hold that lock itself: the cluster
runner takes it while it builds, and a lock held here would make the runner wait forever."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cluster.cluster import ClusterUnderTest, start_cluster, stop_cluster
from tests.e2e.portal import launch_chromium


@pytest.fixture(scope="module")
def cluster() -> Iterator[ClusterUnderTest]:
    running = start_cluster()
    try:
        yield running
    finally:
        stop_cluster(running)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = launch_chromium(pw)
        yield chromium
        chromium.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/cluster/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
