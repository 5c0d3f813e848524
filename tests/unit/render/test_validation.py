"""What counts as a broken artefact, and how a problem is reported (template, line, device)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from kentops.render import RenderReport, render_site
from kentops.render.validate import validate
from tests.helpers import DEMO
from tests.unit.render.demo import cli_app, demo_inputs, repo_copy, text_of

runner = CliRunner()

IOS_OK = "hostname sw\n!\ninterface Vlan10\n ip address 10.0.0.1 255.255.255.0\n!\nend\n"


@pytest.mark.parametrize(
    ("kind", "text", "artefact", "finding"),
    [
        ("ios", IOS_OK.replace(" ip address", "   ip address"), "x", "deeper than one level"),
        (
            "ios",
            IOS_OK + "interface Vlan10\n ip address 10.0.0.1 255.255.255.0\n",
            "x",
            "duplicate",
        ),
        ("ios", IOS_OK.replace("hostname sw", "hostname None"), "x", "'None'"),
        ("ios", IOS_OK.replace("hostname sw", "hostname {{ name }}"), "x", "template syntax"),
        ("ios", IOS_OK.replace("hostname sw", "hostname sw "), "x", "trailing whitespace"),
        ("vrp", "sysname x\n#\ninterface Vlanif10\n\tip address 1.1.1.1 24\n", "x", "tab"),
        ("fortios", "config system global\n    set hostname x\n", "x", "never closed"),
        ("fortios", "config system global\n    sett hostname x\nend\n", "x", "unknown FortiOS"),
        (
            "fortios",
            "config a\n    edit 1\n      set x 1\n    next\nend\n",
            "x",
            "not a multiple of 4",
        ),
        ("routeros", '/ip address\nadd address=1.1.1.1/24 comment="open\n', "x", "unbalanced"),
        ("routeros", "add address=1.1.1.1/24\n", "x", "before any menu"),
        ("routeros", "/ip address\nfoo bar\n", "x", "not a RouterOS command"),
        ("kea", '{"Dhcp4": {}}', "kea-dhcp4.conf", "schema"),
        ("kea", '{"Dhcp4": ', "kea-dhcp4.conf", "not JSON"),
        ("isapi", '<Time version="2.0"><timeMode>NTP</timeMode></Time>', "time.xml", "namespace"),
        (
            "isapi",
            '<SSH version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema"/>',
            "time.xml",
            "is not Time",
        ),
        ("isapi", "<Time", "time.xml", "not well-formed"),
        ("asterisk", "type=endpoint\n[x]\n", "pjsip.conf", "outside a [section]"),
        ("yealink", "account.1.enable = 1\n", "a.cfg", "#!version"),
        ("yealink", "#!version:1.0.0.1\na = 1\na = 2\n", "a.cfg", "set twice"),
    ],
)
def test_validators_find_broken_output(kind: str, text: str, artefact: str, finding: str) -> None:
    findings = validate(kind, text, artefact)
    assert any(finding in message for _, message in findings), findings


def test_secret_placeholders_are_not_leftovers() -> None:
    text = (
        "hostname sw\nsnmp-server user a b v3 auth sha {{ vault_x }} priv aes 128 "
        "{{ lookup('ansible.builtin.env', 'KENTOPS_SNMP_PRIV') }}\nend\n"
    )
    assert validate("ios", text, "x") == []


@pytest.mark.parametrize(
    ("device", "artefact", "kind"),
    [
        ("hq-sw-core-01", "intended.cfg", "ios"),
        ("spor-sw-01", "intended.cfg", "vrp"),
        ("hq-fw-01", "intended.conf", "fortios"),
        ("terfi-rt-01", "intended.rsc", "routeros"),
    ],
)
def test_the_demo_configs_pass_their_own_validators(device: str, artefact: str, kind: str) -> None:
    assert validate(kind, text_of(device, artefact), artefact) == []


def _break(root: Path, template: str, old: str, new: str) -> int:
    path = root / "templates" / template
    source = path.read_text(encoding="utf-8")
    assert old in source
    before = source[: source.index(old)]
    path.write_text(source.replace(old, new, 1), encoding="utf-8")
    return before.count("\n") + 1  # the line of the edit in the template file


def _render_broken_switch(tmp_path: Path, old: str, new: str) -> tuple[Path, int, RenderReport]:
    """hq-sw-k1-01 rendered from a copy of the templates whose switch template has ``old``
    replaced by ``new``: the copy's root, the line of the edit, the report."""
    root = repo_copy(tmp_path)
    line = _break(root, "cisco_ios/switch.cfg.j2", old, new)
    loaded, policies = demo_inputs()
    report = render_site(loaded, root / "policies", hosts=["hq-sw-k1-01"], policies=policies)
    return root, line, report


