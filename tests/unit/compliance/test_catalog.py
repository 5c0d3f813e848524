"""Catalogs: the repository's load cleanly, mistakes are named by file and line, schemas hold."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from kentops.compliance.catalog import (
    CONTROL_SCHEMA_FILE,
    DUTY_SCHEMA_FILE,
    Catalogs,
    DutyKind,
    export_catalog_schemas,
    load_catalogs,
    load_control_catalog,
    load_duty_catalog,
)
from kentops.yamlsource import InvalidInput
from tests.helpers import REPO

CONTROL = """\
  - id: {id}
    title: {{tr: "Başlık", en: "Title"}}
    description: {{tr: "Açıklama", en: "Description"}}
    area: network
    applies_to: [switch]
    evidence: [rendered_config]
    check: {check}
    severity: high
    required: true
"""


def _controls(tmp_path: Path, *controls: tuple[str, str]) -> Path:
    folder = tmp_path / "controls"
    folder.mkdir()
    body = "controls:\n" + "".join(CONTROL.format(id=i, check=c) for i, c in controls)
    (folder / "network.yml").write_text(body, encoding="utf-8")
    return folder


def _duties(tmp_path: Path, duties: str, name: str = "ornek-2020") -> Path:
    folder = tmp_path / "regulations"
    folder.mkdir(exist_ok=True)
    text = f"""\
id: {name}
title: {{tr: "Örnek yönetmelik", en: "Sample regulation"}}
municipality: "Örnek Belediyesi"
adopted: "2020-01-01"
decision: null
legal_basis: []
units:
  - id: ag
    name: "Ağ Birimi"
findings: []
duties:
{duties}"""
    file = folder / f"{name}.yml"
    file.write_text(text, encoding="utf-8")
    return file


def _problems(exc: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_repository_catalogs_load(catalogs: Catalogs) -> None:
    assert len(catalogs.controls.controls) >= 60
    assert {"odunpazari-2019", "defne", "korfez-2026", "bakirkoy-2026", "caycuma-2021"} <= set(
        catalogs.regulations
    )
    # every control's check resolved to a function, and every duty names known controls
    assert set(catalogs.controls.checks) == set(catalogs.controls.controls)
    for loaded in catalogs.regulations.values():
        for duty in loaded.catalog.duties:
            for control in duty.controls or []:
                assert control in catalogs.controls


def test_duplicate_control_and_unresolved_check_named_by_line(tmp_path: Path) -> None:
    folder = _controls(
        tmp_path,
        ("NET-SSH-01", "network.ssh_only"),
        ("NET-SSH-01", "network.ssh_only"),
        ("NET-FOO-01", "network.no_such_function"),
    )
    with pytest.raises(InvalidInput) as exc:
        load_control_catalog(folder)
    problems = _problems(exc)
    assert any(
        "network.yml:11: control 'NET-SSH-01': duplicate control id" in p for p in problems
    ), problems
    assert any(
        "network.yml:26: control 'NET-FOO-01': check 'network.no_such_function' does not resolve"
        in p
        for p in problems
    ), problems


def test_duty_needs_exactly_one_proof(tmp_path: Path) -> None:
    file = _duties(
        tmp_path,
        """\
  - id: m1/a
    article: "MADDE 1"
    unit: ag
    area: network
    technical: true
    summary: {tr: "Özet", en: "Summary"}
    controls: [NET-SSH-01]
    manual: "Tutanak"
  - id: m1/b
    article: "MADDE 1"
    unit: ag
    area: training
    technical: false
    summary: {tr: "Özet", en: "Summary"}
