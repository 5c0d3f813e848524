"""No check passes on evidence that says nothing.

For every control that rests on observed evidence, and for the first subjects it applies to,
each of its observed kinds is marked collected and holds, for that subject, the emptiest item a
collector could write: the payload's required fields only (ids, times) and every list, dict and
optional field empty; a configuration read as empty text. Whatever a check does with that, it
must not be a pass: an empty loop, a default or a missing field is never "uyumlu".
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Any

import pytest
from pydantic import BaseModel

from kentops.compliance import payloads
from kentops.compliance.catalog import OBSERVED_KINDS, Catalogs
from kentops.compliance.engine import judge_subject, subjects_by_kind
from kentops.compliance.evidence import EvidenceItem, json_text
from kentops.compliance.model import Outcome
from kentops.inventory.loader import LoadedInventory
from tests.unit.compliance.conftest import NOW, ContextFactory, running_item

#: The payload model each observed kind carries (``payloads.py``); None: text in ``content``.
PAYLOAD_OF: dict[str, type[BaseModel] | None] = {
    "running_config": None,
    "running_policy_check": None,
    "device_facts": payloads.DeviceFacts,
    "server_facts": payloads.ServerFacts,
    "ansible_drift": payloads.AnsibleDrift,
    "backup_state": payloads.BackupState,
    "log5651_archive": payloads.Log5651Archive,
    "camera_state": payloads.CameraState,
    "voice_state": payloads.VoiceState,
    "service_probe": payloads.ServiceProbe,
    "directory_state": getattr(payloads, "DirectoryState", None),
    "tls_certificate": getattr(payloads, "TlsCertificates", None),
}
#: Subjects judged per control (the first ones it applies to): enough to reach every branch
#: that depends on the kind of subject, few enough to stay fast.
SUBJECTS_PER_CONTROL = 3


def _required_value(name: str, annotation: Any, subject: str) -> Any:
    """The value a collector must give a required field, and nothing more."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if annotation is str:
        return subject if name.endswith("id") else ""
    if annotation is dt.datetime:
        return NOW
    if annotation is dt.date:
        return NOW.date()
    if annotation is bool:
        return name in ("reachable",)  # "the device answered", the only way to be read at all
    if annotation in (int, float):
        return 0
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _emptiest(annotation, subject)
    raise AssertionError(f"no empty value for the required field {name}: {annotation}")


def _emptiest(model: type[BaseModel], subject: str) -> dict[str, Any]:
    return {
        name: _required_value(name, info.annotation, subject)
        for name, info in model.model_fields.items()
        if info.is_required()
    }


def _empty_item(kind: str, subject: str | None) -> EvidenceItem:
    model = PAYLOAD_OF[kind]
    if kind == "running_config" and subject:
        return running_item(subject, "")
    data: Any = _emptiest(model, subject or "site") if model else {}
    if model:
        data = model.model_validate(data)
    return EvidenceItem(
        kind=kind,
        name=f"{kind}/{subject or 'site'}.json",
        content=json_text(data) if model else "",
        source="test",
        subject=subject,
        data=data,
    )


def test_every_observed_kind_has_its_payload_named() -> None:
    missing = sorted(OBSERVED_KINDS - PAYLOAD_OF.keys())
    assert not missing, f"add these kinds to PAYLOAD_OF with their payload model: {missing}"


def _cases(catalogs: Catalogs, loaded: LoadedInventory) -> list[tuple[str, Any]]:
    subjects = subjects_by_kind(loaded)
    cases = []
    for control in catalogs.controls.controls.values():
        if not set(control.evidence) & OBSERVED_KINDS:
            continue
        applicable = [s for kind in control.applies_to for s in subjects.get(kind, [])]
        cases.extend((control.id, s) for s in applicable[:SUBJECTS_PER_CONTROL])
    return cases


def test_no_control_passes_on_the_emptiest_evidence(
    catalogs: Catalogs, demo_loaded: LoadedInventory, make_ctx: ContextFactory
) -> None:
    passes = []
    cases = _cases(catalogs, demo_loaded)
    assert len(cases) > 100  # the demo reaches most observed controls
    for control_id, subject in cases:
        control = catalogs.controls[control_id]
        subject_id = getattr(subject, "id", None)
        kinds = sorted(set(control.evidence) & OBSERVED_KINDS)
        items = [_empty_item(kind, subject_id) for kind in kinds if PAYLOAD_OF.get(kind)]
        items += [_empty_item("running_config", subject_id)] if "running_config" in kinds else []
        site_wide = [_empty_item(kind, None) for kind in kinds if kind == "log5651_archive"]
        ctx = make_ctx([*items, *site_wide], collected=set(control.evidence))
        decision = judge_subject(control, ctx, subject)
        if decision.outcome is Outcome.PASS:
            passes.append(f"{control_id} on {subject_id}: {decision}")
    assert not passes, "\n".join(passes)


@pytest.mark.parametrize("kind", sorted(k for k, m in PAYLOAD_OF.items() if m))
def test_the_emptiest_payload_is_a_valid_one(kind: str) -> None:
    """The probe above is meaningful: a collector could really write these items."""
    item = _empty_item(kind, "x")
    assert isinstance(item.data, BaseModel)
