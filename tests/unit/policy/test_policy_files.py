"""policies/access.yml, backup.yml and patching.yml: the demo loads, mistakes name file:line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kentops.inventory import load_inventory
from kentops.policy import load_policies
from kentops.policy.access import load_access_policy
from kentops.policy.backup import load_backup_policy
from kentops.policy.flowends import PolicyZone
from kentops.policy.patching import load_patching_policy, version_key
from kentops.yamlsource import InvalidInput
from tests.helpers import DEMO, REPO

POLICIES = REPO / "policies"


@pytest.fixture(scope="module")
def loaded():  # type: ignore[no-untyped-def]
    return load_inventory(DEMO)


def _edited(tmp_path: Path, name: str, old: str, new: str, at: int = 0) -> tuple[Path, int]:
    """Copy a policy file with one edit; return it and the line of the edit's line ``at``."""
    target = tmp_path / name
    shutil.copy(POLICIES / name, target)
    text = target.read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1 + at
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target, line


def test_demo_policies_load_and_cross_check(loaded) -> None:  # type: ignore[no-untyped-def]
    policies = load_policies(POLICIES, loaded)
    access = policies.access
    assert set(access.zones) == set(PolicyZone)
    assert access.admin_zone == PolicyZone.MANAGEMENT
    flows = {f.id: f for f in access.flows}
    assert flows["guest-internet"].log is True
    assert set(flows["guest-internet"].services) == {"http", "https", "dns"}
    assert flows["cameras-nvr"].to == "nvr"
    assert [f.from_ for f in access.flows if f.to == "scada"] == ["management"]
    aaa = access.aaa_servers(loaded.inventory.site.services.aaa)
    assert [(s.server, s.protocol) for s in aaa] == [("hq-srv-radius-01", "radius")]
    backup = policies.backup.by_id()
    assert (
        backup["daily"].keep_daily,
        backup["weekly"].keep_weekly,
        backup["monthly"].keep_monthly,
    ) == (7, 4, 12)
    assert backup["log-archive"].retention_days() >= 730
    used = {s.backup_class for s in loaded.inventory.servers if s.backup_class}
    assert used == {"daily", "weekly", "monthly", "database", "log-archive"}


@pytest.mark.parametrize(
    ("old", "new", "message", "at"),
    [
        (
            "shared_secret: vault:network_aaa_shared_secret",
            "shared_secret: Gizli.Parola1",
            "must be a secret reference",
            0,
        ),
        (
            "    services: [sip-tls, rtp, https]",
            "    services: [sip-tls, rtp, htps]",
            "unknown service 'htps'",
            0,
        ),
        (
            "  - id: users-printers\n    from: users\n    to: printers",
            "  - id: users-printers\n    from: users\n    to: management",
            "accepts flows only from itself",
            1,
        ),
        ("  - id: mehmet.kaya", "  - id: root", "shared login name", 0),
        (
            "    to: internet\n    services: [http, https, dns]",
            "    to: wan\n    services: [http, https, dns]",
            "'wan' is the transport",
            0,
        ),
        ("  - id: users-dhcp", "  - id: users-directory", "duplicate flow id", 0),
        ("    min_length: 12", "    min_length: 8", "greater than or equal to 12", 0),
        ("    lockout_threshold: 5", "    lockout_threshold: 0", "greater than or equal to 1", 0),
        (
            "    to: nvr\n    services: [isapi]",
            "    to: nvrr\n    services: [isapi]",
            "neither a zone nor a service kind",
            0,
        ),
    ],
)
def test_access_mistakes_name_the_line(
    tmp_path: Path, old: str, new: str, message: str, at: int
) -> None:
    path, line = _edited(tmp_path, "access.yml", old, new, at)
    with pytest.raises(InvalidInput) as caught:
        load_access_policy(path)
    problem = next(p for p in caught.value.problems if message in p.message)
    assert problem.file == path
    assert problem.line == line
    assert problem.fix


def test_access_cross_checks_the_inventory(tmp_path: Path, loaded) -> None:  # type: ignore[no-untyped-def]
    path, line = _edited(
        tmp_path,
        "access.yml",
        "  protocol: radius\n",
        "  protocol: radius\n  servers:\n    - server: hq-srv-log-01\n      protocol: radius\n",
        at=2,
    )
    with pytest.raises(InvalidInput, match="runs no AAA") as caught:
        load_access_policy(path, loaded)
    assert caught.value.problems[0].line == line
    path, line = _edited(
        tmp_path,
        "access.yml",
        "    unit: yazilim\n    ssh_public_key",
        "    unit: muhasebe\n    ssh_public_key",
    )
    with pytest.raises(InvalidInput, match="unknown unit 'muhasebe'"):
        load_access_policy(path, loaded)


def test_backup_classes_are_checked_against_servers(tmp_path: Path, loaded) -> None:  # type: ignore[no-untyped-def]
    path, _ = _edited(tmp_path, "backup.yml", "  - id: database", "  - id: veritabani")
    with pytest.raises(InvalidInput) as caught:
        load_backup_policy(path, loaded)
    problem = caught.value.problems[0]
    assert problem.subject == "server 'hq-srv-ebys-db-01'"
    assert problem.file.name == "servers.yml"
    assert "unknown backup class 'database'" in problem.message
    path, line = _edited(
        tmp_path, "backup.yml", "    min_retention_days: 730", "    min_retention_days: 3650"
    )
    with pytest.raises(InvalidInput, match="less than the required 3650") as short:
        load_backup_policy(path)
    assert short.value.problems[0].line == line


def test_patching_versions(tmp_path: Path, loaded) -> None:  # type: ignore[no-untyped-def]
    patching = load_patching_policy(POLICIES / "patching.yml")
    verdicts = {a.id: patching.version_allowed(a) for a in loaded.inventory.assets()}
    assert verdicts["hq-sw-core-01"] is True
    assert verdicts["hq-sw-k4-01"] is False  # 17.6.5 is not an allowed 17.9 release
    assert verdicts["terfi-rt-01"] is False  # RouterOS 6
    assert verdicts["garaj-cam-01"] is False  # camera firmware older than V5.7.13
    assert verdicts["hq-cam-05"] is True  # V5.7.13 is the minimum itself
    assert verdicts["hq-ups-01"] is None  # no rule speaks of UPS firmware
    assert version_key("V5.7.15") > version_key("V5.7.13") > version_key("V5.5.0")
    assert version_key("7.15.3") > version_key("6.49.10")
    path, line = _edited(tmp_path, "patching.yml", '    minimum: "7.15.3"', "    minimum: latest")
    with pytest.raises(InvalidInput, match="no version numbers") as caught:
        load_patching_policy(path)
    assert caught.value.problems[0].line == line
