"""Audit reports: index.html, results.json, junit.xml and OSCAL assessment-results.json,
written to ``<out>/<site>/<run-id>/``; the HTML trend reads earlier runs in ``<out>/<site>/``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from kentops.compliance.engine import AuditResult
from kentops.compliance.report.document import RESULTS_FILE, load_trend, results_document
from kentops.compliance.report.html import render_html
from kentops.compliance.report.junit import render_junit
from kentops.compliance.report.oscal import render_oscal

HTML_FILE = "index.html"
JUNIT_FILE = "junit.xml"
OSCAL_FILE = "assessment-results.json"


@dataclass(frozen=True)
class ReportFiles:
    folder: Path
    html: Path
    results: Path
    junit: Path
    oscal: Path


def write_reports(result: AuditResult, out: Path, lang: str = "tr") -> ReportFiles:
    """Write the four reports of one audit run; return where they are."""
    folder = out / result.site.id / result.run_id
    folder.mkdir(parents=True, exist_ok=True)
    doc = results_document(result)
    trend = load_trend(out / result.site.id, result.regulation.id, doc)
    files = ReportFiles(
        folder=folder,
        html=folder / HTML_FILE,
        results=folder / RESULTS_FILE,
        junit=folder / JUNIT_FILE,
        oscal=folder / OSCAL_FILE,
    )
    files.results.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    files.html.write_text(render_html(doc, trend, lang), encoding="utf-8")
    files.junit.write_text(render_junit(doc), encoding="utf-8")
    files.oscal.write_text(
        json.dumps(render_oscal(doc), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return files


__all__ = ["ReportFiles", "write_reports"]
