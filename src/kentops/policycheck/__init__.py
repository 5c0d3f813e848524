"""Prove the rendered ACLs and firewall rules implement the access policy, and nothing more.

``check_policy`` reads the *rendered* core-switch ACLs, FortiGate policies and RouterOS
filter rules back into rules (first match, implicit deny where the platform has one), sends
representative packets through every enforcement point that would see them and compares the
verdict with the policy:

* sources and destinations: one free address per VLAN (a host "of the zone"), every host that
  offers a service a flow names (NVR, PBX, DNS, ...), and one internet address;
* packets: for every pair, a new connection for each protocol/port any service of the policy
  uses, plus ports no service uses (telnet, 8080, ...) and an ICMP echo;
* expected: permitted when some flow covers source, destination and port, denied otherwise;
* which device sees a packet comes from the routing design (kentops.policy.zones): a core
  switch sees traffic between the VLANs it routes, a building firewall what crosses its
  building, headquarters also what goes from one building to another.

Each enforcement point must decide every packet it sees as the policy says; a violation names
the device, the zone pair, the packet, the expected and actual verdict and the deciding rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import Any

from kentops.inventory.loader import LoadedInventory
from kentops.inventory.model import NetworkPlatform, Router, Switch
from kentops.policy import Policies
from kentops.policy.access import AccessPolicy, Protocol
from kentops.policy.compile import hub_building
from kentops.policy.flowends import PolicyZone, flow_end_kind
from kentops.policy.zones import INTERNET_PROBE, Site
from kentops.policycheck.parsers import (
    AclDevice,
    FortiGate,
    ParseError,
    RouterOs,
    parse_fortios,
    parse_ios,
    parse_routeros,
    parse_vrp,
)
from kentops.policycheck.rules import Decision, Packet, Rule, first_match
from kentops.render import RenderReport

#: Ports no service of a sane policy opens; probing them catches rules that are too wide.
EXTRA_PROBES: tuple[tuple[str, int], ...] = (
    ("tcp", 23),
    ("tcp", 8080),
    ("tcp", 3306),
    ("udp", 69),
    ("udp", 1900),
)
EPHEMERAL_PORT = 49152


@dataclass(frozen=True)
class Violation:
    """One packet an enforcement point decides against the policy."""

    device: str
    src_zone: str
    dst_zone: str
    packet: Packet
    expected: str  # permit | deny
    actual: str
    rule: str  # the rule that decided (line and text), or the default that applied
    artefact: str = ""
    flow: str | None = None  # the policy flow that allows the packet; None: no flow does

    def as_dict(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "src_zone": self.src_zone,
            "dst_zone": self.dst_zone,
            "packet": self.packet.describe(),
            "expected": self.expected,
            "actual": self.actual,
            "rule": self.rule,
            "artefact": self.artefact,
            "flow": self.flow,
        }

    def __str__(self) -> str:
        why = f"flow {self.flow} allows it" if self.flow else "no flow allows it"
        return (
            f"{self.device}: {self.src_zone} -> {self.dst_zone}: {self.packet.describe()}: "
            f"expected {self.expected} ({why}), got {self.actual} by {self.rule}"
        )


@dataclass
class MatrixCell:
    """What may and what does pass from one zone to another."""

    src_zone: str
    dst_zone: str
    expected: list[str] = field(default_factory=list)  # service names the policy allows
    permitted: list[str] = field(default_factory=list)  # service names the rules let through
    violations: int = 0

    @property
    def ok(self) -> bool:
        return self.violations == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "src_zone": self.src_zone,
            "dst_zone": self.dst_zone,
            "ok": self.ok,
            "expected": self.expected,
            "permitted": self.permitted,
            "violations": self.violations,
        }


@dataclass
class PolicyCheckResult:
    matrix: dict[tuple[str, str], MatrixCell]
    violations: list[Violation]
    devices: list[str]  # enforcement points checked
    packets: int  # packet decisions evaluated
    problems: list[str] = field(default_factory=list)  # rendered configs that did not parse

    @property
    def ok(self) -> bool:
        return not self.violations and not self.problems

    def zones(self) -> list[str]:
        order = [z.value for z in PolicyZone if z != PolicyZone.WAN]
        present = {z for pair in self.matrix for z in pair}
        return [z for z in order if z in present]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "devices": self.devices,
            "packets": self.packets,
            "violations": [v.as_dict() for v in self.violations],
            "problems": self.problems,
            "matrix": [c.as_dict() for c in self.matrix.values()],
        }


# ---------------------------------------------------------------------------- enforcers

Decider = Callable[[Packet], Decision]
_Svi = tuple[int, int, str, str | None, list[Rule] | None]


class Enforcer:
    """One device that filters traffic, with the rules read back from its rendered config."""

    device: str
    artefact: str

    def sees(self, src: IPv4Address, dst: IPv4Address) -> bool:  # pragma: no cover
        raise NotImplementedError

    def decider(self, src: IPv4Address, dst: IPv4Address) -> Decider:  # pragma: no cover
        """A function deciding packets between src and dst (rules pre-filtered by address)."""
        raise NotImplementedError

    def decide(self, packet: Packet) -> Decision:
        return self.decider(packet.src, packet.dst)(packet)


class CoreAcl(Enforcer):
    """A core switch: inbound ACLs on the SVIs of the VLANs it routes."""

    def __init__(self, device: str, artefact: str, parsed: AclDevice) -> None:
        self.device = device
        self.artefact = artefact
        self.svis: list[_Svi] = []
        for iface in parsed.interfaces.values():
            if not iface.name.lower().startswith("vlan"):
                continue
            rules = parsed.acls.get(iface.acl_in or "")
            for net in iface.networks:
                self.svis.append(
                    (
                        int(net.network_address),
                        int(net.broadcast_address),
                        iface.name,
                        iface.acl_in,
                        rules,
                    )
                )

    def _svi(self, address: IPv4Address) -> _Svi | None:
        value = int(address)
        return next((s for s in self.svis if s[0] <= value <= s[1]), None)

    def sees(self, src: IPv4Address, dst: IPv4Address) -> bool:
        """Traffic between two VLANs this core routes; what leaves the building is the
        firewall's to decide (the ACL hands it on, see kentops.policy.compile.vlan_acl)."""
        svi = self._svi(src)
        other = self._svi(dst)
        return svi is not None and other is not None and svi[2] != other[2]

    def decider(self, src: IPv4Address, dst: IPv4Address) -> Decider:
        svi = self._svi(src)
        if svi is None:  # pragma: no cover - sees() said no
            outside = Decision(False, None, "not routed here")
            return lambda _p: outside
        _, _, name, acl, rules = svi
        if acl is None:
            open_door = Decision(True, None, f"no inbound ACL on {name}: everything passes")
            return lambda _p: open_door
        if rules is None:
            missing = Decision(True, None, f"{name} names ACL {acl}, which does not exist")
            return lambda _p: missing
        s, d = int(src), int(dst)
        candidates = [r for r in rules if r.touches(s, d)]
        reason = f"implicit deny at the end of {acl}"
        return lambda packet: first_match(candidates, packet, False, reason)


