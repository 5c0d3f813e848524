"""Where zones and services live, and who routes what: the site seen by the access policy.

Routing design (the templates implement it, the policy check relies on it):

* A building with core switches routes all its VLANs on the cores (SVIs; with two or more
  cores the VLAN gateway is a virtual address, HSRP on IOS, VRRP on VRP, and core *n* answers
  on gateway + 1 + n). Each core filters traffic entering from a VLAN with an inbound ACL
  compiled from the access policy. The building's firewall keeps a leg in the VLANs it lists
  (on the last usable address of the subnet); the cores policy-route traffic that leaves the
  building to the firewall leg of the same VLAN, so the firewall sees the real source zone.
* A building without a core is routed by its firewall/router: its interface on a VLAN holds
  the VLAN gateway, its own management address is added beside it.
* Buildings reach each other through site-to-site IPsec to headquarters (hub and spoke); each
  building breaks out to the internet on its own uplink, with NAT logged for Law 5651.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from ipaddress import IPv4Address, IPv4Network, collapse_addresses

from kentops.inventory.model import (
    Inventory,
    Nvr,
    Pbx,
    Router,
    Server,
    ServiceKind,
    Switch,
    Vlan,
)
from kentops.policy.flowends import OUTSIDE_ZONES, PolicyZone, flow_end_kind

#: Private address space is never "the internet", whatever the inventory holds.
PRIVATE_SPACE = (
    IPv4Network("10.0.0.0/8"),
    IPv4Network("172.16.0.0/12"),
    IPv4Network("192.168.0.0/16"),
)
#: An address that stands for "somewhere on the internet" in checks (TEST-NET-3, RFC 5737).
INTERNET_PROBE = IPv4Address("203.0.113.10")
ANY = IPv4Network("0.0.0.0/0")


@dataclass(frozen=True)
class Host:
    """One host offering a service (or an endpoint of a flow)."""

    asset: str
    address: IPv4Address
    vlan: str


@dataclass(frozen=True)
class Leg:
    """A router/firewall interface on one VLAN and the address it holds there."""

    router: str
    interface: str
    vlan: str
    address: IPv4Address
    gateway: bool  # True when this leg is the VLAN's default gateway


@dataclass
class BuildingNet:
    """How one building is routed."""

    id: str
    vlans: list[Vlan]
    cores: list[Switch]
    routers: list[Router]  # firewalls/routers of the building, sorted by id
    legs: dict[str, Leg] = field(default_factory=dict)  # vlan id -> leg of the primary router

    @property
    def core_routed(self) -> bool:
        return bool(self.cores)

    @property
    def primary_router(self) -> Router | None:
        return self.routers[0] if self.routers else None


class Site:
    """The inventory as the access policy sees it: zones, service hosts, routing."""

    def __init__(self, inventory: Inventory) -> None:
        self.inv = inventory
        self.vlans = sorted(inventory.vlans, key=lambda v: (v.building, v.vlan_id))
        self.vlan_by_id = {v.id: v for v in self.vlans}
        self.buildings: dict[str, BuildingNet] = {}
        for building in sorted(inventory.buildings, key=lambda b: b.id):
            self.buildings[building.id] = BuildingNet(
                id=building.id,
                vlans=[v for v in self.vlans if v.building == building.id],
                cores=sorted(
                    (
                        s
                        for s in inventory.switches
                        if s.building == building.id and s.role == "core"
                    ),
                    key=lambda s: s.id,
                ),
                routers=sorted(
                    (r for r in inventory.routers if r.building == building.id),
                    key=lambda r: r.id,
                ),
            )
        for net in self.buildings.values():
            primary = net.primary_router
            if primary is None:
                continue
            for iface in primary.interfaces:
                if iface.vlan is None or iface.vlan not in self.vlan_by_id:
                    continue
                vlan = self.vlan_by_id[iface.vlan]
                if net.core_routed:
                    address = vlan.subnet.broadcast_address - 1
                    net.legs[vlan.id] = Leg(primary.id, iface.name, vlan.id, address, False)
                else:
                    net.legs[vlan.id] = Leg(primary.id, iface.name, vlan.id, vlan.gateway, True)

    # ------------------------------------------------------------------ address space
    @cached_property
    def internal_space(self) -> list[IPv4Network]:
        """Private space plus every subnet of the site, summarised."""
        return list(collapse_addresses([*PRIVATE_SPACE, *(v.subnet for v in self.vlans)]))

    def is_internal(self, address: IPv4Address) -> bool:
        value = int(address)
        return any(low <= value <= high for low, high in self._internal_ranges)

    @cached_property
    def _internal_ranges(self) -> list[tuple[int, int]]:
        return [(int(n.network_address), int(n.broadcast_address)) for n in self.internal_space]

    def vlan_of(self, address: IPv4Address) -> Vlan | None:
        cache = self._vlan_cache
        if address not in cache:
            cache[address] = next((v for v in self.vlans if address in v.subnet), None)
        return cache[address]

    @cached_property
    def _vlan_cache(self) -> dict[IPv4Address, Vlan | None]:
        return {}

    def zone_of(self, address: IPv4Address) -> PolicyZone:
        vlan = self.vlan_of(address)
        if vlan is not None:
            return PolicyZone(vlan.zone.value)
        return PolicyZone.WAN if self.is_internal(address) else PolicyZone.INTERNET

    def building_of(self, address: IPv4Address) -> str | None:
        vlan = self.vlan_of(address)
        return vlan.building if vlan is not None else None

    # ------------------------------------------------------------------ flow ends
    def zone_vlans(self, zone: str) -> list[Vlan]:
        found = self._zone_vlans.get(zone)
        if found is None:
            found = self._zone_vlans[zone] = [v for v in self.vlans if v.zone.value == zone]
        return list(found)

    @cached_property
    def _zone_vlans(self) -> dict[str, list[Vlan]]:
        return {}

    @cached_property
    def _service_hosts(self) -> dict[str, list[Host]]:
        hosts: dict[str, list[Host]] = {}
        pbx_hosts = {p.host for p in self.inv.pbxs if p.host and p.address is not None}
        for asset in sorted(self.inv.assets(), key=lambda a: a.id):
            if asset.address is None or asset.vlan is None:
                continue
            kinds: list[str] = []
            if isinstance(asset, Nvr):
                kinds.append(ServiceKind.NVR.value)
            elif isinstance(asset, Pbx):
                kinds.append(ServiceKind.PBX.value)
            elif isinstance(asset, Server):
                for service in asset.services:
                    if service.kind == ServiceKind.PBX and asset.id in pbx_hosts:
                        continue  # the PBX answers on its own address
                    if service.kind.value not in kinds:
                        kinds.append(service.kind.value)
            for kind in kinds:
                hosts.setdefault(kind, []).append(Host(asset.id, asset.address, asset.vlan))
        return hosts

    def service_hosts(self, kind: str) -> list[Host]:
        return self._service_hosts.get(kind, [])

    def end_networks(self, end: str) -> list[IPv4Network]:
        """The addresses of a flow end; the internet is 0.0.0.0/0 (minus internal space)."""
        found = self._end_networks.get(end)
        if found is None:
            if end == PolicyZone.INTERNET:
                found = [ANY]
            elif flow_end_kind(end) == "service":
                found = [IPv4Network(h.address) for h in self.service_hosts(end)]
            else:
                found = [v.subnet for v in self.zone_vlans(end)]
            self._end_networks[end] = found
        return list(found)

    @cached_property
    def _end_networks(self) -> dict[str, list[IPv4Network]]:
        return {}

    def end_networks_in(self, end: str, vlan: Vlan) -> list[IPv4Network]:
        """The part of a flow end inside one VLAN (its subnet for a zone, hosts for a service)."""
        key = (end, vlan.id)
        found = self._in_vlan.get(key)
        if found is None:
            if end == PolicyZone.INTERNET or end in OUTSIDE_ZONES:
                found = []
            elif flow_end_kind(end) == "zone":
                found = [vlan.subnet] if vlan.zone.value == end else []
            else:
                found = [
                    IPv4Network(h.address) for h in self.service_hosts(end) if h.vlan == vlan.id
                ]
            self._in_vlan[key] = found
        return list(found)

    @cached_property
    def _in_vlan(self) -> dict[tuple[str, str], list[IPv4Network]]:
        return {}

    def end_contains(self, end: str, address: IPv4Address) -> bool:
        if end == PolicyZone.INTERNET:
            return not self.is_internal(address)
        if end in OUTSIDE_ZONES:
            return False
        ranges = self._end_ranges.get(end)
        if ranges is None:
            ranges = [
                (int(n.network_address), int(n.broadcast_address)) for n in self.end_networks(end)
            ]
            self._end_ranges[end] = ranges
        value = int(address)
        return any(low <= value <= high for low, high in ranges)

    @cached_property
    def _end_ranges(self) -> dict[str, list[tuple[int, int]]]:
        return {}

    # ------------------------------------------------------------------ routing
    def core_svi_address(self, core: Switch, vlan: Vlan) -> IPv4Address:
        """The address a core answers on in a VLAN (not the shared gateway when HA)."""
        net = self.buildings[core.building]
        if len(net.cores) == 1:
            return vlan.gateway
        if core.address is not None and core.vlan == vlan.id:
            return core.address
        return vlan.gateway + 1 + net.cores.index(core)

    def derived_addresses(self) -> dict[IPv4Address, str]:
        """Addresses the templates give devices beyond the inventory (SVIs, firewall legs)."""
        out: dict[IPv4Address, str] = {}
        for net in self.buildings.values():
            for vlan in net.vlans:
                if len(net.cores) > 1:
                    for core in net.cores:
                        out[self.core_svi_address(core, vlan)] = f"{core.id} SVI {vlan.id}"
            for leg in net.legs.values():
                if not leg.gateway:
                    out[leg.address] = f"{leg.router} {leg.interface}"
        return out

    @cached_property
    def used_addresses(self) -> frozenset[IPv4Address]:
        """Addresses the inventory gives assets, and those the templates derive."""
        used = {a.address for a in self.inv.assets() if a.address is not None}
        return frozenset(used | set(self.derived_addresses()))

    def probe_address(self, vlan: Vlan) -> IPv4Address:
        """A free host address of the VLAN that stands for 'any host of it' in checks."""
        used = set(self.used_addresses) | {vlan.gateway}
        candidate = vlan.subnet.broadcast_address - 3
        while candidate in used and candidate > vlan.subnet.network_address + 1:
            candidate -= 1
        return candidate


def service_hosts(inv: Inventory, kind: str) -> list[Host]:
    """Hosts of the inventory offering a service kind (nvr, pbx, dns, ...)."""
    return Site(inv).service_hosts(kind)
