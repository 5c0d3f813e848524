"""Golden files: reviewed renders of one device of each kind, compared byte for byte.

A template change that alters them fails here with a diff; when the change is intended,
review the new output and rewrite the files with ``KENTOPS_UPDATE_GOLDEN=1 pytest
tests/golden`` (then read the diff in git before committing).
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from tests.unit.render.demo import demo_report

GOLDEN = Path(__file__).parent / "intended"
DEVICES = [
    "hq-sw-core-01",  # cisco_ios core: SVIs, HSRP, zone ACLs
    "hq-sw-k1-01",  # cisco_ios access: ports by what is plugged in
    "kultur-sw-01",  # huawei_vrp access
    "kultur-fw-01",  # FortiGate, spoke
    "nikah-rt-01",  # MikroTik RouterOS
    "hq-wlc-01",  # Cisco C9800 wireless controller (IOS-XE)
    "hq-srv-dhcp-01",  # Kea DHCPv4
    "hq-cam-01",  # Hikvision ISAPI documents
    "spor-cam-02",
    "hq-pbx-01",  # Asterisk + Yealink common file
    "hq-tel-1000",  # Yealink phones
    "kultur-tel-1022",
]
UPDATE = os.environ.get("KENTOPS_UPDATE_GOLDEN") == "1"


def _cases() -> list[tuple[str, str]]:
    return [(a.device_id, a.name) for a in demo_report().artefacts if a.device_id in DEVICES]


@pytest.mark.parametrize(("device", "artefact"), _cases())
def test_rendered_artefact_matches_golden_file(device: str, artefact: str) -> None:
    rendered = demo_report().artefact(device, artefact)
    assert rendered is not None
    golden = GOLDEN / device / artefact
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(rendered.text.encode("utf-8"))
    assert golden.is_file(), (
        f"no golden file {golden}; review the output, then set KENTOPS_UPDATE_GOLDEN=1"
    )
    expected = golden.read_bytes().decode("utf-8")
    if expected != rendered.text:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                rendered.text.splitlines(keepends=True),
                fromfile=f"golden/{device}/{artefact}",
                tofile=f"rendered/{device}/{artefact}",
            )
        )
        pytest.fail(f"{device}/{artefact} differs from its golden file:\n{diff}")


def test_every_golden_file_is_still_rendered() -> None:
    rendered = {f"{d}/{a}" for d, a in _cases()}
    on_disk = {p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file()}
    assert on_disk == rendered
