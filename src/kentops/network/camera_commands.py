"""``kentops cameras deploy``: the rendered ISAPI documents onto cameras (dry run by default).

Exit codes: 0 every camera compliant or (with ``--commit``) changed and verified; 1 a camera
differs (dry run), failed or was rolled back, or could not be reached; 2 invalid input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from kentops.inventory.loader import load_inventory
from kentops.network.cameras import deploy_cameras, results_json
from kentops.yamlsource import InvalidInput

console = Console()
err_console = Console(stderr=True)
cameras_app = typer.Typer(help="Cameras and recorders (Hikvision ISAPI).", no_args_is_help=True)


@cameras_app.command("deploy")
def deploy(
    inventory: Annotated[Path, typer.Argument(help="Inventory folder, e.g. inventories/demo")],
    lab: Annotated[bool, typer.Option("--lab", help="The cameras of the local lab")] = False,
    commit: Annotated[
        bool, typer.Option("--commit", help="Apply (without it: show what would change)")
    ] = False,
    host: Annotated[list[str] | None, typer.Option("--host", help="Only this camera")] = None,
    policies: Annotated[Path, typer.Option("--policies", help="Policy folder")] = Path("policies"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON")] = False,
) -> None:
    """Compare each camera with its rendered ISAPI documents; with --commit, PUT and verify."""
    try:
        loaded = load_inventory(inventory)
        with Progress(console=err_console, disable=as_json) as progress:
            task = progress.add_task("kameralar / cameras", total=None)

            def done(_name: str, _ok: bool) -> None:
                progress.advance(task)

            results, skipped = deploy_cameras(
                loaded, policies, lab=lab, commit=commit, hosts=host, progress=done
            )
    except InvalidInput as exc:
        for problem in exc.problems:
            err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    bad = [r for r in results if not r.ok or (not commit and r.status == "would_change")]
    code = 1 if bad or (host and skipped) else 0
    if as_json:
        print(results_json(results, skipped))
        raise typer.Exit(code)
    table = Table(title="kentops cameras deploy" + (" --commit" if commit else " (dry run)"))
    for column in ("kamera / camera", "durum / status", "belgeler / documents", "neden / reason"):
        table.add_column(column)
    for r in results:
        changed = [d.name for d in r.documents if d.action != "unchanged"]
        table.add_row(r.asset_id, r.status, ", ".join(changed), r.reason or "")
    for name, why in skipped.items():
        table.add_row(name, "not attempted", "", why)
    console.print(table)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.add_typer(cameras_app, name="cameras")
