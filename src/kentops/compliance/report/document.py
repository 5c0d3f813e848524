"""results.json: the whole audit as data; every other report reads from it, and the trend of
later audits reads earlier ones."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kentops.compliance.catalog import Bound
from kentops.compliance.engine import AuditResult, DutyResult, ResultRow
from kentops.compliance.model import STATUS_ORDER, Status
from kentops.yamlsource import display_path

FORMAT = "kentops-audit/1"
RESULTS_FILE = "results.json"


def _status_counts(statuses: list[Status]) -> dict[str, int]:
    counts = Counter(statuses)
    return {s.value: counts.get(s, 0) for s in Status}


def compliance_percent(counts: dict[str, int]) -> float | None:
    """Share of the duties in scope that are compliant or attested, in percent."""
    in_scope = sum(v for k, v in counts.items() if k != Status.NOT_APPLICABLE.value)
    if not in_scope:
        return None
    good = counts.get(Status.COMPLIANT.value, 0) + counts.get(Status.ATTESTED.value, 0)
    return round(100 * good / in_scope, 1)


def row_document(row: ResultRow) -> dict[str, Any]:
    return {
        "control": row.control,
        "subject": row.subject.id,
        "subject_kind": row.subject.kind,
        "subject_name": row.subject.name,
        "building": row.subject.building,
        "unit": row.subject.unit,
        "outcome": row.outcome.value,
        "status": row.status.value,
        "waived": row.waived,
        "waiver": row.waiver.waiver.id if row.waiver else None,
        "findings": [f.as_dict() for f in row.findings],
        # what the check said about the intended configuration only: never the subject's status
        "design": {
            "outcome": row.design_outcome.value,
            "findings": [f.as_dict() for f in row.design],
        }
        if row.design_outcome is not None
        else None,
    }


def duty_evidence(result: AuditResult, duty: DutyResult) -> tuple[list[str], str | None, int]:
    """Evidence of a duty: a few references, the latest collection time, how many in all."""
    if duty.attestation is not None:
        att = duty.attestation
        refs = [att.evidence] if att.evidence else []
        return refs, att.attestation.date.isoformat(), len(refs)
    found: set[str] = set()
    for control in duty.controls:
        for row in result.controls[control].rows:
            for finding in row.findings:
                found.update(finding.evidence)
    times = [result.evidence_times[r] for r in found if r in result.evidence_times]
    latest = max(times).isoformat() if times else None
    return sorted(found)[:5], latest, len(found)


def _bound(bound: Bound) -> dict[str, str]:
    """Who a duty binds, as the report shows it (the directorate, other units, every user)."""
    return {"id": bound.value, "tr": bound.tr, "en": bound.en}


def results_document(result: AuditResult) -> dict[str, Any]:
    duty_counts = _status_counts([d.status for d in result.duties])
    rows = result.rows()
    required = result.required_failures()
    reg = result.regulation
    duties = []
    for duty in result.duties:
        refs, latest, count = duty_evidence(result, duty)
        att = duty.attestation
        duties.append(
            {
                "id": duty.duty.id,
                "article": duty.duty.article,
                "unit": duty.duty.unit,
                "unit_name": reg.unit_name(duty.duty.unit),
                "bound": _bound(reg.bound(duty.duty.unit)),
                "area": duty.duty.area.value,
                "technical": duty.duty.technical,
                "summary": {"tr": duty.duty.summary.tr, "en": duty.duty.summary.en},
                "kind": duty.duty.kind.value,
                "status": duty.status.value,
                "controls": [
                    {"id": c, "status": result.controls[c].status.value} for c in duty.controls
                ],
                "manual": duty.duty.manual,
                "not_applicable": duty.duty.not_applicable,
                "attestation": None
                if att is None
                else {
                    "id": att.attestation.id,
                    "state": att.state,
                    "by": att.attestation.by,
                    "date": att.attestation.date.isoformat(),
                    "valid_until": att.attestation.valid_until.isoformat(),
                    "document": att.attestation.document,
                    "source": att.source,
                },
                "note": {"tr": duty.note_tr, "en": duty.note_en},
                "evidence": refs,
                "evidence_count": count,
                "evidence_time": latest,
            }
        )
    controls = []
    for control_id, cr in result.controls.items():
        c = cr.control
        controls.append(
            {
                "id": control_id,
                "title": {"tr": c.title.tr, "en": c.title.en},
                "area": c.area.value,
                "severity": c.severity.value,
                "required": c.required,
                "evidence_kinds": list(c.evidence),
                "references": c.references.model_dump(),
                "status": cr.status.value,
                "counts": _status_counts([r.status for r in cr.rows]),
                "seconds": round(cr.seconds, 4),
                "results": [row_document(r) for r in cr.rows],
            }
        )
    by_unit: dict[str, list[Status]] = {u.id: [] for u in reg.units}
    for duty in result.duties:
        by_unit.setdefault(duty.duty.unit, []).append(duty.status)
    by_building: dict[str, list[Status]] = {b: [] for b in result.buildings}
    by_owner: dict[str, list[Status]] = {u: [] for u in result.units}
    for row in rows:
        if row.subject.building is not None and row.subject.kind != "building":
            by_building.setdefault(row.subject.building, []).append(row.status)
        if row.subject.unit is not None:
            by_owner.setdefault(row.subject.unit, []).append(row.status)
    return {
        "format": FORMAT,
        "site": {"id": result.site.id, "name": result.site.name},
        "regulation": {
            "id": reg.id,
            "title": {"tr": reg.title.tr, "en": reg.title.en},
            "municipality": reg.municipality,
            "adopted": reg.adopted.isoformat() if reg.adopted else None,
        },
        "run_id": result.run_id,
        "started": result.started.isoformat(),
        "finished": result.finished.isoformat(),
        "exit_code": result.exit_code,
        "summary": {
            "duties": duty_counts,
            "compliance_percent": compliance_percent(duty_counts),
            "results": _status_counts([r.status for r in rows]),
            "controls": _status_counts([cr.status for cr in result.controls.values()]),
            "required_not_passing": len(required),
            "required_failed": sum(1 for r in required if r.status is Status.NONCOMPLIANT),
            "required_not_assessed": sum(1 for r in required if r.status is Status.NOT_ASSESSED),
        },
        "units": [
            {
                "id": u,
                "name": reg.unit_name(u),
                "bound": _bound(reg.bound(u)),
                "duties": _status_counts(s),
            }
            for u, s in by_unit.items()
        ],
        "owners": [
            {"id": u, "name": result.units.get(u, u), "results": _status_counts(s)}
            for u, s in by_owner.items()
        ],
        "buildings": [
            {"id": b, "name": result.buildings.get(b, b), "results": _status_counts(s)}
            for b, s in by_building.items()
        ],
        "duties": duties,
        "controls": controls,
        "waivers": [
            {
                "id": w.waiver.id,
                "control": w.waiver.control,
                "asset": w.waiver.asset,
                "justification": w.waiver.justification,
                "approved_by": w.waiver.approved_by,
                "expires": w.waiver.expires.isoformat(),
                "state": w.state,
                "source": w.source,
            }
            for w in result.waivers
        ],
        "attestations": [
            {
                "id": a.attestation.id,
                "subject": a.attestation.subject,
                "by": a.attestation.by,
                "date": a.attestation.date.isoformat(),
                "valid_until": a.attestation.valid_until.isoformat(),
                "document": a.attestation.document,
                "state": a.state,
                "source": a.source,
            }
            for a in result.attestations
        ],
        "catalog_findings": [
            {"id": n.id, "severity": n.severity, "tr": n.tr, "en": n.en, "origin": n.origin}
            for n in result.catalog_notes
        ],
        "collectors": [run.as_dict() for run in result.collectors],
        "evidence": {
            "dir": display_path(result.evidence_dir) if result.evidence_dir else None,
            "items": result.evidence_count,
        },
        "timings": {k: round(v, 3) for k, v in result.timings.items()},
    }


def duty_sort_key(duty: dict[str, Any]) -> tuple[int, str]:
    return STATUS_ORDER[Status(duty["status"])], duty["id"]


@dataclass(frozen=True)
class TrendPoint:
    run_id: str
    started: str
    percent: float | None
    counts: dict[str, int]


#: An earlier results.json larger than this is left out of the trend unread.
MAX_EARLIER_RESULTS_BYTES = 256 * 1024 * 1024


def earlier_point(file: Path, regulation: str) -> TrendPoint | None:
    """The trend point of one earlier results.json, or None when it is not one of ours.

    The reports folder is writable by whoever ran an audit there, so an earlier file is
    untrusted: damaged, oversized, deeply nested or wrongly typed files are left out of the
    trend, never fatal, and only values of the expected types are taken from them.
    """
    try:
        if file.stat().st_size > MAX_EARLIER_RESULTS_BYTES:
            return None
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        return None
    reg = doc.get("regulation")
    if not isinstance(reg, dict) or reg.get("id") != regulation:
        return None
    run_id, started, summary = doc.get("run_id"), doc.get("started", ""), doc.get("summary")
    if not isinstance(run_id, str) or not isinstance(started, str):
        return None
    if not isinstance(summary, dict):
        return None
    percent = summary.get("compliance_percent")
    if percent is not None and (
        isinstance(percent, bool)
        or not isinstance(percent, int | float)
        or not 0 <= percent <= 100  # also rejects NaN
    ):
        return None
    duties = summary.get("duties", {})
    if not isinstance(duties, dict):
        return None
    counts = {
        str(k): v
        for k, v in duties.items()
        if isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
    }
    return TrendPoint(run_id, started, percent, counts)


def load_trend(site_dir: Path, regulation: str, current: dict[str, Any]) -> list[TrendPoint]:
    """Earlier audits of the same regulation in the same output folder, then this one."""
    points: list[TrendPoint] = []
    if site_dir.is_dir():
        for run_dir in sorted(p for p in site_dir.iterdir() if p.is_dir()):
            file = run_dir / RESULTS_FILE
            if run_dir.name == current["run_id"] or not file.is_file():
                continue
            point = earlier_point(file, regulation)
            if point is not None:
                points.append(point)
    points.append(
        TrendPoint(
            current["run_id"],
            current["started"],
            current["summary"]["compliance_percent"],
            current["summary"]["duties"],
        )
    )
    return points
