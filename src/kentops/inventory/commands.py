"""Commands on the inventory: validate, list, schema."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kentops.inventory.loader import LoadedInventory, load_inventory
from kentops.inventory.model import ASSET_BY_KIND, Asset
from kentops.inventory.schema import write_schema
from kentops.yamlsource import InvalidInput

console = Console()
err_console = Console(stderr=True)

InventoryArg = Annotated[Path, typer.Argument(help="Inventory folder, e.g. inventories/demo")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")]


def load_or_exit(path: Path, as_json: bool = False) -> LoadedInventory:
    """Load an inventory; on invalid input print every problem and exit 2."""
    try:
        return load_inventory(path)
    except InvalidInput as exc:
        report_invalid(exc, as_json)
        raise typer.Exit(2) from None


def report_invalid(exc: InvalidInput, as_json: bool = False) -> None:
    if as_json:
        print(
            json.dumps(
                {"valid": False, "problems": [p.as_dict() for p in exc.problems]},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for problem in exc.problems:
        err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    err_console.print(f"[bold red]{len(exc.problems)} problem(s); nothing was run.[/]")


def summary(loaded: LoadedInventory) -> dict[str, object]:
    inv = loaded.inventory
    by_kind: Counter[str] = Counter(a.kind for a in inv.assets())
    by_building: dict[str, Counter[str]] = {b.id: Counter() for b in inv.buildings}
    for asset in inv.assets():
        by_building[asset.building][asset.kind] += 1
    return {
        "valid": True,
        "site": inv.site.id,
        "name": inv.site.name,
        "regulation": inv.site.regulation,
        "files": len(loaded.files),
        "buildings": len(inv.buildings),
        "vlans": len(inv.vlans),
        "assets": sum(by_kind.values()),
        "extensions": sum(len(p.extensions) for p in inv.pbxs),
        "by_kind": dict(sorted(by_kind.items())),
        "by_building": {b: dict(sorted(c.items())) for b, c in by_building.items()},
    }


def validate(inventory: InventoryArg, as_json: JsonOpt = False) -> None:
    """Validate an inventory: schema, then cross-references. Exit 2 with every problem."""
    loaded = load_or_exit(inventory, as_json)
    data = summary(loaded)
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    inv = loaded.inventory
    table = Table(
        title=f"{inv.site.name}: {data['assets']} assets, {data['buildings']} buildings,"
        f" {data['vlans']} VLANs"
    )
    table.add_column("kind")
    for building in inv.buildings:
        table.add_column(building.id, justify="right")
    table.add_column("total", justify="right", style="bold")
    by_building = data["by_building"]
    by_kind = data["by_kind"]
    assert isinstance(by_building, dict)
    assert isinstance(by_kind, dict)
    for kind in sorted(by_kind):
        cells = [str(by_building[b.id].get(kind, "")) for b in inv.buildings]
        table.add_row(kind.replace("_", " "), *cells, str(by_kind[kind]))
    console.print(table)
    console.print(f"[green]valid[/]: {len(loaded.files)} files, regulation {inv.site.regulation}")


def _row(asset: Asset) -> dict[str, str]:
    return {
        "id": asset.id,
        "kind": asset.kind,
        "building": asset.building,
        "unit": asset.unit,
        "criticality": str(asset.criticality),
        "vendor": asset.vendor,
        "model": asset.model,
        "os_version": asset.os_version or "",
        "address": str(asset.address or ""),
        "name": asset.name or "",
    }


def list_assets(
    inventory: InventoryArg,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="Only these kinds")] = None,
    building: Annotated[list[str] | None, typer.Option("--building")] = None,
    unit: Annotated[list[str] | None, typer.Option("--unit")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List assets, filtered by kind, building or unit."""
    loaded = load_or_exit(inventory, as_json)
    unknown = [k for k in kind or [] if k not in ASSET_BY_KIND]
    if unknown:
        err_console.print(f"unknown kind(s): {', '.join(unknown)}; use: {', '.join(ASSET_BY_KIND)}")
        raise typer.Exit(2)
    rows = [
        _row(a)
        for a in loaded.inventory.assets()
        if (not kind or a.kind in kind)
        and (not building or a.building in building)
        and (not unit or a.unit in unit)
    ]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(rows)} assets")
    for column in ("id", "kind", "building", "unit", "address", "vendor", "model", "os_version"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            *(
                row[c]
                for c in (
                    "id",
                    "kind",
                    "building",
                    "unit",
                    "address",
                    "vendor",
                    "model",
                    "os_version",
                )
            )
        )
    console.print(table)


def schema(
    out: Annotated[Path, typer.Option("--out", help="Folder for the inventory schema")] = Path(
        "inventories/schema"
    ),
    catalogs_out: Annotated[
        Path, typer.Option("--catalogs-out", help="Folder for the catalog schemas")
    ] = Path("policies/schema"),
) -> None:
    """Export the JSON Schemas that inventory and catalog files declare in their modeline."""
    from kentops.compliance.catalog import export_catalog_schemas

    written = write_schema(out)
    catalogs_out.mkdir(parents=True, exist_ok=True)
    written.extend(export_catalog_schemas(catalogs_out))
    for path in written:
        console.print(f"wrote {path}")


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
    app.command("schema")(schema)
    group = typer.Typer(help="Read the inventory.", no_args_is_help=True)
    group.command("list")(list_assets)
    app.add_typer(group, name="inventory")
