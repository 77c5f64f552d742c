"""Mutation testing for the money modules: does a wrong line make a test fail?

    .venv/bin/python scripts/mutation.py [billing pricing ...] [--budget 3600] [--list]

For each module it makes small mutants from the syntax tree — a comparison flipped
(`>` ↔ `>=`, `==` ↔ `!=`, `in` ↔ `not in`), one operand of an `and`/`or` deleted or the
operator swapped, `+` ↔ `-`, `not x` → `x`, an integer constant off by one, True ↔ False,
a statement (a call, an assignment) deleted — and runs that module's test files against
each mutant in a FRESH pytest process, in a scratch copy of the project (the checkout is
never touched). A fresh process matters: the tests create their own PostgreSQL database and
engine, and a forked runner sharing the parent's connections reports false kills.

A mutant is killed when the tests fail (or time out), and survives when they pass. The
survivors are listed with their line: each one is a missing test or an equivalent mutant.
Logging calls are not mutated. `--budget` stops starting new mutants after that many
seconds (the rest are reported as not run).
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPY = ("ispgo_portal", "tests", "alembic", "alembic.ini", "pyproject.toml", "rxconfig.py")

# Module → the fast test files that cover it (the browser and worker tests are left out).
# Module name on the command line -> its file under ispgo_portal/services.
MODULE_PATHS = {"billing": "billing/ledger.py", "pricing": "billing/pricing.py", "payments": "billing/payments.py",
                "refunds": "billing/refunds.py", "renewals": "licensing/renewals.py",
                "licenses": "licensing/licenses.py"}
TARGETS: dict[str, list[str]] = {
    "billing": ["tests/services/test_billing.py", "tests/services/test_billing_edges.py",
                "tests/services/test_admin_customers.py", "tests/services/test_licenses.py"],
    "pricing": ["tests/services/test_pricing.py", "tests/services/test_pricing_edges.py",
                "tests/services/test_promo_tie.py", "tests/services/test_licenses.py"],
    "payments": ["tests/payments/test_topup_flow.py", "tests/payments/test_webhook.py",
                 "tests/payments/test_settle_mismatch.py", "tests/payments/test_paid_orders.py",
                 "tests/payments/test_topup_limits.py", "tests/payments/test_order_edges.py",
                 "tests/payments/test_reconciliation.py"],
    "refunds": ["tests/services/test_refunds.py"],
    "renewals": ["tests/services/test_renewals.py"],
    "licenses": ["tests/services/test_licenses.py", "tests/services/test_license_admin_suspension.py",
                 "tests/services/test_promo_tie.py"],
}

SWAP_CMP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
            ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
SWAP_BIN = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv, ast.FloorDiv: ast.Mult}


@dataclass(frozen=True)
class Mutant:
    line: int
    what: str
    start: tuple[int, int]  # (line, col) of the replaced source, 1-based lines
    end: tuple[int, int]
    replacement: str

    def apply(self, source: str) -> str:
        lines = source.splitlines(keepends=True)
        offsets = [0]
        for text in lines:
            offsets.append(offsets[-1] + len(text.encode()))
        raw = source.encode()
        a = offsets[self.start[0] - 1] + self.start[1]
        b = offsets[self.end[0] - 1] + self.end[1]
        return (raw[:a] + self.replacement.encode() + raw[b:]).decode()


def _skipped(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Docstrings, decorators, class bodies (dataclass fields) and, on Python < 3.12, the
    insides of f-strings are not mutated."""
    chain = [node]
    while chain[-1] in parents:
        chain.append(parents[chain[-1]])
    for child, parent in zip(chain, chain[1:], strict=False):
        if isinstance(parent, ast.JoinedStr) and sys.version_info < (3, 12):
            return True  # before 3.12, nodes inside an f-string carry wrong positions
        if isinstance(parent, ast.ClassDef) and child in parent.body:
            return True
        if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) \
                and child in parent.decorator_list:
            return True
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) or (
        isinstance(node, ast.Constant) and isinstance(parents.get(node), ast.Expr))


def _is_logging(node: ast.AST) -> bool:
    call = node.value if isinstance(node, ast.Expr) else None
    return (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name) and call.func.value.id in {"log", "logging"})


def _span(node: ast.AST) -> tuple[tuple[int, int], tuple[int, int]]:
    return (node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)


