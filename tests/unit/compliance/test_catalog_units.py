"""Who a duty binds: the directorate, the municipality's other units, or every user."""

from __future__ import annotations

from pathlib import Path

import pytest

from kentops.compliance.catalog import Bound, Catalogs, load_duty_catalog
from kentops.compliance.collectors import AttestationCollector, InventoryCollector, PolicyCollector
from kentops.compliance.coverage import duty_coverage
from kentops.compliance.engine import run_audit
from kentops.compliance.report import write_reports
from kentops.compliance.report.document import results_document
from kentops.yamlsource import InvalidInput
from tests.helpers import DEMO, REPO
from tests.unit.compliance.conftest import NOW

HEAD = """\
id: ornek-2020
title: {{tr: "Örnek yönetmelik", en: "Sample regulation"}}
units:
{units}
duties:
  - id: m1/a
    article: "MADDE 1"
    unit: {unit}
    area: general
    technical: false
    summary: {{tr: "Görev", en: "Duty"}}
    manual: "Tutanak"
"""


def _write(tmp_path: Path, units: str, unit: str = "ag") -> Path:
    file = tmp_path / "ornek-2020.yml"
    file.write_text(HEAD.format(units=units, unit=unit), encoding="utf-8")
    return file


def test_bound_defaults_to_the_directorate_and_names_others(tmp_path: Path) -> None:
    units = (
        '  - id: ag\n    name: "Ağ Birimi"\n'
        '  - id: birimler\n    name: "Belediye birimleri"\n    bound: municipal_units\n'
        '  - id: herkes\n    name: "Kullanıcılar"\n    bound: users\n'
    )
    catalog = load_duty_catalog(_write(tmp_path, units, unit="birimler")).catalog
    assert catalog.bound("ag") is Bound.DIRECTORATE
    assert catalog.bound("birimler") is Bound.MUNICIPAL_UNITS
    assert catalog.bound("herkes") is Bound.USERS
    assert (Bound.USERS.tr, Bound.USERS.en) == ("Bütün kullanıcılar", "Every user")


def test_unknown_bound_is_named_by_line(tmp_path: Path) -> None:
    units = '  - id: ag\n    name: "Ağ Birimi"\n    bound: everyone\n'
    with pytest.raises(InvalidInput) as exc:
        load_duty_catalog(_write(tmp_path, units))
    (problem,) = exc.value.problems
    assert problem.line == 6
    assert "bound" in str(problem) and "'users'" in str(problem)


def test_a_catalog_with_no_directorate_unit_is_rejected(tmp_path: Path) -> None:
    units = '  - id: ag\n    name: "Kullanıcılar"\n    bound: users\n'
    with pytest.raises(InvalidInput) as exc:
        load_duty_catalog(_write(tmp_path, units))
    assert any("no unit is bound as the directorate" in str(p) for p in exc.value.problems)


def test_bakirkoy_duties_of_other_units_and_users(catalogs: Catalogs) -> None:
    reg = catalogs.regulation("bakirkoy-2026")
    by_id = {d.id: d for d in reg.duties}
    assert reg.bound(by_id["m17/2"].unit) is Bound.MUNICIPAL_UNITS
    for duty_id in ("m16/1", "m16/2", "m18/1"):
        assert reg.bound(by_id[duty_id].unit) is Bound.USERS, duty_id
    # the directorate's own duties stay with it
    for duty_id in ("m5/a", "m12/d", "m17/1", "m19/1"):
        assert reg.bound(by_id[duty_id].unit) is Bound.DIRECTORATE, duty_id
    # coverage names them, by whom they bind
    assert duty_coverage(reg).bound_elsewhere == {
        "users": ["m16/1", "m16/2", "m18/1"],
        "municipal_units": ["m17/2"],
    }
    assert duty_coverage(catalogs.regulation("defne")).bound_elsewhere == {}


def test_report_attributes_duties_to_who_is_bound(tmp_path: Path) -> None:
    result = run_audit(
        DEMO,
        policy_dir=REPO / "policies",
        regulation="bakirkoy-2026",
        evidence_root=tmp_path / "evidence",
        now=NOW,
        collectors=[InventoryCollector(), PolicyCollector(), AttestationCollector()],
    )
    doc = results_document(result)
    duties = {d["id"]: d for d in doc["duties"]}
    assert duties["m17/2"]["bound"] == {
        "id": "municipal_units",
        "tr": "Diğer belediye birimleri",
        "en": "Other municipal units",
    }
    assert duties["m16/1"]["bound"]["id"] == "users"
    assert duties["m5/b"]["bound"]["id"] == "directorate"
    units = {u["id"]: u for u in doc["units"]}
    assert units["belediye-birimleri"]["bound"]["id"] == "municipal_units"
    html = write_reports(result, tmp_path / "reports", "tr").html.read_text(encoding="utf-8")
    row = html.split('id="duty-m17/2"', 1)[1].split("</tr>", 1)[0]
    assert "Yükümlü: Diğer belediye birimleri" in row
    row = html.split('id="duty-m5/b"', 1)[1].split("</tr>", 1)[0]
    assert "Yükümlü" not in row
