"""``kentops drift`` and ``kentops deploy``: intended against running, and the fix.

``kentops drift INVENTORY [--lab] [--host H]... [--feature F]... [--live] [--json]`` compares
every network device's intended configuration with its latest backup (or, with ``--live``,
with what it runs now) per feature, and prints the remediation and rollback lines (secrets
masked). Exit 1 when a device drifts or could not be compared.

``kentops deploy INVENTORY [--lab] [--host H]... [--feature F]... [--commit] [--canary]
[--workers N] [--json]`` prints the remediation per device (a dry run, nothing changes);
with ``--commit`` it backs up, pushes, saves, verifies and rolls back a device that fails
(see :mod:`kentops.network.deploy`). Exit 1 when a device was not deployed.

Both: exit 2 on invalid input or usage (inventory, unknown host or feature, no lab).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kentops.network.commands import (
    CommandOpt,
    ConnectOpt,
    HostOpt,
    InventoryArg,
    JsonOpt,
    LabOpt,
    console,
    device_progress,
    load_or_exit,
    print_json,
    report_problems,
    selected_devices,
    timeouts_of,
    usage_error,
)
from kentops.network.connect import DEFAULT_WORKERS
from kentops.network.remediation import FEATURES
from kentops.yamlsource import InvalidInput

FeatureOpt = Annotated[
    list[str] | None,
    typer.Option("--feature", help=f"Only this feature (repeatable): {', '.join(FEATURES)}"),
]
StoreRootOpt = Annotated[
    Path | None,
    typer.Option("--store-root", help="Root of the backup histories (default var/backups)"),
]
WorkersOpt = Annotated[
    int, typer.Option("--workers", min=1, max=500, help="Devices worked on at once")
]


def _features(feature: list[str] | None, as_json: bool) -> list[str] | None:
    from kentops.network.drift import check_features

    try:
        return check_features(feature)
    except ValueError as exc:
        raise usage_error(str(exc), as_json) from None


def drift_command(
    inventory: InventoryArg,
    lab: LabOpt = False,
    host: HostOpt = None,
    feature: FeatureOpt = None,
    live: Annotated[
        bool, typer.Option("--live", help="Read the devices now instead of the latest backup")
    ] = False,
    workers: WorkersOpt = DEFAULT_WORKERS,
    connect_timeout: ConnectOpt = None,
    command_timeout: CommandOpt = None,
    store_root: StoreRootOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Intended against running configuration, per device and feature (exit 1 on drift)."""
    from kentops.network.drift import run_drift

    loaded = load_or_exit(inventory, as_json)
    features = _features(feature, as_json)
    devices = selected_devices(loaded, lab, host, as_json)
    try:
        with device_progress("drift", len(devices), quiet=as_json) as hook:
            run = run_drift(
                loaded,
                devices,
                lab=lab,
                features=features,
                live=live,
                backup_root=store_root,
                workers=workers,
                timeouts=timeouts_of(connect_timeout, command_timeout),
                progress=hook,
            )
    except InvalidInput as exc:  # the policies the render reads
        report_problems([str(p) for p in exc.problems], as_json)
        raise typer.Exit(2) from None
    if as_json:
        print_json(run.as_dict())
        raise typer.Exit(0 if run.clean else 1)
    table = Table(title=f"drift {run.site}" + (f" ({', '.join(features)})" if features else ""))
    for column in ("device", "result", "features", "source / reason"):
        table.add_column(column)
    for name, item in sorted(run.devices.items()):
        if item.error:
            table.add_row(name, "[red]not compared[/]", "", item.error)
        elif item.drifted and item.remediation is not None:
            table.add_row(
                name, "[yellow]drift[/]", ", ".join(item.remediation.features), item.source
            )
        else:
            table.add_row(name, "[green]as intended[/]", "", item.source)
    console.print(table)
    for name in run.drifted:
        rem = run.devices[name].remediation
        assert rem is not None
        console.rule(f"{name} ({rem.platform})")
        for change in rem.changes.values():
            console.print(f"[bold]{change.feature}[/] remediation:", highlight=False)
            console.print("\n".join(change.remediation), markup=False, highlight=False)
            console.print(f"[bold]{change.feature}[/] rollback:", highlight=False)
            console.print("\n".join(change.rollback), markup=False, highlight=False)
        for note in rem.manual:
            console.print(f"[red]by hand:[/] {note}", highlight=False)
    console.print(
        f"{len(run.drifted)} drifted, "
        f"{len(run.devices) - len(run.drifted) - len(run.failed)} as intended, "
        f"[{'red' if run.failed else 'green'}]{len(run.failed)} not compared[/] "
        f"in {run.elapsed_s:.1f} s"
    )
    raise typer.Exit(0 if run.clean else 1)


def deploy_command(
    inventory: InventoryArg,
    lab: LabOpt = False,
    host: HostOpt = None,
    feature: FeatureOpt = None,
    commit: Annotated[
        bool, typer.Option("--commit", help="Change the devices (default: only show the lines)")
    ] = False,
    canary: Annotated[
        bool, typer.Option("--canary", help="One device first; stop everything if it fails")
    ] = False,
    workers: WorkersOpt = DEFAULT_WORKERS,
    connect_timeout: ConnectOpt = None,
    command_timeout: CommandOpt = None,
    store_root: StoreRootOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show (or with --commit push, save, verify, roll back) the remediation per device."""
    from kentops.network.deploy import run_deploy

    loaded = load_or_exit(inventory, as_json)
    features = _features(feature, as_json)
    devices = selected_devices(loaded, lab, host, as_json)
    try:
        with device_progress("deploy", len(devices), quiet=as_json) as hook:
            run = run_deploy(
                loaded,
                devices,
                lab=lab,
                features=features,
                commit=commit,
                canary=canary,
                workers=workers,
                timeouts=timeouts_of(connect_timeout, command_timeout),
                backup_root=store_root,
                progress=hook,
            )
    except InvalidInput as exc:  # the policies the render reads
        report_problems([str(p) for p in exc.problems], as_json)
        raise typer.Exit(2) from None
    if as_json:
        print_json(run.as_dict())
        raise typer.Exit(0 if run.ok else 1)
    colours = {
        "deployed": "green",
        "compliant": "green",
        "dry_run": "yellow",
        "rolled_back": "red",
        "failed": "red",
        "refused": "red",
        "skipped": "red",
    }
    for name, item in sorted(run.devices.items()):
        if item.lines and item.result in ("dry_run", "deployed", "rolled_back", "failed"):
            console.rule(f"{name}: {item.result}")
            console.print("\n".join(item.lines), markup=False, highlight=False)
    mode = "deploy" if commit else "deploy (dry run: nothing changed; --commit to apply)"
    table = Table(title=f"{mode} {run.site}")
    for column in ("device", "result", "features", "detail"):
        table.add_column(column)
    for name, item in sorted(run.devices.items()):
        colour = colours.get(item.result, "white")
        table.add_row(name, f"[{colour}]{item.result}[/]", ", ".join(item.features), item.detail)
    console.print(table)
    counts = ", ".join(f"{run.count(r)} {r}" for r in colours if run.count(r))
    console.print(f"{counts} in {run.elapsed_s:.1f} s", highlight=False)
    raise typer.Exit(0 if run.ok else 1)


def register(app: typer.Typer) -> None:
    app.command("drift")(drift_command)
    app.command("deploy")(deploy_command)
