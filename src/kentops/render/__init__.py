"""Render the intended configuration of every device from inventory and policy.

``render_site`` turns each device into its artefacts (switch and firewall configurations,
the Kea DHCP configuration, camera ISAPI documents, PBX and phone files), validates each by
its kind and, with ``out``, writes them to ``<out>/<site>/<device-id>/<artefact>``. The same
input always gives the same bytes: no timestamps, sorted iteration.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kentops.inventory.loader import LoadedInventory
from kentops.inventory.model import Asset
from kentops.policy import Policies, load_policies
from kentops.render.context import ContextBuilder, Job
from kentops.render.engine import Renderer, TemplateFailure
from kentops.render.filters import load_filters
from kentops.render.validate import kea_binary, kea_check, validate
from kentops.yamlsource import InvalidInput, Problem

DEFAULT_OUT = Path("build/intended")


@dataclass(frozen=True)
class Artefact:
    """One rendered file of one device."""

    device_id: str
    kind: str  # ios, vrp, fortios, routeros, kea, isapi, asterisk, yealink
    path: str  # relative: <site>/<device-id>/<artefact>
    text: str
    sha256: str
    template: str  # relative to templates/

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def as_dict(self, with_text: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "device_id": self.device_id,
            "kind": self.kind,
            "path": self.path,
            "sha256": self.sha256,
            "template": self.template,
        }
        if with_text:
            out["text"] = self.text
        return out


@dataclass
class RenderReport:
    """What a render produced and what went wrong (template or output problems)."""

    site: str
    artefacts: list[Artefact] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    devices: int = 0
    seconds: float = 0.0
    out: Path | None = None
    jobs: int = 1

    @property
    def ok(self) -> bool:
        return not self.problems

    def artefact(self, device_id: str, name: str) -> Artefact | None:
        path = f"{self.site}/{device_id}/{name}"
        return next((a for a in self.artefacts if a.path == path), None)

    def for_device(self, device_id: str) -> list[Artefact]:
        return [a for a in self.artefacts if a.device_id == device_id]

    def as_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "ok": self.ok,
            "devices": self.devices,
            "artefacts": [a.as_dict() for a in self.artefacts],
            "problems": [p.as_dict() for p in self.problems],
            "seconds": round(self.seconds, 3),
            "jobs": self.jobs,
            "out": str(self.out) if self.out else None,
        }


@dataclass
class _State:
    builder: ContextBuilder
    renderer: Renderer
    templates: Path
    assets: dict[str, Asset]


#: The state workers render with; set before the pool forks so each worker inherits it.
_STATE: dict[str, _State] = {}


def project_root(policy_dir: Path) -> Path:
    """The folder holding policies/, templates/ and filter_plugins/."""
    return policy_dir.resolve().parent


def render_site(
    loaded: LoadedInventory,
    policy_dir: Path,
    out: Path | None = None,
    hosts: list[str] | None = None,
    jobs: int | None = None,
    *,
    policies: Policies | None = None,
    templates: Path | None = None,
    resolve_env: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RenderReport:
    """Render every device (or ``hosts``) in parallel; validate; write under ``out``.

    Raises InvalidInput when the policies are invalid or a host is unknown. Template errors
    and invalid output are Problems of the report (file: the template; line: its line;
    subject: the device). ``resolve_env`` fills ``env:`` secret references from the
    environment (deploy time only; by default they stay placeholders).
    """
    started = time.perf_counter()
    policy_dir = Path(policy_dir)
    if policies is None:
        policies = load_policies(policy_dir, loaded)
    root = project_root(policy_dir)
    templates = (templates or root / "templates").resolve()
    filters = load_filters(templates.parent)
    builder = ContextBuilder(loaded, policies, resolve_env=resolve_env)
    inv = loaded.inventory
    assets = {a.id: a for a in inv.assets()}
    selected = _select(loaded, assets, hosts)
    renderer = Renderer(templates, filters)
    _warm(builder)
    state = _State(builder, renderer, templates, assets)
    workers = _workers(jobs, len(selected))
    with _gc_paused():
        artefacts, problems = _render_all(state, selected, workers, progress)
    problems.extend(_kea_checks(artefacts, templates))
    artefacts.sort(key=lambda a: (a.device_id, a.path))
    problems = _unique(problems)
    report = RenderReport(
        site=inv.site.id,
        artefacts=artefacts,
        problems=problems,
        devices=len(selected),
        out=out,
        jobs=workers,
    )
    if out is not None:
        write_artefacts(report, Path(out), prune=hosts is None, private=resolve_env)
    report.seconds = time.perf_counter() - started
    return report


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No garbage collection while rendering: it only allocates, and a frozen heap lets
    forked workers share the inventory's pages instead of copying them."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _render_all(
    state: _State,
    selected: list[str],
    workers: int,
    progress: Callable[[int, int], None] | None,
) -> tuple[list[Artefact], list[Problem]]:
    if workers > 1:
        return _render_parallel(state, selected, workers, progress)
    artefacts: list[Artefact] = []
    problems: list[Problem] = []
    _STATE["current"] = state
    try:
        for done, device_id in enumerate(selected, start=1):
            found, trouble = _render_one(state, device_id)
            artefacts.extend(found)
            problems.extend(trouble)
            if progress:
                progress(done, len(selected))
    finally:
        _STATE.clear()
    return artefacts, problems


def _select(
    loaded: LoadedInventory, assets: dict[str, Asset], hosts: list[str] | None
) -> list[str]:
    if not hosts:
        return sorted(assets)
    by_name = {a.host_name: a.id for a in assets.values()}
    chosen: list[str] = []
    unknown: list[str] = []
    for host in hosts:
        device = host if host in assets else by_name.get(host)
        if device is None:
            unknown.append(host)
        elif device not in chosen:
            chosen.append(device)
    if unknown:
        raise InvalidInput(
            [
                Problem(
                    loaded.root,
                    1,
                    f"unknown host '{h}'",
                    "give a device id or hostname of the inventory",
                )
                for h in unknown
            ]
        )
    return sorted(chosen)


def _warm(builder: ContextBuilder) -> None:
    """Compute what every device shares before the workers fork, so it is done once."""
    site = builder.site
    _ = builder.common, site.internal_space, site.derived_addresses(), builder.plugged_into
    for net in site.buildings.values():
        fhrp = None
        if len(net.cores) > 1:
            fhrp = "hsrp" if net.cores[0].platform.value == "cisco_ios" else "vrrp"
        if net.cores:
            for vlan in net.vlans:
                builder.acl(vlan, fhrp)


def _workers(jobs: int | None, devices: int) -> int:
    wanted = jobs if jobs is not None else (os.cpu_count() or 1)
    if devices < 64:  # forking costs more than it saves on small sites
        return 1
    return max(1, min(wanted, devices // 16))


def _render_one(state: _State, device_id: str) -> tuple[list[Artefact], list[Problem]]:
    builder = state.builder
    site = builder.inventory.site.id
    before = len(builder.problems)
    jobs = builder.jobs(state.assets[device_id])
    problems = builder.problems[before:]
    del builder.problems[before:]
    artefacts: list[Artefact] = []
    for job in jobs:
        artefact, found = _render_job(state, site, job)
        if artefact is not None:
            artefacts.append(artefact)
        problems.extend(found)
    return artefacts, problems


def _render_job(state: _State, site: str, job: Job) -> tuple[Artefact | None, list[Problem]]:
    template_path = state.templates / job.template
    try:
        text = state.renderer.render(job.template, job.context)
    except TemplateFailure as exc:
        return None, [
            Problem(
                template_path,
                exc.line,
                exc.message,
                "fix the template or the data it reads",
                job.device_id,
            )
        ]
    problems = []
    for line, message in validate(job.kind, text, job.artefact):
        output = text.splitlines()[line - 1] if 0 < line <= text.count("\n") + 1 else ""
        problems.append(
            Problem(
                template_path,
                state.renderer.guess_line(job.template, output),
                f"{job.artefact} line {line}: {message}",
                "fix the template (or the inventory value it prints)",
                job.device_id,
            )
        )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    path = f"{site}/{job.device_id}/{job.artefact}"
    return Artefact(job.device_id, job.kind, path, text, digest, job.template), problems


def _render_chunk(device_ids: Sequence[str]) -> tuple[list[Artefact], list[Problem]]:
    state = _STATE.get("current")
    if state is None:  # pragma: no cover - only if the pool was not forked from render_site
        raise RuntimeError("render worker started without state")
    artefacts: list[Artefact] = []
    problems: list[Problem] = []
    for device_id in device_ids:
        a, p = _render_one(state, device_id)
        artefacts.extend(a)
        problems.extend(p)
    return artefacts, problems


def _render_parallel(
    state: _State,
    selected: list[str],
    workers: int,
    progress: Callable[[int, int], None] | None,
) -> tuple[list[Artefact], list[Problem]]:
    size = max(8, len(selected) // (workers * 6))
    chunks = [selected[i : i + size] for i in range(0, len(selected), size)]
    artefacts: list[Artefact] = []
    problems: list[Problem] = []
    _STATE["current"] = state
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=gc.disable
        ) as pool:
            done = 0
            for chunk, (a, p) in zip(chunks, pool.map(_render_chunk, chunks), strict=True):
                artefacts.extend(a)
                problems.extend(p)
                done += len(chunk)
                if progress:
                    progress(done, len(selected))
    finally:
        _STATE.clear()
    return artefacts, problems


def _kea_checks(artefacts: list[Artefact], templates: Path) -> list[Problem]:
    binary = kea_binary()
    if binary is None:
        return []
    problems = []
    for artefact in artefacts:
        if artefact.kind != "kea":
            continue
        for _line, message in kea_check(artefact.text, binary):
            problems.append(
                Problem(
                    templates / artefact.template,
                    1,
                    f"{artefact.name}: {message}",
                    "fix the Kea template",
                    artefact.device_id,
                )
            )
    return problems


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, int, str, str | None]] = set()
    out = []
    for problem in problems:
        key = (str(problem.file), problem.line, problem.message, problem.subject)
        if key not in seen:
            seen.add(key)
            out.append(problem)
    return sorted(out, key=lambda p: (p.subject or "", str(p.file), p.line, p.message))


def device_jobs(
    loaded: LoadedInventory, policies: Policies, device_id: str, *, resolve_env: bool = False
) -> list[Job]:
    """The templates and variables of one device, exactly as render_site uses them.

    The contexts are plain JSON: give one to Ansible's ``template`` module as extra vars and
    it renders the same bytes (filters come from filter_plugins/, loaded by both).
    """
    builder = ContextBuilder(loaded, policies, resolve_env=resolve_env)
    return builder.jobs(loaded.inventory.asset(device_id))


MANIFEST = "render-manifest.json"
REJECTED = "rejected"


class ArtefactRefused(Exception):
    """An artefact that deploy must not use: missing, changed since render, or invalid."""


def _write(path: Path, data: bytes, private: bool, fresh: bool = False) -> None:
    """Write one file; an unchanged file is left alone (its time stays), unless ``fresh``
    says its folder was just made, so there is nothing to compare with."""
    if private:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        path.chmod(0o600)
        return
    if fresh or not _holds(path, data):
        path.write_bytes(data)


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file exists with exactly these bytes."""
    try:
        return path.read_bytes() == data
    except FileNotFoundError:
        return False


