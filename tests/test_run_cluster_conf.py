"""The nginx configuration `make cluster` writes is accepted by nginx, sends the emulator to its
one process and everything of the portal's to the upstream of portal processes."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _runner(monkeypatch, folder: Path):
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location("run_cluster_under_test", ROOT / "scripts" / "run_cluster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "CLUSTER_DIR", folder)
    monkeypatch.setattr(module, "LOGS", folder / "logs")
    (folder / "logs").mkdir(parents=True)
    sys.modules.pop("run_cluster_under_test", None)
    return module


def test_cluster_nginx_conf_is_accepted(tmp_path: Path, monkeypatch) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx is not installed")
    runner = _runner(monkeypatch, tmp_path / "cluster")
    static = tmp_path / "pages"
    static.mkdir()
    conf = runner._write_nginx_conf(28080, [28081, 28082], static, 28083)
    text = conf.read_text()

    result = subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(tmp_path / "cluster")],
                            capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert "server 127.0.0.1:28081" in text and "server 127.0.0.1:28082" in text
    assert "location ^~ /emulator/ {\n            proxy_pass http://127.0.0.1:28083/;" in text
    assert "add_header X-Upstream $upstream_addr always;" in text
    assert "proxy_set_header X-Real-IP $remote_addr;" in text


def test_without_the_emulator_nginx_has_no_emulator_location(tmp_path: Path, monkeypatch) -> None:
    runner = _runner(monkeypatch, tmp_path / "cluster")
    conf = runner._write_nginx_conf(28080, [28081, 28082], tmp_path, None)
    assert "/emulator/" not in conf.read_text()


def test_emulator_url_is_set_only_without_shop_credentials(tmp_path: Path, monkeypatch) -> None:
    runner = _runner(monkeypatch, tmp_path / "cluster")
    monkeypatch.setenv("CLUSTER_PORT", "28080")
    monkeypatch.delenv("YOOKASSA_SHOP_ID", raising=False)
    env = runner._env()
    assert env["YOOKASSA_API_URL"] == "http://127.0.0.1:28080/emulator/v3"
    assert env["ATTACHMENTS_DIR"].startswith(env["DATA_DIR"])
    monkeypatch.setenv("YOOKASSA_SHOP_ID", "123")
    monkeypatch.setenv("YOOKASSA_SECRET_KEY", "live_x")
    monkeypatch.delenv("YOOKASSA_API_URL", raising=False)
    assert "YOOKASSA_API_URL" not in runner._env()
