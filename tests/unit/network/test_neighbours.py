"""LLDP neighbours against the inventory (what `kentops facts` prints and NET-LLDP-01 judges):
an unknown neighbour is an unregistered device, a known one on another port is cabling."""

from __future__ import annotations

from kentops.inventory.loader import load_inventory
from kentops.network.facts import neighbour_findings, normalise_facts
from tests.helpers import DEMO


def _switch_with_a_link() -> tuple[str, str, str, str]:
    inv = load_inventory(DEMO).inventory
    for switch in inv.switches:
        for port in switch.ports:
            if port.connects and port.connects in {s.id for s in inv.switches}:
                return switch.id, port.name, port.connects, port.remote_port or ""
    raise AssertionError("the demo has no switch-to-switch link")


def test_the_inventory_link_is_no_finding_and_an_empty_table_was_read() -> None:
    inv = load_inventory(DEMO).inventory
    switch, port, far, far_port = _switch_with_a_link()
    seen = normalise_facts(switch, {}, {}, {port: [{"hostname": far, "port": far_port}]})
    assert seen.lldp_read
    assert neighbour_findings(inv, {switch: seen}) == []
    empty = normalise_facts(switch, {}, {}, {})
    assert empty.lldp_read and empty.lldp_neighbors == []
    assert not normalise_facts(switch, {}, {}, None).lldp_read


def test_unknown_neighbour_and_wrong_port_are_named() -> None:
    inv = load_inventory(DEMO).inventory
    switch, port, far, _far_port = _switch_with_a_link()
    stranger = normalise_facts(switch, {}, {}, {port: [{"hostname": "laptop-42", "port": "eth0"}]})
    [finding] = neighbour_findings(inv, {switch: stranger})
    assert finding.kind == "unregistered-device" and "laptop-42" in finding.message
    assert "envanterde yok" in finding.tr
    moved = normalise_facts(switch, {}, {}, {"GigabitEthernet9/9/9": [{"hostname": far}]})
    [finding] = neighbour_findings(inv, {switch: moved})
    assert finding.kind == "cabling" and far in finding.message and finding.tr
