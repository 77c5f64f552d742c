"""Several portal processes must see the same ticket screenshots: ATTACHMENTS_DIR names the
shared folder; without it they stay beside the database in DATA_DIR."""

from __future__ import annotations

from pathlib import Path

from ispgo_portal.services.support.attachments import attachments_dir
from ispgo_portal.settings import get_settings


def test_attachments_follow_attachments_dir(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ATTACHMENTS_DIR", str(tmp_path / "shared"))
    get_settings.cache_clear()
    try:
        assert attachments_dir() == tmp_path / "shared"
    finally:
        monkeypatch.delenv("ATTACHMENTS_DIR")
        get_settings.cache_clear()


def test_attachments_default_to_the_data_dir() -> None:
    assert attachments_dir() == get_settings().data_dir / "attachments"
