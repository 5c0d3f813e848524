"""``kentops backup`` and ``kentops facts``: the network devices as they run.

``kentops backup INVENTORY [--lab] [--host H]... [--workers N] [--json]`` reads every network
device's running and startup configuration, masks its secrets, and commits the run to the
site's history (``var/backups/<site>/``). ``kentops backup log|show|diff HOST [REV]`` read
that history; ``kentops backup mask --platform P [FILE|-]`` masks a configuration for a
ticket. ``kentops facts INVENTORY [--lab] [--json]`` reads NAPALM facts, interfaces and LLDP
neighbours and checks them against the inventory and the patching policy.

Exit codes: 0 every device read (and, for facts, no finding); 1 a device failed or a finding;
2 invalid input or usage (inventory, unknown host, no lab running, unknown revision).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.core
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kentops.inventory.adapters import LabNotRunning
from kentops.inventory.loader import LoadedInventory, load_inventory
from kentops.network.backup import (
    DEFAULT_ROOT,
    BackupError,
    BackupStore,
    diff,
    history,
    open_store,
    read_index,
    show,
)
from kentops.network.connect import DEFAULT_WORKERS, Timeouts, network_device_ids
from kentops.network.mask import canonical_platform, mask_config
from kentops.yamlsource import InvalidInput

console = Console()
err_console = Console(stderr=True)

InventoryArg = Annotated[Path, typer.Argument(help="Inventory folder, e.g. inventories/demo")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text")]
LabOpt = Annotated[
    bool, typer.Option("--lab", help="Use the running local lab's devices (kentops lab up)")
]
HostOpt = Annotated[
    list[str] | None, typer.Option("--host", help="Only this device id (repeatable)")
]
WorkersOpt = Annotated[
    int, typer.Option("--workers", min=1, max=500, help="Devices worked on at once")
]
ConnectOpt = Annotated[
    float | None,
    typer.Option("--connect-timeout", min=0.1, help="Seconds to connect and log in (default 10)"),
]
CommandOpt = Annotated[
    float | None,
    typer.Option("--command-timeout", min=0.1, help="Seconds for one command (default 30)"),
]
StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", help="Backup history folder (default var/backups/<site>)"),
]
SiteOpt = Annotated[
    str | None, typer.Option("--site", help="Site of the history to read (default: the only one)")
]


class DefaultRunGroup(typer.core.TyperGroup):
    """``kentops backup INVENTORY`` runs a backup; ``kentops backup log ...`` a subcommand."""

    def _with_run(self, args: list[str]) -> list[str]:
        first = args[0] if args else None
        if first is not None and first not in self.commands and first not in ("--help", "-h"):
            return ["run", *args]
        return args

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # before the group parses options: `kentops backup --lab INVENTORY` is a run too
        parsed: list[str] = super().parse_args(ctx, self._with_run(args))
        return parsed

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        return super().resolve_command(ctx, self._with_run(args))


backup_app = typer.Typer(
    cls=DefaultRunGroup,
    help="Back up network device configurations into a git history, and read it.",
    no_args_is_help=True,
)


# ---------------------------------------------------------------- shared pieces


def load_or_exit(path: Path, as_json: bool) -> LoadedInventory:
    try:
        return load_inventory(path)
    except InvalidInput as exc:
        report_problems([str(p) for p in exc.problems], as_json)
        raise typer.Exit(2) from None


def report_problems(problems: list[str], as_json: bool) -> None:
    if as_json:
        print(json.dumps({"valid": False, "problems": problems}, ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            err_console.print(problem, markup=False, highlight=False, soft_wrap=True)


def usage_error(message: str, as_json: bool) -> typer.Exit:
    report_problems([message], as_json)
    return typer.Exit(2)


def timeouts_of(connect: float | None, command: float | None) -> Timeouts:
    base = Timeouts.from_env()
    return Timeouts(
        connect_s=connect if connect is not None else base.connect_s,
        command_s=command if command is not None else base.command_s,
    )


def selected_devices(
    loaded: LoadedInventory, lab: bool, hosts: list[str] | None, as_json: bool
) -> list[str]:
    """The device ids a run works on, or exit 2 naming what is wrong."""
    try:
        reachable = network_device_ids(loaded, lab)
    except LabNotRunning as exc:
        raise usage_error(str(exc), as_json) from None
    if hosts:
        unknown = [h for h in hosts if h not in reachable]
        if unknown:
            known = loaded.inventory.index()
            what = [
                f"{h}: not a network device of the inventory"
                if h not in known
                else f"{h}: not reachable here (the lab does not run it)"
                for h in unknown
            ]
            raise usage_error("; ".join(what) + " (see 'kentops inventory list')", as_json)
        return list(hosts)
    if not reachable:
        raise usage_error("no network device to work on", as_json)
    return reachable


@contextmanager
def device_progress(label: str, total: int, quiet: bool) -> Iterator[Callable[[str, bool], None]]:
    """A rich progress bar of devices done and failed; yields the per-device hook."""
    with Progress(
        TextColumn(f"[bold]{label}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("[red]{task.fields[failed]} failed[/]"),
        TimeElapsedColumn(),
        console=err_console,
        disable=quiet,
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=total, failed=0)
        failed = 0

        def hook(_host: str, ok: bool) -> None:
            nonlocal failed
            if not ok:
                failed += 1
            progress.update(task, advance=1, failed=failed)

        yield hook


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


# ---------------------------------------------------------------- backup


@backup_app.command("run", hidden=True)
def backup_run(
    inventory: InventoryArg,
    lab: LabOpt = False,
    host: HostOpt = None,
    workers: WorkersOpt = DEFAULT_WORKERS,
    connect_timeout: ConnectOpt = None,
    command_timeout: CommandOpt = None,
    store_root: Annotated[
        Path | None,
        typer.Option("--store-root", help="Root of the histories (default var/backups)"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Back up every network device of INVENTORY (one commit per run)."""
    from kentops.network.operations import run_backup

    loaded = load_or_exit(inventory, as_json)
    devices = selected_devices(loaded, lab, host, as_json)
    with device_progress("backup", len(devices), quiet=as_json) as hook:
        run = run_backup(
            loaded,
            lab=lab,
            hosts=devices,
            workers=workers,
            timeouts=timeouts_of(connect_timeout, command_timeout),
            root=store_root,
            progress=hook,
        )
    if as_json:
        print_json(run.as_dict())
    else:
        table = Table(title=f"backup {run.site} → {run.store.path} ({run.record.commit[:10]})")
        for column in ("device", "result", "seconds", "detail"):
            table.add_column(column)
        rows: list[tuple[str, str, str, str]] = []
        for name in run.record.changed:
            rows.append((name, "[yellow]changed[/]", _secs(run.seconds.get(name)), ""))
        for name in run.record.unchanged:
            rows.append((name, "[green]unchanged[/]", _secs(run.seconds.get(name)), ""))
        for name, reason in run.record.failed.items():
            rows.append((name, "[red]failed[/]", _secs(run.seconds.get(name)), reason))
        for row in sorted(rows):
            table.add_row(*row)
        console.print(table)
        console.print(
            f"{len(run.record.changed)} changed, {len(run.record.unchanged)} unchanged, "
            f"[{'red' if run.record.failed else 'green'}]{len(run.record.failed)} failed[/] "
            f"in {run.elapsed_s:.1f} s"
        )
    raise typer.Exit(0 if run.ok else 1)


def _secs(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _store(site: str | None, store: Path | None, as_json: bool) -> BackupStore:
    """The history to read: --store, else var/backups/<--site>, else the only site there."""
    if store is not None:
        if not (store / ".git").is_dir():
            raise usage_error(f"{store}: not a backup history (no .git)", as_json)
        return BackupStore(store)
    root = DEFAULT_ROOT
    if site is None:
        sites = sorted(p.name for p in root.glob("*") if (p / ".git").is_dir())
        if len(sites) != 1:
            found = "no backup history" if not sites else "several sites: " + ", ".join(sites)
            raise usage_error(
                f"{root}: {found} — name one with --site or --store",
                as_json,
            )
        site = sites[0]
    try:
        return open_store(site, root, create=False)
    except BackupError as exc:
        raise usage_error(str(exc), as_json) from None


def _read(
    site: str | None, store: Path | None, as_json: bool, read: Callable[[BackupStore], str]
) -> str:
    """``read`` on the history, a BackupError becoming exit 2 with its message."""
    backups = _store(site, store, as_json)
    try:
        return read(backups)
    except BackupError as exc:
        raise usage_error(str(exc), as_json) from None


@backup_app.command("log")
def backup_log(
    host: Annotated[str | None, typer.Argument(help="Device id (default: every run)")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most N entries")] = 50,
    site: SiteOpt = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The history: runs and deploys that changed HOST (or every run)."""
    backups = _store(site, store, as_json)
    try:
        revisions = history(backups, host, limit)
    except BackupError as exc:
        raise usage_error(str(exc), as_json) from None
    index = read_index(backups).get(host or "", {})
    if as_json:
        print_json(
            {
                "host": host,
                "last_error": index.get("last_error"),
                "revisions": [
                    {
                        "commit": r.commit,
                        "date": r.date.isoformat(),
                        "author": r.author,
                        "subject": r.subject,
                    }
                    for r in revisions
                ],
            }
        )
        return
    table = Table(title=f"{host or 'every run'} — {backups.path}")
    for column in ("commit", "date", "author", "subject"):
        table.add_column(column)
    for r in revisions:
        table.add_row(r.commit[:10], r.date.isoformat(), r.author, r.subject)
    console.print(table)
    if index.get("last_error"):
        console.print(f"[red]last backup failed: {index['last_error']}[/]", highlight=False)


@backup_app.command("show")
def backup_show(
    host: Annotated[str, typer.Argument(help="Device id")],
    rev: Annotated[str | None, typer.Argument(help="Revision (default: the latest)")] = None,
    site: SiteOpt = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """HOST's stored configuration at REV (masked)."""
    text = _read(site, store, as_json, lambda backups: show(backups, host, rev))
    if as_json:
        print_json({"host": host, "rev": rev or "HEAD", "config": text})
    else:
        sys.stdout.write(text)


@backup_app.command("diff")
def backup_diff(
    host: Annotated[str, typer.Argument(help="Device id")],
    rev: Annotated[
        str | None, typer.Argument(help="Compare REV with the latest (default: the last change)")
    ] = None,
    site: SiteOpt = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What changed in HOST's configuration (exit 1 when there is a difference)."""
    text = _read(site, store, as_json, lambda backups: diff(backups, host, rev))
    if as_json:
        print_json({"host": host, "rev": rev, "diff": text})
    else:
        sys.stdout.write(text)
    raise typer.Exit(1 if text.strip() else 0)


@backup_app.command("mask")
def backup_mask(
    platform: Annotated[
        str, typer.Option("--platform", "-p", help="cisco_ios, huawei_vrp, fortios or routeros")
    ],
    file: Annotated[str, typer.Argument(help="Configuration file, or - for stdin")] = "-",
    volatile: Annotated[
        bool, typer.Option("--strip-volatile/--keep-volatile", help="Drop timestamp lines too")
    ] = False,
) -> None:
    """Print a configuration with its secrets masked (for tickets and mails)."""
    from kentops.network.mask import clean_config

    try:
        name = canonical_platform(platform)
    except ValueError as exc:
        raise usage_error(str(exc), False) from None
    if file == "-":
        text = sys.stdin.read()
    else:
        path = Path(file)
        if not path.is_file():
            raise usage_error(f"{file}: no such file", False)
        text = path.read_text(encoding="utf-8", errors="replace")
    sys.stdout.write(clean_config(text, name) if volatile else mask_config(text, name))


# ---------------------------------------------------------------- facts


def facts_command(
    inventory: InventoryArg,
    lab: LabOpt = False,
    host: HostOpt = None,
    workers: WorkersOpt = DEFAULT_WORKERS,
    connect_timeout: ConnectOpt = None,
    command_timeout: CommandOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """NAPALM facts, interfaces and LLDP neighbours of every network device, checked against
    the inventory (cabling, unregistered devices) and the patching policy (OS versions)."""
    from kentops.network.facts import check_facts, gather_facts

    loaded = load_or_exit(inventory, as_json)
    devices = selected_devices(loaded, lab, host, as_json)
    try:
        with device_progress("facts", len(devices), quiet=as_json) as hook:
            run = gather_facts(
                loaded,
                lab=lab,
                hosts=devices,
                workers=workers,
                timeouts=timeouts_of(connect_timeout, command_timeout),
                progress=hook,
            )
        check_facts(loaded, run)
    except InvalidInput as exc:
        report_problems([str(p) for p in exc.problems], as_json)
        raise typer.Exit(2) from None
    if as_json:
        print_json(run.as_dict())
    else:
        table = Table(title=f"facts {loaded.inventory.site.id}")
        for column in ("device", "vendor / model", "os", "interfaces", "lldp", "result"):
            table.add_column(column)
        for name in sorted(run.facts):
            f = run.facts[name]
            mine = [x for x in run.findings if x.device == name]
            table.add_row(
                name,
                f"{f.vendor or '?'} {f.model or '?'}",
                f.os_version or "?",
                str(len(f.interfaces)),
                str(len(f.lldp_neighbors)),
                "[green]ok[/]" if not mine else f"[yellow]{len(mine)} finding(s)[/]",
            )
        for name, reason in sorted(run.failed.items()):
            table.add_row(name, "", "", "", "", f"[red]failed: {reason}[/]")
        console.print(table)
        for finding in run.findings:
            console.print(
                f"[yellow]{finding.kind}[/] {finding.device}: {finding.message}", highlight=False
            )
        console.print(
            f"{len(run.facts)} read, [{'red' if run.failed else 'green'}]{len(run.failed)} "
            f"failed[/], {len(run.findings)} finding(s) in {run.elapsed_s:.1f} s"
        )
    raise typer.Exit(0 if not run.failed and not run.findings else 1)


def register(app: typer.Typer) -> None:
    app.add_typer(backup_app, name="backup")
    app.command("facts")(facts_command)
