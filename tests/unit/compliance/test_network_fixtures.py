"""Network judges read real device configurations: one fixture file per configuration.

Each file in fixtures/network/ holds a configuration of one dialect as a device shows it
(``show running-config``, ``display current-configuration``, ``show full-configuration``,
``/export verbose``), written apart from kentops' templates: other interface names, other
ordering, defaults shown, features the templates never write. Beside the text it names the
demo device it stands for, the kind of that device, and what every control must conclude
(``pass`` for all, or a mapping control -> pass|fail|not_applicable, with an optional
substring the deciding findings must name), and optionally what the parser must find
(``parse``: a path of line prefixes, ``*`` for any line, to the texts expected there, in
order).

The configuration is handed to the audit the way the backup collector hands it: a
``running_config`` item about the device, read this run; the engine's evidence rule then
decides. Adding a dialect or a tricky configuration means adding a file, not a test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kentops.compliance.catalog import Catalogs
from kentops.compliance.checks import subject_kinds
from kentops.compliance.configparse import Line, parse_config
from kentops.compliance.engine import judge_subject
from kentops.compliance.model import Outcome, combine
from kentops.network.mask import mask_config
from kentops.network.remediation import resolve_references
from tests.helpers import REPO
from tests.unit.compliance.conftest import ContextFactory, rendered_item, running_item

FIXTURES = Path(__file__).parent / "fixtures" / "network"
KIND = {"cisco_ios": "ios", "huawei_vrp": "vrp", "fortios": "fortios", "routeros": "routeros"}
ALL = (
    "NET-SSH-01",
    "NET-HTTP-01",
    "NET-AAA-01",
    "NET-NTP-01",
    "NET-LOG-01",
    "NET-SNMP-01",
    "NET-MGMT-01",
    "NET-BANNER-01",
    "NET-USERS-01",
    "SEC-ENC-01",
)
#: Controls judged on the configuration beyond ALL, by the kind of device.
BY_KIND: dict[str, tuple[str, ...]] = {
    "switch": ("NET-DHCPSNOOP-01", "NET-PORTSEC-01"),
    "wireless_controller": ("SEC-WIFI-01",),
    "router": (),
    "firewall": (),
}
#: An intended configuration of the demo, rendered by kentops (the golden file).
INTENDED = REPO / "tests" / "golden" / "intended" / "hq-sw-k1-01" / "intended.cfg"


def _specs() -> list[tuple[str, dict[str, Any]]]:
    return [
        (file.stem, yaml.safe_load(file.read_text(encoding="utf-8")))
        for file in sorted(FIXTURES.glob("*.yml"))
    ]


def _expectations(spec: dict[str, Any]) -> dict[str, str]:
    expect = spec["expect"]
    if expect == "pass":
        return dict.fromkeys((*ALL, *BY_KIND[spec["kind"]]), "pass")
    return dict(expect)


def _cases() -> list[Any]:
    return [
        pytest.param(name, spec, control, outcome, id=f"{name}-{control}")
        for name, spec in _specs()
        for control, outcome in _expectations(spec).items()
    ]


@pytest.mark.parametrize(("name", "spec", "control", "outcome"), _cases())
def test_judge_reads_running_configuration(
    name: str,
    spec: dict[str, Any],
    control: str,
    outcome: str,
    make_ctx: ContextFactory,
    catalogs: Catalogs,
) -> None:
    ctx = make_ctx([running_item(spec["device"], spec["config"])])
    device = ctx.inventory.asset(spec["device"])
    assert subject_kinds(device) == {spec["kind"]}, f"{name}: {spec['device']} is a {device.kind}"
    decision = judge_subject(catalogs.controls[control], ctx, device)
    findings = decision.findings
    texts = " | ".join(f"{f.outcome}: {f.en}" for f in findings)
    assert decision.outcome is Outcome(outcome), f"{name} {control}: {texts}"
    why = (spec.get("why") or {}).get(control)
    if why is not None:
        assert why in texts, f"{name} {control}: {texts}"
    # the verdict on the configuration cites the configuration read
    ref = f"running_config/{spec['device']}.cfg"
    judged = [f for f in findings if f.outcome is Outcome(outcome) and ref in f.evidence]
    assert judged, f"{name} {control}: {texts}"
    assert not decision.design


@pytest.mark.parametrize(("name", "spec", "control", "outcome"), _cases())
def test_intended_configuration_alone_never_decides(
    name: str,
    spec: dict[str, Any],
    control: str,
    outcome: str,
    make_ctx: ContextFactory,
    catalogs: Catalogs,
) -> None:
    """The same configuration as kentops' own rendered output, with no running configuration
    read: the device is not assessed; the verdict is kept as a result about the design."""
    rendered = rendered_item(spec["device"], spec["config"], KIND[spec["platform"]])
    ctx = make_ctx([rendered], collected={"rendered_config", "running_config"})
    device = ctx.inventory.asset(spec["device"])
    decision = judge_subject(catalogs.controls[control], ctx, device)
    assert decision.outcome is Outcome.NOT_ASSESSED, " | ".join(f.en for f in decision.findings)
    design = decision.design
    assert combine(design) is Outcome(outcome)
    ref = f"rendered_config/{spec['device']}/intended.cfg"
    assert all(f.evidence == (ref,) for f in design)


def _resolve(lines: list[Line], path: list[str]) -> list[str]:
    level = lines
    for i, prefix in enumerate(path):
        level = [
            line
            for line in level
            if prefix == "*" or line.text == prefix or line.text.startswith(prefix + " ")
        ]
        if i < len(path) - 1:
            level = [c for line in level for c in line.children]
    return [line.text for line in level]


def _parse_cases() -> list[Any]:
    return [
        pytest.param(spec, path, want, id=f"{name}-{path}")
        for name, spec in _specs()
        for path, want in (spec.get("parse") or {}).items()
    ]


@pytest.mark.parametrize(("spec", "path", "want"), _parse_cases())
def test_parser_reads_the_structure(spec: dict[str, Any], path: str, want: list[str]) -> None:
    config = parse_config(spec["config"], spec["platform"])
    assert _resolve(config.lines, [p.strip() for p in path.split(">")]) == want


def test_every_platform_has_an_independent_good_and_bad_configuration() -> None:
    seen: dict[tuple[str, str], set[str]] = {}
    for _name, spec in _specs():
        verdicts = set(_expectations(spec).values())
        sort = {"good"} if verdicts == {"pass"} else ({"bad"} if "fail" in verdicts else set())
        seen.setdefault((spec["platform"], spec["kind"]), set()).update(sort)
        # no fixture is kentops' own output
        assert "rendered by kentops" not in spec["config"], _name
    for key in [
        ("cisco_ios", "switch"),
        ("cisco_ios", "wireless_controller"),
        ("huawei_vrp", "switch"),
        ("fortios", "firewall"),
        ("routeros", "router"),
    ]:
        assert seen.get(key) == {"good", "bad"}, key


def test_rendered_configuration_does_not_hide_the_running_one(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    """A compliant intended configuration beside a running one that is not: the device fails."""
    bad = yaml.safe_load((FIXTURES / "cisco-c9200-running-drift.yml").read_text("utf-8"))
    intended = INTENDED.read_text("utf-8")
    ctx = make_ctx(
        [rendered_item("hq-sw-k1-01", intended), running_item("hq-sw-k1-01", bad["config"])]
    )
    device = ctx.inventory.asset("hq-sw-k1-01")
    findings = catalogs.controls.checks["NET-SSH-01"](ctx, device)
    by_ref = {f.evidence[0]: f.outcome for f in findings if f.evidence}
    assert by_ref == {
        "rendered_config/hq-sw-k1-01/intended.cfg": Outcome.PASS,
        "running_config/hq-sw-k1-01.cfg": Outcome.FAIL,
    }
    assert judge_subject(catalogs.controls["NET-SSH-01"], ctx, device).outcome is Outcome.FAIL


def test_without_configurations_nothing_passes(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    ctx = make_ctx(collected=[])
    for device_id, kind in (("hq-sw-k1-01", "switch"), ("hq-wlc-01", "wireless_controller")):
        device = ctx.inventory.asset(device_id)
        for control in (*ALL, *BY_KIND[kind]):
            findings = catalogs.controls.checks[control](ctx, device)
            assert combine(findings) is Outcome.NOT_ASSESSED, (device_id, control)


def _as_backed_up(text: str) -> str:
    """A rendered configuration as a device would run it (secret references replaced by
    values) and as the backup keeps it (those values masked)."""
    clear, _missing = resolve_references(text, lambda ref: f"lab-value-of-{ref}")
    return mask_config(clear, "cisco_ios")


def test_drift_lists_remediation(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    intended = INTENDED.read_text("utf-8")
    rendered = rendered_item("hq-sw-k1-01", intended)
    changed = intended.replace("ntp server 10.10.60.12\n", "ntp server 10.99.0.1\n")
    # a running configuration as the backup keeps it: secrets masked
    ctx = make_ctx([rendered, running_item("hq-sw-k1-01", _as_backed_up(changed))])
    device = ctx.inventory.asset("hq-sw-k1-01")
    drift = catalogs.controls.checks["NET-DRIFT-01"](ctx, device)
    assert combine(drift) is Outcome.FAIL
    assert "no ntp server 10.99.0.1" in drift[0].en
    assert "ntp server 10.10.60.12" in drift[0].en
    ctx = make_ctx([rendered, running_item("hq-sw-k1-01", _as_backed_up(intended))])
    same = catalogs.controls.checks["NET-DRIFT-01"](ctx, device)
    assert combine(same) is Outcome.PASS, [f.en for f in same]
    assert "not compared" in same[0].en  # the secrets' values are not known here
