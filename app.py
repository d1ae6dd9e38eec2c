"""CDK entry point: `npx cdk synth|deploy` runs it (see cdk.json), and so can `python app.py` alone.
The config comes from `-c config=PATH`, else vendorcast.toml, else vendorcast.example.toml."""

from __future__ import annotations

import sys

from stacks.deployment import new_app, synthesize
from vendorcast.config import ConfigError


def main() -> int:
    try:
        synthesize(new_app())
    except ConfigError as exc:
        # A config mistake is the vendor's to fix: one line naming the field, not a stack trace.
        print(f"vendorcast: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
