"""Packaging without Docker. The Lambda functions' third-party packages are pip-installed as the Lambda
platform's wheels into one layer; each function's own asset holds the `vendorcast` library and its folder
under `lambdas/`. The Glue job gets its script from `glue_jobs/` and the `vendorcast` wheel. Layer, function
zips and wheel are built by local bundling steps, which CDK skips when bundling is switched off (offline synth
and tests), staging the source folder instead."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, BundlingOutput, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

REPO_ROOT = Path(__file__).resolve().parent.parent
LAMBDAS_DIR = REPO_ROOT / "lambdas"
LIBRARY_DIR = REPO_ROOT / "vendorcast"
REQUIREMENTS_FILE = LAMBDAS_DIR / "requirements.txt"
PYPROJECT_FILE = REPO_ROOT / "pyproject.toml"
GLUE_JOBS_DIR = REPO_ROOT / "glue_jobs"
# Where `make setup` puts uv when the machine has none on its PATH (see the Makefile).
PROJECT_UV = REPO_ROOT / ".tools" / "bin" / "uv"

LAMBDA_RUNTIME = lambda_.Runtime.PYTHON_3_12
LAMBDA_ARCHITECTURE = lambda_.Architecture.ARM_64
LAMBDA_PYTHON_VERSION = "3.12"
# pyarrow ships manylinux_2_28 wheels only: they need the glibc of Amazon Linux 2023, the Python 3.12 runtime.
LAMBDA_PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")
# Lambda's limit for a function's code and layers together, unzipped.
LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024

# Installed files no function imports: test suites, C++ headers and Cython sources, Arrow Flight (RPC).
PRUNED_DEPENDENCY_PATTERNS = (
    "pyarrow/tests",
    "pyarrow/include",
    "pyarrow/includes",
    "pyarrow/src",
    "pyarrow/*.pxd",
    "pyarrow/*.pyx",
    "pyarrow/_pyarrow_cpp_tests*",
    "pyarrow/_flight*",
    "pyarrow/flight.py",
    "pyarrow/libarrow_flight.so*",
    "pyarrow/libarrow_python_flight.so*",
    "**/__pycache__",
)
# Parts of the library only a laptop runs (emulators, embedded runtime, CLI, local dashboard, the synthetic lake).
LOCAL_ONLY_PATHS = ("local", "sandbox", "dashboard", "cli.py", "synthetic_lake.py")


def install_lambda_dependencies(
    target: Path,
    *,
    requirements: Path = REQUIREMENTS_FILE,
    platforms: Iterable[str] = LAMBDA_PLATFORMS,
    python_version: str = LAMBDA_PYTHON_VERSION,
) -> None:
    """Install the pinned requirements as wheels for `platforms` into `target` (never an sdist, never a build
    on this machine, so the result does not depend on the machine that deploys), then prune them."""
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
        "--no-compile", "--only-binary=:all:", "--implementation", "cp", "--python-version", python_version,
        "--target", str(target), "--requirement", str(requirements),
    ]
    for platform in platforms:
        command += ["--platform", platform]
    subprocess.run(command, check=True)
    prune_dependencies(target)


def prune_dependencies(site_packages: Path) -> None:
    for pattern in PRUNED_DEPENDENCY_PATTERNS:
        for path in sorted(site_packages.glob(pattern), reverse=True):
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()


def function_source_files(function: str) -> list[Path]:
    """What a function's asset holds: the library without its local-only parts, `lambdas/__init__.py` and
    `lambdas/<function>/` (handler `lambdas.<function>.handler.handler`)."""
    library = [path for path in sorted(LIBRARY_DIR.rglob("*"))
               if path.is_file() and "__pycache__" not in path.parts
               and path.relative_to(LIBRARY_DIR).parts[0] not in LOCAL_ONLY_PATHS]
    own = [path for path in sorted((LAMBDAS_DIR / function).rglob("*"))
           if path.is_file() and "__pycache__" not in path.parts]
    return [*library, LAMBDAS_DIR / "__init__.py", *own]


def copy_function_code(function: str, target: Path) -> None:
    for path in function_source_files(function):
        destination = target / path.relative_to(REPO_ROOT)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)


def _fingerprint(files: Iterable[Path], *extra: str) -> str:
    digest = hashlib.sha256()
    for value in extra:
        digest.update(value.encode())
    for path in files:
        digest.update(str(path.relative_to(REPO_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@jsii.implements(ILocalBundling)
class _LocalBundling:
    """Runs a Python build step in place of Docker bundling; a failure stops the synth with pip's message."""

    def __init__(self, build: Callable[[Path], object]) -> None:
        self._build = build

    def try_bundle(self, output_dir: str, *, image: DockerImage) -> bool:
        self._build(Path(output_dir))
        return True