class BuildingFilter(Enforcer):
    """Topology shared by firewalls and routers: which packets cross this building."""

    def __init__(self, site: Site, building: str, core_routed: bool, hub: bool) -> None:
        self.site = site
        self.building = building
        self.core_routed = core_routed
        self.hub = hub

    def sees(self, src: IPv4Address, dst: IPv4Address) -> bool:
        site = self.site
        src_vlan, dst_vlan = site.vlan_of(src), site.vlan_of(dst)
        if src_vlan is not None and src_vlan is dst_vlan:
            return False
        src_b = src_vlan.building if src_vlan else None  # None: the internet
        dst_b = dst_vlan.building if dst_vlan else None
        here = self.building
        if src_b is None and dst_b is None:
            return False
        if src_b is None or dst_b is None:  # internet traffic breaks out locally
            return here in (src_b, dst_b)
        if src_b == dst_b:
            return src_b == here and not self.core_routed
        return here in (src_b, dst_b) or self.hub


class FortiGateFilter(BuildingFilter):
    """A FortiGate: policies by interface pair, addresses, services and VIPs."""

    def __init__(
        self,
        device: str,
        artefact: str,
        parsed: FortiGate,
        site: Site,
        building: str,
        core_routed: bool,
        hub: bool,
    ) -> None:
        super().__init__(site, building, core_routed, hub)
        self.device = device
        self.artefact = artefact
        self.fg = parsed
        self.routes: list[tuple[int, int, int, str]] = []  # prefixlen, low, high, interface
        for name, nets in parsed.interfaces.items():
            for net in nets:
                self.routes.append(
                    (net.prefixlen, int(net.network_address), int(net.broadcast_address), name)
                )
        for net, device_name in parsed.routes:
            self.routes.append(
                (net.prefixlen, int(net.network_address), int(net.broadcast_address), device_name)
            )
        self.routes.sort(key=lambda r: -r[0])
        vip_ips = {int(IPv4Address(v["mappedip"])) for v in parsed.vips.values() if v["mappedip"]}
        self._plain = {
            id(rule): [r for r in rule.dst if not (r[0] == r[1] and r[0] in vip_ips)]
            for rule in parsed.policies
        }

    def route(self, address: IPv4Address) -> str | None:
        value = int(address)
        return next((r[3] for r in self.routes if r[1] <= value <= r[2]), None)

    def _vip_for(self, packet: Packet) -> dict[str, Any] | None:
        for vip in self.fg.vips.values():
            if vip["mappedip"] != str(packet.dst):
                continue
            if vip["portforward"] and (
                vip["protocol"] != packet.protocol or str(packet.dport) != vip["mappedport"]
            ):
                continue
            return vip
        return None

    def _service_ok(self, names: list[str], packet: Packet) -> bool:
        for name in names:
            if name == "ALL":
                return True
            service = self.fg.services.get(name)
            if service is None:
                continue
            if packet.protocol == "icmp":
                if service["protocol"] == "ICMP" and service["icmptype"] in (None, "8"):
                    return True
                continue
            if service["protocol"] == "ICMP":
                continue
            ranges = service["tcp"] if packet.protocol == "tcp" else service["udp"]
            if packet.dport is not None and any(lo <= packet.dport <= hi for lo, hi in ranges):
                return True
        return False

    def decider(self, src: IPv4Address, dst: IPv4Address) -> Decider:
        s, d = int(src), int(dst)
        candidates = [r for r in self.fg.policies if r.touches(s, d)]
        outside = not self.site.is_internal(src)
        routed_in = self.route(src)
        egress = self.route(dst)

        def decide(packet: Packet) -> Decision:
            vip = self._vip_for(packet) if outside else None
            ingress = vip["extintf"] if vip else routed_in
            for rule in candidates:
                srcintf: list[str] = rule.extra["srcintf"]  # type: ignore[assignment]
                dstintf: list[str] = rule.extra["dstintf"]  # type: ignore[assignment]
                if "any" not in srcintf and ingress not in srcintf:
                    continue
                if "any" not in dstintf and egress not in dstintf:
                    continue
                vips: list[str] = rule.extra["vips"]  # type: ignore[assignment]
                through_vip = vip is not None and any(self.fg.vips[n] is vip for n in vips)
                if (
                    vips
                    and not through_vip
                    and not any(lo <= d <= hi for lo, hi in self._plain[id(rule)])
                ):
                    continue  # the destination matched only through a VIP this packet misses
                services: list[str] = rule.extra["services"]  # type: ignore[assignment]
                if not self._service_ok(services, packet):
                    continue
                return Decision(rule.action == "permit", rule)
            return Decision(False, None, f"implicit deny (from {ingress} to {egress})")

        return decide


