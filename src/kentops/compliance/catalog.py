"""The control catalog and the duty catalogs: models, loading with file:line errors, schemas.

``policies/controls/<area>.yml`` lists controls; ``policies/regulations/<id>.yml`` lists the
duties of one regulation, each proven by controls, by a manual attestation, or out of scope.
Loading checks what a schema cannot: unique ids, duty units that exist, controls that exist,
and check functions that resolve.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    Field,
    StrictBool,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from kentops.inventory.loader import describe_error
from kentops.inventory.model import ASSET_BY_KIND
from kentops.modelbase import Id, Strict, Text
from kentops.yamlsource import InvalidInput, PathKey, Problem, SourceDocument, load_yaml

CONTROL_SCHEMA_FILE = "control-catalog.schema.json"
DUTY_SCHEMA_FILE = "duty-catalog.schema.json"

ControlId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{2,5}-[A-Z0-9]+-[0-9]{2}$"),
    Field(description="Control id, e.g. NET-SSH-01"),
]
CatalogId = Id
DutyId = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-zçğıöşü]+(/[0-9a-zçğıöşü]+)+(-[0-9a-zçğıöşü]+)*$"),
    Field(
        description="<article>/<item> in the regulation's own numbering and letters, lowercase: "
        "m11/ğ, m4/1-b, or 2/aa when the text has sections instead of articles"
    ),
]
CheckName = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]*\.[a-z_][a-z0-9_]*$"),
    Field(description="<module>.<function> under kentops.compliance.checks"),
]

EvidenceKind = Literal[
    "inventory",
    "policies",
    "rendered_config",
    "policy_check",
    "running_policy_check",
    "running_config",
    "device_facts",
    "server_facts",
    "ansible_drift",
    "backup_state",
    "log5651_archive",
    "camera_state",
    "voice_state",
    "service_probe",
    "directory_state",
    "tls_certificate",
    "attestation",
]
#: Evidence kinds a control may need; collectors produce them.
EVIDENCE_KINDS: tuple[str, ...] = get_args(EvidenceKind)

#: Kinds read in this run from the device, host, directory or sealed archive itself. A
#: control that lists any of them passes a subject only on a finding that cites one of them
#: about that subject (the evidence rule, ``kentops.compliance.engine.decide``).
OBSERVED_KINDS: frozenset[str] = frozenset(
    {
        "running_config",
        "running_policy_check",
        "device_facts",
        "server_facts",
        "ansible_drift",
        "backup_state",
        "log5651_archive",
        "camera_state",
        "voice_state",
        "service_probe",
        "directory_state",
        "tls_certificate",
    }
)
#: Kinds the repository itself declares: the records and kentops' output from them.
DECLARED_KINDS: frozenset[str] = frozenset(
    {"inventory", "policies", "rendered_config", "policy_check", "attestation"}
)
#: Kinds that are kentops' own output standing in for a device: the intended configuration
#: and the static proof over it. A finding resting only on them is a result about the
#: design (the intended configuration), never about the device.
DESIGN_KINDS: frozenset[str] = frozenset({"rendered_config", "policy_check"})

#: What a control can apply to: the asset kinds, "firewall" (a router whose role is
#: firewall), a building, or the whole site.
SUBJECT_KINDS: tuple[str, ...] = (*ASSET_BY_KIND, "firewall", "building", "site")
SubjectKind = Literal[
    "switch",
    "router",
    "firewall",
    "wireless_controller",
    "access_point",
    "server",
    "camera",
    "nvr",
    "pbx",
    "phone",
    "ups",
    "kiosk",
    "scada",
    "printer",
    "radio_gateway",
    "vehicle_gateway",
    "building",
    "site",
]

CHECKS_PACKAGE = "kentops.compliance.checks"


_Strict = Strict


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ControlArea(StrEnum):
    INVENTORY = "inventory"
    NETWORK = "network"
    SEGMENTATION = "segmentation"
    SERVERS = "servers"
    BACKUP = "backup"
    LOGS = "logs"
    CAMERAS = "cameras"
    TELEPHONY = "telephony"
    AVAILABILITY = "availability"
    CONTINUITY = "continuity"
    SECURITY = "security"
    WEB = "web"


class References(_Strict):
    """Where a control comes from in national frameworks."""

    big: list[str] = Field(
        default_factory=list,
        description="Measure ids of the Presidency's Information and Communication Security Guide",
    )
    law_5651: list[str] = Field(default_factory=list, description="Law 5651 articles")
    kvkk: list[str] = Field(default_factory=list, description="Law 6698 (KVKK) articles")


class Control(_Strict):
    """One control: what is checked, on what, from which evidence, by which function."""

    id: ControlId
    title: Text
    description: Text
    area: ControlArea
    applies_to: list[SubjectKind] = Field(min_length=1)
    evidence: list[EvidenceKind] = Field(min_length=1)
    check: CheckName
    severity: Severity
    required: StrictBool = Field(description="A failure of a required control fails the audit")
    references: References = Field(default_factory=References)

    @property
    def observed_evidence(self) -> tuple[str, ...]:
        """The kinds of ``evidence`` read from the estate itself (the deciding ones)."""
        return tuple(k for k in self.evidence if k in OBSERVED_KINDS)


class ControlCatalogFile(_Strict):
    """One file of the control catalog (policies/controls/<area>.yml)."""

    controls: list[Control]


class DutyArea(StrEnum):
    NETWORK = "network"
    SERVERS = "servers"
    BACKUP = "backup"
    LOGS = "logs"
    CAMERAS = "cameras"
    TELEPHONY = "telephony"
    SECURITY = "security"
    CONTINUITY = "continuity"
    INVENTORY = "inventory"
    SOFTWARE = "software"
    SUPPORT = "support"
    GIS = "gis"
    WEB = "web"
    TRAINING = "training"
    PROCUREMENT = "procurement"
    ADMINISTRATIVE = "administrative"
    GENERAL = "general"


#: Duty areas whose duties are technical and must be proven by controls.
TECHNICAL_AREAS = frozenset(
    {
        DutyArea.NETWORK,
        DutyArea.SERVERS,
        DutyArea.BACKUP,
        DutyArea.LOGS,
        DutyArea.CAMERAS,
        DutyArea.TELEPHONY,
        DutyArea.SECURITY,
        DutyArea.CONTINUITY,
    }
)


class Bound(StrEnum):
    """Who a duty binds: the directorate (or one of its own sections and staff), the
    municipality's other units, or every user of the municipal IT systems."""

    DIRECTORATE = "directorate"
    MUNICIPAL_UNITS = "municipal_units"
    USERS = "users"

    @property
    def tr(self) -> str:
        return _BOUND_LABELS[self][0]

    @property
    def en(self) -> str:
        return _BOUND_LABELS[self][1]


