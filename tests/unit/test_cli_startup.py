"""`vendorcast --help` and every `vendorcast CMD --help` start without the heavy libraries: a command imports what it
runs only when it runs (the pattern at the top of vendorcast/cli.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest

from vendorcast.cli import cli

HEAVY = ("pandas", "pyarrow", "duckdb", "lightgbm", "statsforecast", "boto3", "botocore", "pydantic", "sp_api")

# Runs `vendorcast ARGS --help` as the console script does and prints the heavy modules it imported.
PROBE = """
import json, sys
from vendorcast.cli import main
path, heavy_names = json.loads(sys.argv[1]), set(json.loads(sys.argv[2]))
sys.argv = ["vendorcast", *path, "--help"]
try:
    main()
except SystemExit as exit:
    assert not exit.code, f"--help exited with {exit.code}"
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules} & heavy_names)))
"""


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            paths += command_paths(command, (*prefix, name))
        else:
            paths.append((*prefix, name))
    return paths


def test_every_command_is_probed() -> None:
    paths = command_paths(cli)
    assert () in paths and ("demo",) in paths and ("forecast", "start") in paths and ("status",) in paths


@pytest.mark.parametrize("path", command_paths(cli), ids=lambda path: " ".join(path) or "vendorcast")
def test_help_imports_no_heavy_library(path: tuple[str, ...]) -> None:
    result = subprocess.run([sys.executable, "-c", PROBE, json.dumps(list(path)), json.dumps(HEAVY)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "Usage: vendorcast" in result.stdout
    imported = json.loads(result.stdout.strip().splitlines()[-1])
    assert imported == [], f"`vendorcast {' '.join(path)} --help` imported {imported}"
