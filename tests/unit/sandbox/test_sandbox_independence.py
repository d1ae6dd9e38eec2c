"""The emulator judges the pipeline, so it must not run the pipeline's code: a rule both sides import would let a
wrong rule pass every test. These tests read the imports of every emulator module, and the check on itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import vendorcast.sandbox

SANDBOX = Path(vendorcast.sandbox.__file__).parent
# What the emulator may import of vendorcast: itself, and the clock (a neutral time source, shared so that both
# sides see the same simulated time; it holds no rule of Amazon's or of the pipeline's).
ALLOWED_MODULES = ("vendorcast.sandbox", "vendorcast.clock")
# Amazon's spelled values as names, nothing more: which of them a request may use is decided by the emulator's
# own rules, read from Amazon's schemas. The catalogue's rules (option validation, spans, lags, look-back, schema
# paths) stay out.
ALLOWED_NAMES = {
    "vendorcast.vocabulary.report_catalogue": {"ReportType", "ReportPeriod", "DistributorView", "SellingProgram"},
}


def pipeline_imports(source: str, package: str = "vendorcast.sandbox") -> list[str]:
    """Every import of vendorcast code outside what the emulator may use, as "module" or "module.name"."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: resolved against the emulator's package
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{module}" if module else base
            modules = [(module, alias.name) for alias in node.names]
        else:
            continue
        for module, name in modules:
            if module != "vendorcast" and not module.startswith("vendorcast."):
                continue
            if any(module == allowed or module.startswith(f"{allowed}.") for allowed in ALLOWED_MODULES):
                continue
            if name is not None and name in ALLOWED_NAMES.get(module, ()):
                continue
            found.append(f"{module}.{name}" if name else module)
    return found


@pytest.mark.parametrize("path", sorted(SANDBOX.glob("*.py")), ids=lambda p: p.name)
def test_the_emulator_imports_nothing_of_the_pipeline(path: Path) -> None:
    found = pipeline_imports(path.read_text(encoding="utf-8"))
    assert not found, (f"vendorcast/sandbox/{path.name} imports the pipeline's {', '.join(found)}; the emulator must "
                       "encode Amazon's rules itself (from ../shared/reference/spapi.md and Amazon's models)")


@pytest.mark.parametrize("source", [
    "from vendorcast.reports.windows import period_is_published",
    "import vendorcast.ingestion.requester",
    "from vendorcast.spapi.client import SpApiSession",
    "from vendorcast.vocabulary.report_catalogue import report_spec",
    "from vendorcast.reports.periods import period_start",
    "from vendorcast import config",
    "from ..reports.windows import plan_report_windows",
])
def test_the_check_catches_a_pipeline_import(source: str) -> None:
    assert pipeline_imports(source)


def test_the_check_lets_the_emulator_and_the_clock_through() -> None:
    source = ("from vendorcast.clock import Clock\nfrom vendorcast.sandbox.wire import ApiError\n"
              "from .faults import Fault\nfrom vendorcast.vocabulary.report_catalogue import ReportType\nimport numpy")
    assert pipeline_imports(source) == []