_BOUND_LABELS: dict[Bound, tuple[str, str]] = {
    Bound.DIRECTORATE: ("Bilgi işlem müdürlüğü", "IT directorate"),
    Bound.MUNICIPAL_UNITS: ("Diğer belediye birimleri", "Other municipal units"),
    Bound.USERS: ("Bütün kullanıcılar", "Every user"),
}


class DutyUnit(_Strict):
    id: CatalogId
    name: str = Field(min_length=1)
    bound: Bound = Field(
        default=Bound.DIRECTORATE,
        description="Who the duties filed under this unit bind: the directorate (its sections "
        "and staff), the municipality's other units, or every user of the IT systems",
    )


class CatalogFinding(_Strict):
    """Something wrong or notable in the regulation text itself."""

    id: str = Field(pattern=r"^[A-Z][A-Za-z0-9-]*$")
    severity: Literal["low", "medium", "high"]
    tr: str = Field(min_length=1)
    en: str = Field(min_length=1)


class DutyKind(StrEnum):
    CONTROLS = "controls"
    MANUAL = "manual"
    NOT_APPLICABLE = "not_applicable"


class Duty(_Strict):
    """One duty item of the regulation and how it is proven."""

    id: DutyId
    article: str = Field(min_length=1, description="The article as the text names it")
    unit: CatalogId = Field(description="Responsible unit id, from the catalog's units")
    area: DutyArea
    technical: StrictBool
    summary: Text
    controls: list[ControlId] | None = Field(
        default=None, min_length=1, description="Controls whose results prove the duty"
    )
    manual: str | None = Field(
        default=None, min_length=1, description="The attestation document that proves it"
    )
    not_applicable: str | None = Field(
        default=None, min_length=1, description="Why the duty is outside the IT audit"
    )

    @model_validator(mode="after")
    def _exactly_one_proof(self) -> Duty:
        given = [
            k for k in ("controls", "manual", "not_applicable") if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "a duty needs exactly one of 'controls', 'manual' or 'not_applicable'"
                + (f" (found: {', '.join(given)})" if given else " (found none)")
            )
        return self

    @property
    def kind(self) -> DutyKind:
        if self.controls is not None:
            return DutyKind.CONTROLS
        if self.manual is not None:
            return DutyKind.MANUAL
        return DutyKind.NOT_APPLICABLE