def _variants(node: ast.AST) -> Iterator[tuple[str, ast.AST | str]]:
    """(description, replacement node or source text) for one node."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in SWAP_CMP:
                new = copy.deepcopy(node)
                new.ops[i] = SWAP_CMP[type(op)]()
                yield f"{type(op).__name__} -> {SWAP_CMP[type(op)].__name__}", new
    elif isinstance(node, ast.BoolOp):
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield f"{type(node.op).__name__} -> {type(other).__name__}", ast.BoolOp(op=other, values=node.values)
        for i in range(len(node.values)):
            rest = node.values[:i] + node.values[i + 1:]
            new = rest[0] if len(rest) == 1 else ast.BoolOp(op=node.op, values=rest)
            yield f"operand {i + 1} of {type(node.op).__name__} deleted", new
    elif isinstance(node, ast.BinOp) and type(node.op) in SWAP_BIN:
        yield (f"{type(node.op).__name__} -> {SWAP_BIN[type(node.op)].__name__}",
               ast.BinOp(left=node.left, op=SWAP_BIN[type(node.op)](), right=node.right))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "not deleted", node.operand
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        yield f"{node.value} -> {not node.value}", ast.Constant(not node.value)
    elif isinstance(node, ast.Constant) and type(node.value) is int:
        yield f"{node.value} -> {node.value + 1}", ast.Constant(node.value + 1)
    elif isinstance(node, ast.AugAssign) and type(node.op) in SWAP_BIN:
        yield (f"{type(node.op).__name__}= -> {SWAP_BIN[type(node.op)].__name__}=",
               ast.AugAssign(target=node.target, op=SWAP_BIN[type(node.op)](), value=node.value))
    if _has_side_effect(node):
        yield "statement deleted", "pass"


def _has_side_effect(node: ast.AST) -> bool:
    """A call or a change of an attribute or item: deleting it is a meaningful mutant (deleting
    the binding of a local name only makes a NameError, which any test kills)."""
    if isinstance(node, ast.Expr):
        return isinstance(node.value, ast.Call) and not _is_logging(node)
    if isinstance(node, ast.AugAssign):
        return True
    if isinstance(node, ast.Assign):
        return all(isinstance(t, ast.Attribute | ast.Subscript) for t in node.targets)
    return False


def mutants_of(path: Path) -> list[Mutant]:
    source = path.read_text()
    tree = ast.parse(source)
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    found: list[Mutant] = []
    for node in ast.walk(tree):
        if not hasattr(node, "lineno") or _skipped(node, parents):
            continue
        for what, replacement in _variants(node):
            text = replacement if isinstance(replacement, str) else ast.unparse(replacement)
            if not isinstance(replacement, str) and not isinstance(node, ast.stmt):
                text = f"({text})"
            start, end = _span(node)
            found.append(Mutant(line=node.lineno, what=what, start=start, end=end, replacement=text))
    return sorted(found, key=lambda m: (m.line, m.start, m.what))


def _scratch_copy() -> Path:
    target = Path(tempfile.mkdtemp(prefix="ispgo-mutation-"))
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, target / name, ignore=shutil.ignore_patterns("__pycache__", ".web"))
        elif src.exists():
            shutil.copy2(src, target / name)
    return target


def _run_tests(workdir: Path, tests: list[str], timeout: float) -> str:
    """'passed', 'failed' or 'timeout' for one fresh pytest process."""
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-x", "-q", "--no-header",
           "-o", "addopts=", *tests]
    try:
        done = subprocess.run(cmd, cwd=workdir, capture_output=True, timeout=timeout,
                              env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    except subprocess.TimeoutExpired:
        return "timeout"
    return "passed" if done.returncode == 0 else "failed"


def run_module(module: str, workdir: Path, deadline: float) -> dict:
    rel = Path("ispgo_portal/services") / MODULE_PATHS[module]
    original = (ROOT / rel).read_text()
    tests = TARGETS[module]
    started = time.monotonic()
    if _run_tests(workdir, tests, timeout=900) != "passed":
        raise SystemExit(f"{module}: the tests fail without any mutant; fix them first")
    baseline = time.monotonic() - started
    result = {"module": module, "killed": 0, "survived": [], "timeout": 0, "not_run": 0, "total": 0}
    mutants = mutants_of(ROOT / rel)
    result["total"] = len(mutants)
    try:
        for mutant in mutants:
            if time.monotonic() > deadline:
                result["not_run"] += 1
                continue
            mutated = mutant.apply(original)
            try:
                compile(mutated, str(rel), "exec")
            except SyntaxError:
                result["total"] -= 1
                continue
            (workdir / rel).write_text(mutated)
            outcome = _run_tests(workdir, tests, timeout=baseline * 3 + 30)
            if outcome == "passed":
                result["survived"].append(mutant)
                print(f"  SURVIVED {module}.py:{mutant.line} {mutant.what}: {mutant.replacement[:80]}",
                      flush=True)
            else:
                result["killed" if outcome == "failed" else "timeout"] += 1
    finally:
        (workdir / rel).write_text(original)
    result["seconds"] = time.monotonic() - started
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", default=["billing", "pricing"],
                        help=f"any of: {' '.join(TARGETS)} (default: billing pricing)")
    parser.add_argument("--budget", type=float, default=3600, help="seconds; then no new mutant starts")
    parser.add_argument("--list", action="store_true", help="only list the mutants")
    args = parser.parse_args()
    unknown = [m for m in args.modules if m not in TARGETS]
    if unknown:
        parser.error(f"unknown modules: {' '.join(unknown)}")
    if args.list:
        for module in args.modules:
            for m in mutants_of(ROOT / "ispgo_portal/services" / MODULE_PATHS[module]):
                print(f"{module}.py:{m.line} {m.what}: {m.replacement[:100]}")
        return 0
    deadline = time.monotonic() + args.budget
    workdir = _scratch_copy()
    results = []
    try:
        for module in args.modules:
            print(f"{module}: {len(mutants_of(ROOT / 'ispgo_portal/services' / f'{module}.py'))} mutants, "
                  f"tests: {' '.join(TARGETS[module])}", flush=True)
            results.append(run_module(module, workdir, deadline))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{'module':<10} {'mutants':>7} {'killed':>7} {'timeout':>7} {'survived':>8} {'not run':>7} "
          f"{'score':>6} {'time':>7}")
    for r in results:
        run = r["killed"] + r["timeout"] + len(r["survived"])
        score = (r["killed"] + r["timeout"]) / run * 100 if run else float("nan")
        print(f"{r['module']:<10} {r['total']:>7} {r['killed']:>7} {r['timeout']:>7} {len(r['survived']):>8} "
              f"{r['not_run']:>7} {score:>5.1f}% {r['seconds']:>6.0f}s")
    return 1 if any(r["survived"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
