"""Commands: ``kentops audit`` and ``kentops duties coverage``.

Exit codes: 0 every required control passes (audit) / every technical duty is automated
(coverage); 1 otherwise; 2 invalid input or usage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kentops.compliance.catalog import Catalogs, load_catalogs
from kentops.compliance.coverage import (
    Baseline,
    BaselineUnavailable,
    Coverage,
    CoverageDelta,
    catalogs_at,
    compare,
    coverage,
    default_revision,
)
from kentops.compliance.engine import DEFAULT_EVIDENCE_ROOT, run_audit
from kentops.compliance.model import Status
from kentops.compliance.report import write_reports
from kentops.yamlsource import InvalidInput

console = Console()
err_console = Console(stderr=True)

duties_app = typer.Typer(help="Duty catalogs of the regulations.", no_args_is_help=True)


def _invalid(exc: InvalidInput, as_json: bool) -> typer.Exit:
    if as_json:
        print(
            json.dumps(
                {"valid": False, "problems": [p.as_dict() for p in exc.problems]},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for problem in exc.problems:
            err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
        err_console.print(f"[bold red]{len(exc.problems)} problem(s); nothing was run.[/]")
    return typer.Exit(2)


def audit(
    inventory: Annotated[Path, typer.Argument(help="Inventory folder, e.g. inventories/demo")],
    regulation: Annotated[
        str | None,
        typer.Option("--regulation", help="Duty catalog id (default: the site's regulation)"),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Report folder")] = Path("reports"),
    lang: Annotated[str, typer.Option("--lang", help="Report language: tr or en")] = "tr",
    lab: Annotated[
        bool, typer.Option("--lab", help="Collect live evidence from the local lab")
    ] = False,
    policies: Annotated[Path, typer.Option("--policies", help="Policy folder")] = Path("policies"),
    evidence: Annotated[
        Path, typer.Option("--evidence", help="Evidence folder")
    ] = DEFAULT_EVIDENCE_ROOT,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
    history: Annotated[
        bool,
        typer.Option("--history", help="List earlier runs in --out (summary, %); audit nothing"),
    ] = False,
) -> None:
    """Collect evidence, evaluate every control, map to the duties, write the reports."""
    if lang not in {"tr", "en"}:
        err_console.print("--lang must be tr or en")
        raise typer.Exit(2)
    if history:
        _print_history(inventory, out, regulation, as_json)
        return
    try:
        if as_json:
            result = run_audit(
                inventory,
                policy_dir=policies,
                regulation=regulation,
                evidence_root=evidence,
                lab=lab,
            )
        else:
            with console.status("denetim / audit") as status:
                result = run_audit(
                    inventory,
                    policy_dir=policies,
                    regulation=regulation,
                    evidence_root=evidence,
                    lab=lab,
                    progress=status.update,
                )
    except InvalidInput as exc:
        raise _invalid(exc, as_json) from None
    files = write_reports(result, out, lang)
    counts = result.duty_counts()
    required = result.required_failures()
    if as_json:
        doc = json.loads(files.results.read_text(encoding="utf-8"))
        print(
            json.dumps(
                {
                    "site": doc["site"],
                    "regulation": doc["regulation"]["id"],
                    "run_id": doc["run_id"],
                    "exit_code": result.exit_code,
                    "summary": doc["summary"],
                    "reports": {
                        "html": str(files.html),
                        "results": str(files.results),
                        "junit": str(files.junit),
                        "oscal": str(files.oscal),
                    },
                    "evidence": doc["evidence"],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        raise typer.Exit(result.exit_code)
    table = Table(title=f"{result.site.name}: {result.regulation.id} ({result.run_id})")
    table.add_column("durum / status")
    table.add_column("görev / duties", justify="right")
    for label in Status:
        table.add_row(f"{label.value} / {label.en}", str(counts.get(label, 0)))
    console.print(table)
    failed = sum(1 for r in required if r.status is Status.NONCOMPLIANT)
    unassessed = len(required) - failed
    if required:
        console.print(
            f"[bold red]Zorunlu kontroller geçmedi / required controls do not pass:[/] "
            f"{failed} uyumsuz / non-compliant, {unassessed} değerlendirilmedi / not assessed",
            soft_wrap=True,
        )
    else:
        console.print(
            "[bold green]Zorunlu kontrollerin tümü geçti / every required control passes[/]"
        )
    # Plain lines (never wrapped): scripts read the report path from them.
    print(f"Rapor / report: {files.html}")
    print(f"Kanıt / evidence: {result.evidence_dir}")
    raise typer.Exit(result.exit_code)


def duties_coverage(
    regulation: Annotated[
        str | None, typer.Option("--regulation", help="Duty catalog id (default: all)")
    ] = None,
    policies: Annotated[Path, typer.Option("--policies", help="Policy folder")] = Path("policies"),
    against: Annotated[
        str | None,
        typer.Option(
            "--against",
            help="Git revision whose catalogs to compare with (default: the merge base with "
            "the upstream or main branch, else HEAD)",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Duties automated / manual / not applicable per regulation, and the change against the
    catalogs of a git revision; every technical duty must be automated (exit 1 lists those
    that are not)."""
    try:
        catalogs: Catalogs = load_catalogs(policies)
    except InvalidInput as exc:
        raise _invalid(exc, as_json) from None
    if regulation is not None and regulation not in catalogs.regulations:
        known = ", ".join(sorted(catalogs.regulations))
        err_console.print(f"no duty catalog '{regulation}'; use one of: {known}", soft_wrap=True)
        raise typer.Exit(2)
    rows = coverage(catalogs, regulation)
    code = 0 if all(r.ok for r in rows) else 1
    baseline, why_not = _baseline(policies, against)
    deltas = {d.regulation: d for d in compare(catalogs, baseline, regulation)} if baseline else {}
    if as_json:
        print(
            json.dumps(
                {
                    "ok": code == 0,
                    "regulations": [
                        r.as_dict() | {"change": deltas[r.regulation].as_dict() if deltas else None}
                        for r in rows
                    ],
                    "against": None
                    if baseline is None
                    else {
                        "revision": baseline.revision,
                        "commit": baseline.commit,
                        "unreadable": baseline.unreadable,
                        "removed": [d.regulation for d in deltas.values() if d.after is None],
                    },
                    "against_unavailable": why_not,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        raise typer.Exit(code)
    table = Table(
        title="Görev kapsamı / duty coverage",
        caption="görev=duties otomatik=automated manuel=manual kapsam dışı=not applicable "
        "teknik=technical",
    )
    for name in (
        "yönetmelik",
        "görev",
        "otomatik",
        "manuel",
        "kapsam dışı",
        "teknik",
        "otomatik olmayan teknik",
    ):
        first = name.startswith("yön")
        table.add_column(name, justify="left" if first else "right", no_wrap=first)
    for r in rows:
        delta = deltas.get(r.regulation)

        def cell(name: str, delta: CoverageDelta | None = delta, r: Coverage = r) -> str:
            moved = delta.delta(name) if delta is not None else 0
            return f"{getattr(r, name)} ({moved:+d})" if moved else str(getattr(r, name))

        table.add_row(
            r.regulation + (" (yeni / new)" if delta and delta.before is None else ""),
            cell("duties"),
            cell("automated"),
            cell("manual"),
            cell("not_applicable"),
            cell("technical"),
            ", ".join(r.technical_not_automated) or "-",
        )
    if baseline is not None:
        table.caption = (
            f"{table.caption}\n(+n/-n): {baseline.revision} ({baseline.commit[:10]}) "
            "sürümüne göre değişim / change against that revision"
        )
    console.print(table)
    _print_changes(deltas, baseline, why_not)
    for r in rows:
        if r.technical_not_automated:
            console.print(
                f"[bold red]{r.regulation}: teknik görev kontrole bağlı değil / technical duty "
                f"not automated:[/] {', '.join(r.technical_not_automated)}",
                soft_wrap=True,
            )
    raise typer.Exit(code)


_KIND_LABELS = {
    "controls": "otomatik/automated",
    "manual": "manuel/manual",
    "not_applicable": "kapsam dışı/n.a.",
    None: "yok/absent",
}


def _baseline(policies: Path, against: str | None) -> tuple[Baseline | None, str | None]:
    """The catalogs to compare with, or why there are none. An explicit ``--against`` that
    cannot be read is a usage error (exit 2); the default is skipped with a note."""
    try:
        revision = against if against is not None else default_revision(policies)
        return catalogs_at(policies, revision), None
    except BaselineUnavailable as exc:
        if against is not None:
            err_console.print(
                f"--against {against}: {exc}; give a git revision of the repository that "
                "holds the policy folder",
                soft_wrap=True,
                markup=False,
            )
            raise typer.Exit(2) from None
        return None, str(exc)


def _print_changes(
    deltas: dict[str, CoverageDelta], baseline: Baseline | None, why_not: str | None
) -> None:
    if baseline is None:
        console.print(f"karşılaştırma yok / no comparison: {why_not}", soft_wrap=True, markup=False)
        return
    for name, why in sorted(baseline.unreadable.items()):
        console.print(
            f"{baseline.revision}:{name} okunamadı / could not be read: {why}",
            soft_wrap=True,
            markup=False,
        )
    changed = [
        d
        for d in deltas.values()
        if d.changes or d.control_changes or d.before is None or d.after is None
    ]
    if not changed:
        console.print(
            f"{baseline.revision} ({baseline.commit[:10]}) sürümüne göre görev değişikliği "
            "yok / no duty changed against that revision",
            soft_wrap=True,
            markup=False,
        )
        return
    for d in changed:
        if d.after is None:
            console.print(f"{d.regulation}: katalog kaldırıldı / catalog removed", markup=False)
            continue
        moves = "; ".join(
            f"{c.duty} {_KIND_LABELS[c.before]} → {_KIND_LABELS[c.after]}" for c in d.changes
        )
        if moves or not d.control_changes:
            console.print(f"{d.regulation}: {moves or '-'}", soft_wrap=True, markup=False)
        if d.control_changes:
            console.print(
                f"{d.regulation}: kontrolleri değişen görev / duties whose controls changed: "
                + "; ".join(
                    c.duty
                    + "".join(f" +{x}" for x in c.added)
                    + "".join(f" -{x}" for x in c.removed)
                    for c in d.control_changes
                ),
                soft_wrap=True,
                markup=False,
            )


def _print_history(inventory: Path, out: Path, regulation: str | None, as_json: bool) -> None:
    """The earlier runs of the site's regulation under ``out``, as the HTML trend reads them."""
    from kentops.compliance.report.document import RESULTS_FILE, earlier_point
    from kentops.inventory.loader import load_inventory

    try:
        site = load_inventory(inventory).inventory.site
    except InvalidInput as exc:
        raise _invalid(exc, as_json) from None
    wanted = regulation or site.regulation
    site_dir = out / site.id
    runs = sorted(site_dir.iterdir()) if site_dir.is_dir() else []
    points = [p for r in runs if (p := earlier_point(r / RESULTS_FILE, wanted)) is not None]
    if as_json:
        rows = [
            {
                "run_id": p.run_id,
                "started": p.started,
                "compliance_percent": p.percent,
                "duties": p.counts,
            }
            for p in points
        ]
        print(
            json.dumps(
                {"site": site.id, "regulation": wanted, "runs": rows}, ensure_ascii=False, indent=2
            )
        )
        return
    table = Table(title=f"{site.name}: {wanted} — denetim geçmişi / audit history ({site_dir})")
    table.add_column("çalıştırma / run")
    table.add_column("uyum / compliance", justify="right")
    table.add_column("görevler / duties")
    for point in points:
        percent = "—" if point.percent is None else f"%{point.percent:.1f}"
        counts = [
            f"{label.value} {point.counts[label.value]}"
            for label in Status
            if point.counts.get(label.value)
        ]
        table.add_row(point.run_id, percent, ", ".join(counts))
    console.print(table)
    if not points:
        console.print(f"Önceki denetim yok / no earlier audit in {site_dir}")


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
    duties_app.command("coverage")(duties_coverage)
    app.add_typer(duties_app, name="duties")
