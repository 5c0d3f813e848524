"""index.html: one self-contained page (no external file, font or script) that prints to PDF."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from kentops.compliance.model import STATUS_EN, STATUS_ORDER, Status
from kentops.compliance.report.document import TrendPoint, duty_sort_key

TEMPLATES = Path(__file__).parent / "templates"
#: Rows of failing subjects listed per control before "and N more".
FAILURES_PER_CONTROL = 25

STATUS_CSS = {
    Status.COMPLIANT: "ok",
    Status.PARTIAL: "partial",
    Status.NONCOMPLIANT: "fail",
    Status.NOT_ASSESSED: "na",
    Status.NOT_APPLICABLE: "out",
    Status.ATTESTED: "att",
}

LABELS: dict[str, dict[str, str]] = {
    "tr": {
        "title": "Uyum denetimi raporu",
        "regulation": "Yönetmelik",
        "run": "Denetim",
        "started": "Başlangıç",
        "finished": "Bitiş",
        "verdict": "Sonuç",
        "verdict_ok": "Zorunlu kontrollerin tümü geçti",
        "verdict_fail": "Zorunlu kontrollerden geçmeyen var",
        "required_failed": "zorunlu kontrol sonucu uyumsuz",
        "required_na": "zorunlu kontrol sonucu değerlendirilmedi",
        "compliance": "Uyum oranı (kapsamdaki görevler)",
        "duties": "Görevler",
        "summary": "Özet",
        "trend": "Önceki denetimlere göre eğilim",
        "trend_one": "Bu klasörde bu yönetmelik için önceki denetim yok; "
        "eğilim sonraki denetimlerle oluşur.",
        "by_unit": "Birimlere göre görevler",
        "by_building": "Binalara göre kontrol sonuçları",
        "by_owner": "Varlık sahibi birimlere göre kontrol sonuçları",
        "unit": "Birim",
        "bound": "Yükümlü",
        "building": "Bina",
        "total": "Toplam",
        "duty_table": "Görev tablosu (maddelere göre; önce sorunlu olanlar)",
        "article": "Madde",
        "duty": "Görev",
        "summary_col": "Özet",
        "status": "Durum",
        "controls": "Kontroller",
        "evidence": "Kanıt",
        "time": "Zaman",
        "attested_by": "Beyan",
        "not_applicable_reason": "Kapsam dışı",
        "failures": "Geçmeyen kontrol sonuçları",
        "design": "Amaçlanan yapılandırmada (tasarımda) görülen sorunlar",
        "design_note": "Bu sonuçlar kentops'un ürettiği amaçlanan yapılandırmaya aittir; "
        "cihazın durumunu belirlemez. Cihazın durumu yalnızca bu denetimde cihazdan okunan "
        "kanıta dayanır.",
        "no_failures": "Uyumsuz kontrol sonucu yok.",
        "control": "Kontrol",
        "subject": "Varlık",
        "finding": "Bulgu",
        "more": "daha",
        "all_controls": "Tüm kontroller",
        "required": "Zorunlu",
        "severity": "Önem",
        "yes": "evet",
        "no": "hayır",
        "waivers": "Muafiyetler (istisnalar)",
        "waiver": "Muafiyet",
        "asset": "Varlık",
        "justification": "Gerekçe",
        "approved_by": "Onaylayan",
        "expires": "Bitiş tarihi",
        "state": "Durum",
        "valid": "geçerli",
        "expired": "süresi dolmuş",
        "future": "ileri tarihli",
        "waived": "muafiyetli",
        "attestations": "Beyanlar",
        "by": "Beyan eden",
        "date": "Tarih",
        "valid_until": "Geçerlilik",
        "document": "Belge",
        "catalog_findings": "Katalog ve yönetmelik metni hakkında bulgular",
        "origin_catalog": "katalog",
        "origin_engine": "denetim motoru",
        "collectors": "Kanıt toplayıcılar",
        "collector": "Toplayıcı",
        "kinds": "Kanıt türleri",
        "items": "Öğe",
        "reason": "Açıklama",
        "collected": "toplandı",
        "not_collected": "toplanmadı",
        "error": "hata",
        "evidence_dir": "Kanıt klasörü (SHA-256 özetleri manifest.json içinde)",
        "generated": "kentops tarafından üretildi",
        "none": "yok",
        "results": "sonuç",
    },
    "en": {
        "title": "Compliance audit report",
        "regulation": "Regulation",
        "run": "Audit",
        "started": "Started",
        "finished": "Finished",
        "verdict": "Verdict",
        "verdict_ok": "Every required control passes",
        "verdict_fail": "Some required controls do not pass",
        "required_failed": "required control result(s) non-compliant",
        "required_na": "required control result(s) not assessed",
        "compliance": "Compliance (duties in scope)",
        "duties": "Duties",
        "summary": "Summary",
        "trend": "Trend against earlier audits",
        "trend_one": "No earlier audit of this regulation in this folder; "
        "the trend builds up with the next audits.",
        "by_unit": "Duties by unit",
        "by_building": "Control results by building",
        "by_owner": "Control results by owning unit",
        "unit": "Unit",
        "bound": "Bound",
        "building": "Building",
        "total": "Total",
        "duty_table": "Duty table (by article; failing first)",
        "article": "Article",
        "duty": "Duty",
        "summary_col": "Summary",
        "status": "Status",
        "controls": "Controls",
        "evidence": "Evidence",
        "time": "Time",
        "attested_by": "Attestation",
        "not_applicable_reason": "Not applicable",
        "failures": "Failing control results",
        "design": "Problems seen in the intended configuration (the design)",
        "design_note": "These results are about the intended configuration kentops rendered; "
        "they do not decide a device's status, which rests only on evidence read from the "
        "device in this audit.",
        "no_failures": "No non-compliant control result.",
        "control": "Control",
        "subject": "Asset",
        "finding": "Finding",
        "more": "more",
        "all_controls": "All controls",
        "required": "Required",
        "severity": "Severity",
        "yes": "yes",
        "no": "no",
        "waivers": "Waivers (exceptions)",
        "waiver": "Waiver",
        "asset": "Asset",
        "justification": "Justification",
        "approved_by": "Approved by",
        "expires": "Expires",
        "state": "State",
        "valid": "valid",
        "expired": "expired",
        "future": "future-dated",
        "waived": "waived",
        "attestations": "Attestations",
        "by": "Attested by",
        "date": "Date",
        "valid_until": "Valid until",
        "document": "Document",
        "catalog_findings": "Findings about the catalogs and the regulation text",
        "origin_catalog": "catalog",
        "origin_engine": "audit engine",
        "collectors": "Evidence collectors",
        "collector": "Collector",
        "kinds": "Evidence kinds",
        "items": "Items",
        "reason": "Note",
        "collected": "collected",
        "not_collected": "not collected",
        "error": "error",
        "evidence_dir": "Evidence folder (SHA-256 digests in manifest.json)",
        "generated": "generated by kentops",
        "none": "none",
        "results": "results",
    },
}


def status_label(value: str, lang: str) -> str:
    status = Status(value)
    return STATUS_EN[status] if lang == "en" else status.value


def badge(value: str, lang: str) -> Markup:
    status = Status(value)
    return Markup('<span class="badge {}">{}</span>').format(
        STATUS_CSS[status], status_label(value, lang)
    )


def trend_svg(points: Sequence[TrendPoint], lang: str) -> Markup:
    """A small line chart of the compliance percentage over the audits, inline SVG."""
    width, height, pad = 640, 180, 34
    values = [p.percent for p in points]
    n = len(points)
    step = (width - 2 * pad) / max(n - 1, 1)

    def x(i: int) -> float:
        return pad + i * step if n > 1 else width / 2

    def y(v: float) -> float:
        return height - pad - (height - 2 * pad) * v / 100

    parts = [
        f'<svg class="trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{LABELS[lang]["trend"]}">'
    ]
    for level in (0, 50, 100):
        parts.append(
            f'<line x1="{pad}" y1="{y(level):.1f}" x2="{width - pad}" y2="{y(level):.1f}" '
            'stroke="#ccc" stroke-width="1"/>'
            f'<text x="4" y="{y(level) + 4:.1f}" font-size="10" fill="#555">%{level}</text>'
        )
    coords = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
    if len(coords) > 1:
        path = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords)
        parts.append(f'<polyline fill="none" stroke="#1f5fa8" stroke-width="2" points="{path}"/>')
    for i, point in enumerate(points):
        if point.percent is None:
            continue
        label = escape(point.run_id)
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(point.percent):.1f}" r="4" fill="#1f5fa8">'
            f"<title>{label}: %{point.percent}</title></circle>"
            f'<text x="{x(i):.1f}" y="{y(point.percent) - 8:.1f}" font-size="10" '
            f'text-anchor="middle">%{point.percent}</text>'
            f'<text x="{x(i):.1f}" y="{height - 10}" font-size="9" text-anchor="middle" '
            f'fill="#555">{escape(point.run_id[:8])}</text>'
        )
    parts.append("</svg>")
    # Every value above is a number we formatted or text passed through escape().
    return Markup("".join(parts))  # noqa: S704


def failing_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Controls with non-compliant subjects: required first, then by severity."""
    rank = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    out = []
    for control in doc["controls"]:
        bad = [r for r in control["results"] if r["status"] == Status.NONCOMPLIANT.value]
        if not bad:
            continue
        out.append(
            {
                "control": control,
                "rows": bad[:FAILURES_PER_CONTROL],
                "more": max(0, len(bad) - FAILURES_PER_CONTROL),
                "total": len(bad),
            }
        )
    out.sort(
        key=lambda c: (
            not c["control"]["required"],
            rank[c["control"]["severity"]],
            c["control"]["id"],
        )
    )
    return out


