"""``kentops log5651 ingest|seal|verify|search|prune``: the Law 5651 access-record archive.

Every command takes ``--archive DIR`` (default: $KENTOPS_LOG5651_ARCHIVE, else
var/log5651/<--site>/, else the only site under var/log5651/) and ``--json``.

Exit codes: 0 ok; 1 a day not sealed (TSA failure), a day that does not verify, a search
whose evidence rests on a day that fails verification; 2 invalid input or usage (a file that
cannot be read, an unknown format, no TSA configured, the archive locked by another run).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from kentops.log5651.archive import Archive, ingest, parse_day, resolve_root
from kentops.log5651.config import tsa_config
from kentops.log5651.parsers import DEFAULT_TZ, FORMATS, FormatError, SourceContext
from kentops.log5651.policy import LOGGING_FILE, load_logging_policy
from kentops.log5651.prune import MIN_RETENTION_DAYS, prune
from kentops.log5651.seal import seal as seal_archive
from kentops.log5651.search import search_ip, search_mac, search_nat
from kentops.log5651.statement import render_statement
from kentops.log5651.store import ArchiveError, archive_lock, write_atomic
from kentops.log5651.timestamp import TsaConfig
from kentops.log5651.verify import DEFAULT_MAX_SEAL_DELAY, verify_day
from kentops.log5651.verify import verify as verify_archive
from kentops.yamlsource import InvalidInput

console = Console()
err_console = Console(stderr=True)
log_app = typer.Typer(
    help="Law 5651 access records: ingest, seal (RFC 3161), verify, search, prune.",
    no_args_is_help=True,
)

ArchiveOpt = Annotated[
    Path | None,
    typer.Option(
        "--archive", help="Archive folder (default $KENTOPS_LOG5651_ARCHIVE or var/log5651/SITE)"
    ),
]
SiteOpt = Annotated[str | None, typer.Option("--site", help="Site id: var/log5651/SITE")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON")]
LabOpt = Annotated[bool, typer.Option("--lab", help="Use the lab TSA (kentops lab up --only tsa)")]
UrlOpt = Annotated[str | None, typer.Option("--tsa-url", help="RFC 3161 TSA URL")]
RootOpt = Annotated[Path | None, typer.Option("--tsa-root", help="Pinned root certificate (PEM)")]
CertOpt = Annotated[Path | None, typer.Option("--tsa-cert", help="Pinned TSA certificate (PEM)")]
DEFAULT_DELAY_HOURS = DEFAULT_MAX_SEAL_DELAY.total_seconds() / 3600
DelayOpt = Annotated[
    float,
    typer.Option("--max-seal-delay", help="Hours a day may wait for its seal after it ends"),
]


def _fail(message: str, code: int = 2) -> NoReturn:
    err_console.print(f"kentops log5651: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _archive(archive: Path | None, site: str | None) -> Archive:
    try:
        return Archive(resolve_root(archive, site))
    except ArchiveError as exc:
        _fail(str(exc))


def _tsa(url: str | None, root: Path | None, cert: Path | None, lab: bool, need_url: bool) -> Any:
    try:
        return tsa_config(url, root, cert, lab, need_url)
    except ArchiveError as exc:
        _fail(str(exc))


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return parse_day(text)
    except ArchiveError as exc:
        _fail(str(exc))


def _source_names(policies: Path) -> tuple[dict[str, str], dict[str, ZoneInfo]]:
    """Host name -> asset id, and asset id -> time zone, from logging.yml when there is one."""
    file = policies / LOGGING_FILE
    if not file.is_file():
        return {}, {}
    try:
        policy = load_logging_policy(file)
        zones = {s.asset: ZoneInfo(s.timezone) for s in policy.sources if s.timezone}
    except InvalidInput as exc:
        _fail("\n".join(str(p) for p in exc.problems))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        _fail(f"{file}: a source's timezone is not a time zone ({exc})")
    return policy.aliases(), zones


def _default_source(name: str) -> str:
    """The source of lines that name none: the file's name, or its folder's when the file is
    named by its day (a collector's ``SOURCE/DAY.log``)."""
    if name == "-":
        return "stdin"
    path = Path(name)
    stem = path.name.split(".")[0]
    try:
        dt.date.fromisoformat(stem)
    except ValueError:
        return stem
    return path.parent.name or stem


@log_app.command("ingest")
def ingest_cmd(
    files: Annotated[list[str], typer.Argument(help="Log files, or - for standard input")],
    archive: ArchiveOpt = None,
    site: SiteOpt = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help=f"One of {', '.join(FORMATS)} (default: detect)")
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Source id of every line (default: syslog host)")
    ] = None,
    timezone: Annotated[
        str, typer.Option("--timezone", help="Zone of times written without an offset")
    ] = DEFAULT_TZ,
    policies: Annotated[
        Path,
        typer.Option("--policies", help="Policy folder: logging.yml maps host names to asset ids"),
    ] = Path("policies"),
    as_json: JsonOpt = False,
) -> None:
    """Add log files to the archive's open days (a second ingest of a file adds nothing)."""
    store = _archive(archive, site)
    aliases, zones = _source_names(policies)
    if fmt is not None and fmt not in FORMATS:
        _fail(f"--format {fmt}: unknown format; use one of {', '.join(FORMATS)}")
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        _fail(f"--timezone {timezone}: unknown time zone (e.g. Europe/Istanbul)")
    inputs: list[tuple[str, bytes, dt.datetime]] = []
    for name in files:
        try:
            if name == "-":
                inputs.append(("-", sys.stdin.buffer.read(), dt.datetime.now(dt.UTC)))
            else:
                path = Path(name)
                mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
                inputs.append((name, path.read_bytes(), mtime))
        except OSError as exc:
            _fail(f"{name}: cannot be read ({exc.strerror}); check the path and permissions")
    reports = []
    try:
        with (
            archive_lock(store.root),
            Progress(console=err_console, disable=as_json) as progress,
        ):
            task = progress.add_task("ingest", total=len(inputs))
            for name, data, mtime in inputs:
                stem = _default_source(name)
                ctx = SourceContext(
                    default_source=aliases.get(source or stem, source or stem),
                    reference=mtime,
                    tz=zone,
                    source=aliases.get(source, source) if source else None,
                    aliases=aliases,
                    zones=zones,
                )
                reports.append(ingest(store, data, name, ctx, fmt))
                progress.advance(task)
    except (ArchiveError, FormatError) as exc:
        _fail(str(exc))
    if as_json:
        _print_json({"archive": str(store.root), "inputs": [r.as_dict() for r in reports]})
        return
    table = Table(title=f"kentops log5651 ingest → {store.root}")
    for column in ("girdi / input", "satır / lines", "kayıt / records", "bilinmeyen / unknown"):
        table.add_column(column)
    table.add_column("günler / days")
    for r in reports:
        note = "" if r.lines or not r.bytes_skipped else " (zaten alınmış / already ingested)"
        table.add_row(
            r.input + note,
            str(r.lines),
            str(r.records),
            str(r.unknown),
            ", ".join(f"{d}: {n}" for d, n in sorted(r.days.items())),
        )
    console.print(table)
    for r in reports:
        for lineno, text in r.unknown_samples[:5]:
            err_console.print(
                f"{r.input}:{lineno}: unknown line kept in the raw archive: {text[:160]}",
                markup=False,
                highlight=False,
            )