class _DutyCatalogHead(_Strict):
    """Everything of a duty catalog but its duties (validated first, on its own)."""

    id: CatalogId
    title: Text
    municipality: str | None = None
    adopted: dt.date | None = Field(default=None, description="ISO date, or null")
    decision: str | None = None
    legal_basis: list[str] = Field(default_factory=list)
    units: list[DutyUnit] = Field(min_length=1)
    findings: list[CatalogFinding] = Field(default_factory=list)


class DutyCatalog(_DutyCatalogHead):
    """The duty catalog of one regulation (policies/regulations/<id>.yml)."""

    duties: list[Duty] = Field(min_length=1)

    def duty(self, duty_id: str) -> Duty | None:
        return next((d for d in self.duties if d.id == duty_id), None)

    def unit_name(self, unit_id: str) -> str:
        return next((u.name for u in self.units if u.id == unit_id), unit_id)

    def bound(self, unit_id: str) -> Bound:
        """Who the duties of ``unit_id`` bind (the directorate for an unknown id)."""
        return next((u.bound for u in self.units if u.id == unit_id), Bound.DIRECTORATE)


# ---------------------------------------------------------------- loaded catalogs


@dataclass
class Located:
    """Where a catalog object was written."""

    doc: SourceDocument
    path: PathKey

    def line(self, *fields: str | int) -> int:
        return self.doc.line_of((*self.path, *fields))

    @property
    def file(self) -> Path:
        return self.doc.file


CheckFunction = Callable[..., Any]


@dataclass
class ControlCatalog:
    """Every control, by id, with where it was written and its check function."""

    controls: dict[str, Control]
    origins: dict[str, Located] = field(default_factory=dict)
    checks: dict[str, CheckFunction] = field(default_factory=dict)

    def __contains__(self, control_id: object) -> bool:
        return control_id in self.controls

    def __getitem__(self, control_id: str) -> Control:
        return self.controls[control_id]


@dataclass
class LoadedDutyCatalog:
    catalog: DutyCatalog
    doc: SourceDocument

    @property
    def file(self) -> Path:
        return self.doc.file

    def duty_line(self, index: int, *fields: str | int) -> int:
        return self.doc.line_of(("duties", index, *fields))


@dataclass
class Catalogs:
    """The control catalog and every duty catalog of a policy folder, cross-checked."""

    controls: ControlCatalog
    regulations: dict[str, LoadedDutyCatalog]

    def regulation(self, regulation_id: str) -> DutyCatalog:
        return self.regulations[regulation_id].catalog


# ---------------------------------------------------------------- loading


def _validate(
    adapter: TypeAdapter[Any], raw: Any, doc: SourceDocument, path: PathKey, subject: str | None
) -> tuple[Any | None, list[Problem]]:
    try:
        return adapter.validate_python(raw), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            if err["type"] == "value_error":
                message = str(err["msg"]).removeprefix("Value error, ")
                fix = "keep exactly one of controls / manual / not_applicable"
            elif err["type"] == "string_pattern_mismatch" and loc and loc[-1] in _ID_FORMS:
                message = f"'{err.get('input')}' is not a valid {loc[-1]}"
                fix = _ID_FORMS[str(loc[-1])]
            else:
                message, fix = describe_error(err)
            problems.append(Problem(doc.file, doc.line_of((*path, *loc)), message, fix, subject))
        return None, problems


_ID_FORMS = {
    "id": "write it as the catalog's format asks: a control id like NET-SSH-01, a duty id "
    "like m11/ğ (article/item, lowercase), a unit or catalog id in ASCII lowercase and '-'",
    "unit": "use ASCII lowercase letters, digits and '-' (a unit id of the catalog)",
    "check": "write <module>.<function>, e.g. network.ssh_only",
}


def _subject(kind: str, raw: Any) -> str | None:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return f"{kind} '{raw['id']}'"
    return None


def resolve_check(name: str) -> CheckFunction | None:
    """The function behind ``<module>.<function>`` in kentops.compliance.checks, or None."""
    module_name, _, function = name.partition(".")
    try:
        module = importlib.import_module(f"{CHECKS_PACKAGE}.{module_name}")
    except ModuleNotFoundError:
        return None
    found = getattr(module, function, None)
    return found if callable(found) else None


def catalog_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in {".yml", ".yaml"} and p.is_file())


