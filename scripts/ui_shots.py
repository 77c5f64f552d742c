"""Look at pages as a user would: start the portal on a throwaway SQLite database with demo
data, log in, and save full-page Chromium screenshots.

    python scripts/ui_shots.py --login demo@ispgo.local:demo12345 /dashboard /balance --width 360
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--login", default="", help="email:password")
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--out", default=str(ROOT / "test-output" / "ui"))
    parser.add_argument("--data-dir", default="")
    args = parser.parse_args()

    data_dir = args.data_dir or tempfile.mkdtemp(prefix="ispgo-ui-")
    os.environ["DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    from ispgo_portal.migrations import upgrade_to_head
    from ispgo_portal.services.demo import seed_demo

    upgrade_to_head()
    seed_demo()
    from playwright.sync_api import sync_playwright

    from tests.e2e.portal import PortalServer, launch_chromium

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with PortalServer(env={"DATA_DIR": data_dir}) as server, sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": args.width, "height": 900}, base_url=server.url)
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        if args.login:
            email, password = args.login.split(":", 1)
            page.goto("/login")
            page.fill("#email", email)
            page.fill("#password", password)
            page.click("button[type=submit]")
            page.wait_for_url("**/dashboard**")
        for path in args.paths:
            page.goto(path)
            page.wait_for_timeout(2500)
            name = path.strip("/").replace("/", "_") or "root"
            target = out / f"{name}-{args.width}.png"
            page.screenshot(path=str(target), full_page=True)
            print(target)
        if errors:
            print("console errors:", *errors, sep="\n  ")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
