"""`kentops lab ...`: the local lab, and generated inventories for scale."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from kentops.inventory.loader import LoadedInventory

console = Console()
lab_app = typer.Typer(
    help="The local lab: simulated devices and Debian test hosts.", no_args_is_help=True
)


@lab_app.command("generate")
def generate(
    out: Annotated[Path, typer.Argument(help="Folder to write the inventory into")],
    buildings: Annotated[int, typer.Option("--buildings", min=1, max=4000)] = 20,
    devices: Annotated[int, typer.Option("--devices", min=20, max=100_000)] = 1000,
    seed: Annotated[int, typer.Option("--seed")] = 1,
) -> None:
    """Write a valid inventory of about DEVICES assets in BUILDINGS buildings."""
    from rich.markup import escape

    from kentops.inventory.generate import generate_inventory
    from kentops.yamlsource import printable

    shown = escape(printable(str(out)))
    problem = None
    if out.is_symlink():
        problem = "is a symbolic link"
    elif out.exists() and not out.is_dir():
        problem = "exists and is not a folder"
    elif out.is_dir() and any(out.iterdir()):
        problem = "is not empty"
    if problem:
        console.print(
            f"[red]{shown} {problem}[/]: choose a new folder (nothing was written)",
            highlight=False,
        )
        raise typer.Exit(2)
    try:
        generate_inventory(out, buildings, devices, seed)
    except ValueError as exc:
        console.print(f"[red]{escape(printable(str(exc)))}[/]")
        raise typer.Exit(2) from None
    except OSError as exc:
        reason = escape(printable(exc.strerror or str(exc)))
        console.print(f"[red]{shown}: {reason}[/]: choose a folder you can write")
        raise typer.Exit(2) from None
    console.print(f"wrote {shown}: check it with 'kentops validate {shown}'", highlight=False)


def _parts(only: str | None) -> tuple[str, ...]:
    from kentops.lab.orchestrate import PARTS

    if not only:
        return PARTS
    parts = tuple(p.strip() for p in only.split(",") if p.strip())
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        console.print(f"[red]unknown part(s): {', '.join(unknown)}[/]; use: {', '.join(PARTS)}")
        raise typer.Exit(2)
    return parts


def _host_ids(loaded: LoadedInventory, hosts: str | None) -> tuple[str, ...] | None:
    """The ``--hosts`` ids, each a Linux server of the inventory; exit 2 naming any other."""
    from kentops.inventory.adapters import LINUX_PLATFORMS

    if hosts is None:
        return None
    ids = tuple(h.strip() for h in hosts.split(",") if h.strip())
    linux = {s.id for s in loaded.inventory.servers if s.platform in LINUX_PLATFORMS}
    unknown = [h for h in ids if h not in linux]
    if unknown or not ids:
        named = ", ".join(unknown) or "(none)"
        console.print(
            f"[red]--hosts: not a Linux server of {loaded.root}: {named}[/]"
            f"; use: {', '.join(sorted(linux))}",
            highlight=False,
        )
        raise typer.Exit(2)
    return ids


@lab_app.command("up")
def up(
    inventory: Annotated[Path, typer.Argument(help="Inventory folder, e.g. inventories/demo")],
    only: Annotated[
        str | None,
        typer.Option("--only", help="Comma-separated parts: network,cameras,voice,hosts,tsa"),
    ] = None,
    faults: Annotated[
        Path | None,
        typer.Option("--faults", help="YAML file of per-device faults (down, auth_fail, ...)"),
    ] = None,
    hosts: Annotated[
        str | None,
        typer.Option("--hosts", help="Comma-separated Linux server ids: only these lab hosts"),
    ] = None,
) -> None:
    """Start the lab for an inventory and write its state file (endpoints, credentials)."""
    from kentops.inventory.commands import load_or_exit
    from kentops.lab.faults import load_faults
    from kentops.lab.orchestrate import LabStartError
    from kentops.lab.orchestrate import up as lab_up
    from kentops.yamlsource import InvalidInput

    parts = _parts(only)
    loaded = load_or_exit(inventory)
    host_ids = _host_ids(loaded, hosts)
    per_device = {}
    if faults is not None:
        try:
            per_device = load_faults(faults, {d.id for d in loaded.inventory.network_devices()})
        except InvalidInput as exc:
            for problem in exc.problems:
                console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
    try:
        result = lab_up(
            loaded,
            parts,
            per_device,
            progress=lambda m: console.print(f"  {m}"),
            host_ids=host_ids,
        )
    except LabStartError as exc:
        console.print(f"[red]lab did not start[/]: {exc}")
        raise typer.Exit(1) from None
    except InvalidInput as exc:  # the policies the hosts and the directory are made from
        for problem in exc.problems:
            console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    failed = False
    for part in result.parts:
        if part.skipped:
            console.print(f"[yellow]{part.part}: skipped[/]: {part.skipped}")
            failed = failed or part.part in (only or "")
        else:
            console.print(f"[green]{part.part}[/]: {part.started} up")
    console.print(f"lab {result.state.run_id} is up; state in {lab_dir_for(inventory)}")
    console.print("use it with --lab, or KENTOPS_LAB=1 for Ansible, Nornir and pyinfra")
    if failed:
        raise typer.Exit(1)


def lab_dir_for(inventory: Path | None) -> Path:
    from kentops.lab.state import lab_dir

    return lab_dir(inventory)


@lab_app.command("status")
def status(
    inventory: Annotated[Path | None, typer.Argument()] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show whether the lab runs, its daemons and endpoints."""
    import json

    from rich.table import Table

    from kentops.lab.orchestrate import status as lab_status

    data = lab_status(lab_dir_for(inventory))
    if as_json:
        print(json.dumps(data, indent=2))
    elif data is None:
        console.print("no lab is running")
    else:
        console.print(f"lab {data['run_id']} for {data['inventory']}")
        for name, alive in data["daemons"].items():
            console.print(f"  {name}: {'[green]running[/]' if alive else '[red]stopped[/]'}")
        table = Table("service", "endpoints")
        for service, count in data["by_service"].items():
            table.add_row(service, str(count))
        console.print(table)
    if data is None or not all(data["daemons"].values()):
        raise typer.Exit(1)