class RouterOsFilter(BuildingFilter):
    """A RouterOS router: the forward chain; what nothing drops is accepted."""

    def __init__(
        self,
        device: str,
        artefact: str,
        parsed: RouterOs,
        site: Site,
        building: str,
        core_routed: bool,
        hub: bool,
    ) -> None:
        super().__init__(site, building, core_routed, hub)
        self.device = device
        self.artefact = artefact
        self.rules = parsed.forward

    def decider(self, src: IPv4Address, dst: IPv4Address) -> Decider:
        s, d = int(src), int(dst)
        candidates = [r for r in self.rules if r.touches(s, d)]
        reason = "no rule matched: RouterOS accepts by default"
        return lambda packet: first_match(candidates, packet, True, reason)


# ---------------------------------------------------------------------------- the check


@dataclass(frozen=True)
class _Probe:
    address: IPv4Address
    zone: str
    label: str


def enforcers(
    loaded: LoadedInventory, report: RenderReport, site: Site | None = None
) -> tuple[list[Enforcer], list[str]]:
    """Enforcement points of the rendered site, parsed; and configs that did not parse."""
    inv = loaded.inventory
    site = site or Site(inv)
    hub = hub_building(site)
    out: list[Enforcer] = []
    problems: list[str] = []
    index = inv.index()
    for artefact in report.artefacts:
        asset = index.get(artefact.device_id)
        try:
            if isinstance(asset, Switch) and asset.role == "core":
                parsed_acl = (
                    parse_ios(artefact.text)
                    if artefact.kind == "ios"
                    else (parse_vrp(artefact.text) if artefact.kind == "vrp" else None)
                )
                if parsed_acl is not None:
                    out.append(CoreAcl(asset.id, artefact.path, parsed_acl))
            elif isinstance(asset, Router):
                net = site.buildings[asset.building]
                args = (site, asset.building, net.core_routed, hub == asset.building)
                if asset.platform == NetworkPlatform.FORTIOS and artefact.kind == "fortios":
                    out.append(
                        FortiGateFilter(
                            asset.id, artefact.path, parse_fortios(artefact.text), *args
                        )
                    )
                elif asset.platform == NetworkPlatform.ROUTEROS and artefact.kind == "routeros":
                    out.append(
                        RouterOsFilter(
                            asset.id, artefact.path, parse_routeros(artefact.text), *args
                        )
                    )
        except (ParseError, ValueError, KeyError, IndexError) as exc:
            problems.append(f"{artefact.path}: cannot read the rules back: {exc}")
    return out, problems


