"""assessment-results.json: the audit in OSCAL assessment-results form.

Written for the OSCAL version compliance-trestle validates (trestle.oscal.OSCAL_VERSION): one
result, one observation per control and subject, one finding per control and one per duty.
UUIDs are derived from the run, so the same run always gives the same document.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from kentops.compliance.model import Status

#: The OSCAL version of the document; trestle 4 validates 1.2.x.
OSCAL_VERSION = "1.2.1"
_NAMESPACE = uuid.UUID("6f1d3e6c-3c8a-5e0b-9a43-4b1d0c6b2a11")
_TOKEN = re.compile(r"[^\w.\-]")


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def _token(text: str) -> str:
    token = _TOKEN.sub("_", text)
    return token if token[:1].isalpha() or token[:1] == "_" else f"_{token}"


def _state(status: str) -> dict[str, str]:
    if status in {Status.COMPLIANT.value, Status.ATTESTED.value}:
        return {"state": "satisfied"}
    reason = {
        Status.NONCOMPLIANT.value: "fail",
        Status.PARTIAL.value: "partial",
        Status.NOT_ASSESSED.value: "not-assessed",
        Status.NOT_APPLICABLE.value: "not-applicable",
    }[status]
    return {"state": "not-satisfied", "reason": reason}


def _methods(kinds: list[str]) -> list[str]:
    return (
        ["TEST"]
        if any(k not in {"inventory", "policies", "attestation"} for k in kinds)
        else ["EXAMINE"]
    )


def render_oscal(doc: dict[str, Any]) -> dict[str, Any]:
    run = doc["run_id"]
    site = doc["site"]["id"]
    reg = doc["regulation"]
    items: dict[str, dict[str, Any]] = {}
    observations: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    for control in doc["controls"]:
        related = []
        for row in control["results"]:
            subject_uuid = _uuid(site, "subject", row["subject"])
            if row["subject"] not in items:
                props = [
                    {"name": "asset-id", "value": row["subject"]},
                    {"name": "asset-kind", "value": row["subject_kind"]},
                ]
                if row.get("building"):
                    props.append({"name": "building", "value": row["building"]})
                if row.get("unit"):
                    props.append({"name": "unit", "value": row["unit"]})
                items[row["subject"]] = {
                    "uuid": subject_uuid,
                    "description": row.get("subject_name") or row["subject"],
                    "props": props,
                }
            obs_uuid = _uuid(site, run, "observation", control["id"], row["subject"])
            related.append({"observation-uuid": obs_uuid})
            evidence = sorted({e for f in row["findings"] for e in f["evidence"]})
            observation: dict[str, Any] = {
                "uuid": obs_uuid,
                "title": f"{control['id']} {row['subject']}",
                "description": " ".join(f["en"] for f in row["findings"]) or row["status"],
                "props": [
                    {"name": "status", "value": Status(row["status"]).en.replace(" ", "-")},
                    {"name": "outcome", "value": row["outcome"]},
                ],
                "methods": _methods(control["evidence_kinds"]),
                "subjects": [{"subject-uuid": subject_uuid, "type": "inventory-item"}],
                "collected": doc["started"],
            }
            if row["waived"]:
                observation["props"].append({"name": "waiver", "value": row["waiver"]})
            if evidence:
                observation["relevant-evidence"] = [
                    {"href": f"evidence/{ref}", "description": ref} for ref in evidence
                ]
            observations.append(observation)
        finding: dict[str, Any] = {
            "uuid": _uuid(site, run, "finding", control["id"]),
            "title": f"{control['id']}: {control['title']['en']}",
            "description": control["title"]["tr"],
            "props": [
                {"name": "severity", "value": control["severity"]},
                {"name": "required", "value": str(control["required"]).lower()},
            ],
            "target": {
                "type": "objective-id",
                "target-id": _token(control["id"]),
                "status": _state(control["status"]),
            },
        }
        if related:
            finding["related-observations"] = related
        findings.append(finding)
    for duty in doc["duties"]:
        findings.append(
            {
                "uuid": _uuid(site, run, "duty", reg["id"], duty["id"]),
                "title": f"{reg['id']} {duty['id']} ({duty['article']})",
                "description": duty["summary"]["tr"] + " / " + duty["summary"]["en"],
                "props": [
                    {"name": "duty-kind", "value": duty["kind"]},
                    {"name": "unit", "value": duty["unit"]},
                    {"name": "bound", "value": duty["bound"]["id"]},
                ]
                + [{"name": "control", "value": c["id"]} for c in duty["controls"]],
                "target": {
                    "type": "statement-id",
                    "target-id": _token(f"{reg['id']}_{duty['id']}"),
                    "status": _state(duty["status"]),
                },
            }
        )
    result: dict[str, Any] = {
        "uuid": _uuid(site, run, "result"),
        "title": f"{doc['site']['name']}: {reg['id']} ({run})",
        "description": reg["title"]["tr"] + " / " + reg["title"]["en"],
        "start": doc["started"],
        "end": doc["finished"],
        "props": [
            {"name": "compliance-percent", "value": str(doc["summary"]["compliance_percent"])},
            {"name": "exit-code", "value": str(doc["exit_code"])},
        ],
        "reviewed-controls": {
            "control-selections": [
                {"include-controls": [{"control-id": _token(c["id"])} for c in doc["controls"]]}
            ]
        },
        "observations": observations,
        "findings": findings,
    }
    if items:
        result["local-definitions"] = {"inventory-items": list(items.values())}
    return {
        "assessment-results": {
            "uuid": _uuid(site, run, "assessment-results"),
            "metadata": {
                "title": f"kentops audit {doc['site']['name']} {reg['id']} {run}",
                "last-modified": doc["finished"],
                "version": run,
                "oscal-version": OSCAL_VERSION,
            },
            "import-ap": {"href": f"urn:kentops:assessment-plan:{site}:{reg['id']}"},
            "results": [result],
        }
    }
