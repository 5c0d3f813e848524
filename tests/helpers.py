"""Paths and small helpers shared by the tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "inventories" / "demo"


def lab_prerequisite(missing: str | None) -> None:
    """Skip a lab test whose prerequisite is missing, except under CI, where it fails."""
    if missing is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"lab prerequisite missing under CI: {missing}")
    pytest.skip(missing)