def _bundling(build: Callable[[Path], object], output_type: BundlingOutput = BundlingOutput.AUTO_DISCOVER,
              ) -> BundlingOptions:
    # The image is required by the API but never used, since the local step always bundles.
    return BundlingOptions(image=LAMBDA_RUNTIME.bundling_image, local=_LocalBundling(build), output_type=output_type)


def _bundled_asset(source: Path, fingerprint: str, build: Callable[[Path], None]) -> lambda_.Code:
    # A custom hash keeps CDK from fingerprinting the source folder and lets it reuse a bundle already in
    # cdk.out.
    return lambda_.Code.from_asset(
        str(source),
        asset_hash=fingerprint,
        asset_hash_type=AssetHashType.CUSTOM,
        bundling=_bundling(build),
    )


def function_code(function: str) -> lambda_.Code:
    """The zip of one function (see function_source_files)."""
    return _bundled_asset(LAMBDAS_DIR / function, _fingerprint(function_source_files(function), function),
                          lambda build_dir: copy_function_code(function, build_dir))


class LambdaDependencies(Construct):
    """The layer with the functions' third-party packages (lambdas/requirements.txt), built for arm64."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        fingerprint = _fingerprint([REQUIREMENTS_FILE], LAMBDA_PYTHON_VERSION, *LAMBDA_PLATFORMS,
                                   *PRUNED_DEPENDENCY_PATTERNS)
        code = _bundled_asset(LAMBDAS_DIR, fingerprint,
                              lambda build_dir: install_lambda_dependencies(build_dir / "python"))
        self.layer = lambda_.LayerVersion(
            self, "Layer",
            code=code,
            compatible_runtimes=[LAMBDA_RUNTIME],
            compatible_architectures=[LAMBDA_ARCHITECTURE],
            description="vendorcast: third-party packages of the Python functions (lambdas/requirements.txt)",
        )


def library_source_files() -> list[Path]:
    """What the `vendorcast` wheel is built from: the project file and the whole library."""
    library = [path for path in sorted(LIBRARY_DIR.rglob("*"))
               if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"]
    return [PYPROJECT_FILE, *library]


def _uv() -> str:
    found = shutil.which("uv") or (str(PROJECT_UV) if PROJECT_UV.is_file() else None)
    if found is None:
        raise RuntimeError("uv is needed to build the vendorcast wheel for the Glue job: run `make setup` first")
    return found


def build_library_wheel(target: Path) -> Path:
    """Build the `vendorcast` wheel (pure Python, no dependencies inside) into `target`, named `.zip`.

    The Glue job receives it through `--extra-py-files`, which PySpark puts on the Python path of the driver
    and the executors only for `.zip`, `.egg` and `.jar` files (pyspark's SparkContext.PACKAGE_EXTENSIONS), and
    for which Glue documents a `.zip` with the package at its root. A pure-Python wheel is exactly such a zip,
    so the wheel goes in unchanged, under a `.zip` name; its dist-info keeps the package's version visible."""
    with tempfile.TemporaryDirectory() as build_dir:
        subprocess.run([_uv(), "build", "--wheel", "--quiet", "--out-dir", build_dir, str(REPO_ROOT)], check=True)
        (wheel,) = Path(build_dir).glob("vendorcast-*-py3-none-any.whl")
        target.mkdir(parents=True, exist_ok=True)
        staged = target / f"{wheel.stem}.zip"
        shutil.copyfile(wheel, staged)
    return staged


def library_wheel(scope: Construct, construct_id: str) -> s3_assets.Asset:
    """The `vendorcast` wheel as an S3 asset (see build_library_wheel). Without bundling it stages the library
    folder instead: a placeholder that keeps synth offline and fast and is never deployed."""
    return s3_assets.Asset(
        scope, construct_id,
        path=str(LIBRARY_DIR),
        asset_hash=_fingerprint(library_source_files(), "wheel"),
        asset_hash_type=AssetHashType.CUSTOM,
        bundling=_bundling(build_library_wheel, BundlingOutput.ARCHIVED),
    )


def glue_job_script(scope: Construct, construct_id: str, job: str) -> s3_assets.Asset:
    """The entry script `glue_jobs/<job>.py` as an S3 asset, uploaded as it is."""
    return s3_assets.Asset(scope, construct_id, path=str(GLUE_JOBS_DIR / f"{job}.py"))
