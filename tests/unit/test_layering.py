"""The library's rooms (the modules and packages right under vendorcast/) stand on floors, and an import only points
down: shared vocabulary at the ground, then config, the SP-API and lake access, the pipeline's parts, and the
runtimes on top. These tests read every import of vendorcast/ (including those inside functions) and fail on one that
points up or sideways, and on one that reaches out of the library into the deployment's code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import vendorcast

LIBRARY = Path(vendorcast.__file__).parent

# From the ground up. A room imports only rooms on lower floors; rooms on one floor know nothing of each other.
FLOORS: tuple[frozenset[str], ...] = tuple(frozenset(floor) for floor in (
    {"resources", "vocabulary"},  # names shared by everything: environment keys, catalog fields, report catalogue
    {"clock", "redaction", "dead_letters"},
    {"config"},
    # the sandbox also imports no pipeline code at all (test_sandbox_independence); planning's core (decisions,
    # sell-in, vendor inputs, plan assembly) reads nothing and never sees the emulator it is judged on: the lake's
    # reader of its inputs (vendorcast.lake.planning_inputs) stands above it
    {"reports", "sandbox", "planning"},
    {"spapi", "lake"},
    {"alerts"},  # what an alert says and the one way to publish it: the workflow's run e-mail uses it
    {"function_environment", "forecasting", "synthetic_lake"},
    {"ingestion"},
    {"catalog", "orders"},
    {"operations", "dashboard", "supply_sim"},
    {"local"},
    {"cli"},
))
FLOOR_OF = {room: level for level, floor in enumerate(FLOORS) for room in floor}
# The deployment's code calls into the library, never the reverse (and the library never needs the CDK).
OUTSIDE = ("lambdas", "glue_jobs", "stacks", "aws_cdk", "app")


def room_of(module: str) -> str:
    """vendorcast.catalog.watch -> catalog; vendorcast.config -> config."""
    return module.split(".")[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(LIBRARY.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool) -> list[str]:
    """Every module an import statement names, relative imports resolved against `module`."""
    package = module if is_package else module.rsplit(".", 1)[0]
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # `from vendorcast import config` names the room in the alias.
            found += [f"{base}.{alias.name}" for alias in node.names] if base == "vendorcast" else [base]
    return found


def wrong_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    """The imports of `module` that point up, sideways or out of the library, each with why."""
    room = room_of(module)
    wrong: list[str] = []
    for target in imported_modules(source, module, is_package):
        top = target.split(".")[0]
        if top in OUTSIDE:
            wrong.append(f"{target} (the deployment's code calls the library, never the reverse)")
        elif top == "vendorcast" and target.count("."):
            other = room_of(target)
            if other == room:
                continue
            if other not in FLOOR_OF:
                wrong.append(f"{target} (vendorcast/{other} stands on no floor: add it to FLOORS)")
            elif FLOOR_OF[other] >= FLOOR_OF[room]:
                way = "sideways" if FLOOR_OF[other] == FLOOR_OF[room] else "up"
                wrong.append(f"{target} ({way}: {other} is on floor {FLOOR_OF[other]}, {room} on {FLOOR_OF[room]})")
    return wrong


LIBRARY_FILES = sorted(LIBRARY.rglob("*.py"))


def test_every_room_of_the_library_stands_on_a_floor() -> None:
    rooms = {path.stem if path.parent == LIBRARY else path.relative_to(LIBRARY).parts[0]
             for path in LIBRARY_FILES if path != LIBRARY / "__init__.py"}
    assert rooms - set(FLOOR_OF) == set(), "add the new room of vendorcast/ to FLOORS, above what it imports"
    assert set(FLOOR_OF) - rooms == set(), "a room in FLOORS is gone from vendorcast/: remove it"


@pytest.mark.parametrize("path", [p for p in LIBRARY_FILES if p != LIBRARY / "__init__.py"],
                         ids=lambda p: p.relative_to(LIBRARY).as_posix())
def test_imports_point_down(path: Path) -> None:
    wrong = wrong_imports(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")
    assert not wrong, f"vendorcast/{path.relative_to(LIBRARY).as_posix()} imports " + "; ".join(wrong)


@pytest.mark.parametrize(("source", "module"), [
    ("from vendorcast.catalog.watch import run_watch", "vendorcast.config"),  # up
    ("from vendorcast.orders.store import PurchaseOrderStore", "vendorcast.catalog.worker"),  # sideways
    ("import vendorcast.ingestion.ledger", "vendorcast.alerts.digest"),
    ("from vendorcast import config", "vendorcast.vocabulary.catalog_fields"),
    ("from ..catalog import store", "vendorcast.alerts.render"),
    ("from lambdas.process_reports.handler import handler", "vendorcast.ingestion.processor"),
    ("import aws_cdk", "vendorcast.config"),
    ("from vendorcast.somewhere_new import thing", "vendorcast.cli"),
    ("from vendorcast.sandbox.simulator import VendorSimulator", "vendorcast.planning.sell_in"),  # sideways
    ("from vendorcast.local.aws import LocalAws", "vendorcast.planning.plan"),  # up
    ("from vendorcast.lake.storage import LakeStorage", "vendorcast.planning.plan"),  # the core reads nothing
])
def test_the_check_catches_an_import_that_does_not_point_down(source: str, module: str) -> None:
    assert wrong_imports(source, module)


def test_the_check_lets_downward_and_inner_imports_through() -> None:
    source = ("from vendorcast.config import VendorcastConfig\nfrom vendorcast.catalog.store import CatalogStore\n"
              "from .snapshot import CatalogSnapshot\nfrom vendorcast import resources as r\nimport boto3\n")
    assert wrong_imports(source, "vendorcast.catalog.watch") == []


# The CDK app reads the deployment config, the shared names and what the dashboards show (one definition for the
# local dashboard and QuickSight, free of heavy imports); nothing else of the library, so that synthesizing needs no
# pipeline code.
STACK_READS = ("vendorcast.config", "vendorcast.resources", "vendorcast.dashboard.contents")
DEPLOYMENT = Path(vendorcast.__file__).parent.parent
STACK_FILES = sorted([*(DEPLOYMENT / "stacks").rglob("*.py"), DEPLOYMENT / "app.py"])


def stack_reaches(source: str) -> list[str]:
    """The library modules a file of the CDK app imports beyond what it may read."""
    named = imported_modules(source, "stacks.module", is_package=False)
    return [name for name in named if name.split(".")[0] == "vendorcast"
            and not any(name == allowed or name.startswith(f"{allowed}.") for allowed in STACK_READS)]


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.relative_to(DEPLOYMENT).as_posix())
def test_the_cdk_app_reads_only_config_names_and_dashboard_contents(path: Path) -> None:
    assert stack_reaches(path.read_text(encoding="utf-8")) == [], f"{path.name} reaches into the pipeline's code"


def test_the_cdk_app_check_catches_a_pipeline_import() -> None:
    assert stack_reaches("from vendorcast.forecasting.models import MODELS\nfrom vendorcast.config import X\n") == [
        "vendorcast.forecasting.models"]
