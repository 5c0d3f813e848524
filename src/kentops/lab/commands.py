"""`kentops lab ...`: the local lab, and generated inventories for scale."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()
lab_app = typer.Typer(help="The local lab: simulated devices and Debian test hosts.",
                      no_args_is_help=True)


@lab_app.command("generate")
def generate(
    out: Annotated[Path, typer.Argument(help="Folder to write the inventory into")],
    buildings: Annotated[int, typer.Option("--buildings", min=1, max=4000)] = 20,
    devices: Annotated[int, typer.Option("--devices", min=20)] = 1000,
    seed: Annotated[int, typer.Option("--seed")] = 1,
) -> None:
    """Write a valid inventory of about DEVICES assets in BUILDINGS buildings."""
    from kentops.inventory.generate import generate_inventory

    if out.exists() and any(out.iterdir()):
        console.print(f"[red]{out} is not empty[/]: choose a new folder (nothing was written)")
        raise typer.Exit(2)
    try:
        generate_inventory(out, buildings, devices, seed)
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    console.print(f"wrote {out}: check it with 'kentops validate {out}'")


def register(app: typer.Typer) -> None:
    app.add_typer(lab_app, name="lab")
