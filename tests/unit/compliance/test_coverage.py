"""Duty coverage against the catalogs of an earlier git revision (what a catalog change does)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from kentops.compliance import commands
from kentops.compliance.catalog import load_catalogs
from kentops.compliance.coverage import (
    BaselineUnavailable,
    catalogs_at,
    compare,
    default_revision,
)
from tests.helpers import REPO

runner = CliRunner()
app = typer.Typer()
commands.register(app)

DUTY = """\
  - id: {id}
    article: "MADDE 1"
    unit: ag
    area: {area}
    technical: {technical}
    summary: {{tr: "Görev", en: "Duty"}}
    {proof}
"""


def _catalog(duties: list[tuple[str, str]]) -> str:
    body = ""
    for duty_id, proof in duties:
        technical = "true" if proof.startswith("controls") else "false"
        area = "network" if technical == "true" else "general"
        body += DUTY.format(id=duty_id, area=area, technical=technical, proof=proof)
    return f"""\
id: ornek-2020
title: {{tr: "Örnek yönetmelik", en: "Sample regulation"}}
units:
  - id: ag
    name: "Ağ Birimi"
duties:
{body}"""


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git work tree whose policy folder holds the repository's controls and one small
    duty catalog, committed on main with one automated, one manual, one n.a. duty."""
    root = tmp_path / "repo"
    policies = root / "policies"
    shutil.copytree(REPO / "policies" / "controls", policies / "controls")
    (policies / "regulations").mkdir()
    (policies / "regulations" / "ornek-2020.yml").write_text(
        _catalog(
            [
                ("m1/a", "controls: [NET-SSH-01]"),
                ("m1/b", 'manual: "Tutanak"'),
                ("m1/c", 'not_applicable: "Temsil"'),
            ]
        ),
        encoding="utf-8",
    )
    _git(root, "init", "-q", "-b", "main")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.org", "add", "policies")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "base")
    return root


def _change_catalog(repo: Path) -> None:
    (repo / "policies" / "regulations" / "ornek-2020.yml").write_text(
        _catalog(
            [
                ("m1/a", "controls: [NET-NTP-01, NET-SSH-01]"),  # same kind, one control more
                ("m1/b", "controls: [NET-NTP-01]"),  # manual -> automated
                ("m1/ç", 'manual: "Yeni tutanak"'),  # new; m1/c removed
            ]
        ),
        encoding="utf-8",
    )


def test_compare_names_each_duty_whose_kind_changed(repo: Path) -> None:
    _change_catalog(repo)
    policies = repo / "policies"
    baseline = catalogs_at(policies, "HEAD")
    assert set(baseline.catalogs) == {"ornek-2020"}
    assert baseline.commit == _git(repo, "rev-parse", "HEAD").strip()
    (delta,) = compare(load_catalogs(policies), baseline)
    assert delta.before is not None and delta.after is not None
    assert (delta.before.automated, delta.before.manual, delta.before.not_applicable) == (1, 1, 1)
    assert (delta.after.automated, delta.after.manual, delta.after.not_applicable) == (2, 1, 0)
    assert {k: delta.delta(k) for k in ("automated", "manual", "not_applicable")} == {
        "automated": 1,
        "manual": 0,
        "not_applicable": -1,
    }
    assert [(c.duty, c.before, c.after) for c in delta.changes] == [
        ("m1/b", "manual", "controls"),
        ("m1/ç", None, "manual"),
        ("m1/c", "not_applicable", None),
    ]
    # an automated duty whose controls changed is named with what came and went
    assert [(c.duty, c.added, c.removed) for c in delta.control_changes] == [
        ("m1/a", ["NET-NTP-01"], [])
    ]


