"""Every parser of the kentops NAPALM drivers against the fixture files of its command.

A fixture is ``fixtures/<driver>/<command>[.<variant>].txt``, the output a device printed,
next to ``<same name>.json``, what the parser must make of it. A new output format of a
command is a new pair of files; no test function changes.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
DRIVERS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
CASES = sorted(FIXTURES.glob("*/*.txt"))


def parsers(driver: str) -> dict[str, Any]:
    module = importlib.import_module(f"napalm_{driver}.parsers")
    table: dict[str, Any] = module.PARSERS
    return table


@pytest.mark.parametrize("raw", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_parser_reads_the_fixture(raw: Path) -> None:
    command = raw.name.split(".", 1)[0]
    expected = json.loads(raw.with_suffix(".json").read_text(encoding="utf-8"))
    assert parsers(raw.parent.name)[command](raw.read_text(encoding="utf-8")) == expected


@pytest.mark.parametrize("driver", DRIVERS)
def test_every_parser_has_a_fixture_and_every_fixture_a_parser(driver: str) -> None:
    commands = {p.name.split(".", 1)[0] for p in (FIXTURES / driver).glob("*.txt")}
    assert commands == set(parsers(driver))
    for raw in (FIXTURES / driver).glob("*.txt"):
        assert raw.with_suffix(".json").is_file(), f"{raw.name} has no expected result"