def load_control_catalog(folder: Path) -> ControlCatalog:
    """Load policies/controls/*.yml; raise InvalidInput naming file:line of every problem."""
    problems: list[Problem] = []
    files = catalog_files(folder)
    if not files:
        raise InvalidInput(
            [
                Problem(
                    folder,
                    1,
                    "no control catalog files (*.yml) found",
                    "add policies/controls/<area>.yml with a 'controls:' list",
                )
            ]
        )
    adapter: TypeAdapter[Control] = TypeAdapter(Control)
    catalog = ControlCatalog(controls={})
    for file in files:
        doc, issues = load_yaml(file)
        problems.extend(issues)
        if issues:
            continue
        data = doc.data
        if not isinstance(data, dict) or set(data) != {"controls"}:
            problems.append(
                Problem(
                    file,
                    1,
                    "a control catalog file holds exactly one key, 'controls'",
                    "start the file with 'controls:' followed by a list of controls",
                )
            )
            continue
        items = data["controls"]
        if not isinstance(items, list):
            problems.append(
                Problem(
                    file,
                    doc.line_of(("controls",)),
                    "'controls' must be a list",
                    "write each control as '- id: ...'",
                )
            )
            continue
        for index, raw in enumerate(items):
            path: PathKey = ("controls", index)
            control, issues = _validate(adapter, raw, doc, path, _subject("control", raw))
            problems.extend(issues)
            if control is None:
                continue
            where = Located(doc, path)
            if control.id in catalog.controls:
                first = catalog.origins[control.id]
                problems.append(
                    Problem(
                        file,
                        where.line("id"),
                        "duplicate control id",
                        f"ids must be unique; the first is at {first.file.name}:{first.line('id')}",
                        f"control '{control.id}'",
                    )
                )
                continue
            function = resolve_check(control.check)
            if function is None:
                problems.append(
                    Problem(
                        file,
                        where.line("check"),
                        f"check '{control.check}' does not resolve to a function",
                        f"define {control.check.split('.')[1]}() in "
                        f"src/kentops/compliance/checks/{control.check.split('.')[0]}.py "
                        "or correct the name",
                        f"control '{control.id}'",
                    )
                )
            else:
                catalog.checks[control.id] = function
            catalog.controls[control.id] = control
            catalog.origins[control.id] = where
    if problems:
        raise InvalidInput(problems)
    return catalog


def _repeated_ids(
    file: Path, doc: SourceDocument, key: str, ids: list[str], fix: str, subject: str
) -> list[Problem]:
    """A problem for every id under ``key`` (units, findings) that an earlier entry already
    used; ``key`` without its plural s names the thing in the message."""
    seen: set[str] = set()
    problems: list[Problem] = []
    for index, item_id in enumerate(ids):
        if item_id in seen:
            problems.append(
                Problem(
                    file,
                    doc.line_of((key, index, "id")),
                    f"duplicate {key.removesuffix('s')} id '{item_id}'",
                    fix,
                    subject,
                )
            )
        seen.add(item_id)
    return problems