def test_unchanged_catalog_has_no_changes_and_a_new_one_is_new(repo: Path) -> None:
    policies = repo / "policies"
    shutil.copy(
        policies / "regulations" / "ornek-2020.yml", policies / "regulations" / "yeni-2021.yml"
    )
    text = (policies / "regulations" / "yeni-2021.yml").read_text(encoding="utf-8")
    (policies / "regulations" / "yeni-2021.yml").write_text(
        text.replace("id: ornek-2020", "id: yeni-2021"), encoding="utf-8"
    )
    deltas = {
        d.regulation: d for d in compare(load_catalogs(policies), catalogs_at(policies, "HEAD"))
    }
    assert deltas["ornek-2020"].changes == []
    assert deltas["yeni-2021"].before is None
    assert deltas["yeni-2021"].delta("duties") == 3


def test_an_old_catalog_that_does_not_load_is_named_not_counted(repo: Path) -> None:
    file = repo / "policies" / "regulations" / "ornek-2020.yml"
    file.write_text("id: ornek-2020\nduties: 3\n", encoding="utf-8")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "broken")
    _change_catalog(repo)
    baseline = catalogs_at(repo / "policies", "HEAD")
    assert baseline.catalogs == {}
    assert "ornek-2020.yml" in baseline.unreadable
    assert catalogs_at(repo / "policies", "HEAD~1").catalogs["ornek-2020"].duties


def test_default_revision_is_the_merge_base_with_main_on_a_branch(repo: Path) -> None:
    policies = repo / "policies"
    base = _git(repo, "rev-parse", "HEAD").strip()
    assert default_revision(policies) == "HEAD"
    _git(repo, "checkout", "-qb", "topic")
    _change_catalog(repo)
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "change")
    assert default_revision(policies) == base
    (delta,) = compare(load_catalogs(policies), catalogs_at(policies, default_revision(policies)))
    assert [c.duty for c in delta.changes] == ["m1/b", "m1/ç", "m1/c"]


def test_outside_git_or_unknown_revision(tmp_path: Path, repo: Path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(repo / "policies", plain)
    with pytest.raises(BaselineUnavailable):
        catalogs_at(plain, "HEAD")
    with pytest.raises(BaselineUnavailable, match="unknown revision"):
        catalogs_at(repo / "policies", "no-such-rev")


def test_cli_shows_the_change_and_json_carries_it(repo: Path) -> None:
    _change_catalog(repo)
    policies = str(repo / "policies")
    result = runner.invoke(
        app,
        ["duties", "coverage", "--policies", policies, "--against", "HEAD"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "3 (+1)" not in result.output  # duty count unchanged (3 -> 3)
    assert "2 (+1)" in result.output  # automated 1 -> 2
    assert "0 (-1)" in result.output  # not applicable 1 -> 0
    assert "m1/b manuel/manual → otomatik/automated" in result.output
    assert "m1/c kapsam dışı/n.a. → yok/absent" in result.output
    assert "duties whose controls changed: m1/a +NET-NTP-01" in result.output
    result = runner.invoke(
        app, ["duties", "coverage", "--policies", policies, "--against", "HEAD", "--json"]
    )
    doc = json.loads(result.output)
    assert doc["against"]["commit"] == _git(repo, "rev-parse", "HEAD").strip()
    (row,) = doc["regulations"]
    assert row["change"]["before"]["manual"] == 1
    assert row["change"]["delta"]["automated"] == 1
    assert {"duty": "m1/b", "before": "manual", "after": "controls"} in row["change"]["changes"]


def test_cli_against_errors(tmp_path: Path, repo: Path) -> None:
    result = runner.invoke(
        app, ["duties", "coverage", "--policies", str(repo / "policies"), "--against", "nope"]
    )
    assert result.exit_code == 2
    assert "unknown revision 'nope'" in result.output
    plain = tmp_path / "plain"
    shutil.copytree(repo / "policies", plain)
    # without --against outside git: the table, and a note that nothing was compared
    result = runner.invoke(app, ["duties", "coverage", "--policies", str(plain), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["against"] is None and doc["against_unavailable"]
    assert doc["regulations"][0]["change"] is None
