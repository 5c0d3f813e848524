"""Compile the access policy into rules of one enforcement point (core ACL, firewall, router).

The output is plain data (dicts, lists, strings) that the templates turn into vendor syntax;
``kentops.policycheck`` reads the *rendered* text back, never this, so a template that drops
or reorders a rule is caught.

Stateless ACLs (core switches) carry return traffic explicitly: for a flow X -> Y with
service port p, the ACL of Y's VLAN permits packets from Y with source port p to X (TCP only
when established). Stateful firewalls (FortiGate, RouterOS) allow replies by connection state.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from kentops.inventory.model import Router, Vlan
from kentops.policy.access import AccessPolicy, Flow, Protocol
from kentops.policy.flowends import PolicyZone, flow_end_kind
from kentops.policy.zones import ANY, BuildingNet, Site

Rule = dict[str, Any]

BROADCAST = IPv4Network("255.255.255.255/32")
HSRP_GROUP = IPv4Network("224.0.0.102/32")
VRRP_GROUP = IPv4Network("224.0.0.18/32")


@dataclass(frozen=True)
class PortSpec:
    protocol: str  # tcp | udp | icmp
    low: int = 0
    high: int = 0

    def ports(self) -> list[int] | None:
        return None if self.protocol == Protocol.ICMP else [self.low, self.high]


def flow_ports(policy: AccessPolicy, flow: Flow) -> list[PortSpec]:
    out: list[PortSpec] = []
    for port in policy.flow_ports(flow):
        if port.protocol == Protocol.ICMP:
            spec = PortSpec("icmp")
            if spec not in out:
                out.append(spec)
            continue
        for low, high in port.port_ranges():
            spec = PortSpec(port.protocol.value, low, high)
            if spec not in out:
                out.append(spec)
    return out


def _rule(action: str, protocol: str, src: IPv4Network, dst: IPv4Network, **extra: Any) -> Rule:
    rule: Rule = {
        "action": action,
        "protocol": protocol,
        "src": str(src),
        "dst": str(dst),
        "sport": None,
        "dport": None,
        "established": False,
        "icmp": None,
        "log": False,
        "remark": None,
    }
    rule.update(extra)
    return rule


def _inside(nets: list[IPv4Network], vlan: Vlan) -> list[IPv4Network]:
    return [n for n in nets if n.subnet_of(vlan.subnet)]


def _outside(nets: list[IPv4Network], vlan: Vlan) -> list[IPv4Network]:
    return [n for n in nets if not n.subnet_of(vlan.subnet)]


def _end_in_vlan(site: Site, end: str, vlan: Vlan) -> list[IPv4Network]:
    """The part of a flow end that lives in this VLAN."""
    return site.end_networks_in(end, vlan)


def _span(net: IPv4Network) -> tuple[int, int]:
    """First and last address of a network as integers."""
    low = int(net.network_address)
    return low, low + net.num_addresses - 1


def vlan_acl(
    site: Site,
    policy: AccessPolicy,
    vlan: Vlan,
    fhrp: str | None,
    own: list[IPv4Address] | None = None,
) -> list[Rule]:
    """Inbound ACL of one routed VLAN (SVI) compiled from the flows, in evaluation order.

    The cores decide traffic between the VLANs of their own building; whatever leaves the
    building goes on to the building's firewall (policy-routed to its leg in the same VLAN),
    which decides it with the whole site in view. So the ACL holds the flows whose both ends
    are in this building, denies the rest of the building, and lets the remainder pass on.
    ``own`` are the switch's own addresses in the VLAN: an ACL on an SVI also filters what is
    sent to the switch itself, so flows that stay inside the VLAN's zone (administrators
    reaching the core from the management VLAN) are permitted to them.
    """
    rules: list[Rule] = []
    # As integer ranges: ipaddress's subnet_of checks types on every call, and the ACLs of
    # a large site ask it hundreds of thousands of times.
    local = [v.subnet for v in site.buildings[vlan.building].vlans]
    local_spans = [_span(n) for n in local]
    this_low, this_high = _span(vlan.subnet)

    def group(items: list[Rule], remark: str) -> None:
        if items:
            items[0]["remark"] = remark
            rules.extend(items)

    def here(nets: list[IPv4Network]) -> list[IPv4Network]:
        """The part of an address set inside this building, outside this VLAN."""
        out = []
        for net in nets:
            low, high = _span(net)
            if net == ANY or (this_low <= low and high <= this_high):
                continue  # the internet is never here; this VLAN is switched, not routed
            if any(lo <= low and high <= hi for lo, hi in local_spans):
                out.append(net)
        return list(dict.fromkeys(out))

    infra: list[Rule] = []
    if vlan.dhcp:
        infra.append(_rule("permit", "udp", ANY, BROADCAST, sport=[68, 68], dport=[67, 67]))
    if fhrp == "hsrp":
        infra.append(_rule("permit", "udp", vlan.subnet, HSRP_GROUP, dport=[1985, 1985]))
    elif fhrp == "vrrp":
        infra.append(_rule("permit", "112", vlan.subnet, VRRP_GROUP))
    group(infra, "infrastructure: DHCP to the relay, gateway redundancy")

    to_self: list[Rule] = []
    for flow in policy.flows:
        if flow.from_ != vlan.zone.value or flow.to != vlan.zone.value:
            continue
        for spec in flow_ports(policy, flow):
            for address in own or []:
                host = IPv4Network(address)
                if spec.protocol == "icmp":
                    to_self.append(_rule("permit", "icmp", vlan.subnet, host, icmp="echo"))
                else:
                    to_self.append(
                        _rule("permit", spec.protocol, vlan.subnet, host, dport=spec.ports())
                    )
    group(to_self, "to this switch itself")

    for flow in policy.flows:  # replies to flows that end in this VLAN
        answering = _end_in_vlan(site, flow.to, vlan)
        askers = here(site.end_networks(flow.from_)) if answering else []
        items: list[Rule] = []
        for spec in flow_ports(policy, flow):
            for src in answering:
                for dst in askers:
                    if spec.protocol == "icmp":
                        items.append(_rule("permit", "icmp", src, dst, icmp="echo-reply"))
                    else:
                        items.append(
                            _rule(
                                "permit",
                                spec.protocol,
                                src,
                                dst,
                                sport=spec.ports(),
                                established=spec.protocol == "tcp",
                            )
                        )
        group(items, f"replies of {flow.id}")

    for flow in policy.flows:  # flows that start in this VLAN and stay in the building
        starting = _end_in_vlan(site, flow.from_, vlan)
        targets = here(site.end_networks(flow.to)) if starting else []
        items = []
        for spec in flow_ports(policy, flow):
            for src in starting:
                for dst in targets:
                    if spec.protocol == "icmp":
                        items.append(_rule("permit", "icmp", src, dst, icmp="echo", log=flow.log))
                    else:
                        items.append(
                            _rule(
                                "permit", spec.protocol, src, dst, dport=spec.ports(), log=flow.log
                            )
                        )
        group(items, f"{flow.id}: {flow.from_} -> {flow.to}")

    group(
        [_rule("deny", "ip", ANY, net, log=True) for net in local],
        "everything else inside this building is denied",
    )
    group(
        [_rule("permit", "ip", vlan.subnet, ANY)],
        "leaving the building: the firewall decides (policy-routed to its leg)",
    )
    return rules


# ---------------------------------------------------------------------------- firewalls

Side = str  # "leg:<vlan id>", "tunnel", "wan"


def _sides(site: Site, net: BuildingNet, end: str) -> list[tuple[Side, list[str]]]:
    """Where the addresses of a flow end are, seen from a building's firewall.

    Returns (side, vlan ids) pairs: a local leg per VLAN holding part of the end, the tunnel
    when part of it lives in other buildings, the WAN for the internet.
    """
    if end == PolicyZone.INTERNET:
        return [("wan", [])]
    out: list[tuple[Side, list[str]]] = []
    remote = False
    if flow_end_kind(end) == "zone":
        for vlan in site.zone_vlans(end):
            if vlan.building == net.id:
                if vlan.id in net.legs:
                    out.append((f"leg:{vlan.id}", [vlan.id]))
            else:
                remote = True
    else:
        for host in site.service_hosts(end):
            vlan = site.vlan_by_id[host.vlan]
            if vlan.building == net.id:
                if vlan.id in net.legs and (f"leg:{vlan.id}", [vlan.id]) not in out:
                    out.append((f"leg:{vlan.id}", [vlan.id]))
            else:
                remote = True
    if remote:
        out.append(("tunnel", []))
    return out


def _side_pair_allowed(net: BuildingNet, hub: bool, src: Side, dst: Side) -> bool:
    if src == "tunnel" and dst == "tunnel":
        return hub  # headquarters carries branch-to-branch traffic
    if src == dst:
        return False
    if src.startswith("leg:") and dst.startswith("leg:"):
        return not net.core_routed  # with cores, traffic between local VLANs never gets here
    return {src, dst} != {"tunnel", "wan"}  # the internet is reached locally, never via HQ


def hub_building(site: Site) -> str | None:
    """The building that terminates the site-to-site tunnels: headquarters."""
    for building in site.inv.buildings:
        if building.kind == "headquarters":
            return building.id
    return None


def _service_name(name: str) -> str:
    return f"k-{name}"


def firewall_policy(site: Site, policy: AccessPolicy, router: Router) -> dict[str, Any]:
    """Zone policy of a FortiGate (or any stateful firewall): objects and ordered policies."""
    net = site.buildings[router.building]
    hub = hub_building(site) == net.id
    leg_iface = {vlan_id: leg.interface for vlan_id, leg in net.legs.items()}
    wans = [i for i in router.interfaces if i.wan is not None]
    policies: list[dict[str, Any]] = []
    used_services: list[str] = []
    used_groups: list[str] = []
    vips: list[dict[str, Any]] = []
    public_hosts: dict[str, dict[str, str]] = {}

    def group_name(end: str) -> str:
        if end == PolicyZone.INTERNET:
            return "all"
        name = f"z-{end}" if flow_end_kind(end) == "zone" else f"s-{end}"
        if name not in used_groups:
            used_groups.append(name)
        return name

    def iface(side: Side) -> list[str]:
        if side.startswith("leg:"):
            return [leg_iface[side[4:]]]
        if side == "tunnel":
            return [TUNNEL_HUB if hub else TUNNEL_SPOKE]
        return [w.name for w in wans]

    for flow in policy.flows:
        src_sides = _sides(site, net, flow.from_)
        dst_sides = _sides(site, net, flow.to)
        pairs = [
            (s, d) for s, _ in src_sides for d, _ in dst_sides if _side_pair_allowed(net, hub, s, d)
        ]
        if not pairs:
            continue
        for name in flow.services:
            if name not in used_services:
                used_services.append(name)
        for index, (s, d) in enumerate(pairs, start=1):
            dstaddr = [group_name(flow.to)]
            srcintf = iface(s)
            if s == "wan" and flow_end_kind(flow.to) == "service":
                dstaddr = []
                for host in site.service_hosts(flow.to):
                    if f"leg:{host.vlan}" != d:
                        continue
                    public = public_hosts.get(host.asset)
                    if public is None:
                        slot = len(public_hosts)
                        addressed = [(w.name, w.address) for w in wans if w.address is not None]
                        if slot >= len(addressed):
                            continue  # not enough public addresses: the renderer reports it
                        wan_name, wan_address = addressed[slot]
                        public = {"extintf": wan_name, "extip": str(wan_address.ip)}
                        public_hosts[host.asset] = public
                    srcintf = [public["extintf"]]
                    for spec in flow_ports(policy, flow):
                        if spec.protocol == "icmp":
                            continue
                        port = str(spec.low) if spec.low == spec.high else f"{spec.low}-{spec.high}"
                        name = f"vip-{host.asset}-{spec.protocol}-{spec.low}"[:63]
                        if all(v["name"] != name for v in vips):
                            vips.append(
                                {
                                    "name": name,
                                    "extintf": public["extintf"],
                                    "extip": public["extip"],
                                    "mappedip": str(host.address),
                                    "asset": host.asset,
                                    "protocol": spec.protocol,
                                    "port": port,
                                }
                            )
                        dstaddr.append(name)
                if not dstaddr:
                    continue
            nat = d == "wan"
            suffix = f"-{index}" if len(pairs) > 1 else ""
            policies.append(
                {
                    "id": len(policies) + 1,
                    "name": f"{flow.id[: 35 - len(suffix)]}{suffix}",
                    "flow": flow.id,
                    "srcintf": srcintf,
                    "dstintf": iface(d),
                    "srcaddr": [group_name(flow.from_)],
                    "dstaddr": dstaddr,
                    "service": [_service_name(n) for n in flow.services],
                    "nat": nat,
                    "log": flow.log or nat,
                    "comment": flow.why,
                }
            )
    for name in ADMIN_SERVICES:  # the local-in (management plane) policy needs them
        if name in policy.services and name not in used_services:
            used_services.append(name)
    group_name(policy.admin_zone.value)
    services = []
    for service_name in used_services:
        tcp: list[list[int]] = []
        udp: list[list[int]] = []
        icmp = False
        for service_port in policy.service(service_name):
            if service_port.protocol == Protocol.ICMP:
                icmp = True
            for low, high in service_port.port_ranges():
                target = tcp if service_port.protocol == Protocol.TCP else udp
                target.append([low, high])
        services.append({"name": _service_name(service_name), "tcp": tcp, "udp": udp, "icmp": icmp})
    return {
        "policies": policies,
        "services": services,
        "groups": [_group(site, g) for g in used_groups],
        "addresses": _addresses(site, used_groups),
        "vips": vips,
        "hub": hub,
    }


TUNNEL_HUB = "subeler"
ADMIN_SERVICES = ("ssh", "https", "snmp")
TUNNEL_SPOKE = "merkez"


def _group_members(site: Site, group: str) -> list[tuple[str, IPv4Network]]:
    kind, _, end = group.partition("-")
    if kind == "z":
        return [(f"n-{v.id}", v.subnet) for v in site.zone_vlans(end)]
    return [(f"h-{h.asset}", IPv4Network(h.address)) for h in site.service_hosts(end)]


def _group(site: Site, group: str) -> dict[str, Any]:
    return {"name": group, "members": [name for name, _ in _group_members(site, group)]}


def _addresses(site: Site, groups: list[str]) -> list[dict[str, str]]:
    seen: dict[str, str] = {}
    for group in groups:
        for name, subnet in _group_members(site, group):
            seen.setdefault(name, str(subnet))
    return [{"name": n, "subnet": s} for n, s in sorted(seen.items())]


# ---------------------------------------------------------------------------- RouterOS


def router_filter(site: Site, policy: AccessPolicy, router: Router) -> dict[str, Any]:
    """Forward-chain rules of a RouterOS router and the address lists they use."""
    net = site.buildings[router.building]
    local = {v.id for v in net.vlans}
    lists: list[str] = []
    forward: list[Rule] = []

    def list_ref(end: str) -> str:
        if end == PolicyZone.INTERNET:
            return "!kentops-internal"
        name = f"z-{end}" if flow_end_kind(end) == "zone" else f"s-{end}"
        if name not in lists:
            lists.append(name)
        return name

    def touches(end: str) -> bool:
        if end == PolicyZone.INTERNET:
            return False
        if flow_end_kind(end) == "zone":
            return any(v.building == net.id for v in site.zone_vlans(end))
        return any(h.vlan in local for h in site.service_hosts(end))

    list_ref(policy.admin_zone.value)  # the input chain (management plane) needs it
    for flow in policy.flows:
        if not (touches(flow.from_) or touches(flow.to)):
            continue
        first = True
        for spec in _merge_ports(flow_ports(policy, flow)):
            rule: Rule = {
                "chain": "forward",
                "action": "accept",
                "protocol": spec[0],
                "src_address_list": list_ref(flow.from_),
                "dst_address_list": list_ref(flow.to),
                "dst_ports": spec[1],
                "icmp": "8:0" if spec[0] == "icmp" else None,
                "log": flow.log,
                "log_prefix": f"kentops-{flow.id}"[:30] if flow.log else None,
                "comment": flow.id if first else None,
            }
            first = False
            forward.append(rule)
    address_lists = []
    for name in lists:
        address_lists.append(
            {
                "name": name,
                "members": [str(s) for _, s in _group_members(site, name)],
            }
        )
    return {
        "forward": forward,
        "address_lists": address_lists,
        "internal": [str(n) for n in site.internal_space],
    }


def _merge_ports(specs: list[PortSpec]) -> Iterator[tuple[str, list[list[int]]]]:
    """One RouterOS rule per protocol with all its ports (dst-port=80,443)."""
    by_protocol: dict[str, list[list[int]]] = {}
    for spec in specs:
        ports = by_protocol.setdefault(spec.protocol, [])
        if spec.protocol != "icmp":
            ports.append([spec.low, spec.high])
    yield from by_protocol.items()
