"""The voice collector against the demo lab: a real SIP OPTIONS to the lab PBX (sipp), the
configuration the PBX runs read over its interface, and every phone's served provisioning
file compared with the rendered one."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from kentops.compliance.collectors import RenderedConfigCollector
from kentops.compliance.evidence import CollectContext, EvidenceStore, run_collectors
from kentops.compliance.payloads import VoiceState
from kentops.inventory.loader import load_inventory
from kentops.lab.state import read_state, write_state
from kentops.network.voice import VoiceCollector
from tests.helpers import DEMO, REPO

pytestmark = [pytest.mark.lab, pytest.mark.xdist_group("lab")]


def _collect(lab_dir: Path, monkeypatch: pytest.MonkeyPatch) -> EvidenceStore:
    monkeypatch.setenv("KENTOPS_LAB_DIR", str(lab_dir))
    loaded = load_inventory(DEMO)
    store = EvidenceStore(Path("/nonexistent"), "ornek", "run", write=False)
    now = dt.datetime.now(dt.UTC)
    ctx = CollectContext(
        loaded, REPO / "policies", "run", now, store.run_dir, store.evidence, lab=True
    )
    run_collectors([RenderedConfigCollector(), VoiceCollector()], ctx, store)
    return store


def _items(store: EvidenceStore) -> dict[str | None, Any]:
    return {s.subject: s for s in store.evidence.of_kind("voice_state")}


def test_pbx_answers_runs_its_configuration_and_every_phone_gets_its_file(
    demo_lab: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _collect(demo_lab["dir"], monkeypatch)
    runs = {r.name: r for r in store.runs}
    assert runs["voice_state"].state == "collected", runs["voice_state"].reason
    items = _items(store)
    loaded = load_inventory(DEMO)
    pbx = loaded.inventory.pbxs[0]
    record = json.loads(items[pbx.id].text)
    assert record["sip_options"]["status"] == 200
    assert record["sip_options"]["user_agent"].startswith("Asterisk PBX")
    assert "[transport-tls]" in record["pjsip_conf_text"]
    state: VoiceState = items[pbx.id].data
    assert (state.sip_transports, state.srtp_required, state.anonymous_calls) == (
        ["tls"],
        True,
        False,
    )
    phones = loaded.inventory.phones
    assert set(state.registered_extensions) == {p.extension for p in phones}
    for phone in phones:
        phone_record = json.loads(items[phone.id].text)
        assert phone_record["provisioning"]["matches_rendered"], phone.id
        assert items[phone.id].data.registered is True
    assert None not in items  # nothing unreachable


def test_a_changed_served_file_shows_and_a_silent_pbx_is_not_read(
    demo_lab: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    state = read_state(demo_lab["dir"])
    assert state is not None
    loaded = load_inventory(DEMO)
    phone = loaded.inventory.phones[0]
    root = Path(str(state.extra["run_dir"])) / "provisioning"
    served = next(
        f
        for f in root.glob("*.cfg")
        if f"account.1.user_name = {phone.extension}\n" in f.read_text(encoding="utf-8")
    )
    original = served.read_bytes()
    try:
        served.write_bytes(original.replace(b"transport_type = 2", b"transport_type = 0"))
        store = _collect(demo_lab["dir"], monkeypatch)
        item = _items(store)[phone.id]
        assert json.loads(item.text)["provisioning"]["matches_rendered"] is False
        assert item.data.sip_transports == ["udp"]
    finally:
        served.write_bytes(original)

    # The same lab seen through a state whose PBX listens nowhere: no answer to OPTIONS.
    silent = tmp_path / "lab"
    silent.mkdir()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    endpoint = state.endpoints[loaded.inventory.pbxs[0].id]
    state.endpoints[loaded.inventory.pbxs[0].id] = dataclasses.replace(endpoint, port=dead_port)
    write_state(silent, state)
    store = _collect(silent, monkeypatch)
    items = _items(store)
    unreachable = items[None].data["unreachable"]
    pbx_id = loaded.inventory.pbxs[0].id
    assert pbx_id not in items and unreachable[pbx_id].startswith("no answer to SIP OPTIONS")
    assert unreachable[phone.id] == f"its PBX {pbx_id} was not read"
