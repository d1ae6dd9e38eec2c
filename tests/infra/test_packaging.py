"""Lambda packaging. Offline: the layer's requirements are the locked versions and the whole closure of what
the handlers import, and a function's asset holds the library and its own folder only. With
VENDORCAST_BUILD_BUNDLES=1 (downloads wheels): the real arm64 bundles are built through CDK, fit Lambda's size
limit with room to spare, and the handlers import from the same layout built for this machine."""

from __future__ import annotations

import ast
import json
import os
import platform
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import Any

import pytest

from stacks.deployment import add_vendorcast_stacks, new_app
from stacks.packaging import (
    LAMBDA_UNZIPPED_LIMIT_BYTES,
    LAMBDAS_DIR,
    REPO_ROOT,
    REQUIREMENTS_FILE,
    copy_function_code,
    install_lambda_dependencies,
)
from vendorcast.config import load_config

FUNCTIONS = ["request_reports", "poll_reports", "process_reports", "catalog_watch", "catalog_item", "purchase_orders",
             "forecast_start"]
# Distributions the Lambda Python runtime provides (boto3 and what it depends on).
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}
# Never in a zip function: too big (pandas, numpy comes with it) or only for the laptop.
FORBIDDEN = {"pandas", "numpy", "moto", "duckdb", "rich", "click", "werkzeug"}
BUILD_BUNDLES = os.environ.get("VENDORCAST_BUILD_BUNDLES") == "1"
# "Well under" Lambda's 250 MB: what a function and its layer may take together, unzipped.
UNZIPPED_BUDGET_BYTES = int(LAMBDA_UNZIPPED_LIMIT_BYTES * 0.8)


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements() -> dict[str, str]:
    pins = {}
    for line in REQUIREMENTS_FILE.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[_normalize(name)] = version
    return pins


def _locked() -> dict[str, dict[str, Any]]:
    lock = tomllib.loads((REPO_ROOT / "uv.lock").read_text(encoding="utf-8"))
    return {_normalize(package["name"]): package for package in lock["package"]}


def test_requirements_pin_the_locked_versions() -> None:
    locked = _locked()
    assert {name: locked[name]["version"] for name in _requirements()} == _requirements()


def test_requirements_are_closed_under_their_dependencies() -> None:
    """--no-deps installs exactly this file: every dependency must be listed or come with the runtime."""
    locked, pins = _locked(), _requirements()
    missing = {
        (name, _normalize(dependency["name"]))
        for name in pins for dependency in locked[name].get("dependencies", [])
        if _normalize(dependency["name"]) not in set(pins) | RUNTIME_PROVIDED
    }
    assert missing == set()
    assert not set(pins) & (FORBIDDEN | {"boto3", "botocore", "s3transfer"})


def _module_file(module: str) -> Path | None:
    base = REPO_ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _third_party_imports(handler: Path) -> set[str]:
    """Top-level third-party modules reachable from a handler through the library's own imports."""
    seen: set[Path] = set()
    found: set[str] = set()
    pending = [handler]
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in ("vendorcast", "lambdas"):
                    # Importing a module runs its packages' __init__ first.
                    parts = module.split(".")
                    for depth in range(1, len(parts) + 1):
                        if (file := _module_file(".".join(parts[:depth]))) is not None:
                            pending.append(file)
                elif top not in sys.stdlib_module_names and top != "__future__":
                    found.add(top)
    return found


@pytest.mark.parametrize("function", FUNCTIONS)
def test_what_a_handler_imports_is_in_the_layer_or_the_runtime(function: str) -> None:
    distributions = packages_distributions()
    needed = {_normalize(dist) for module in _third_party_imports(LAMBDAS_DIR / function / "handler.py")
              for dist in distributions.get(module, [module])}
    assert needed - set(_requirements()) - RUNTIME_PROVIDED == set()
    assert not needed & FORBIDDEN


