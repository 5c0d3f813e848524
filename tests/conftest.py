"""Session fixtures shared by the whole suite."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import DEMO


@pytest.fixture(scope="session")
def demo_loaded() -> Any:
    from kentops.inventory import load_inventory

    return load_inventory(DEMO)