def _probes(site: Site, policy: AccessPolicy) -> list[_Probe]:
    """One free host per VLAN, every host a flow names by service, and the internet."""
    probes: list[_Probe] = []
    for vlan in site.vlans:
        probes.append(_Probe(site.probe_address(vlan), vlan.zone.value, f"{vlan.id} host"))
    seen = {p.address for p in probes}
    kinds = sorted(
        {end for f in policy.flows for end in (f.from_, f.to) if flow_end_kind(end) == "service"}
    )
    hosts = {h for kind in kinds for h in site.service_hosts(kind)}
    for host in sorted(hosts, key=lambda h: (h.asset, str(h.address))):
        if host.address in seen:
            continue
        seen.add(host.address)
        probes.append(_Probe(host.address, site.zone_of(host.address).value, host.asset))
    probes.append(_Probe(INTERNET_PROBE, PolicyZone.INTERNET.value, "internet"))
    return probes


def _sampler(site: Site, targets: list[_Probe]) -> Callable[[_Probe], list[_Probe]]:
    """Representative destinations per source for large sites (see check_policy)."""
    hub = hub_building(site)
    buildings = sorted(site.buildings)
    vlan_probes: dict[tuple[str, str], list[_Probe]] = {}
    others: list[_Probe] = []
    for probe in targets:
        vlan = site.vlan_of(probe.address)
        if vlan is None or probe.label != f"{vlan.id} host":
            others.append(probe)  # service hosts and the internet: always tried
        else:
            vlan_probes.setdefault((vlan.building, probe.zone), []).append(probe)

    def pick(src: _Probe) -> list[_Probe]:
        vlan = site.vlan_of(src.address)
        home = vlan.building if vlan else hub or buildings[0]
        following = buildings[(buildings.index(home) + 1) % len(buildings)]
        chosen = {home, hub or home, following}
        out = [p for (b, _), probes in sorted(vlan_probes.items()) if b in chosen for p in probes]
        return out + others

    return pick


