"""Evidence: what an audit collected, written once, hashed, and read by the checks.

Collectors gather evidence and never judge it. Each is a plugin behind one small interface
(``Collector``) and is listed once, in ``COLLECTORS``. An audit run gets its own folder,
``var/evidence/<site>/<run-id>/``: every item is a file there, and ``manifest.json`` records
its SHA-256, the collector that took it, when, and from where.

A collector that cannot run in this setting (no lab, no credentials, a module of a later
round missing) raises ``NotCollected``: its evidence kinds then count as *not collected*
and every check that needs them reports "not assessed" — never a pass.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from kentops.compliance.catalog import OBSERVED_KINDS
from kentops.inventory.loader import LoadedInventory
from kentops.yamlsource import InvalidInput, display_path

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "kentops-evidence/1"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def new_run_id(now: dt.datetime | None = None) -> str:
    """Run id: the UTC start time, sortable and safe in a path (20261121T142933Z)."""
    return (now or utc_now()).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True)
class EvidenceItem:
    """One piece of evidence as a collector hands it over.

    ``content`` is what is written to disk and hashed; ``data`` is the structured form the
    checks read (a parsed model, a render report...). ``subject`` is the asset, building or
    attestation subject it is about, or None for the whole site.
    """

    kind: str
    name: str
    content: str | bytes
    source: str
    subject: str | None = None
    data: Any = None
    collected_at: dt.datetime | None = None

    @property
    def raw(self) -> bytes:
        return self.content.encode("utf-8") if isinstance(self.content, str) else self.content


@dataclass(frozen=True)
class StoredEvidence:
    """An item after the store wrote it: where, with which hash, by which collector."""

    item: EvidenceItem
    ref: str  # path relative to the run folder; findings cite evidence by it
    sha256: str
    collector: str
    collected_at: dt.datetime

    @property
    def kind(self) -> str:
        return self.item.kind

    @property
    def subject(self) -> str | None:
        return self.item.subject

    @property
    def data(self) -> Any:
        return self.item.data

    @property
    def text(self) -> str:
        content = self.item.content
        return content if isinstance(content, str) else content.decode("utf-8", "replace")

    def manifest_entry(self) -> dict[str, object]:
        return {
            "file": self.ref,
            "kind": self.kind,
            "subject": self.subject,
            "sha256": self.sha256,
            "size": len(self.item.raw),
            "collector": self.collector,
            "collected_at": self.collected_at.isoformat(),
            "source": self.item.source,
        }


class NotCollected(Exception):
    """Raised by a collector that cannot collect in this run; says why."""


@dataclass
class CollectorRun:
    """What happened when one collector ran."""

    name: str
    kinds: tuple[str, ...]
    started: dt.datetime
    finished: dt.datetime
    items: int = 0
    state: str = "collected"  # collected | not_collected | error
    reason: str | None = None
    #: Items refused by the store: observed evidence with nothing read (name: why).
    rejected: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kinds": list(self.kinds),
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat(),
            "items": self.items,
            "state": self.state,
            "reason": self.reason,
            "rejected": list(self.rejected),
        }


class EvidenceSet:
    """Everything collected in one run, indexed for the checks."""

    def __init__(self) -> None:
        self.items: list[StoredEvidence] = []
        self.collected_kinds: set[str] = set()
        self._by_kind: dict[str, list[StoredEvidence]] = {}
        self._by_subject: dict[tuple[str, str | None], list[StoredEvidence]] = {}
        self._by_ref: dict[str, StoredEvidence] = {}

    def add(self, stored: StoredEvidence) -> None:
        self.items.append(stored)
        self._by_ref[stored.ref] = stored
        self._by_kind.setdefault(stored.kind, []).append(stored)
        self._by_subject.setdefault((stored.kind, stored.subject), []).append(stored)

    def mark_collected(self, kinds: Iterable[str]) -> None:
        self.collected_kinds.update(kinds)

    def collected(self, kind: str) -> bool:
        """Whether a collector of this kind ran successfully in this run."""
        return kind in self.collected_kinds

    def by_ref(self, ref: str) -> StoredEvidence | None:
        """The item a finding cites, or None when this run holds no such reference."""
        return self._by_ref.get(ref)

    def of_kind(self, kind: str) -> list[StoredEvidence]:
        return self._by_kind.get(kind, [])

    def about(self, kind: str, subject: str | None) -> list[StoredEvidence]:
        return self._by_subject.get((kind, subject), [])

    def first(self, kind: str, subject: str | None) -> StoredEvidence | None:
        found = self._by_subject.get((kind, subject))
        return found[0] if found else None


class EvidenceStore:
    """Writes evidence items under ``<root>/<site>/<run-id>/`` and keeps the manifest."""

    def __init__(self, root: Path, site: str, run_id: str, write: bool = True) -> None:
        self.run_dir = root / site / run_id
        self.site = site
        self.run_id = run_id
        self.write = write
        self.evidence = EvidenceSet()
        self.runs: list[CollectorRun] = []
        self._names: set[str] = set()
        if write:
            self.run_dir.mkdir(parents=True, exist_ok=False)

    def _unique(self, name: str) -> str:
        clean = "/".join(
            part for part in name.replace("\\", "/").split("/") if part not in {"", ".", ".."}
        )
        candidate, n = clean, 1
        while candidate in self._names:
            n += 1
            stem, dot, ext = clean.rpartition(".")
            candidate = f"{stem}-{n}.{ext}" if dot and "/" not in ext else f"{clean}-{n}"
        self._names.add(candidate)
        return candidate

    def store(
        self,
        collector: str,
        items: Sequence[EvidenceItem],
        rejected: list[str] | None = None,
    ) -> list[StoredEvidence]:
        """Write and index ``items``. An observed item whose content is empty was not read:
        it is refused (named in ``rejected``) and never becomes evidence."""
        stored = []
        now = utc_now()
        for item in items:
            raw = item.raw
            if item.kind in OBSERVED_KINDS and not raw.strip():
                if rejected is not None:
                    rejected.append(
                        f"{item.name}: no raw output was kept for {item.subject or 'the site'}"
                    )
                continue
            ref = self._unique(item.name)
            if self.write:
                target = self.run_dir / ref
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(raw)
            entry = StoredEvidence(
                item=item,
                ref=ref,
                sha256=hashlib.sha256(raw).hexdigest(),
                collector=collector,
                collected_at=item.collected_at or now,
            )
            self.evidence.add(entry)
            stored.append(entry)
        return stored

    def manifest(self, started: dt.datetime, finished: dt.datetime) -> dict[str, object]:
        return {
            "format": MANIFEST_FORMAT,
            "site": self.site,
            "run_id": self.run_id,
            "started": started.isoformat(),
            "finished": finished.isoformat(),
            "collectors": [run.as_dict() for run in self.runs],
            "collected_kinds": sorted(self.evidence.collected_kinds),
            "items": [s.manifest_entry() for s in self.evidence.items],
        }

    def write_manifest(self, started: dt.datetime, finished: dt.datetime) -> Path | None:
        if not self.write:
            return None
        target = self.run_dir / MANIFEST
        target.write_text(
            json.dumps(self.manifest(started, finished), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        return target


def verify_run(run_dir: Path) -> list[str]:
    """Re-hash every file of a run against its manifest; the list of mismatches (empty: intact)."""
    manifest = json.loads((run_dir / MANIFEST).read_text(encoding="utf-8"))
    problems = []
    for entry in manifest["items"]:
        target = run_dir / entry["file"]
        if not target.is_file():
            problems.append(f"{entry['file']}: missing")
        elif hashlib.sha256(target.read_bytes()).hexdigest() != entry["sha256"]:
            problems.append(f"{entry['file']}: SHA-256 differs from the manifest")
    return problems


# ---------------------------------------------------------------- the collector interface


@dataclass
class CollectContext:
    """What every collector gets: the inventory, where policies are, and the run so far.

    ``evidence`` holds what earlier collectors stored, so a collector may build on another
    (the policy check reads the rendered configurations). ``options`` carries settings of
    later collectors (credentials source, lab state folder...) without changing this class.
    """

    loaded: LoadedInventory
    policy_dir: Path
    run_id: str
    started: dt.datetime
    run_dir: Path
    evidence: EvidenceSet
    lab: bool = False
    hosts: list[str] | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def site(self) -> str:
        return self.loaded.inventory.site.id


@runtime_checkable
class Collector(Protocol):
    """Gathers evidence of some kinds; never judges it.

    ``name`` is recorded in the manifest with each item; ``kinds`` are the evidence kinds it
    produces (the names controls list under ``evidence:``). ``collect`` returns the items, or
    raises ``NotCollected`` when it cannot run in this setting. A collector that builds on
    the evidence of others may declare ``after: tuple[str, ...]`` (kinds): it then runs after
    every collector producing them, wherever it is registered.
    """

    name: str
    kinds: tuple[str, ...]

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]: ...


#: Every collector, in the order they run: "module:attribute" of a class or factory that
#: builds a Collector with no arguments. Later collectors (running configs, device and
#: server facts, restic state, the 5651 archive, cameras, voice) add their line here.
COLLECTORS: tuple[str, ...] = (
    "kentops.compliance.collectors:InventoryCollector",
    "kentops.compliance.collectors:PolicyCollector",
    "kentops.compliance.collectors:AttestationCollector",
    "kentops.compliance.collectors:RenderedConfigCollector",
    "kentops.compliance.collectors:PolicyCheckCollector",
    "kentops.network.collectors:RunningConfigCollector",
    "kentops.network.collectors:DeviceFactsCollector",
    "kentops.compliance.collectors:RunningPolicyCheckCollector",
    "kentops.servers.collectors:ServerFactsCollector",
    "kentops.servers.collectors:BackupStateCollector",
    "kentops.servers.collectors:ServiceProbeCollector",
    "kentops.servers.collectors:DirectoryStateCollector",
    "kentops.servers.ansible_drift:AnsibleDriftCollector",
    "kentops.network.cameras:CameraCollector",
    "kentops.network.voice:VoiceCollector",
    "kentops.compliance.certificates:TlsCertificateCollector",
    "kentops.log5651.collectors:Log5651ArchiveCollector",
)


def load_collectors(names: Sequence[str] = COLLECTORS) -> list[Collector]:
    """Instantiate the registered collectors."""
    collectors: list[Collector] = []
    for spec in names:
        module_name, _, attribute = spec.partition(":")
        factory = getattr(importlib.import_module(module_name), attribute)
        collector = factory()
        if not isinstance(collector, Collector):
            raise TypeError(f"{spec} does not build a Collector (name, kinds, collect)")
        collectors.append(collector)
    return collectors


def ordered(collectors: Sequence[Collector]) -> list[Collector]:
    """The collectors in registration order, except that one declaring ``after`` (evidence
    kinds it reads) runs after every collector producing those kinds."""
    out: list[Collector] = []
    waiting = list(collectors)
    while waiting:
        for index, collector in enumerate(waiting):
            needs = set(getattr(collector, "after", ()))
            others = waiting[:index] + waiting[index + 1 :]
            if not any(needs.intersection(o.kinds) for o in others):
                out.append(waiting.pop(index))
                break
        else:  # a cycle: keep the registration order for the rest
            out.extend(waiting)
            break
    return out


def run_collectors(
    collectors: Sequence[Collector], ctx: CollectContext, store: EvidenceStore
) -> list[CollectorRun]:
    """Run each collector once, storing what it returns; a failure is recorded, not hidden.

    A collector that raises anything else than NotCollected or InvalidInput is recorded as an
    error with its message; its kinds stay not collected so the checks that need them are not
    assessed. InvalidInput (a policy with a problem) stops the audit: exit 2.
    """
    for collector in ordered(collectors):
        started = utc_now()
        run = CollectorRun(collector.name, tuple(collector.kinds), started, started)
        try:
            items = collector.collect(ctx)
        except NotCollected as exc:
            run.state, run.reason = "not_collected", str(exc)
        except InvalidInput:
            raise  # invalid input stops the audit (exit 2), as everywhere
        except Exception as exc:  # noqa: BLE001 - recorded in the manifest and the report
            run.state, run.reason = "error", f"{type(exc).__name__}: {exc}"
        else:
            stored = store.store(collector.name, items, run.rejected)
            run.items = len(stored)
            store.evidence.mark_collected(collector.kinds)
        run.finished = utc_now()
        store.runs.append(run)
    return store.runs


def json_text(data: Any) -> str:
    """Stable JSON text of evidence data (dates, paths and models included)."""
    return json.dumps(to_jsonable(data), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def to_jsonable(value: Any) -> Any:
    """Plain JSON values from pydantic models, dataclasses, enums, dates and paths."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return to_jsonable(dump(mode="json"))
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return display_path(value)
    fields = getattr(value, "__dataclass_fields__", None)
    if fields is not None:
        return {name: to_jsonable(getattr(value, name)) for name in fields}
    return str(value)
