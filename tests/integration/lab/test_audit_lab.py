"""`kentops audit --lab` on the demo lab: the deliberately broken devices are never green.

The lab starts every device from its intended configuration plus the drift of
``src/kentops/lab/drift.yml``. Whatever collectors exist, none of those devices may be
reported compliant for the control its drift breaks; where the control was judged (on
evidence read from the device), the device is non-compliant.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from kentops.lab.orchestrate import DRIFT_FILE
from tests.integration.lab.conftest import lab_audit_results

pytestmark = [pytest.mark.lab, pytest.mark.xdist_group("lab")]

#: The control each kind of lab drift breaks.
BREAKS = {
    "telnet": "NET-SSH-01",
    "missing_syslog": "NET-LOG-01",
    "old_firmware": "NET-FW-01",
    "local_user": "NET-USERS-01",
    "default_password": "CAM-CRED-01",
    "upnp": "CAM-SVC-01",
    "no_ntp": "CAM-NTP-01",
    # directory drift: judged on the lab's DCs in test_directory_lab.py
    "stale_account": "DIR-STALE-01",
    "privileged_member": "DIR-PRIV-01",
    "leaver_enabled": "DIR-LEAVER-01",
    "weak_password_policy": "DIR-PWD-01",
}


def _spec() -> dict[str, list[dict[str, Any]]]:
    spec: dict[str, list[dict[str, Any]]] = yaml.safe_load(DRIFT_FILE.read_text(encoding="utf-8"))
    return spec


def _drifted() -> list[tuple[str, str]]:
    spec = _spec()
    out = [(e["device"], BREAKS[e["kind"]]) for e in spec.get("network", [])]
    out += [(e["camera"], BREAKS[e["kind"]]) for e in spec.get("cameras", [])]
    return out


@pytest.fixture(scope="module")
def lab_audit(demo_lab: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("lab-audit")
    return lab_audit_results(demo_lab["env"], out)


def test_every_drift_kind_names_the_control_it_breaks() -> None:
    kinds = {e["kind"] for part in _spec().values() for e in part}
    assert kinds
    assert kinds <= set(BREAKS)


@pytest.mark.parametrize(("device", "control"), _drifted())
def test_a_drifted_device_is_never_reported_compliant(
    lab_audit: Any, device: str, control: str
) -> None:
    result = next(c for c in lab_audit["controls"] if c["id"] == control)
    row = next(r for r in result["results"] if r["subject"] == device)
    assert row["status"] not in {"uyumlu", "kapsam dışı"}, row
    if row["status"] != "değerlendirilmedi":
        # judged on evidence read from the device: then it shows the drift
        assert row["status"] == "uyumsuz", row