@pytest.mark.parametrize("function", FUNCTIONS)
def test_function_asset_holds_the_library_and_its_own_folder(tmp_path: Path, function: str) -> None:
    copy_function_code(function, tmp_path)
    assert (tmp_path / "lambdas" / function / "handler.py").is_file()
    assert (tmp_path / "lambdas" / "__init__.py").is_file()
    assert {p.name for p in (tmp_path / "lambdas").iterdir() if p.is_dir()} == {function}
    shipped = {p.name for p in (tmp_path / "vendorcast").iterdir()}
    assert {"ingestion", "spapi", "reports", "vocabulary", "config.py", "resources.py",
            "function_environment.py"} <= shipped
    assert not shipped & {"local", "sandbox", "dashboard", "cli.py", "synthetic_lake.py"}
    assert not list(tmp_path.rglob("__pycache__"))


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


@pytest.fixture(scope="module")
def built_bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The Ingestion and Catalog stacks' real assets, bundled through CDK's local bundling: name -> staged folder."""
    outdir = tmp_path_factory.mktemp("cdk.out.bundled")
    app = new_app(outdir=str(outdir), skip_bundling=False)
    stacks = add_vendorcast_stacks(app, load_config(REPO_ROOT / "vendorcast.example.toml"))
    app.synth()
    bundles = {}
    resources = [resource for stack in (stacks.ingestion, stacks.catalog, stacks.forecasting)
                 for resource in json.loads((outdir / f"{stack.stack_name}.template.json").read_text())[
                     "Resources"].values()]
    for resource in resources:
        if resource["Type"] == "AWS::Lambda::LayerVersion":
            bundles["layer"] = resource["Properties"]["Content"]["S3Key"]
        elif resource["Type"] == "AWS::Lambda::Function" and "Handler" in resource["Properties"]:
            bundles[resource["Properties"]["Handler"].split(".")[1]] = resource["Properties"]["Code"]["S3Key"]
    return {name: outdir / f"asset.{key.removesuffix('.zip')}" for name, key in bundles.items()}


@pytest.mark.skipif(not BUILD_BUNDLES, reason="set VENDORCAST_BUILD_BUNDLES=1 to build the bundles (downloads wheels)")
@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_function_fits_lambda_with_room_to_spare(built_bundles: dict[str, Path], function: str) -> None:
    layer = built_bundles["layer"] / "python"
    assert _size(layer) + _size(built_bundles[function]) < UNZIPPED_BUDGET_BYTES
    installed = {p.name.lower() for p in layer.iterdir()}
    assert not installed & FORBIDDEN
    assert not installed & {"boto3", "botocore"}
    # Built for the Lambda platform, not for this machine.
    assert list((layer / "pyarrow").glob("lib.cpython-312-aarch64-linux-gnu.so"))


@pytest.mark.skipif(not BUILD_BUNDLES, reason="set VENDORCAST_BUILD_BUNDLES=1 to build the bundles (downloads wheels)")
@pytest.mark.skipif(sys.platform != "linux", reason="the wheels are built for Linux")
def test_handlers_import_from_the_bundle_layout(built_bundles: dict[str, Path], tmp_path: Path) -> None:
    """The same requirements, pruning and layout, built for this machine: each handler imports with only the
    layer, its asset and what the Lambda runtime provides on the path."""
    host_layer = tmp_path / "layer" / "python"
    machine = platform.machine()
    install_lambda_dependencies(host_layer, platforms=[f"manylinux2014_{machine}", f"manylinux_2_28_{machine}"],
                                python_version=f"{sys.version_info.major}.{sys.version_info.minor}")
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    site_packages = Path(next(p for p in sys.path if p.endswith("site-packages")))
    for module in ("boto3", "botocore", "s3transfer", "dateutil", "six.py", "urllib3"):
        (runtime / module).symlink_to(site_packages / module)
    for function in FUNCTIONS:
        path = [str(built_bundles[function]), str(host_layer), str(runtime)]
        probe = (f"import sys; sys.path[:0] = {path!r}; import lambdas.{function}.handler; "
                 "assert 'pandas' not in sys.modules")
        env = {"PATH": os.environ["PATH"], "AWS_DEFAULT_REGION": "us-east-1", "VENDORCAST_IDEMPOTENCY_TABLE": "t"}
        result = subprocess.run([sys.executable, "-S", "-c", probe], env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
