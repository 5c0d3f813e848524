"""`make lint` holds: ruff, mypy --strict on the package, yamllint on every YAML file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO

BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "src", "tests", "filter_plugins", "benchmarks", "plugins"],
        ["ruff", "format", "--check", "src", "tests", "filter_plugins", "benchmarks", "plugins"],
        ["mypy"],
        ["yamllint", "-s", "."],
    ],
    ids=["ruff", "ruff-format", "mypy", "yamllint"],
)
def test_lint_is_clean(command: list[str]) -> None:
    out = subprocess.run(
        [str(BIN / command[0]), *command[1:]], cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, (out.stdout + out.stderr)[-4000:]
