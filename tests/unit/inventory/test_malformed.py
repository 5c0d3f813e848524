"""Every malformed inventory fails with the file, the line and a message that says the fix."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from kentops.inventory import load_inventory
from kentops.yamlsource import InvalidInput

HERE = Path(__file__).parent
BASE = HERE / "base"
CASES: list[dict[str, Any]] = yaml.safe_load((HERE / "malformed.yml").read_text(encoding="utf-8"))


def test_base_inventory_is_valid() -> None:
    loaded = load_inventory(BASE)
    assert len(loaded.inventory.assets()) == 10


def test_there_are_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30
    assert len({c["name"] for c in CASES}) == len(CASES)


def _edit(case: dict[str, Any], root: Path) -> str:
    target = root / case["file"]
    text = target.read_text(encoding="utf-8")
    if "replace" in case:
        old, new = case["replace"]
        assert text.count(old) == 1, f"case {case['name']!r}: replace text must occur once"
        text = text.replace(old, new)
    if "append" in case:
        text += case["append"]
    target.write_text(text, encoding="utf-8")
    return text


def _line_of(text: str, marker: str, occurrence: int | None) -> int:
    starts = []
    at = text.find(marker)
    while at != -1:
        starts.append(at)
        at = text.find(marker, at + 1)
    if occurrence is None:
        assert len(starts) == 1, f"marker {marker!r} must occur once, found {len(starts)}"
        occurrence = 1
    return text.count("\n", 0, starts[occurrence - 1]) + 1


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_malformed_inventory_names_file_line_and_fix(case: dict[str, Any], tmp_path: Path) -> None:
    root = tmp_path / "inv"
    shutil.copytree(BASE, root)
    before = {p.name: p.read_bytes() for p in root.iterdir()}
    text = _edit(case, root)
    with pytest.raises(InvalidInput) as caught:
        load_inventory(root)
    problems = caught.value.problems
    rendered = [str(p) for p in problems]
    for expected in case["expect"]:
        line = _line_of(text, expected["at"], expected.get("occurrence"))
        prefix = f"{root / case['file']}:{line}: "
        matches = [r for r in rendered if expected["message"] in r]
        assert matches, f"no problem says {expected['message']!r}; got {rendered}"
        assert any(r.startswith(prefix) or f"{case['file']}:{line}: " in r for r in matches), (
            f"expected at {case['file']}:{line}; got {matches}"
        )
        # every problem says what to do: a fix after the last ': '
        assert all(p.fix for p in problems)
    # nothing was written
    assert {p.name for p in root.iterdir()} == set(before)
