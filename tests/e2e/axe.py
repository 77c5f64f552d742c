"""axe-core (WCAG 2.0/2.1 A and AA rules) run inside a Playwright page.

axe-core comes from the npm registry (`scripts/test_services.sh` installs it under
test-output/axe); if it is missing the first use installs it the same way.
"""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from tests.e2e.portal import ROOT

AXE_VERSION = "4.14"
AXE_PREFIX = ROOT / "test-output" / "axe"
AXE_JS = AXE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# axe files page structure under "best practice", not under a WCAG tag; the portal holds to it:
# one h1, headings in order, content inside landmarks, one main, a working skip link.
STRUCTURE_RULES = ["page-has-heading-one", "heading-order", "landmark-one-main", "landmark-unique",
                   "landmark-no-duplicate-main", "region", "skip-link", "empty-heading"]


@cache
def axe_source() -> str:
    if not AXE_JS.exists():
        subprocess.run(["npm", "install", "--prefix", str(AXE_PREFIX), "--no-save", "--no-audit",
                        "--no-fund", f"axe-core@{AXE_VERSION}"], check=True, capture_output=True)
    return Path(AXE_JS).read_text(encoding="utf-8")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run the WCAG 2 A/AA rules (and the structure ones) on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    result = page.evaluate(
        """async ([tags, extra]) => {
            const rules = axe.getRules(tags).map(r => r.ruleId).concat(extra);
            const r = await axe.run(document, {runOnly: {type: 'rule', values: rules},
                                               resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
        }""",
        [WCAG_TAGS, STRUCTURE_RULES],
    )
    return result


def describe(violations: list[dict[str, Any]], where: str) -> str:
    """One readable block per rule: id, what it asks, and each offending element."""
    lines = []
    for v in violations:
        lines.append(f"{where}: {v['id']} ({v['impact']}) — {v['help']}")
        for node in v["nodes"][:8]:
            summary = " ".join(node["summary"].split())[:300]
            lines.append(f"    {node['target']}: {summary}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def assert_no_violations(page: Any, where: str) -> None:
    violations = axe_violations(page)
    report = describe(violations, where)
    if violations:
        print(report)
    assert violations == [], "axe (WCAG 2 A/AA) violations:\n" + report + "\nrules: " + json.dumps(
        sorted({v["id"] for v in violations}))
