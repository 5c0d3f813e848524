"""The policy check reads the rendered rules back; broken rules must be caught."""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kentops.policycheck import PolicyCheckResult, check_policy
from kentops.policycheck.parsers import parse_fortios, parse_ios, parse_routeros, parse_vrp
from kentops.render import RenderReport, render_site
from tests.helpers import DEMO
from tests.unit.render.demo import cli_app, demo_inputs, demo_report, repo_copy


@cache
def demo_check() -> PolicyCheckResult:
    loaded, policies = demo_inputs()
    return check_policy(loaded, demo_report(), policies.access)


def _mutated(device: str, edit: str, new: str, count: int = 1) -> RenderReport:
    report = demo_report()
    artefacts = []
    for artefact in report.artefacts:
        if artefact.device_id == device and artefact.kind in ("ios", "fortios", "routeros"):
            assert edit in artefact.text, edit
            artefacts.append(
                dataclasses.replace(artefact, text=artefact.text.replace(edit, new, count))
            )
        else:
            artefacts.append(artefact)
    return dataclasses.replace(report, artefacts=artefacts)


def _check(report: RenderReport, device: str) -> PolicyCheckResult:
    loaded, policies = demo_inputs()
    return check_policy(loaded, report, policies.access, devices=[device])


def test_demo_rules_implement_the_policy_exactly() -> None:
    result = demo_check()
    assert result.ok, [str(v) for v in result.violations[:5]]
    assert set(result.devices) == {
        "hq-sw-core-01",
        "hq-sw-core-02",
        "hq-fw-01",
        "hq-fw-02",
        "kultur-fw-01",
        "spor-fw-01",
        "kutuphane-rt-01",
        "nikah-rt-01",
        "garaj-rt-01",
        "terfi-rt-01",
    }
    assert result.packets > 100_000
    cell = result.matrix
    assert cell[("guest", "internet")].permitted == ["dns", "http", "https"]
    assert cell[("guest", "servers")].permitted == ["dhcp"]  # lease renewals only
    assert cell[("cameras", "users")].permitted == []
    assert cell[("cameras", "internet")].permitted == []
    assert cell[("cameras", "servers")].permitted == ["ntp"]
    assert cell[("management", "scada")].permitted == ["dnp3", "modbus"]
    for zone in (
        "users",
        "voice",
        "cameras",
        "guest",
        "servers",
        "dmz",
        "public",
        "printers",
        "internet",
    ):
        assert cell[(zone, "scada")].permitted == [], zone
        assert cell[(zone, "management")].permitted == [], zone
    assert cell[("scada", "internet")].permitted == []
    assert cell[("internet", "dmz")].expected == ["http", "https", "mail-client", "smtp"]


def test_core_acl_that_permits_cameras_to_users_is_caught() -> None:
    broken = _mutated(
        "hq-sw-core-01",
        "ip access-list extended KENTOPS-KAMERA-IN\n",
        "ip access-list extended KENTOPS-KAMERA-IN\n"
        " permit ip 10.10.40.0 0.0.0.255 10.10.20.0 0.0.0.255\n",
    )
    result = _check(broken, "hq-sw-core-01")
    assert not result.ok
    wrong = [v for v in result.violations if (v.src_zone, v.dst_zone) == ("cameras", "users")]
    assert wrong and all(v.expected == "deny" and v.actual == "permit" for v in wrong)
    assert "permit ip 10.10.40.0 0.0.0.255 10.10.20.0 0.0.0.255" in wrong[0].rule
    assert wrong[0].rule.startswith("line ")
    assert wrong[0].device == "hq-sw-core-01"
    assert wrong[0].flow is None and "no flow allows it" in str(wrong[0])
    assert result.matrix[("cameras", "users")].violations == len(wrong)
    assert {(v.src_zone, v.dst_zone) for v in result.violations} == {("cameras", "users")}


def test_reordered_rule_that_shadows_a_deny_is_caught() -> None:
    # the last rule of the staff ACL (hand what leaves the building to the firewall) moved
    # above the denies of the building: it now shadows them
    artefact = demo_report().artefact("hq-sw-core-01", "intended.cfg")
    assert artefact is not None
    text = artefact.text
    start = text.index("ip access-list extended KENTOPS-KULLANICI-IN")
    end = text.index("\n!", start)
    acl = text[start:end]
    leave = " permit ip 10.10.20.0 0.0.0.255 any\n"
    deny = " remark everything else inside this building is denied\n"
    assert acl.endswith(leave.rstrip("\n")) and deny in acl
    moved = acl[: -len(leave) + 1].replace(deny, leave + deny)
    report = demo_report()
    changed = dataclasses.replace(artefact, text=text[:start] + moved + text[end:])
    broken = dataclasses.replace(
        report, artefacts=[changed if a is artefact else a for a in report.artefacts]
    )
    result = _check(broken, "hq-sw-core-01")
    assert not result.ok
    pairs = {(v.src_zone, v.dst_zone) for v in result.violations}
    assert ("users", "cameras") in pairs
    assert ("users", "management") in pairs
    assert all(v.actual == "permit" and v.expected == "deny" for v in result.violations)
    assert all("permit ip 10.10.20.0 0.0.0.255 any" in v.rule for v in result.violations)