""",
    )
    with pytest.raises(InvalidInput) as exc:
        load_duty_catalog(file)
    problems = _problems(exc)
    assert any(
        ":12: duty 'm1/a': a duty needs exactly one of" in p and "controls, manual" in p
        for p in problems
    ), problems
    assert any(
        ":20: duty 'm1/b': a duty needs exactly one of" in p and "found none" in p for p in problems
    ), problems


def test_unknown_unit_control_and_duplicate_duty(tmp_path: Path, catalogs: Catalogs) -> None:
    file = _duties(
        tmp_path,
        """\
  - id: m2/ç
    article: "MADDE 2"
    unit: yok-boyle-birim
    area: network
    technical: true
    summary: {tr: "Özet", en: "Summary"}
    controls: [NET-SSH-01, NET-XYZ-01]
  - id: m2/ç
    article: "MADDE 2"
    unit: ag
    area: general
    technical: false
    summary: {tr: "Özet", en: "Summary"}
    not_applicable: "Kapsam dışı"
""",
    )
    with pytest.raises(InvalidInput) as exc:
        load_duty_catalog(file, catalogs.controls)
    problems = _problems(exc)
    assert any(":14: duty 'm2/ç': unknown unit 'yok-boyle-birim'" in p for p in problems), problems
    assert any(":18: duty 'm2/ç': unknown control 'NET-XYZ-01'" in p for p in problems), problems
    assert any(":19: duty 'm2/ç': duplicate duty id" in p for p in problems), problems


def test_catalog_id_must_match_file_name(tmp_path: Path) -> None:
    file = _duties(
        tmp_path,
        """\
  - id: m1/a
    article: "MADDE 1"
    unit: ag
    area: general
    technical: false
    summary: {tr: "Özet", en: "Summary"}
    not_applicable: "Yok"
""",
    )
    renamed = file.with_name("baska.yml")
    file.rename(renamed)
    with pytest.raises(InvalidInput) as exc:
        load_duty_catalog(renamed)
    assert any("baska.yml:1" in p and "differs from the file name" in p for p in _problems(exc))


def test_load_catalogs_reports_problems_of_every_file(tmp_path: Path) -> None:
    _controls(tmp_path, ("NET-SSH-01", "network.ssh_only"))
    _duties(
        tmp_path,
        """\
  - id: m1/a
    article: "MADDE 1"
    unit: ag
    area: network
    technical: true
    summary: {tr: "Özet", en: "Summary"}
    controls: [NET-NTP-01]
""",
    )
    with pytest.raises(InvalidInput) as exc:
        load_catalogs(tmp_path)
    assert any("unknown control 'NET-NTP-01'" in p for p in _problems(exc))


def test_duty_kind(catalogs: Catalogs) -> None:
    catalog = catalogs.regulation("odunpazari-2019")
    kinds = {d.kind for d in catalog.duties}
    assert kinds == {DutyKind.CONTROLS, DutyKind.MANUAL, DutyKind.NOT_APPLICABLE}


def test_exported_schemas_accept_the_repository_and_reject_mistakes(tmp_path: Path) -> None:
    written = export_catalog_schemas(tmp_path)
    assert [p.name for p in written] == [CONTROL_SCHEMA_FILE, DUTY_SCHEMA_FILE]
    control_schema = json.loads((tmp_path / CONTROL_SCHEMA_FILE).read_text(encoding="utf-8"))
    duty_schema = json.loads((tmp_path / DUTY_SCHEMA_FILE).read_text(encoding="utf-8"))
    for file in sorted((REPO / "policies" / "controls").glob("*.yml")):
        jsonschema.validate(yaml.safe_load(file.read_text(encoding="utf-8")), control_schema)
    for file in sorted((REPO / "policies" / "regulations").glob("*.yml")):
        data = json.loads(json.dumps(yaml.safe_load(file.read_text(encoding="utf-8")), default=str))
        jsonschema.validate(data, duty_schema)
    bad = json.loads(
        json.dumps(
            yaml.safe_load(
                (REPO / "policies/regulations/odunpazari-2019.yml").read_text(encoding="utf-8")
            ),
            default=str,
        )
    )
    bad["duties"][0]["not_applicable"] = "ikisi birden"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, duty_schema)
    wrong_control = {"controls": [{"id": "net-ssh-01"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(wrong_control, control_schema)