def _ports(policy: AccessPolicy) -> list[tuple[str, int | None]]:
    ports: set[tuple[str, int | None]] = set()
    for service in policy.services.values():
        for port in service:
            if port.protocol == Protocol.ICMP:
                ports.add(("icmp", None))
            for low, high in port.port_ranges():
                ports.add((port.protocol.value, low))
                ports.add((port.protocol.value, high))
    ports.update(EXTRA_PROBES)
    ports.add(("icmp", None))
    return sorted(ports, key=lambda p: (p[0], p[1] or 0))


class _Expectation:
    """Which packets the policy allows, answered fast."""

    def __init__(self, site: Site, policy: AccessPolicy) -> None:
        self.site = site
        self.flows = []
        for flow in policy.flows:
            ports: set[tuple[str, int | None]] = set()
            for port in policy.flow_ports(flow):
                if port.protocol == Protocol.ICMP:
                    ports.add(("icmp", None))
            ranges = [
                (p.protocol.value, lo, hi)
                for p in policy.flow_ports(flow)
                if p.protocol != Protocol.ICMP
                for lo, hi in p.port_ranges()
            ]
            self.flows.append((flow, ports, ranges))
        self._cache: dict[tuple[IPv4Address, IPv4Address], list[int]] = {}

    def _flows_between(self, src: IPv4Address, dst: IPv4Address) -> list[int]:
        key = (src, dst)
        if key not in self._cache:
            self._cache[key] = [
                i
                for i, (flow, _, _) in enumerate(self.flows)
                if self.site.end_contains(flow.from_, src) and self.site.end_contains(flow.to, dst)
            ]
        return self._cache[key]

    def services_between(self, src: IPv4Address, dst: IPv4Address) -> list[list[str]]:
        return [self.flows[i][0].services for i in self._flows_between(src, dst)]

    def allowed_by(self, packet: Packet) -> str | None:
        """The id of the first flow that allows the packet, or None."""
        for i in self._flows_between(packet.src, packet.dst):
            flow, icmp, ranges = self.flows[i]
            if packet.protocol == "icmp":
                if ("icmp", None) in icmp:
                    return flow.id
                continue
            if any(
                proto == packet.protocol and lo <= (packet.dport or -1) <= hi
                for proto, lo, hi in ranges
            ):
                return flow.id
        return None