def test_template_edit_that_drops_a_deny_is_caught(tmp_path: Path) -> None:
    root = repo_copy(tmp_path)
    template = root / "templates" / "routeros" / "router.rsc.j2"
    source = template.read_text(encoding="utf-8")
    final_drop = 'add chain=forward action=drop log=yes log-prefix="kentops-deny"\n'
    assert final_drop in source
    template.write_text(source.replace(final_drop, ""), encoding="utf-8")
    loaded, policies = demo_inputs()
    report = render_site(loaded, root / "policies", hosts=["nikah-rt-01"], policies=policies)
    assert report.ok  # still a valid RouterOS script: only the policy check can tell
    result = check_policy(loaded, report, policies.access)
    assert not result.ok
    assert {v.device for v in result.violations} == {"nikah-rt-01"}
    assert all(v.actual == "permit" and v.expected == "deny" for v in result.violations)
    assert "accepts by default" in result.violations[0].rule
    assert ("guest", "users") in {(v.src_zone, v.dst_zone) for v in result.violations}


def test_fortigate_guest_policy_widened_to_all_services_is_caught() -> None:
    broken = _mutated("kultur-fw-01", 'set service "k-http" "k-https" "k-dns"', 'set service "ALL"')
    result = _check(broken, "kultur-fw-01")
    assert {(v.src_zone, v.dst_zone) for v in result.violations} == {("guest", "internet")}
    assert all('"guest-internet"' in v.rule for v in result.violations)


def test_missing_acl_on_an_svi_is_caught() -> None:
    broken = _mutated("hq-sw-core-02", " ip access-group KENTOPS-MISAFIR-IN in\n", "")
    result = _check(broken, "hq-sw-core-02")
    assert {v.src_zone for v in result.violations} == {"guest"}
    assert "no inbound ACL on Vlan50" in result.violations[0].rule


def test_a_blocked_allowed_flow_is_caught_too() -> None:
    broken = _mutated(
        "spor-fw-01", 'set service "k-sip-tls" "k-rtp" "k-https"', 'set service "k-https"'
    )
    result = _check(broken, "spor-fw-01")
    assert result.violations
    assert {(v.expected, v.actual) for v in result.violations} == {("permit", "deny")}
    assert {v.dst_zone for v in result.violations} == {"voice"}
    assert {v.flow for v in result.violations} == {"voice-pbx"}
    assert "flow voice-pbx allows it" in str(result.violations[0])


def test_parsers_read_the_rendered_syntax() -> None:
    ios = parse_ios(
        "interface Vlan20\n ip address 10.0.0.2 255.255.255.0\n"
        " ip access-group A in\nip access-list extended A\n remark x\n"
        " permit tcp 10.0.0.0 0.0.0.255 host 1.1.1.1 eq 443\n"
        " permit udp any eq 68 host 255.255.255.255 eq 67\n"
        " permit tcp host 1.1.1.1 range 10 20 any established\n"
        " deny ip any any log\n"
    )
    rules = ios.acls["A"]
    assert [r.action for r in rules] == ["permit", "permit", "permit", "deny"]
    assert rules[0].dports == [(443, 443)] and rules[0].src == [(167772160, 167772415)]
    assert rules[1].sports == [(68, 68)]
    assert rules[2].established and rules[2].sports == [(10, 20)]
    assert ios.interfaces["Vlan20"].acl_in == "A"
    vrp = parse_vrp(
        "acl name B advance\n rule 5 permit tcp source 10.0.0.0 0.0.0.255 "
        "destination 1.1.1.1 0 destination-port eq 443\n"
        " rule 10 permit icmp source 1.1.1.1 0 icmp-type echo-reply\n"
        "interface Vlanif20\n ip address 10.0.0.2 255.255.255.0\n"
        " traffic-filter inbound acl name B\n"
    )
    assert vrp.acls["B"][0].dst == [(16843009, 16843009)]
    assert vrp.acls["B"][1].icmp_types == frozenset({"echo-reply"})
    assert vrp.interfaces["Vlanif20"].acl_in == "B"
    fg = parse_fortios(
        'config firewall address\n    edit "n"\n        set subnet 10.0.0.0 '
        "255.0.0.0\n    next\nend\nconfig firewall policy\n    edit 1\n"
        '        set srcaddr "n"\n        set dstaddr "all"\n'
        '        set action accept\n        set service "ALL"\n    next\nend\n'
    )
    assert fg.policies[0].src == [(167772160, 184549375)]
    assert fg.policies[0].action == "permit"
    ros = parse_routeros(
        "/ip firewall address-list\nadd list=z address=10.0.0.0/8\n"
        "/ip firewall filter\nadd chain=forward action=accept "
        "connection-state=established,related\nadd chain=forward "
        "action=accept protocol=tcp src-address-list=z "
        "dst-address-list=!z dst-port=80,443\n"
    )
    assert ros.forward[0].state_only
    assert ros.forward[1].dst_negate and ros.forward[1].dports == [(80, 80), (443, 443)]


def test_cli_policy_check_prints_the_matrix() -> None:
    runner = CliRunner()
    result = runner.invoke(cli_app(), ["policy", "check", str(DEMO)])  # type: ignore[arg-type]
    assert result.exit_code == 0, result.output
    assert "zone matrix" in result.output
    assert "every flow as the policy says" in result.output
    assert "guest" in result.output and "dns, http, https" in result.output


@pytest.mark.parametrize("zone", ["guest", "cameras"])
def test_isolated_zones_reach_nothing_internal_beyond_their_flows(zone: str) -> None:
    allowed_internal = {"guest": {"servers"}, "cameras": {"cameras", "servers"}}[zone]
    reached = {
        dst
        for (src, dst), cell in demo_check().matrix.items()
        if src == zone and cell.permitted and dst != "internet"
    }
    assert reached == allowed_internal