def load_duty_catalog(file: Path, controls: ControlCatalog | None = None) -> LoadedDutyCatalog:
    """Load one duty catalog; with ``controls``, also check every referenced control exists."""
    doc, issues = load_yaml(file)
    if issues:
        raise InvalidInput(issues)
    problems: list[Problem] = []
    raw = doc.data
    if not isinstance(raw, dict):
        raise InvalidInput(
            [
                Problem(
                    file, 1, "a duty catalog must be a mapping", "start with 'id:', 'title:', ..."
                )
            ]
        )
    # Validate duties one by one so one bad duty does not hide the problems of the others.
    head = {k: v for k, v in raw.items() if k != "duties"}
    duties_raw = raw.get("duties")
    catalog_id = raw.get("id") if isinstance(raw.get("id"), str) else file.stem
    subject = f"regulation '{catalog_id}'"
    head_model, head_problems = _validate(TypeAdapter(_DutyCatalogHead), head, doc, (), subject)
    problems.extend(head_problems)
    duties: list[Duty] = []
    if not isinstance(duties_raw, list) or not duties_raw:
        problems.append(
            Problem(
                file,
                doc.line_of(("duties",)),
                "'duties' must be a non-empty list",
                "list every duty item of the regulation under 'duties:'",
                subject,
            )
        )
        duties_raw = []
    adapter: TypeAdapter[Duty] = TypeAdapter(Duty)
    seen: dict[str, int] = {}
    unit_ids = {u.id for u in head_model.units} if head_model is not None else None
    for index, item in enumerate(duties_raw):
        path: PathKey = ("duties", index)
        duty, issues = _validate(adapter, item, doc, path, _subject("duty", item))
        problems.extend(issues)
        if duty is None:
            continue
        who = f"duty '{duty.id}'"
        if duty.id in seen:
            problems.append(
                Problem(
                    file,
                    doc.line_of((*path, "id")),
                    "duplicate duty id",
                    f"the first is at line {seen[duty.id]}; if the text repeats a label, "
                    "suffix the second with -2 and add a finding",
                    who,
                )
            )
        else:
            seen[duty.id] = doc.line_of((*path, "id"))
        if unit_ids is not None and duty.unit not in unit_ids:
            problems.append(
                Problem(
                    file,
                    doc.line_of((*path, "unit")),
                    f"unknown unit '{duty.unit}'",
                    f"use one of the catalog's units: {', '.join(sorted(unit_ids))}",
                    who,
                )
            )
        if controls is not None and duty.controls is not None:
            for c_index, control_id in enumerate(duty.controls):
                if control_id not in controls:
                    problems.append(
                        Problem(
                            file,
                            doc.line_of((*path, "controls", c_index)),
                            f"unknown control '{control_id}'",
                            "use a control id defined in policies/controls/",
                            who,
                        )
                    )
            if len(set(duty.controls)) != len(duty.controls):
                problems.append(
                    Problem(
                        file,
                        doc.line_of((*path, "controls")),
                        "a control is listed twice",
                        "list each control once",
                        who,
                    )
                )
        duties.append(duty)
    if head_model is not None:
        if head_model.id != file.stem:
            problems.append(
                Problem(
                    file,
                    doc.line_of(("id",)),
                    f"catalog id '{head_model.id}' differs from the file name '{file.name}'",
                    f"name the file {head_model.id}.yml or set id: {file.stem}",
                    subject,
                )
            )
        problems.extend(
            _repeated_ids(
                file,
                doc,
                "units",
                [u.id for u in head_model.units],
                "give each unit its own id",
                subject,
            )
        )
        problems.extend(
            _repeated_ids(
                file,
                doc,
                "findings",
                [f.id for f in head_model.findings],
                "number findings F1, F2, ... once each",
                subject,
            )
        )
        if all(u.bound is not Bound.DIRECTORATE for u in head_model.units):
            problems.append(
                Problem(
                    file,
                    doc.line_of(("units",)),
                    "no unit is bound as the directorate",
                    "the regulation's own directorate (or its sections) is 'bound: directorate' "
                    "(the default); only units outside it are municipal_units or users",
                    subject,
                )
            )
    if problems or head_model is None:
        raise InvalidInput(problems)
    catalog = DutyCatalog.model_construct(**dict(head_model), duties=duties)
    return LoadedDutyCatalog(catalog=catalog, doc=doc)


def load_catalogs(policy_dir: Path) -> Catalogs:
    """Load policies/controls/ and every policies/regulations/*.yml; all problems at once."""
    problems: list[Problem] = []
    try:
        controls: ControlCatalog | None = load_control_catalog(policy_dir / "controls")
    except InvalidInput as exc:
        problems.extend(exc.problems)
        controls = None
    regulations: dict[str, LoadedDutyCatalog] = {}
    files = catalog_files(policy_dir / "regulations")
    if not files:
        problems.append(
            Problem(
                policy_dir / "regulations",
                1,
                "no duty catalogs (*.yml) found",
                "add policies/regulations/<id>.yml (see the duty catalog schema)",
            )
        )
    for file in files:
        try:
            loaded = load_duty_catalog(file, controls)
        except InvalidInput as exc:
            problems.extend(exc.problems)
            continue
        regulations[loaded.catalog.id] = loaded
    if problems or controls is None:
        raise InvalidInput(problems)
    return Catalogs(controls=controls, regulations=regulations)


# ---------------------------------------------------------------- schemas


def _schema(model: type[BaseModel], title: str, description: str) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = title
    schema["description"] = description
    return schema


def control_catalog_schema() -> dict[str, Any]:
    return _schema(
        ControlCatalogFile,
        "kentops control catalog file",
        "One file of the control catalog (policies/controls/<area>.yml).",
    )


def duty_catalog_schema() -> dict[str, Any]:
    schema = _schema(
        DutyCatalog,
        "kentops duty catalog",
        "The duties of one regulation (policies/regulations/<id>.yml); each duty has exactly "
        "one of controls, manual or not_applicable.",
    )
    duty = schema["$defs"]["Duty"]
    duty["oneOf"] = [{"required": [key]} for key in ("controls", "manual", "not_applicable")]
    return schema


def export_catalog_schemas(out_dir: Path) -> list[Path]:
    """Write the JSON Schemas of both catalog formats into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in (
        (CONTROL_SCHEMA_FILE, control_catalog_schema()),
        (DUTY_SCHEMA_FILE, duty_catalog_schema()),
    ):
        target = out_dir / name
        target.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(target)
    return written
