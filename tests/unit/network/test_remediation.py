"""Remediation per feature, driven by fixtures: each folder of fixtures/remediation holds a
running and an intended configuration and the expected features and lines (expected.yml;
``<masked:sha256:{VALUE}>`` stands for the placeholder of VALUE)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from kentops.network.mask import placeholder
from kentops.network.remediation import remediate

CASES = sorted((Path(__file__).parent / "fixtures" / "remediation").iterdir())


def _expand(line: str) -> str:
    return re.sub(r"<masked:sha256:\{([^}]*)\}>", lambda m: placeholder(m.group(1)), line)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_remediation(case: Path) -> None:
    expected = yaml.safe_load((case / "expected.yml").read_text(encoding="utf-8"))
    secrets = expected.get("secrets", {})
    result = remediate(
        (case / "running.cfg").read_text(encoding="utf-8"),
        (case / "intended.cfg").read_text(encoding="utf-8"),
        expected["platform"],
        secrets=secrets.get,
    )
    assert sorted(result.features) == sorted(expected["features"])
    assert result.lines() == [_expand(line) for line in expected["remediation"]]
    if "rollback" in expected:
        assert result.rollback_lines() == [_expand(line) for line in expected["rollback"]]
    assert result.unverified == expected.get("unverified", [])
    assert result.not_compared == expected.get("not_compared", [])


def test_the_intended_secret_on_the_device_is_no_drift() -> None:
    intended = "hostname a\nradius server R\n key {{ vault_k }}\nend\n"
    running = "hostname a\nradius server R\n key s3cret\nend\n"
    assert remediate(running, intended, "cisco_ios", secrets={"vault:k": "s3cret"}.get).clean
    assert not remediate(running, intended, "cisco_ios", secrets={"vault:k": "other"}.get).clean