#: Threads writing files: opening and creating files waits on the filesystem, not the CPU.
WRITE_THREADS = 8


def _make_folders(folders: set[Path], private: bool) -> set[Path]:
    """Make each folder once (parents first); return the ones that did not exist before."""
    made: set[Path] = set()
    for folder in sorted(folders, key=lambda f: len(f.parts)):
        try:
            folder.mkdir(mode=0o700 if private else 0o777)
            made.add(folder)
        except FileExistsError:
            if private:
                folder.chmod(0o700)
        except FileNotFoundError:
            folder.mkdir(mode=0o700 if private else 0o777, parents=True, exist_ok=True)
            made.add(folder)
    return made


def write_artefacts(
    report: RenderReport, out: Path, prune: bool = True, *, private: bool = False
) -> list[Path]:
    """Write every artefact and the site's render manifest.

    A render with any problem writes nothing where deploy reads: its artefacts go to
    ``<out>/rejected/<site>/`` for people to inspect, and the site's manifest says the
    render did not validate, so :func:`validated_artefact` refuses every artefact of the
    site until a clean render. ``private`` (``--resolve-env``: the files hold secrets)
    writes files 0600 in folders 0700. With ``prune``, files of the site no longer
    rendered are removed.

    Each folder is made once, files in a folder this call made are written without reading
    them first, and the files are written by a few threads (on a disk each create waits
    for the filesystem, so they overlap); a site folder this call made has nothing to prune.
    """
    base = out if report.ok else out / REJECTED
    site_dir = out / report.site
    site_existed = site_dir.is_dir()
    paths = [base / a.path for a in report.artefacts]
    made = _make_folders({p.parent for p in paths} | {site_dir}, private)
    datas = [a.text.encode("utf-8") for a in report.artefacts]
    fresh = [p.parent in made for p in paths]
    if len(paths) > 64:
        with ThreadPoolExecutor(max_workers=WRITE_THREADS) as pool:
            list(pool.map(_write, paths, datas, [private] * len(paths), fresh))
    else:
        for path, data, is_fresh in zip(paths, datas, fresh, strict=True):
            _write(path, data, private, is_fresh)
    wanted = {a.path for a in report.artefacts}
    if report.ok and prune and site_existed:
        _prune(out, site_dir, wanted)
    if private:
        for folder in (out, base, site_dir, base / report.site):
            if folder.is_dir():
                folder.chmod(0o700)
    failed = {p.subject for p in report.problems}
    manifest = {
        "site": report.site,
        "valid": report.ok,
        "artefacts": {
            a.path: {"sha256": a.sha256, "valid": report.ok and a.device_id not in failed}
            for a in (report.artefacts if report.ok else [])
        },
    }
    _write(
        site_dir / MANIFEST,
        (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8"),
        private,
    )
    return paths


def _prune(out: Path, site_dir: Path, wanted: set[str]) -> None:
    """Remove the files of the site no longer rendered, then the folders left empty."""
    for path in sorted(site_dir.rglob("*"), reverse=True):
        rel = path.relative_to(out).as_posix()
        if path.is_file() and rel not in wanted and path.name != MANIFEST:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def validated_artefact(path: Path | str) -> bytes:
    """The bytes of a rendered artefact that validated, as the render manifest records it.

    Raises ArtefactRefused when the file is missing, was changed after the render, is not
    in the manifest, or the render that wrote it did not validate.
    """
    path = Path(path)
    manifest_file = next(
        (folder / MANIFEST for folder in path.parents if (folder / MANIFEST).is_file()), None
    )
    if manifest_file is None:
        raise ArtefactRefused(f"{path}: no {MANIFEST} above it: render it first")
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArtefactRefused(f"{manifest_file}: unreadable manifest ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("valid") is not True:
        raise ArtefactRefused(f"{path}: the last render of this site did not validate")
    rel = f"{manifest.get('site')}/{path.relative_to(manifest_file.parent).as_posix()}"
    entries = manifest.get("artefacts")
    entry = entries.get(rel) if isinstance(entries, dict) else None
    if not isinstance(entry, dict) or entry.get("valid") is not True:
        raise ArtefactRefused(f"{path}: not a validated artefact of the last render")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArtefactRefused(f"{path}: cannot be read ({exc.strerror})") from None
    if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise ArtefactRefused(f"{path}: changed since it was rendered and validated")
    return data


__all__ = [
    "DEFAULT_OUT",
    "MANIFEST",
    "Artefact",
    "ArtefactRefused",
    "Job",
    "RenderReport",
    "device_jobs",
    "render_site",
    "validated_artefact",
    "write_artefacts",
]
