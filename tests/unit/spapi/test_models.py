"""The vendored Amazon models are what their README says: every file it names is there, and it names every file."""

from __future__ import annotations

import re
from pathlib import Path

import vendorcast.spapi

MODELS = Path(vendorcast.spapi.__file__).parent / "models"


def test_the_readme_names_exactly_the_vendored_files() -> None:
    readme = (MODELS / "README.md").read_text(encoding="utf-8")
    named: set[str] = set()
    for line in re.findall(r"^- (.+(?:\n  .+)*)", readme, flags=re.MULTILINE):
        names = re.findall(r"`([^`]+\.json)`", line)
        folder = str(Path(names[0]).parent) if names else ""
        named |= {name if "/" in name else f"{folder}/{name}" for name in names}
    on_disk = {str(p.relative_to(MODELS)) for p in MODELS.rglob("*.json")}
    assert named == on_disk, f"named but missing: {sorted(named - on_disk)}; vendored but not named: " \
                             f"{sorted(on_disk - named)}"