@lab_app.command("down")
def down(inventory: Annotated[Path | None, typer.Argument()] = None) -> None:
    """Stop the lab and remove everything it made (processes, namespaces, mounts, files)."""
    from kentops.lab.orchestrate import down as lab_down

    stopped = lab_down(lab_dir_for(inventory))
    console.print(f"stopped: {', '.join(stopped)}" if stopped else "no lab was running")


@lab_app.command("ssh", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def ssh(
    ctx: typer.Context,
    host: Annotated[str, typer.Argument(help="Inventory id of a lab host (Linux server or DC)")],
    inventory: Annotated[Path | None, typer.Option("--inventory")] = None,
) -> None:
    """Run a command on a lab host over SSH as the lab's admin user (after --)."""
    import shlex
    import subprocess

    from kentops.lab.orchestrate import LabStartError, ssh_argv
    from kentops.lab.state import read_state

    state = read_state(lab_dir_for(inventory))
    if state is None:
        console.print("[red]no lab is running[/]")
        raise typer.Exit(2)
    try:
        # one word for the remote shell, quoted so that its arguments arrive as given
        argv = ssh_argv(state, host, [shlex.join(ctx.args)])
    except LabStartError as exc:
        console.print(f"[red]{exc}[/]", highlight=False)
        raise typer.Exit(2) from None
    raise typer.Exit(subprocess.run(argv, check=False).returncode)


def register(app: typer.Typer) -> None:
    from kentops.lab.dhcp_commands import dhcp_app

    lab_app.add_typer(dhcp_app, name="dhcp")
    app.add_typer(lab_app, name="lab")
