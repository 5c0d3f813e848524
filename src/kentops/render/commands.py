"""``kentops render``: the intended configuration of every device, validated.

Exit codes: 0 rendered and valid; 1 a template error or an invalid output (each named by
template, line and device); 2 invalid inventory or policy (every problem printed).
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kentops.inventory.loader import LoadedInventory, load_inventory
from kentops.policy import Policies, load_policies
from kentops.render import DEFAULT_OUT, RenderReport, render_site
from kentops.yamlsource import InvalidInput

console = Console()
err_console = Console(stderr=True)

InventoryArg = Annotated[Path, typer.Argument(help="Inventory folder, e.g. inventories/demo")]
PoliciesOpt = Annotated[
    Path, typer.Option("--policies", help="Policy folder (access.yml, backup.yml, ...)")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text")]


def load_inputs(inventory: Path, policies: Path, as_json: bool) -> tuple[LoadedInventory, Policies]:
    """Inventory and policies, or exit 2 after printing every problem."""
    try:
        loaded = load_inventory(inventory)
        return loaded, load_policies(policies, loaded)
    except InvalidInput as exc:
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
            err_console.print(f"[bold red]{len(exc.problems)} problem(s); nothing was rendered.[/]")
        raise typer.Exit(2) from None


def render_with_progress(
    loaded: LoadedInventory,
    policies_dir: Path,
    policies: Policies,
    *,
    out: Path | None,
    hosts: list[str] | None,
    jobs: int | None,
    resolve_env: bool,
    quiet: bool,
) -> RenderReport:
    with Progress(
        TextColumn("[bold]render[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=quiet,
        transient=True,
    ) as progress:
        task = progress.add_task("render", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            return render_site(
                loaded,
                policies_dir,
                out=out,
                hosts=hosts,
                jobs=jobs,
                policies=policies,
                resolve_env=resolve_env,
                progress=advance,
            )
        except InvalidInput as exc:
            for problem in exc.problems:
                err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None


def unified_diff(report: RenderReport, out: Path) -> list[str]:
    """A unified diff of every artefact against the previous build under ``out``."""
    lines: list[str] = []
    rendered = {a.path for a in report.artefacts}
    for artefact in report.artefacts:
        previous_path = out / artefact.path
        previous = (
            previous_path.read_text(encoding="utf-8").splitlines(keepends=True)
            if previous_path.is_file()
            else []
        )
        current = artefact.text.splitlines(keepends=True)
        if previous != current:
            lines.extend(
                difflib.unified_diff(
                    previous,
                    current,
                    fromfile=f"a/{artefact.path}" if previous else "/dev/null",
                    tofile=f"b/{artefact.path}",
                )
            )
    site_dir = out / report.site
    if site_dir.is_dir() and report.devices and rendered:
        devices = {a.device_id for a in report.artefacts}
        for path in sorted(site_dir.rglob("*")):
            rel = path.relative_to(out).as_posix()
            if path.is_file() and rel not in rendered and rel.split("/")[1] in devices:
                old = path.read_text(encoding="utf-8").splitlines(keepends=True)
                lines.extend(difflib.unified_diff(old, [], fromfile=f"a/{rel}", tofile="/dev/null"))
    return [line if line.endswith("\n") else line + "\n" for line in lines]


def render(
    inventory: InventoryArg,
    out: Annotated[Path, typer.Option("--out", help="Build folder")] = DEFAULT_OUT,
    host: Annotated[
        list[str] | None, typer.Option("--host", help="Only this device (repeatable)")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 on any problem")
    ] = False,
    diff: Annotated[
        bool, typer.Option("--diff", help="Show a unified diff against the previous build")
    ] = False,
    as_json: JsonOpt = False,
    policies: PoliciesOpt = Path("policies"),
    jobs: Annotated[
        int | None, typer.Option("--jobs", help="Worker processes (default: CPU count)")
    ] = None,
    resolve_env: Annotated[
        bool,
        typer.Option(
            "--resolve-env",
            help="Fill env: secret references from the environment "
            "(deploy time only; the build then holds secrets)",
        ),
    ] = False,
) -> None:
    """Render intended configurations to <out>/<site>/<device>/<artefact>, validated."""
    if resolve_env and diff:
        err_console.print(
            "--diff cannot be combined with --resolve-env: the diff would print secrets;"
            " diff without --resolve-env (the secrets stay placeholders)"
        )
        raise typer.Exit(2)
    loaded, policy_set = load_inputs(inventory, policies, as_json)
    report = render_with_progress(
        loaded,
        policies,
        policy_set,
        out=None,
        hosts=host,
        jobs=jobs,
        resolve_env=resolve_env,
        quiet=as_json,
    )
    diff_lines = unified_diff(report, out) if diff else []
    if not check:
        from kentops.render import write_artefacts

        write_artefacts(report, out, prune=not host, private=resolve_env)
        report.out = out if report.ok else out / "rejected"
    if as_json:
        data = report.as_dict()
        if diff:
            data["diff"] = "".join(diff_lines)
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        if diff_lines:
            console.print("".join(diff_lines), markup=False, highlight=False, end="")
        for problem in report.problems:
            err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
        verb = "checked" if check else f"written to {report.out}"
        status = "[green]valid[/]" if report.ok else f"[red]{len(report.problems)} problem(s)[/]"
        console.print(
            f"{report.devices} devices, {len(report.artefacts)} artefacts {verb} "
            f"in {report.seconds:.2f} s ({report.jobs} worker(s)): {status}"
        )
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("render")(render)
