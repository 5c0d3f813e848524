"""``kentops policy check``: prove the rendered rules against policies/access.yml.

Exit codes: 0 every zone pair as the policy says; 1 a violation (device, rule and flow
named) or a rendered configuration that cannot be read back, or a render problem;
2 invalid inventory or policy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kentops.policycheck import PolicyCheckResult, check_policy
from kentops.render.commands import (
    InventoryArg,
    JsonOpt,
    PoliciesOpt,
    load_inputs,
    render_with_progress,
)

console = Console()
err_console = Console(stderr=True)

policy_app = typer.Typer(
    help="Access policy: prove the rendered rules implement it.", no_args_is_help=True
)


SHORT = {
    "management": "mgmt",
    "users": "user",
    "voice": "voic",
    "cameras": "cam",
    "guest": "gst",
    "servers": "srv",
    "dmz": "dmz",
    "scada": "scad",
    "public": "pub",
    "printers": "prn",
    "internet": "inet",
}


def matrix_table(result: PolicyCheckResult) -> Table:
    """Zone × zone: ✓ as the policy says (with the number of allowed services), ✗ not."""
    zones = result.zones()
    table = Table(
        title="Bölgeler arası erişim / zone matrix (satır: kaynak / row: from)",
        caption="✓n: n services allowed and proven; ·: nothing allowed, none passes; "
        "✗n: n wrong decisions",
    )
    table.add_column("", style="bold", no_wrap=True)
    for zone in zones:
        table.add_column(SHORT.get(zone, zone[:4]), justify="center", no_wrap=True)
    for src in zones:
        row = []
        for dst in zones:
            cell = result.matrix.get((src, dst))
            if cell is None:
                row.append("")
            elif not cell.ok:
                row.append(f"[red]✗{cell.violations}[/]")
            elif cell.expected:
                row.append(f"[green]✓{len(cell.expected)}[/]")
            else:
                row.append("[dim]·[/]")
        table.add_row(SHORT.get(src, src), *row)
    return table


def allowed_table(result: PolicyCheckResult) -> Table:
    """The zone pairs with something allowed, and what passes."""
    table = Table(title="İzin verilen akışlar / allowed flows, as the rendered rules pass them")
    table.add_column("from", style="bold")
    table.add_column("to", style="bold")
    table.add_column("services (proven)")
    for (src, dst), cell in sorted(result.matrix.items()):
        if cell.expected or cell.permitted:
            mark = "[green]✓[/]" if cell.ok else "[red]✗[/]"
            shown = cell.expected if cell.ok else cell.permitted
            table.add_row(src, dst, f"{mark} {', '.join(shown) or '—'}")
    return table


def check(
    inventory: InventoryArg,
    as_json: JsonOpt = False,
    policies: PoliciesOpt = Path("policies"),
    limit: Annotated[int, typer.Option("--limit", help="Violations to print (text)")] = 50,
) -> None:
    """Render in memory, read the ACLs and firewall rules back, prove every zone pair."""
    loaded, policy_set = load_inputs(inventory, policies, as_json)
    report = render_with_progress(
        loaded,
        policies,
        policy_set,
        out=None,
        hosts=None,
        jobs=None,
        resolve_env=False,
        quiet=as_json,
    )
    result = check_policy(loaded, report, policy_set.access)
    ok = result.ok and report.ok
    if as_json:
        data = result.as_dict()
        data["ok"] = ok
        data["render_problems"] = [p.as_dict() for p in report.problems]
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        console.print(matrix_table(result))
        console.print(allowed_table(result))
        for problem in report.problems:
            err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
        for text in result.problems:
            err_console.print(text, markup=False, highlight=False, soft_wrap=True)
        for violation in result.violations[:limit]:
            err_console.print(str(violation), markup=False, highlight=False, soft_wrap=True)
        if len(result.violations) > limit:
            err_console.print(f"... and {len(result.violations) - limit} more (--json for all)")
        summary = f"{len(result.devices)} enforcement points, {result.packets} packet decisions: "
        if ok:
            console.print(summary + "[green]every flow as the policy says[/]")
        else:
            console.print(summary + f"[red]{len(result.violations)} violation(s)[/]")
    if not ok:
        raise typer.Exit(1)


policy_app.command("check")(check)


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