def _render_cli(app: object, *args: str) -> Result:
    """``kentops render <demo inventory> <args>``."""
    return runner.invoke(app, ["render", str(DEMO), *args])  # type: ignore[arg-type]


def test_template_error_names_template_line_and_device(tmp_path: Path) -> None:
    root, line, report = _render_broken_switch(
        tmp_path, "hostname {{ device.hostname }}", "hostname {{ device.hostnme }}"
    )
    assert not report.ok
    problem = report.problems[0]
    assert problem.file == root / "templates" / "cisco_ios" / "switch.cfg.j2"
    assert problem.line == line
    assert problem.subject == "hq-sw-k1-01"
    assert "hostnme" in problem.message


def test_invalid_output_names_template_line_and_device(tmp_path: Path) -> None:
    _, line, report = _render_broken_switch(
        tmp_path, "ip ssh version 2\n", "ip ssh version 2\n  ip ssh stray-indent\n"
    )
    problem = next(p for p in report.problems if "stray" in p.message or "deeper" in p.message)
    assert problem.subject == "hq-sw-k1-01"
    assert problem.file.name == "switch.cfg.j2"
    assert problem.line == line + 1
    assert "intended.cfg line" in problem.message


def test_cli_check_exits_1_naming_template_line_and_device(tmp_path: Path) -> None:
    root = repo_copy(tmp_path)
    _break(
        root,
        "routeros/router.rsc.j2",
        "set name={{ device.hostname }}",
        'set name={{ device.hostname }} broken"quote',
    )
    out = tmp_path / "out"
    result = _render_cli(
        cli_app(), "--policies", str(root / "policies"), "--out", str(out), "--check"
    )
    assert result.exit_code == 1
    assert "router.rsc.j2:" in result.output
    assert "nikah-rt-01" in result.output
    assert not out.exists(), "--check writes nothing"


def test_cli_invalid_policy_exits_2_with_file_and_line(tmp_path: Path) -> None:
    root = repo_copy(tmp_path)
    access = root / "policies" / "access.yml"
    text = access.read_text(encoding="utf-8")
    access.write_text(
        text.replace("shared_secret: vault:network_aaa_shared_secret", "shared_secret: hunter2"),
        encoding="utf-8",
    )
    line = next(i for i, ln in enumerate(access.read_text().splitlines(), 1) if "hunter2" in ln)
    result = _render_cli(cli_app(), "--policies", str(root / "policies"), "--check")
    assert result.exit_code == 2
    assert f"access.yml:{line}:" in result.output
    assert "secret reference" in result.output


def test_cli_writes_diffs_and_reports_json(tmp_path: Path) -> None:
    out = tmp_path / "intended"
    app = cli_app()
    first = _render_cli(
        app, "--out", str(out), "--host", "hq-sw-k1-01", "--host", "hq-cam-01", "--json"
    )
    assert first.exit_code == 0, first.output
    data = json.loads(first.output)
    assert data["ok"] is True
    assert {a["device_id"] for a in data["artefacts"]} == {"hq-sw-k1-01", "hq-cam-01"}
    written = out / "ornek" / "hq-sw-k1-01" / "intended.cfg"
    assert written.read_text(encoding="utf-8") == text_of("hq-sw-k1-01", "intended.cfg")
    written.write_text(written.read_text().replace("hostname hq-sw-k1-01", "hostname eski"))
    diff = _render_cli(app, "--out", str(out), "--host", "hq-sw-k1-01", "--check", "--diff")
    assert diff.exit_code == 0
    assert "--- a/ornek/hq-sw-k1-01/intended.cfg" in diff.output
    assert "-hostname eski" in diff.output and "+hostname hq-sw-k1-01" in diff.output
    assert "hostname eski" in written.read_text(), "--check leaves the previous build alone"
    unknown = _render_cli(app, "--host", "yok-boyle-cihaz", "--check")
    assert unknown.exit_code == 2