@log_app.command("seal")
def seal_cmd(
    archive: ArchiveOpt = None,
    site: SiteOpt = None,
    day: Annotated[
        str | None, typer.Option("--day", help="Seal this day (default: every complete one)")
    ] = None,
    lab: LabOpt = False,
    tsa_url: UrlOpt = None,
    tsa_root: RootOpt = None,
    tsa_cert: CertOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Seal complete days: manifest with the chain, RFC 3161 time stamp over it."""
    store = _archive(archive, site)
    config: TsaConfig = _tsa(tsa_url, tsa_root, tsa_cert, lab, need_url=True)
    chosen = _day(day)
    try:
        with archive_lock(store.root):
            report = seal_archive(store, config, day=chosen)
    except ArchiveError as exc:
        _fail(str(exc))
    if as_json:
        _print_json(
            {
                "archive": str(store.root),
                "ok": report.ok,
                "days": [o.as_dict() for o in report.outcomes],
            }
        )
        raise typer.Exit(0 if report.ok else 1)
    if not report.outcomes:
        console.print("mühürlenecek gün yok / no day to seal")
    for o in report.outcomes:
        if o.sealed:
            console.print(
                f"[green]{o.day}[/]: mühürlendi / sealed, {o.records} kayıt / records, "
                f"manifest SHA-256 {o.manifest_sha256}, genTime {o.gen_time}"
            )
        else:
            err_console.print(
                f"{o.day}: MÜHÜRLENMEDİ / NOT SEALED: {o.error}", markup=False, highlight=False
            )
    raise typer.Exit(0 if report.ok else 1)


@log_app.command("verify")
def verify_cmd(
    archive: ArchiveOpt = None,
    site: SiteOpt = None,
    first: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD)")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last day (default yesterday)")] = None,
    max_delay: DelayOpt = DEFAULT_DELAY_HOURS,
    lab: LabOpt = False,
    tsa_url: UrlOpt = None,
    tsa_root: RootOpt = None,
    tsa_cert: CertOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Verify every day: present, hashes, token, genTime, chain. Exit 1 on any failure."""
    store = _archive(archive, site)
    config: TsaConfig = _tsa(tsa_url, tsa_root, tsa_cert, lab, need_url=False)
    if not (store.root / "days").is_dir() and not (store.root / "open").is_dir():
        _fail(f"{store.root}: no archive here (nothing ingested or sealed)")
    report = verify_archive(
        store, config, _day(first), _day(last), max_delay=dt.timedelta(hours=max_delay)
    )
    if as_json:
        _print_json({"archive": str(store.root), **report.as_dict()})
        raise typer.Exit(0 if report.ok else 1)
    table = Table(title=f"kentops log5651 verify {store.root}")
    for column in ("gün / day", "durum / status", "kayıt / records", "kaynak / sources"):
        table.add_column(column)
    for d in report.days:
        color = "green" if d.ok else "red"
        table.add_row(str(d.day), f"[{color}]{d.status}[/]", str(d.records), ", ".join(d.sources))
    console.print(table)
    for d in report.days:
        for problem in d.problems:
            err_console.print(problem, markup=False, highlight=False)
    if not report.days:
        err_console.print("doğrulanacak gün yok / no day in range")
    raise typer.Exit(0 if report.ok else 1)


def _moment(text: str | None) -> dt.datetime:
    if text is None:
        _fail("--at TIME is needed (e.g. 2026-12-03T10:20:00+03:00; no offset: Europe/Istanbul)")
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        _fail(f"--at {text}: not a time; write it as 2026-12-03T10:20:00+03:00")
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(DEFAULT_TZ))
    return when.astimezone(dt.UTC)


