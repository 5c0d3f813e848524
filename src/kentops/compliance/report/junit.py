"""junit.xml: one test case per control and subject, so CI shows what fails.

Non-compliant results are ``<failure>``, results not assessed are ``<skipped>`` (the
evidence was not collected), results out of scope are ``<skipped>`` with that message.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from kentops.compliance.model import Status


def _message(row: dict[str, Any], outcome: str) -> str:
    texts = [f["en"] for f in row["findings"] if f["outcome"] == outcome]
    return "; ".join(texts) or row["status"]


def render_junit(doc: dict[str, Any]) -> str:
    suites = ET.Element("testsuites", name=f"kentops audit {doc['site']['id']} {doc['run_id']}")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for control in doc["controls"]:
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"{control['id']} {control['title']['en']}",
            timestamp=doc["started"],
            time=f"{control['seconds']:.4f}",
        )
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        props = ET.SubElement(suite, "properties")
        for name, value in (
            ("severity", control["severity"]),
            ("required", str(control["required"]).lower()),
            ("area", control["area"]),
        ):
            ET.SubElement(props, "property", name=name, value=value)
        for row in control["results"]:
            counts["tests"] += 1
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{control['id']}.{row['subject_kind']}",
                name=row["subject"],
                time="0",
            )
            status = row["status"]
            if status == Status.NONCOMPLIANT.value:
                counts["failures"] += 1
                failure = ET.SubElement(
                    case, "failure", message=_message(row, "fail"), type=control["severity"]
                )
                failure.text = "\n".join(f"{f['tr']} / {f['en']}" for f in row["findings"])
            elif status == Status.NOT_ASSESSED.value:
                counts["skipped"] += 1
                ET.SubElement(
                    case, "skipped", message="not assessed: " + _message(row, "not_assessed")
                )
            elif status == Status.NOT_APPLICABLE.value:
                counts["skipped"] += 1
                ET.SubElement(
                    case, "skipped", message="not applicable: " + _message(row, "not_applicable")
                )
            elif row["waived"]:
                out = ET.SubElement(case, "system-out")
                out.text = f"waived by {row['waiver']}: " + _message(row, row["outcome"])
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("errors", "0")
    for key, value in totals.items():
        suites.set(key, str(value))
    suites.set("errors", "0")
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )
