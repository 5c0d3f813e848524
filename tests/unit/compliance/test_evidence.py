"""The evidence store and the collector interface."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from kentops.compliance.evidence import (
    COLLECTORS,
    MANIFEST,
    CollectContext,
    Collector,
    EvidenceItem,
    EvidenceStore,
    NotCollected,
    load_collectors,
    new_run_id,
    ordered,
    run_collectors,
    verify_run,
)
from kentops.inventory.loader import LoadedInventory
from kentops.yamlsource import InvalidInput, Problem
from tests.helpers import REPO

NOW = dt.datetime(2026, 11, 21, 14, 29, 33, tzinfo=dt.UTC)


class Facts:
    """A collector of a later round, written against the interface only."""

    name = "device_facts"
    kinds: tuple[str, ...] = ("device_facts",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        return [
            EvidenceItem(
                "device_facts", f"device_facts/{d.id}.json", '{"up": true}', f"lab:{d.id}", d.id
            )
            for d in ctx.loaded.inventory.switches[:2]
        ]


class Offline:
    name = "camera_state"
    kinds: tuple[str, ...] = ("camera_state",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        if not ctx.lab:
            raise NotCollected("cameras are read only from the lab in this run")
        return []


class Broken:
    name = "voice_state"
    kinds: tuple[str, ...] = ("voice_state",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        raise RuntimeError("PBX AMI refused the login")


class Invalid:
    name = "policies"
    kinds: tuple[str, ...] = ("policies",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        raise InvalidInput([Problem(Path("policies/access.yml"), 3, "bad", "fix")])


def _ctx(loaded: LoadedInventory, store: EvidenceStore, lab: bool = False) -> CollectContext:
    return CollectContext(
        loaded=loaded,
        policy_dir=REPO / "policies",
        run_id=store.run_id,
        started=NOW,
        run_dir=store.run_dir,
        evidence=store.evidence,
        lab=lab,
    )


def test_run_id_is_the_utc_start_time() -> None:
    assert new_run_id(NOW) == "20261121T142933Z"


def test_items_written_hashed_and_listed(tmp_path: Path, demo_loaded: LoadedInventory) -> None:
    store = EvidenceStore(tmp_path, "ornek", "20261121T142933Z")
    runs = run_collectors([Facts(), Offline(), Broken()], _ctx(demo_loaded, store), store)
    store.write_manifest(NOW, NOW)
    manifest = json.loads((tmp_path / "ornek" / "20261121T142933Z" / MANIFEST).read_text())
    assert [(r["name"], r["state"]) for r in manifest["collectors"]] == [
        ("device_facts", "collected"),
        ("camera_state", "not_collected"),
        ("voice_state", "error"),
    ]
    assert runs[2].reason == "RuntimeError: PBX AMI refused the login"
    assert manifest["collected_kinds"] == ["device_facts"]
    entry = manifest["items"][0]
    assert entry["file"] == "device_facts/hq-sw-core-01.json"
    assert entry["collector"] == "device_facts"
    assert entry["source"] == "lab:hq-sw-core-01"
    written = (store.run_dir / entry["file"]).read_bytes()
    assert hashlib.sha256(written).hexdigest() == entry["sha256"]
    assert verify_run(store.run_dir) == []
    (store.run_dir / entry["file"]).write_text('{"up": false}')
    assert verify_run(store.run_dir) == [
        "device_facts/hq-sw-core-01.json: SHA-256 differs from the manifest"
    ]
    # kinds of collectors that did not run stay not collected
    assert not store.evidence.collected("camera_state")
    assert not store.evidence.collected("voice_state")


def test_lab_flag_reaches_collectors(tmp_path: Path, demo_loaded: LoadedInventory) -> None:
    store = EvidenceStore(tmp_path, "ornek", "run")
    run_collectors([Offline()], _ctx(demo_loaded, store, lab=True), store)
    assert store.evidence.collected("camera_state")


def test_invalid_input_stops_the_run(tmp_path: Path, demo_loaded: LoadedInventory) -> None:
    store = EvidenceStore(tmp_path, "ornek", "run")
    with pytest.raises(InvalidInput):
        run_collectors([Invalid()], _ctx(demo_loaded, store), store)


def test_names_are_unique_and_stay_inside_the_run(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path, "ornek", "run")
    stored = store.store(
        "x",
        [
            EvidenceItem("inventory", "../../etc/passwd", "a", "test"),
            EvidenceItem("inventory", "inventory/site.yml", "b", "test"),
            EvidenceItem("inventory", "inventory/site.yml", "c", "test"),
        ],
    )
    assert [s.ref for s in stored] == ["etc/passwd", "inventory/site.yml", "inventory/site-2.yml"]
    assert all((store.run_dir / s.ref).is_file() for s in stored)


def test_registered_collectors_implement_the_interface() -> None:
    collectors = load_collectors()
    assert len(collectors) == len(COLLECTORS)
    assert all(isinstance(c, Collector) for c in collectors)
    names = [c.name for c in collectors]
    assert len(set(names)) == len(names)
    # the static collectors come first, in this order
    assert names[:5] == ["inventory", "policies", "attestations", "rendered_config", "policy_check"]
    assert {"server_facts", "backup_state", "service_probe"} <= set(names)
    assert isinstance(Facts(), Collector)


class Derived:
    """Reads device facts: declares it, and runs after their collector wherever listed."""

    name = "derived"
    kinds: tuple[str, ...] = ("service_probe",)
    after: tuple[str, ...] = ("device_facts",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        seen = len(ctx.evidence.of_kind("device_facts"))
        return [EvidenceItem("service_probe", "probe.json", f'{{"facts": {seen}}}', "test")]


def test_a_collector_declaring_after_runs_after_those_it_reads(
    tmp_path: Path, demo_loaded: LoadedInventory
) -> None:
    assert [c.name for c in ordered([Derived(), Offline(), Facts()])] == [
        "camera_state",
        "device_facts",
        "derived",
    ]
    store = EvidenceStore(tmp_path, "ornek", "run")
    run_collectors([Derived(), Facts()], _ctx(demo_loaded, store), store)
    probe = store.evidence.first("service_probe", None)
    assert probe is not None
    assert probe.text == '{"facts": 2}'