def _optional_tsa(
    url: str | None, root: Path | None, cert: Path | None, lab: bool
) -> TsaConfig | None:
    try:
        return tsa_config(url, root, cert, lab, need_url=False)
    except ArchiveError:
        return None


@log_app.command("search")
def search_cmd(
    ip: Annotated[str | None, typer.Option("--ip", help="Internal IP address")] = None,
    at: Annotated[str | None, typer.Option("--at", help="Moment (ISO 8601)")] = None,
    mac: Annotated[str | None, typer.Option("--mac", help="MAC address: its leases")] = None,
    nat_ip: Annotated[
        str | None, typer.Option("--nat-ip", help="Public IP:PORT of a NAT translation")
    ] = None,
    first: Annotated[str | None, typer.Option("--from", help="--mac: first day")] = None,
    last: Annotated[str | None, typer.Option("--to", help="--mac: last day")] = None,
    statement: Annotated[
        Path | None, typer.Option("--statement", help="Write the Turkish statement (HTML) here")
    ] = None,
    archive: ArchiveOpt = None,
    site: SiteOpt = None,
    max_delay: DelayOpt = DEFAULT_DELAY_HOURS,
    lab: LabOpt = False,
    tsa_url: UrlOpt = None,
    tsa_root: RootOpt = None,
    tsa_cert: CertOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Who held an address at a moment (--ip --at), a MAC's leases (--mac), who was behind a
    NAT address and port (--nat-ip IP:PORT --at); with each day's verification."""
    store = _archive(archive, site)
    if sum(x is not None for x in (ip, mac, nat_ip)) != 1:
        _fail("give one of --ip IP --at TIME, --mac MAC, --nat-ip IP:PORT --at TIME")
    if ip is not None:
        answer = search_ip(store, ip, _moment(at))
    elif nat_ip is not None:
        if ":" not in nat_ip:
            _fail(f"--nat-ip {nat_ip}: write the public address and port as IP:PORT")
        answer = search_nat(store, nat_ip, _moment(at))
    else:
        today = dt.datetime.now(ZoneInfo(DEFAULT_TZ)).date()
        start = _day(first) or store.first_day() or today
        try:
            answer = search_mac(store, mac or "", start, _day(last) or today)
        except ValueError as exc:
            _fail(f"--mac: {exc}")
    config = _optional_tsa(tsa_url, tsa_root, tsa_cert, lab)
    for day in answer.evidence_days:
        answer.days[day] = (
            verify_day(store, day, config, dt.timedelta(hours=max_delay))
            if config is not None
            else None
        )
    code = 1 if answer.failed else 0
    if statement is not None:
        try:
            write_atomic(statement, render_statement(store, answer).encode("utf-8"))
        except (OSError, ArchiveError) as exc:
            _fail(f"{statement}: the statement cannot be written ({exc})")
    if as_json:
        _print_json(answer.as_dict())
        raise typer.Exit(code)
    data = answer.as_dict()
    if answer.holder is not None:
        h = data["holder"]
        console.print(
            f"{h['ip']} @ {data['query'].get('at')}: MAC {h['mac']}, hostname {h['hostname']}, "
            f"user {h['user']}, lease {h['start']} → {h['end']} ({h['end_reason']}), "
            f"source {h['source']}",
            markup=False,
        )
    elif answer.leases:
        for lease in data["leases"]:
            console.print(
                f"{lease['mac']}: {lease['ip']} {lease['start']} → {lease['end']} "
                f"({lease['end_reason']}), source {lease['source']}",
                markup=False,
            )
    else:
        console.print(
            f"{data['query']}: o anda kimsede değildi / nobody held it at that moment",
            markup=False,
        )
    if answer.nat is not None:
        console.print(
            f"NAT: {answer.nat.record.nat_outside} ← {answer.nat.record.nat_inside}", markup=False
        )
    for day in answer.evidence_days:
        report = answer.days.get(day)
        status = report.status if report is not None else "not verified (no TSA certificates)"
        console.print(f"{day}: {status}", markup=False)
        if report is not None:
            for problem in report.problems:
                err_console.print(problem, markup=False, highlight=False)
    for item in ([answer.nat] if answer.nat else []) + [
        e
        for lease in ([answer.holder] if answer.holder else []) + answer.leases
        for e in lease.evidence
    ]:
        d = item.as_dict()
        console.print(f"  {d['file']}:{d['line']}: {d['text']}", markup=False, highlight=False)
    if statement is not None:
        console.print(f"tutanak / statement: {statement}", markup=False)
    raise typer.Exit(code)


@log_app.command("prune")
def prune_cmd(
    archive: ArchiveOpt = None,
    site: SiteOpt = None,
    retention_days: Annotated[
        int, typer.Option("--retention-days", help="Keep this many days (at least 730)")
    ] = MIN_RETENTION_DAYS,
    apply: Annotated[bool, typer.Option("--apply", help="Remove (without it: dry run)")] = False,
    max_delay: DelayOpt = DEFAULT_DELAY_HOURS,
    lab: LabOpt = False,
    tsa_url: UrlOpt = None,
    tsa_root: RootOpt = None,
    tsa_cert: CertOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Remove sealed, verified days older than the retention (dry run unless --apply)."""
    store = _archive(archive, site)
    config: TsaConfig = _tsa(tsa_url, tsa_root, tsa_cert, lab, need_url=False)
    try:
        with archive_lock(store.root):
            report = prune(
                store,
                config,
                retention_days,
                apply=apply,
                max_delay=dt.timedelta(hours=max_delay),
            )
    except ArchiveError as exc:
        _fail(str(exc))
    code = 0 if report.ok else 1
    if as_json:
        _print_json({"archive": str(store.root), **report.as_dict()})
        raise typer.Exit(code)
    verb = "silindi / pruned" if apply else "silinecek / would prune (dry run; --apply)"
    days = [d.day.isoformat() for d in report.pruned]
    console.print(f"{verb}: {len(days)} gün / days {', '.join(days[:10])}", markup=False)
    for d in report.kept:
        err_console.print(f"{d.day}: kept, does not verify: {'; '.join(d.problems)}", markup=False)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.add_typer(log_app, name="log5651")
