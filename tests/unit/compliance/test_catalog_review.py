"""The second reading of the duty catalogs, held in place: summaries restate their item (no
reading of ours in them), the stale references are named in the findings, and the duties
whose evidence kentops reads are proven by controls."""

from __future__ import annotations

import re

import pytest

from kentops.compliance.catalog import Catalogs, DutyKind

MUNICIPAL = ("bakirkoy-2026", "caycuma-2021", "defne", "korfez-2026", "odunpazari-2019")


@pytest.mark.parametrize("regulation", MUNICIPAL)
def test_summaries_carry_no_reading_of_ours(catalogs: Catalogs, regulation: str) -> None:
    """Interpretation goes into a finding or a note: a summary never points at a finding,
    never widens its item with what it 'includes', never notes a duplicate."""
    for duty in catalogs.regulation(regulation).duties:
        for text in (duty.summary.tr, duty.summary.en):
            words = re.findall(r"[\w.]+", text.lower())
            for marker in ("bkz.", "dahil", "including", "included", "aynı", "same"):
                assert marker not in words, f"{regulation} {duty.id}: {text}"
            assert not re.search(r"\bF[0-9]+\b", text), f"{regulation} {duty.id}: {text}"


def _summary(catalogs: Catalogs, regulation: str, duty_id: str) -> str:
    duty = catalogs.regulation(regulation).duty(duty_id)
    assert duty is not None, duty_id
    return duty.summary.tr


def test_named_summaries_say_what_the_text_says(catalogs: Catalogs) -> None:
    for regulation, duty_id in (
        ("korfez-2026", "m6/i"),
        ("korfez-2026", "m7/c"),
        ("caycuma-2021", "2/bb"),
    ):
        assert "5651" not in _summary(catalogs, regulation, duty_id)
    assert "gizli sicil" in _summary(catalogs, "defne", "m8/7")
    assert _summary(catalogs, "bakirkoy-2026", "m17/2").startswith("Belediye birimleri")


def _findings(catalogs: Catalogs, regulation: str) -> str:
    return " ".join(f.tr for f in catalogs.regulation(regulation).findings)


def test_findings_name_the_stale_and_missing_references(catalogs: Catalogs) -> None:
    caycuma = _findings(catalogs, "caycuma-2021")
    assert "Tüzük" in caycuma and "2017" in caycuma
    for regulation in ("caycuma-2021", "korfez-2026"):
        assert "6698" in _findings(catalogs, regulation), regulation
    assert "Devlet Arşiv Hizmetleri Hakkında Yönetmelik" in _findings(catalogs, "defne")
    odunpazari = next(
        f for f in catalogs.regulation("odunpazari-2019").findings if "MADDE 9" in f.tr
    )
    assert "İki okuma" in odunpazari.tr and "Two readings" in odunpazari.en


@pytest.mark.parametrize(
    ("regulation", "duty_id"),
    [
        ("defne", "m11/1"),
        ("defne", "m11/23"),
        ("defne", "m7/12"),
        ("defne", "m11/30"),
        ("defne", "m11/52"),
        ("bakirkoy-2026", "m5/j"),
        ("bakirkoy-2026", "m12/d"),
        ("odunpazari-2019", "m12/c"),
    ],
)
def test_duties_with_readable_evidence_are_automated(
    catalogs: Catalogs, regulation: str, duty_id: str
) -> None:
    duty = catalogs.regulation(regulation).duty(duty_id)
    assert duty is not None and duty.kind is DutyKind.CONTROLS
    assert duty.technical


def test_the_same_duty_is_proven_alike(catalogs: Catalogs) -> None:
    """Defne 11/1 is Çaycuma 2/g (the same sentence): the same controls prove both."""
    defne = catalogs.regulation("defne").duty("m11/1")
    caycuma = catalogs.regulation("caycuma-2021").duty("2/g")
    assert defne is not None and caycuma is not None
    assert set(defne.controls or []) == set(caycuma.controls or [])


def test_directory_and_web_duties_use_their_controls(catalogs: Catalogs) -> None:
    accounts = catalogs.regulation("bakirkoy-2026").duty("m12/d")
    assert accounts is not None
    assert {"DIR-STALE-01", "DIR-PRIV-01", "DIR-PWD-01", "DIR-LEAVER-01"} <= set(
        accounts.controls or []
    )
    domains = catalogs.regulation("bakirkoy-2026").duty("m5/j")
    assert domains is not None
    assert {"WEB-DOMAIN-01", "WEB-CERT-01"} <= set(domains.controls or [])