def design_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Controls whose check failed on the intended configuration of some subject."""
    out = []
    for control in doc["controls"]:
        bad = [
            r for r in control["results"] if r.get("design") and r["design"]["outcome"] == "fail"
        ]
        if bad:
            out.append(
                {
                    "control": control,
                    "rows": bad[:FAILURES_PER_CONTROL],
                    "more": max(0, len(bad) - FAILURES_PER_CONTROL),
                    "total": len(bad),
                }
            )
    return out


def articles(doc: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Duties grouped by article; articles with the worst duty first, failing duties first."""
    duties = doc["duties"]
    order = {d["article"]: i for i, d in reversed(list(enumerate(duties)))}
    groups = []
    for article, items in groupby(
        sorted(duties, key=lambda d: order[d["article"]]), key=lambda d: d["article"]
    ):
        rows = sorted(items, key=duty_sort_key)
        groups.append((article, rows))
    groups.sort(key=lambda g: (STATUS_ORDER[Status(g[1][0]["status"])], order[g[0]]))
    return groups


def render_html(doc: dict[str, Any], trend: Sequence[TrendPoint], lang: str) -> str:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        badge=lambda v: badge(v, lang),
        status_label=lambda v: status_label(v, lang),
        statuses=[s.value for s in Status],
    )
    template = env.get_template("index.html.j2")
    return template.render(
        doc=doc,
        lang=lang,
        t=LABELS[lang],
        trend=trend,
        trend_svg=trend_svg(trend, lang),
        articles=articles(doc),
        failures=failing_rows(doc),
        design=design_rows(doc),
    )