def check_policy(
    loaded: LoadedInventory,
    report: RenderReport,
    policy: AccessPolicy | Policies,
    devices: Iterable[str] | None = None,
    exhaustive_limit: int = 80,
) -> PolicyCheckResult:
    """Check every enforcement point of a render against the access policy.

    Up to ``exhaustive_limit`` VLANs every VLAN is paired with every other. Beyond that, each
    source VLAN is paired, for every zone, with that zone's VLANs in its own building, at
    headquarters and in one other building (chosen in a fixed order), plus every service host
    and the internet: every kind of path (inside a building, to headquarters, branch to
    branch) is still tried for every zone pair and every device.
    """
    access = policy.access if isinstance(policy, Policies) else policy
    site = Site(loaded.inventory)
    points, problems = enforcers(loaded, report, site)
    if devices is not None:
        wanted = set(devices)
        points = [p for p in points if p.device in wanted]
    sources = targets = _probes(site, access)
    ports = _ports(access)
    expect = _Expectation(site, access)
    services = {name: _service_probes(ports) for name, ports in access.services.items()}
    matrix: dict[tuple[str, str], MatrixCell] = {}
    violations: list[Violation] = []
    evaluated = 0
    pick = _sampler(site, targets) if len(site.vlans) > exhaustive_limit else None
    for src in sources:
        src_vlan = site.vlan_of(src.address)
        for dst in pick(src) if pick is not None else targets:
            if src.address == dst.address:
                continue
            if src.zone == PolicyZone.INTERNET and dst.zone == PolicyZone.INTERNET:
                continue
            if src_vlan is not None and dst.address in src_vlan.subnet:
                continue  # the same VLAN: switched, never routed
            cell = matrix.setdefault((src.zone, dst.zone), MatrixCell(src.zone, dst.zone))
            deciders = [
                (p, p.decider(src.address, dst.address))
                for p in points
                if p.sees(src.address, dst.address)
            ]
            passed_probes: set[tuple[str, int | None]] = set()
            for protocol, port in ports:
                packet = Packet(
                    src.address,
                    dst.address,
                    protocol,
                    port,
                    EPHEMERAL_PORT if protocol != "icmp" else None,
                )
                flow_id = expect.allowed_by(packet)
                allowed = flow_id is not None
                passed = bool(deciders)
                for point, decide in deciders:
                    evaluated += 1
                    decision = decide(packet)
                    passed = passed and decision.permit
                    if decision.permit != allowed:
                        cell.violations += 1
                        violations.append(
                            Violation(
                                point.device,
                                src.zone,
                                dst.zone,
                                packet,
                                "permit" if allowed else "deny",
                                "permit" if decision.permit else "deny",
                                decision.where(),
                                point.artefact,
                                flow_id,
                            )
                        )
                if passed:
                    passed_probes.add((protocol, port))
            expected_names: list[str] = []
            for flow_services in expect.services_between(src.address, dst.address):
                _add(expected_names, flow_services)
            _add(cell.expected, expected_names)
            covered: set[tuple[str, int | None]] = set()
            for name in expected_names:
                covered |= services[name]
            # a service passes when all its ports do; one that only repeats ports of an
            # expected service (isapi = http + https) is not listed again
            _add(
                cell.permitted,
                [
                    name
                    for name, probes in services.items()
                    if probes
                    and probes <= passed_probes
                    and (name in expected_names or not probes <= covered)
                ],
            )
    for cell in matrix.values():
        cell.expected.sort()
        cell.permitted.sort()
    violations.sort(
        key=lambda v: (
            v.device,
            v.src_zone,
            v.dst_zone,
            str(v.packet.src),
            str(v.packet.dst),
            v.packet.protocol,
            v.packet.dport or 0,
        )
    )
    return PolicyCheckResult(
        matrix=matrix,
        violations=violations,
        devices=sorted(p.device for p in points),
        packets=evaluated,
        problems=problems,
    )


def _service_probes(ports: list[Any]) -> set[tuple[str, int | None]]:
    out: set[tuple[str, int | None]] = set()
    for port in ports:
        if port.protocol == Protocol.ICMP:
            out.add(("icmp", None))
        for low, high in port.port_ranges():
            out.add((port.protocol.value, low))
            out.add((port.protocol.value, high))
    return out


def _add(target: list[str], names: list[str]) -> None:
    for name in names:
        if name not in target:
            target.append(name)


__all__ = [
    "MatrixCell",
    "Packet",
    "PolicyCheckResult",
    "Violation",
    "check_policy",
    "enforcers",
]
