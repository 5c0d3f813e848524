"""The audit: collect evidence, judge every control on every subject, apply waivers and
attestations, and map the results to the duties of a regulation.

``run_audit`` does all of it for an inventory folder; ``evaluate`` is the pure part (evidence
in, results out) that the benchmark times and the tests drive with their own evidence.
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kentops.compliance.catalog import (
    DESIGN_KINDS,
    OBSERVED_KINDS,
    TECHNICAL_AREAS,
    Catalogs,
    Control,
    Duty,
    DutyCatalog,
    DutyKind,
    load_catalogs,
    resolve_check,
)
from kentops.compliance.checks import CheckContext, Subject, subject_kinds
from kentops.compliance.evidence import (
    CollectContext,
    Collector,
    CollectorRun,
    EvidenceSet,
    EvidenceStore,
    StoredEvidence,
    load_collectors,
    new_run_id,
    run_collectors,
    utc_now,
)
from kentops.compliance.model import (
    OUTCOME_STATUS,
    Finding,
    Outcome,
    Status,
    aggregate,
    combine,
    failed,
    not_assessed,
)
from kentops.inventory.loader import LoadedInventory, load_inventory
from kentops.inventory.model import (
    AccessPoint,
    Asset,
    Attestation,
    Building,
    Phone,
    Site,
    Waiver,
)
from kentops.yamlsource import InvalidInput, Problem, display_path

DEFAULT_EVIDENCE_ROOT = Path("var/evidence")


# ---------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class SubjectRef:
    """Who a result is about, as reports group it."""

    kind: str
    id: str
    name: str | None
    building: str | None
    unit: str | None


@dataclass(frozen=True)
class WaiverState:
    waiver: Waiver
    state: str  # valid | expired
    source: str  # file:line

    @property
    def valid(self) -> bool:
        return self.state == "valid"


@dataclass(frozen=True)
class AttestationState:
    attestation: Attestation
    state: str  # valid | expired | future
    source: str
    evidence: str | None  # evidence reference

    @property
    def valid(self) -> bool:
        return self.state == "valid"


@dataclass(slots=True)
class ResultRow:
    """One control on one subject.

    ``findings`` decide the subject; ``design`` holds what the check said about the intended
    configuration only (kentops' rendered output): shown, labelled, never deciding.
    """

    control: str
    subject: SubjectRef
    outcome: Outcome  # what the check said, before waivers
    status: Status  # what the report shows
    findings: list[Finding]
    waiver: WaiverState | None = None
    design: list[Finding] = field(default_factory=list)

    @property
    def design_outcome(self) -> Outcome | None:
        """The verdict on the intended configuration, when the check gave one."""
        return combine(self.design) if self.design else None

    @property
    def waived(self) -> bool:
        return self.waiver is not None and self.waiver.valid and self.outcome is not Outcome.PASS

    @property
    def evidence(self) -> list[str]:
        return sorted({ref for f in self.findings for ref in f.evidence})


@dataclass
class ControlResult:
    control: Control
    rows: list[ResultRow]
    status: Status
    seconds: float = 0.0

    def counts(self) -> Counter[Status]:
        return Counter(r.status for r in self.rows)


@dataclass
class DutyResult:
    duty: Duty
    status: Status
    controls: list[str] = field(default_factory=list)
    attestation: AttestationState | None = None
    note_tr: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class CatalogNote:
    """A finding about a catalog: from the catalog itself, or computed by the engine."""

    id: str
    severity: str
    tr: str
    en: str
    origin: str  # "catalog" | "engine"


@dataclass
class AuditResult:
    site: Site
    regulation: DutyCatalog
    run_id: str
    started: dt.datetime
    finished: dt.datetime
    controls: dict[str, ControlResult]
    duties: list[DutyResult]
    waivers: list[WaiverState]
    attestations: list[AttestationState]
    catalog_notes: list[CatalogNote]
    collectors: list[CollectorRun]
    evidence_dir: Path | None
    evidence_count: int
    buildings: dict[str, str]  # id -> name
    units: dict[str, str]  # inventory unit id -> name
    evidence_times: dict[str, dt.datetime] = field(default_factory=dict)  # ref -> collected
    timings: dict[str, float] = field(default_factory=dict)

    # ------------------------------------------------------------ verdicts
    def rows(self) -> list[ResultRow]:
        return [row for result in self.controls.values() for row in result.rows]

    def required_failures(self) -> list[ResultRow]:
        """Rows of required controls that do not pass (failed, or not assessed)."""
        return [
            row
            for result in self.controls.values()
            if result.control.required
            for row in result.rows
            if row.status not in {Status.COMPLIANT, Status.ATTESTED, Status.NOT_APPLICABLE}
        ]

    @property
    def exit_code(self) -> int:
        return 0 if not self.required_failures() else 1

    def duty_counts(self) -> Counter[Status]:
        return Counter(d.status for d in self.duties)


# ---------------------------------------------------------------- subjects


def _subject_ref(subject: Subject) -> SubjectRef:
    if isinstance(subject, Site):
        return SubjectRef("site", subject.id, subject.name, None, None)
    if isinstance(subject, Building):
        return SubjectRef("building", subject.id, subject.name, subject.id, None)
    kind = next(iter(subject_kinds(subject)))
    return SubjectRef(kind, subject.id, subject.name, subject.building, subject.unit)


def subjects_by_kind(loaded: LoadedInventory) -> dict[str, list[Subject]]:
    """Every subject a control can apply to, by applies_to name."""
    inv = loaded.inventory
    out: dict[str, list[Subject]] = {"site": [inv.site], "building": list(inv.buildings)}
    for asset in inv.assets():
        for kind in subject_kinds(asset):
            out.setdefault(kind, []).append(asset)
    return out


# ---------------------------------------------------------------- references to catalogs


def attestation_subject_problem(subject: str, catalogs: Catalogs, assets: set[str]) -> str | None:
    """Why an attestation subject names nothing of the catalogs (None when it is fine)."""
    regulation, sep, duty_id = subject.partition(":")
    if sep and regulation in catalogs.regulations:
        duty = catalogs.regulation(regulation).duty(duty_id)
        if duty is None:
            return f"duty '{duty_id}' is not in the {regulation} catalog"
        if duty.kind is not DutyKind.MANUAL:
            return (
                f"duty '{subject}' is proven by {duty.kind.value.replace('_', ' ')}, not attested"
            )
        return None
    if regulation in catalogs.controls:
        if sep and duty_id not in assets:
            return f"unknown asset '{duty_id}'"
        return None
    if sep:
        return f"unknown regulation '{regulation}'"
    return f"'{subject}' is neither <regulation>:<duty> nor a control id"


def check_references(loaded: LoadedInventory, catalogs: Catalogs) -> list[Problem]:
    """Attestation subjects and waiver controls must name what the catalogs hold."""
    inv = loaded.inventory
    problems: list[Problem] = []
    assets = inv.index()
    for index, attestation in enumerate(inv.attestations):
        why = attestation_subject_problem(attestation.subject, catalogs, set(assets))
        if why is not None:
            origin = loaded.origin("attestations", index)
            problems.append(
                Problem(
                    origin.doc.file,
                    origin.line("subject"),
                    why,
                    "write <regulation>:<duty id> of a manual duty (odunpazari-2019:m7/f) or a "
                    "control id (BAK-RESTORE-01, or BAK-RESTORE-01:<asset>)",
                    f"attestation '{attestation.id}'",
                )
            )
    kinds = {s.id: subject_kinds(s) for s in inv.assets()}
    for index, waiver in enumerate(inv.waivers):
        origin = loaded.origin("waivers", index)
        control = catalogs.controls.controls.get(waiver.control)
        if control is None:
            problems.append(
                Problem(
                    origin.doc.file,
                    origin.line("control"),
                    f"unknown control '{waiver.control}'",
                    "use a control id of policies/controls/",
                    f"waiver '{waiver.id}'",
                )
            )
        elif waiver.asset in kinds and not kinds[waiver.asset].intersection(control.applies_to):
            problems.append(
                Problem(
                    origin.doc.file,
                    origin.line("asset"),
                    f"control {control.id} does not apply to '{waiver.asset}' "
                    f"({', '.join(sorted(kinds[waiver.asset]))})",
                    f"waive it for an asset of kind {', '.join(control.applies_to)}",
                    f"waiver '{waiver.id}'",
                )
            )
    return problems


def _origin_text(loaded: LoadedInventory, collection: str, index: int) -> str:
    origin = loaded.origin(collection, index)
    return f"{display_path(origin.doc.file)}:{origin.line()}"


def waiver_states(loaded: LoadedInventory, today: dt.date) -> list[WaiverState]:
    return [
        WaiverState(
            w, "valid" if today <= w.expires else "expired", _origin_text(loaded, "waivers", i)
        )
        for i, w in enumerate(loaded.inventory.waivers)
    ]


def attestation_states(
    loaded: LoadedInventory, today: dt.date, evidence: EvidenceSet
) -> list[AttestationState]:
    out = []
    for index, att in enumerate(loaded.inventory.attestations):
        if att.date > today:
            state = "future"
        elif today > att.valid_until:
            state = "expired"
        else:
            state = "valid"
        stored = next(
            (s for s in evidence.about("attestation", att.subject) if s.data is att), None
        )
        out.append(
            AttestationState(
                att,
                state,
                _origin_text(loaded, "attestations", index),
                stored.ref if stored else None,
            )
        )
    return out


# ---------------------------------------------------------------- catalog notes


#: Repealed instruments a regulation may still cite: marker in the text -> (tr, en).
REPEALED = {
    "26687": (
        "1/11/2007 tarihli ve 26687 sayılı İnternet Toplu Kullanım Sağlayıcıları Hakkında "
        "Yönetmelik yürürlükten kaldırılmıştır; yerini 11/04/2017 tarihli ve 30035 sayılı "
        "yönetmelik almıştır. Dayanak maddesi güncellenmeli; 5651 görevleri 2017 kurallarıyla "
        "değerlendirilir.",
        "The collective-use regulation of 1/11/2007 (no. 26687) was repealed and replaced by the "
        "regulation of 11/04/2017 (no. 30035). The legal basis should be updated; the Law 5651 "
        "duties are assessed under the 2017 rules.",
    ),
}


def catalog_notes(catalog: DutyCatalog, catalogs: Catalogs) -> list[CatalogNote]:
    """The catalog's own findings, then what the engine sees in it."""
    notes = [CatalogNote(f.id, f.severity, f.tr, f.en, "catalog") for f in catalog.findings]
    texts = " ".join([*catalog.legal_basis, catalog.decision or ""])
    for marker, (tr, en) in REPEALED.items():
        if marker in texts:
            notes.append(CatalogNote(f"K-{marker}", "medium", tr, en, "engine"))
    unmapped = [d.id for d in catalog.duties if d.technical and d.kind is not DutyKind.CONTROLS]
    if unmapped:
        notes.append(
            CatalogNote(
                "K-UNMAPPED",
                "high",
                f"Teknik olduğu halde kontrole bağlanmamış görev: {', '.join(unmapped)}",
                f"Technical duties not mapped to controls: {', '.join(unmapped)}",
                "engine",
            )
        )
    mislabelled = [d.id for d in catalog.duties if d.area in TECHNICAL_AREAS and not d.technical]
    if mislabelled:
        notes.append(
            CatalogNote(
                "K-AREA",
                "low",
                "Alanı teknik olduğu halde 'technical: false' işaretli görev: "
                + ", ".join(mislabelled),
                "Duties in a technical area marked 'technical: false': " + ", ".join(mislabelled),
                "engine",
            )
        )
    advisory = [
        d.id
        for d in catalog.duties
        if d.controls and not any(catalogs.controls[c].required for c in d.controls)
    ]
    if advisory:
        notes.append(
            CatalogNote(
                "K-ADVISORY",
                "low",
                "Yalnızca zorunlu olmayan (tavsiye) kontrollerle kanıtlanan görev: "
                + ", ".join(advisory),
                "Duties proven only by advisory (not required) controls: " + ", ".join(advisory),
                "engine",
            )
        )
    return notes


# ---------------------------------------------------------------- the evidence rule


@dataclass(frozen=True)
class Placement:
    """Where each asset is, and the device its state is read through (an access point's
    configuration lives on its controller, a phone's account on its PBX)."""

    building: dict[str, str | None]
    read_through: dict[str, str]

    @classmethod
    def of(cls, loaded: LoadedInventory) -> Placement:
        through: dict[str, str] = {}
        for asset in loaded.inventory.assets():
            if isinstance(asset, AccessPoint):
                through[asset.id] = asset.controller
            elif isinstance(asset, Phone):
                through[asset.id] = asset.pbx
        return cls({a.id: a.building for a in loaded.inventory.assets()}, through)


def _about(subject: Subject, stored: StoredEvidence, place: Placement) -> bool:
    """Whether an evidence item was read from this subject (or, for a building or the site,
    from something it holds; for an access point or a phone, from the device it lives on).
    A site-wide observation (the sealed 5651 archive, the policy check over every running
    configuration) is about every subject; the check still has to judge the subject on it."""
    if isinstance(subject, Site) or stored.subject is None:
        return True
    if isinstance(subject, Building):
        return (
            stored.subject == subject.id or place.building.get(stored.subject or "") == subject.id
        )
    return stored.subject in {subject.id, place.read_through.get(subject.id)}


@dataclass(frozen=True)
class Decision:
    """What the evidence rule made of a check's findings on one subject."""

    findings: list[Finding]  # those that decide the subject
    design: list[Finding]  # those about the intended configuration only
    attested: bool = False  # the pass rests on a dated attestation, not on an observation

    @property
    def outcome(self) -> Outcome:
        return combine(self.findings)

    @property
    def status(self) -> Status:
        if self.attested and self.outcome is Outcome.PASS:
            return Status.ATTESTED
        return OUTCOME_STATUS[self.outcome]


def decide(
    control: Control,
    subject: Subject,
    findings: Sequence[Finding],
    evidence: EvidenceSet,
    place: Placement,
) -> Decision:
    """Split a check's findings into those that decide the subject and those about the design.

    The rule, written once for every control: when a control lists evidence observed on the
    estate (``OBSERVED_KINDS``), a finding that rests only on kentops' own output (the
    rendered configuration, the static proof over it) says nothing about the device and is
    moved to ``design``; and the subject passes only when a passing finding cites observed
    evidence read from it in this run (or a dated attestation, which is then shown as
    "manuel beyan", never as "uyumlu"). Otherwise it is not assessed, whatever else is known.
    Controls about the repository's own records (inventory, policies) are left as they are.
    """
    observed = control.observed_evidence
    if not observed:
        return Decision(list(findings), [])
    deciding: list[Finding] = []
    design: list[Finding] = []
    rests_on_observation = attested = False
    for finding in findings:
        cited = [s for s in (evidence.by_ref(ref) for ref in finding.evidence) if s is not None]
        seen = [s for s in cited if s.kind in OBSERVED_KINDS and _about(subject, s, place)]
        if not seen and any(s.kind in DESIGN_KINDS for s in cited):
            design.append(finding)
            continue
        deciding.append(finding)
        if finding.outcome is Outcome.PASS:
            rests_on_observation = rests_on_observation or bool(seen)
            attested = attested or any(s.kind == "attestation" for s in cited)
    passing = bool(deciding) and combine(deciding) is Outcome.PASS
    if not deciding or (passing and not rests_on_observation and not attested):
        deciding.append(not_observed(observed))
    return Decision(deciding, design, attested=passing and not rests_on_observation)


def judge_subject(
    control: Control, ctx: CheckContext, subject: Subject, place: Placement | None = None
) -> Decision:
    """One control on one subject, as the audit judges it: the check, then the evidence
    rule."""
    check = resolve_check(control.check)
    if check is None:
        raise KeyError(control.check)
    where = place or ctx.memo("placement", lambda: Placement.of(ctx.loaded))
    return decide(control, subject, _run_check(check, ctx, subject), ctx.evidence, where)


def not_observed(kinds: Sequence[str]) -> Finding:
    """No passing finding rests on evidence read from the subject in this run."""
    names = ", ".join(kinds)
    return not_assessed(
        f"Bu denetimde cihazın/sunucunun kendisinden okunan kanıt yok ({names}); "
        "amaçlanan yapılandırma ya da kayıtlar tek başına uyum göstermez",
        f"No evidence was read from the subject itself in this run ({names}); the intended "
        "configuration or the records alone do not show compliance",
    )


# ---------------------------------------------------------------- evaluation


def _run_check(
    check: Callable[..., list[Finding]], ctx: CheckContext, subject: Subject
) -> list[Finding]:
    try:
        return check(ctx, subject)
    except Exception as exc:  # noqa: BLE001 - one broken check must not stop a 5,000-device audit
        return [
            not_assessed(
                f"Kontrol işlevi hata verdi: {type(exc).__name__}: {exc}",
                f"The check function failed: {type(exc).__name__}: {exc}",
            )
        ]


def _apply_waiver(row: ResultRow, waiver: WaiverState | None) -> None:
    if waiver is None:
        return
    row.waiver = waiver
    w = waiver.waiver
    if row.outcome is Outcome.PASS:
        return
    if waiver.valid:
        row.status = Status.COMPLIANT
        return
    row.findings.append(
        failed(
            f"Muafiyet {w.id} {w.expires.isoformat()} tarihinde sona erdi ({w.approved_by})",
            f"Waiver {w.id} expired on {w.expires.isoformat()} ({w.approved_by})",
        )
    )
    row.status = Status.NONCOMPLIANT


def _evaluate_controls(
    catalogs: Catalogs,
    ctx: CheckContext,
    subjects: dict[str, list[Subject]],
    waiver_index: dict[tuple[str, str], WaiverState],
    refs: dict[str, SubjectRef],
    results: dict[str, ControlResult],
) -> None:
    """Every control on every subject it applies to, into ``results``."""
    place = Placement.of(ctx.loaded)
    for control_id, control in catalogs.controls.controls.items():
        clock = time.perf_counter()
        check = catalogs.controls.checks[control_id]
        rows: list[ResultRow] = []
        seen: set[str] = set()
        for kind in control.applies_to:
            for subject in subjects.get(kind, ()):
                if subject.id in seen:
                    continue
                seen.add(subject.id)
                decision = decide(
                    control, subject, _run_check(check, ctx, subject), ctx.evidence, place
                )
                ref = refs.get(subject.id)
                if ref is None:
                    ref = refs[subject.id] = _subject_ref(subject)
                row = ResultRow(
                    control_id,
                    ref,
                    decision.outcome,
                    decision.status,
                    decision.findings,
                    design=decision.design,
                )
                if isinstance(subject, Asset):
                    _apply_waiver(row, waiver_index.get((control_id, subject.id)))
                rows.append(row)
        status = aggregate(r.status for r in rows)
        results[control_id] = ControlResult(control, rows, status, time.perf_counter() - clock)


def evaluate(
    loaded: LoadedInventory,
    catalogs: Catalogs,
    evidence: EvidenceSet,
    regulation: str,
    now: dt.datetime,
    *,
    run_id: str | None = None,
    started: dt.datetime | None = None,
    collectors: Sequence[CollectorRun] = (),
    evidence_dir: Path | None = None,
) -> AuditResult:
    """Judge every control on every subject it applies to; map the results to the duties."""
    if regulation not in catalogs.regulations:
        raise KeyError(regulation)
    inv = loaded.inventory
    ctx = CheckContext(loaded=loaded, evidence=evidence, now=now)
    today = ctx.today
    subjects = subjects_by_kind(loaded)
    waivers = waiver_states(loaded, today)
    waiver_index: dict[tuple[str, str], WaiverState] = {}
    for wstate in waivers:  # the latest expiry wins when two waivers overlap
        key = (wstate.waiver.control, wstate.waiver.asset)
        if key not in waiver_index or wstate.waiver.expires > waiver_index[key].waiver.expires:
            waiver_index[key] = wstate
    refs: dict[str, SubjectRef] = {}
    results: dict[str, ControlResult] = {}
    # Tens of thousands of small result objects and no reference cycles: the cyclic garbage
    # collector would only rescan them again and again (a sixth of the time at 5,000 devices).
    collecting = gc.isenabled()
    gc.disable()
    try:
        _evaluate_controls(catalogs, ctx, subjects, waiver_index, refs, results)
    finally:
        if collecting:
            gc.enable()

    catalog = catalogs.regulation(regulation)
    attestations = attestation_states(loaded, today, evidence)
    by_subject: dict[str, AttestationState] = {}
    for state in attestations:  # a valid one wins; else the latest
        current = by_subject.get(state.attestation.subject)
        if (
            current is None
            or (state.valid and not current.valid)
            or (state.valid == current.valid and state.attestation.date > current.attestation.date)
        ):
            by_subject[state.attestation.subject] = state
    duties = [_duty_result(duty, catalog.id, results, by_subject) for duty in catalog.duties]
    return AuditResult(
        site=inv.site,
        regulation=catalog,
        run_id=run_id or new_run_id(now),
        started=started or now,
        finished=utc_now(),
        controls=results,
        duties=duties,
        waivers=waivers,
        attestations=attestations,
        catalog_notes=catalog_notes(catalog, catalogs),
        collectors=list(collectors),
        evidence_dir=evidence_dir,
        evidence_count=len(evidence.items),
        buildings={b.id: b.name for b in inv.buildings},
        units={u.id: u.name for u in inv.site.units},
        evidence_times={s.ref: s.collected_at for s in evidence.items},
    )


def _duty_result(
    duty: Duty,
    regulation: str,
    results: dict[str, ControlResult],
    attestations: dict[str, AttestationState],
) -> DutyResult:
    if duty.kind is DutyKind.NOT_APPLICABLE:
        return DutyResult(duty, Status.NOT_APPLICABLE)  # the reason is the duty's own text
    if duty.kind is DutyKind.MANUAL:
        state = attestations.get(f"{regulation}:{duty.id}")
        if state is None:
            return DutyResult(
                duty, Status.NONCOMPLIANT, note_tr="Beyan yok", note_en="No attestation"
            )
        if state.valid:
            return DutyResult(duty, Status.ATTESTED, attestation=state)
        if state.state == "expired":
            return DutyResult(
                duty,
                Status.NONCOMPLIANT,
                attestation=state,
                note_tr=f"Beyanın süresi {state.attestation.valid_until.isoformat()} "
                "tarihinde doldu",
                note_en=f"Attestation expired on {state.attestation.valid_until.isoformat()}",
            )
        return DutyResult(
            duty,
            Status.NONCOMPLIANT,
            attestation=state,
            note_tr=f"Beyan tarihi ileride ({state.attestation.date.isoformat()})",
            note_en=f"Attestation dated in the future ({state.attestation.date.isoformat()})",
        )
    controls = list(duty.controls or [])
    status = aggregate(results[c].status for c in controls)
    return DutyResult(duty, status, controls=controls)


# ---------------------------------------------------------------- the whole audit


def run_audit(
    inventory_dir: Path,
    *,
    policy_dir: Path = Path("policies"),
    regulation: str | None = None,
    evidence_root: Path = DEFAULT_EVIDENCE_ROOT,
    lab: bool = False,
    hosts: list[str] | None = None,
    now: dt.datetime | None = None,
    collectors: Sequence[Collector] | None = None,
    options: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> AuditResult:
    """Load, collect, evaluate; raise InvalidInput (exit 2) on any invalid input."""
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    say = progress or (lambda _text: None)
    say("envanter ve kataloglar okunuyor / loading inventory and catalogs")
    problems: list[Problem] = []
    loaded: LoadedInventory | None = None
    catalogs: Catalogs | None = None
    try:
        loaded = load_inventory(inventory_dir)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    try:
        catalogs = load_catalogs(policy_dir)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    if loaded is not None and catalogs is not None:
        problems.extend(check_references(loaded, catalogs))
        wanted = regulation or loaded.inventory.site.regulation
        if wanted not in catalogs.regulations:
            origin = loaded.origin("site", 0)
            where = (
                (origin.doc.file, origin.line("regulation"))
                if regulation is None
                else (Path("--regulation"), 1)
            )
            problems.append(
                Problem(
                    where[0],
                    where[1],
                    f"no duty catalog '{wanted}'",
                    f"use one of: {', '.join(sorted(catalogs.regulations))}",
                )
            )
    if problems or loaded is None or catalogs is None:
        raise InvalidInput(problems)
    wanted = regulation or loaded.inventory.site.regulation
    timings["load_s"] = time.perf_counter() - clock

    started = (now or utc_now()).astimezone(dt.UTC)
    run_id = new_run_id(started)
    site = loaded.inventory.site.id
    if (evidence_root / site / run_id).exists():  # two audits in the same second
        run_id = next(
            f"{run_id}-{n}"
            for n in range(2, 1000)
            if not (evidence_root / site / f"{run_id}-{n}").exists()
        )
    store = EvidenceStore(evidence_root, site, run_id)
    ctx = CollectContext(
        loaded=loaded,
        policy_dir=policy_dir,
        run_id=run_id,
        started=started,
        run_dir=store.run_dir,
        evidence=store.evidence,
        lab=lab,
        hosts=hosts,
        options=dict(options or {}),
    )
    clock = time.perf_counter()
    say("kanıt toplanıyor / collecting evidence")
    runs = run_collectors(collectors if collectors is not None else load_collectors(), ctx, store)
    store.write_manifest(started, utc_now())
    timings["collect_s"] = time.perf_counter() - clock

    clock = time.perf_counter()
    say("kontroller değerlendiriliyor / evaluating controls")
    result = evaluate(
        loaded,
        catalogs,
        store.evidence,
        wanted,
        now or started,
        run_id=run_id,
        started=started,
        collectors=runs,
        evidence_dir=store.run_dir,
    )
    timings["evaluate_s"] = time.perf_counter() - clock
    result.timings = timings
    return result
