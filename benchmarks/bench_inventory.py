"""Validate a generated 5,000-device inventory: in process and as the `kentops validate` CLI.

Target: <= 2 s wall on 2 cores.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import generated, timed


def run() -> dict[str, object]:
    from kentops.inventory import load_inventory

    path = generated()
    assets = len(load_inventory(path).inventory.assets())
    library = timed(lambda: load_inventory(path))
    cli = timed(
        lambda: subprocess.run(
            [sys.executable, "-m", "kentops.cli", "validate", str(path), "--json"],
            check=True,
            capture_output=True,
        )
    )
    return {
        "name": "validate 5,000-device inventory",
        "assets": assets,
        "load_inventory": library,
        "cli_wall": cli,
        "target_s": 2.0,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
