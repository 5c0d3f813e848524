"""`kentops servers ...`: read-only facts of the Linux servers (pyinfra, in parallel)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console()
err_console = Console(stderr=True)
servers_app = typer.Typer(help="Linux servers: read-only facts.", no_args_is_help=True)


def host_problems(facts: Any) -> list[str]:
    """What a reader should notice at once on a host (English; the audit judges in full)."""
    from kentops.servers.evidence import full_filesystems

    found: list[str] = []
    if facts.sshd is not None:
        if facts.sshd.first("passwordauthentication") == "yes":
            found.append("password SSH login on")
        if facts.sshd.first("permitrootlogin") not in {"no", None}:
            found.append(f"PermitRootLogin {facts.sshd.first('permitrootlogin')}")
    security = [u.package for u in facts.pending or [] if u.security]
    if security:
        found.append(f"{len(security)} security update(s) pending")
    if facts.reboot is not None and facts.reboot.required:
        found.append("reboot required")
    if facts.chrony is None or not facts.chrony.synchronised:
        found.append("clock not synchronised")
    if facts.nftables is not None and not facts.nftables.active:
        found.append("no host firewall")
    found += [f"disk {f.mount} {f.use_percent}% full" for f in full_filesystems(facts)]
    found += [f"restic {r.name}: {r.error}" for r in facts.restic if not r.ok]
    found += [f"local fact {name}: {why}" for name, why in facts.local_fact_problems.items()]
    return found


@servers_app.command("facts")
def facts(
    inventory: Annotated[Path, typer.Argument(help="Inventory folder, e.g. inventories/demo")],
    lab: Annotated[bool, typer.Option("--lab", help="Read the lab's hosts")] = False,
    host: Annotated[
        list[str] | None, typer.Option("--host", help="Only this server (repeatable)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print every fact as JSON")] = False,
) -> None:
    """Read sshd, accounts, sudo, updates, reboot, time, firewall, listeners, restic and the
    roles' local facts from every Linux server, in parallel and read-only.

    Exit 0 when every host was read and nothing stands out, 1 when a host could not be read
    or shows a problem, 2 on an invalid inventory or a lab that is not running.
    """
    from kentops.inventory.adapters import LabNotRunning
    from kentops.inventory.commands import load_or_exit
    from kentops.servers.facts import collect_facts, linux_targets

    loaded = load_or_exit(inventory)
    try:
        targets = linux_targets(loaded, lab, host)
    except LabNotRunning as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    unknown = sorted(set(host or []) - set(targets))
    if unknown:
        err_console.print(
            f"[red]not a Linux server{' the lab runs' if lab else ''}: {', '.join(unknown)}[/]"
        )
        raise typer.Exit(2)
    if as_json:
        run = collect_facts(loaded, lab=lab, hosts=host)
    else:
        with Progress(
            TextColumn("sunucular / servers"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=err_console,
        ) as bar:
            task = bar.add_task("", total=len(targets))

            def step(name: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, description=name)

            run = collect_facts(loaded, lab=lab, hosts=host, progress=step)
    problems = {name: host_problems(f) for name, f in run.facts.items()}
    code = 1 if run.failures or any(problems.values()) else 0
    if as_json:
        print(json.dumps(_as_json(run, problems), indent=2, ensure_ascii=False))
        raise typer.Exit(code)
    _table(run, problems)
    raise typer.Exit(code)


def _as_json(run: Any, problems: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "seconds": round(run.seconds, 2),
        "hosts": {
            name: {**f.model_dump(mode="json"), "problems": problems[name]}
            for name, f in run.facts.items()
        },
        "unreachable": {f.host: f.reason for f in run.failures},
    }


def _table(run: Any, problems: dict[str, list[str]]) -> None:
    table = Table(title=f"{len(run.facts)} sunucu okundu / servers read ({run.seconds:.1f} s)")
    for column in ("sunucu / server", "OS", "sshd", "sudo", "güvenlik / security", "saat / time"):
        table.add_column(column)
    table.add_column("dikkat / attention")
    for name, f in run.facts.items():
        sshd = (
            f"password {f.sshd.first('passwordauthentication')}, "
            f"root {f.sshd.first('permitrootlogin')}"
            if f.sshd
            else "-"
        )
        pending = [u for u in f.pending or [] if u.security]
        table.add_row(
            name,
            f"{f.os.id} {f.os.version_id}" if f.os else "-",
            sshd,
            ", ".join(f.sudo_users or []) or "-",
            str(len(pending)) if f.pending is not None else "-",
            ("eşit / synced" if f.chrony.synchronised else "eşit değil / not synced")
            if f.chrony
            else "okunamadı / not read",
            "; ".join(problems[name]) or "-",
        )
    console.print(table)
    for failure in run.failures:
        console.print(f"[red]{failure.host}: okunamadı / not read[/]: {failure.reason}")


def register(app: typer.Typer) -> None:
    app.add_typer(servers_app, name="servers")
