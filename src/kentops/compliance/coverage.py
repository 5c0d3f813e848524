"""Duty coverage: how many duties of a regulation are automated, manual or out of scope,
whether every technical duty is automated (proven by controls), and what a catalog change
did to that against the catalogs of an earlier git revision."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kentops.compliance.catalog import (
    Bound,
    Catalogs,
    DutyCatalog,
    DutyKind,
    load_duty_catalog,
)
from kentops.yamlsource import InvalidInput


@dataclass
class Coverage:
    regulation: str
    title: str
    duties: int
    automated: int
    manual: int
    not_applicable: int
    technical: int
    technical_not_automated: list[str] = field(default_factory=list)
    controls_used: list[str] = field(default_factory=list)
    bound_elsewhere: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.technical_not_automated

    def as_dict(self) -> dict[str, Any]:
        return {
            "regulation": self.regulation,
            "title": self.title,
            "duties": self.duties,
            "automated": self.automated,
            "manual": self.manual,
            "not_applicable": self.not_applicable,
            "technical": self.technical,
            "technical_not_automated": self.technical_not_automated,
            "controls_used": self.controls_used,
            "bound_elsewhere": self.bound_elsewhere,
            "ok": self.ok,
        }


def duty_coverage(catalog: DutyCatalog) -> Coverage:
    kinds = [d.kind for d in catalog.duties]
    return Coverage(
        regulation=catalog.id,
        title=catalog.title.tr,
        duties=len(kinds),
        automated=kinds.count(DutyKind.CONTROLS),
        manual=kinds.count(DutyKind.MANUAL),
        not_applicable=kinds.count(DutyKind.NOT_APPLICABLE),
        technical=sum(1 for d in catalog.duties if d.technical),
        technical_not_automated=[
            d.id for d in catalog.duties if d.technical and d.kind is not DutyKind.CONTROLS
        ],
        controls_used=sorted({c for d in catalog.duties for c in d.controls or []}),
        bound_elsewhere=_bound_elsewhere(catalog),
    )


def _bound_elsewhere(catalog: DutyCatalog) -> dict[str, list[str]]:
    """Duties that bind others than the directorate, by whom (municipal_units, users)."""
    out: dict[str, list[str]] = {}
    for duty in catalog.duties:
        bound = catalog.bound(duty.unit)
        if bound is not Bound.DIRECTORATE:
            out.setdefault(bound.value, []).append(duty.id)
    return out


def coverage(catalogs: Catalogs, regulation: str | None = None) -> list[Coverage]:
    ids = [regulation] if regulation else sorted(catalogs.regulations)
    return [duty_coverage(catalogs.regulation(i)) for i in ids]


# ---------------------------------------------------------------- against a git revision


class BaselineUnavailable(Exception):
    """The catalogs of an earlier revision cannot be read (no git, not a work tree)."""


@dataclass
class Baseline:
    """The duty catalogs of one git revision of the policy folder."""

    revision: str
    commit: str
    catalogs: dict[str, DutyCatalog]
    unreadable: dict[str, str] = field(default_factory=dict)  # file name -> why


@dataclass
class DutyChange:
    duty: str
    before: str | None  # kind at the baseline; None: the duty did not exist there
    after: str | None  # kind now; None: the duty was removed

    def as_dict(self) -> dict[str, Any]:
        return {"duty": self.duty, "before": self.before, "after": self.after}


@dataclass
class ControlChange:
    """An automated duty on both sides whose controls changed."""

    duty: str
    added: list[str]
    removed: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"duty": self.duty, "added": self.added, "removed": self.removed}


@dataclass
class CoverageDelta:
    """One regulation now against the baseline: counts on both sides and the duties whose
    kind (automated / manual / not applicable) changed, appeared or disappeared."""

    regulation: str
    before: Coverage | None  # None: the catalog is new
    after: Coverage | None  # None: the catalog was removed
    changes: list[DutyChange] = field(default_factory=list)
    control_changes: list[ControlChange] = field(default_factory=list)

    def delta(self, name: str) -> int:
        now = getattr(self.after, name) if self.after is not None else 0
        then = getattr(self.before, name) if self.before is not None else 0
        return int(now) - int(then)

    def as_dict(self) -> dict[str, Any]:
        counts = ("duties", "automated", "manual", "not_applicable", "technical")
        return {
            "regulation": self.regulation,
            "before": None if self.before is None else {k: getattr(self.before, k) for k in counts},
            "after": None if self.after is None else {k: getattr(self.after, k) for k in counts},
            "delta": {k: self.delta(k) for k in counts},
            "changes": [c.as_dict() for c in self.changes],
            "control_changes": [c.as_dict() for c in self.control_changes],
        }


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(cwd), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BaselineUnavailable(f"git could not run: {exc}") from None
    if done.returncode != 0:
        raise BaselineUnavailable(done.stderr.strip() or f"git {' '.join(args)} failed")
    return done.stdout


def default_revision(policy_dir: Path) -> str:
    """The revision a change is reviewed against: the merge base with the branch's upstream,
    else with ``main`` when on another branch, else ``HEAD``."""
    for other in ("@{upstream}", "main"):
        try:
            _git(policy_dir, "rev-parse", "--verify", "--quiet", f"{other}^{{commit}}")
            base = _git(policy_dir, "merge-base", "HEAD", other).strip()
        except BaselineUnavailable:
            continue
        head = _git(policy_dir, "rev-parse", "HEAD").strip()
        if base and base != head:
            return base
    return "HEAD"


def catalogs_at(policy_dir: Path, revision: str) -> Baseline:
    """The duty catalogs of ``policy_dir/regulations`` as committed at ``revision``.

    Each is validated on its own (its controls are not resolved: a control removed since
    does not hide the old catalog's counts); one that does not load is named in
    ``unreadable``. Raises BaselineUnavailable outside a git work tree or for an unknown
    revision.
    """
    folder = policy_dir.resolve()
    top = Path(_git(folder, "rev-parse", "--show-toplevel").strip())
    try:
        commit = _git(folder, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except BaselineUnavailable:
        commit = ""
    commit = commit.strip()
    if not commit:
        raise BaselineUnavailable(f"unknown revision '{revision}'")
    prefix = (folder / "regulations").relative_to(top).as_posix()
    listed = _git(top, "ls-tree", "-z", "--name-only", commit, "--", f"{prefix}/")
    baseline = Baseline(revision=revision, commit=commit, catalogs={})
    with tempfile.TemporaryDirectory(prefix="kentops-catalogs-") as tmp:
        for path in sorted(p for p in listed.split("\0") if p.endswith((".yml", ".yaml"))):
            target = Path(tmp) / Path(path).name
            target.write_text(_git(top, "show", f"{commit}:{path}"), encoding="utf-8")
            try:
                loaded = load_duty_catalog(target)
            except InvalidInput as exc:
                first = exc.problems[0] if exc.problems else None
                baseline.unreadable[target.name] = (
                    f"line {first.line}: {first.message}" if first else "does not load"
                )
                continue
            baseline.catalogs[loaded.catalog.id] = loaded.catalog
    return baseline


def compare(
    catalogs: Catalogs, baseline: Baseline, regulation: str | None = None
) -> list[CoverageDelta]:
    """Every regulation (or one) now against the baseline, in id order."""
    now = {i: loaded.catalog for i, loaded in catalogs.regulations.items()}
    ids = [regulation] if regulation else sorted(set(now) | set(baseline.catalogs))
    deltas: list[CoverageDelta] = []
    for reg_id in ids:
        after, before = now.get(reg_id), baseline.catalogs.get(reg_id)
        kinds_after = {d.id: d.kind.value for d in after.duties} if after else {}
        kinds_before = {d.id: d.kind.value for d in before.duties} if before else {}
        order = [d.id for d in after.duties] if after else []
        order += [d.id for d in before.duties if d.id not in kinds_after] if before else []
        changes = [
            DutyChange(duty_id, kinds_before.get(duty_id), kinds_after.get(duty_id))
            for duty_id in order
            if kinds_before.get(duty_id) != kinds_after.get(duty_id)
        ]
        controls_after = {d.id: set(d.controls or []) for d in after.duties} if after else {}
        controls_before = {d.id: set(d.controls or []) for d in before.duties} if before else {}
        control_changes = [
            ControlChange(
                duty_id,
                sorted(controls_after[duty_id] - controls_before[duty_id]),
                sorted(controls_before[duty_id] - controls_after[duty_id]),
            )
            for duty_id in order
            if kinds_after.get(duty_id) == kinds_before.get(duty_id) == DutyKind.CONTROLS.value
            and controls_after[duty_id] != controls_before[duty_id]
        ]
        deltas.append(
            CoverageDelta(
                regulation=reg_id,
                before=duty_coverage(before) if before else None,
                after=duty_coverage(after) if after else None,
                changes=changes,
                control_changes=control_changes,
            )
        )
    return deltas
