"""The variables each template sees: plain JSON data computed from inventory and policy.

Contexts are JSON-serialisable on purpose: the same dict is what kentops renders with and
what Ansible's ``template`` module gets as extra vars, so both produce the same bytes.
Everything is sorted or in inventory order, so the same input gives the same output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any

from kentops.inventory.loader import LoadedInventory
from kentops.inventory.model import (
    ASSET_BY_COLLECTION,
    AccessPoint,
    Asset,
    Camera,
    Inventory,
    NetworkPlatform,
    Nvr,
    Pbx,
    Phone,
    Port,
    Router,
    Server,
    ServiceKind,
    Switch,
    Vlan,
    WirelessController,
    Zone,
)
from kentops.policy import Policies
from kentops.policy.compile import (
    TUNNEL_HUB,
    TUNNEL_SPOKE,
    firewall_policy,
    flow_ports,
    hub_building,
    router_filter,
    vlan_acl,
)
from kentops.policy.zones import Site
from kentops.yamlsource import Problem

Context = dict[str, Any]

#: Which zone an endpoint kind goes to when it names no VLAN of its own.
DEFAULT_ZONE: dict[str, Zone] = {
    "camera": Zone.CAMERAS,
    "nvr": Zone.CAMERAS,
    "phone": Zone.VOICE,
    "printer": Zone.PRINTERS,
    "kiosk": Zone.PUBLIC,
    "scada": Zone.SCADA,
}
#: Hikvision's notation of the site's time zone (POSIX sign: CST-3 is UTC+3).
HIKVISION_TZ = {"Europe/Istanbul": "CST-3:00:00"}
#: Yealink's time zone offset and name for the site's time zone.
YEALINK_TZ = {"Europe/Istanbul": ("+3", "Turkey")}

KIND_NETWORK = ("cisco_ios", "huawei_vrp", "fortios", "routeros")

#: Zones whose internet use goes through the content filter (Law 5651: staff, guests and
#: the public), in the order the templates list them.
FILTERED_ZONES: tuple[Zone, ...] = (Zone.USERS, Zone.GUEST, Zone.PUBLIC)
#: Name of the FortiGate web and DNS filter profiles.
FILTER_PROFILE = "kentops-5651"
#: FortiGuard categories the municipality blocks (id, name as FortiGuard lists it): what is
#: potentially liable, adult content, and security risks. Everything else is allowed.
FILTER_CATEGORIES: tuple[tuple[int, str], ...] = (
    (1, "Drug Abuse"),
    (3, "Hacking"),
    (4, "Illegal or Unethical"),
    (5, "Discrimination"),
    (6, "Explicit Violence"),
    (12, "Extremist Groups"),
    (59, "Proxy Avoidance"),
    (83, "Child Abuse"),
    (8, "Other Adult Materials"),
    (11, "Gambling"),
    (13, "Nudity and Risque"),
    (14, "Pornography"),
    (57, "Marijuana"),
    (26, "Malicious Websites"),
    (61, "Phishing"),
    (86, "Spam URLs"),
)
#: Uplink ports of Cisco C9800 controllers, in the order they are cabled when the switch
#: side does not name them (C9800-L: the two 10G ports on the 0/1 module).
WLC_UPLINKS = {
    "C9800-L": ("TenGigabitEthernet0/1/0", "TenGigabitEthernet0/1/1"),
    "C9800": ("TenGigabitEthernet0/0/0", "TenGigabitEthernet0/0/1"),
}
#: The web authentication virtual address of a C9800 (TEST-NET-1, never routed).
WEBAUTH_VIRTUAL_IP = "192.0.2.1"


@dataclass(frozen=True)
class Job:
    """One artefact of one device: which template, which validator, which variables."""

    device_id: str
    kind: str  # validator: ios, vrp, fortios, routeros, kea, isapi, asterisk, yealink
    template: str  # relative to templates/
    artefact: str  # file name under build/intended/<site>/<device>/
    context: Context


@dataclass
class ContextBuilder:
    """Builds the jobs of every device; shared parts are computed once per site."""

    loaded: LoadedInventory
    policies: Policies
    resolve_env: bool = False
    problems: list[Problem] = field(default_factory=list)

    @property
    def inventory(self) -> Inventory:
        return self.loaded.inventory

    @cached_property
    def index(self) -> dict[str, Asset]:
        """Assets by id (a plain dict: the model's own index is slow to reach per call)."""
        return dict(self.loaded.inventory.index())

    @cached_property
    def vlan_index(self) -> dict[str, Vlan]:
        return dict(self.loaded.inventory.vlan_index())

    @cached_property
    def _extensions(self) -> dict[tuple[str, str], str]:
        return {(p.id, e.number): e.name for p in self.inventory.pbxs for e in p.extensions}

    @cached_property
    def _where(self) -> dict[str, tuple[str, int]]:
        out: dict[str, tuple[str, int]] = {}
        for collection in ASSET_BY_COLLECTION:
            for i, asset in enumerate(getattr(self.inventory, collection)):
                out[asset.id] = (collection, i)
        return out

    def problem(self, asset: Asset, path: tuple[str | int, ...], message: str, fix: str) -> None:
        """A problem of the inventory found while rendering, at the asset's file and line."""
        collection, index = self._where[asset.id]
        origin = self.loaded.origin(collection, index)
        self.problems.append(
            Problem(
                origin.doc.file,
                origin.line(*path),
                message,
                fix,
                f"{asset.kind.replace('_', ' ')} '{asset.id}'",
            )
        )

    # ------------------------------------------------------------------ shared
    @cached_property
    def site(self) -> Site:
        return Site(self.inventory)

    @cached_property
    def common(self) -> Context:
        inv = self.inventory
        access = self.policies.access
        index = self.index
        services = inv.site.services
        aaa = []
        for server in access.aaa_servers(services.aaa):
            asset = index.get(server.server)
            if asset is None or asset.address is None:
                continue
            aaa.append(
                {
                    "id": server.server,
                    "name": server.server.upper(),
                    "address": str(asset.address),
                    "protocol": server.protocol,
                }
            )
        mgmt_subnets = [str(v.subnet) for v in self.site.zone_vlans(access.admin_zone.value)]
        return {
            "site": {
                "id": inv.site.id,
                "name": inv.site.name,
                "domain": inv.site.domain,
                "timezone": inv.site.timezone,
            },
            "services": {
                "ntp": self._addresses(services.ntp),
                "dns": self._addresses(services.dns),
                "syslog": self._addresses([services.syslog])[0],
                "dhcp": self._addresses(services.dhcp),
                "aaa": aaa,
            },
            "access": {
                "admin_subnets": mgmt_subnets,
                "aaa_secret": access.device_aaa.shared_secret,
                "session_timeout": access.device_aaa.session_timeout_minutes,
                "local_user": access.device_aaa.local_fallback.username,
                "local_hash": access.device_aaa.local_fallback.password_hash,
                "snmp": access.snmp.model_dump(),
                "banner_tr": access.banner.tr.strip().replace("{site}", inv.site.name),
                "banner_en": access.banner.en.strip().replace("{site}", inv.site.name),
                "ipsec_psk": access.wan.ipsec_psk,
            },
            "render": {"resolve_env": self.resolve_env},
        }

    def _addresses(self, ids: list[str]) -> list[str]:
        index = self.index
        return [str(index[i].address) for i in ids if i in index and index[i].address]

    def _device(self, asset: Asset) -> Context:
        vlan = self.vlan_index.get(asset.vlan or "")
        return {
            "id": asset.id,
            "hostname": asset.host_name,
            "name": asset.name or asset.id,
            "vendor": asset.vendor,
            "model": asset.model,
            "os_version": asset.os_version,
            "building": asset.building,
            "unit": asset.unit,
            "address": str(asset.address) if asset.address else None,
            "vlan": _vlan(vlan) if vlan else None,
            "mac": asset.mac,
        }

    @cached_property
    def _acl_cache(self) -> dict[tuple[str, str | None], list[dict[str, Any]]]:
        return {}

    def acl(self, vlan: Vlan, fhrp: str | None) -> list[dict[str, Any]]:
        """The inbound ACL of a VLAN on its cores (the same on every core of the building)."""
        key = (vlan.id, fhrp)
        if key not in self._acl_cache:
            net = self.site.buildings[vlan.building]
            own = sorted(
                {self.site.core_svi_address(c, vlan) for c in net.cores}
                | ({vlan.gateway} if len(net.cores) > 1 else set())
            )
            self._acl_cache[key] = vlan_acl(self.site, self.policies.access, vlan, fhrp, own)
        return self._acl_cache[key]

    @cached_property
    def plugged_into(self) -> dict[str, list[tuple[Switch, Port]]]:
        out: dict[str, list[tuple[Switch, Port]]] = {}
        for sw in self.inventory.switches:
            for port in sw.ports:
                if port.connects:
                    out.setdefault(port.connects, []).append((sw, port))
        return out

    # ------------------------------------------------------------------ jobs
    def jobs(self, asset: Asset) -> list[Job]:
        if isinstance(asset, Switch):
            if asset.platform in (NetworkPlatform.CISCO_IOS, NetworkPlatform.HUAWEI_VRP):
                kind = "ios" if asset.platform == NetworkPlatform.CISCO_IOS else "vrp"
                return [
                    Job(
                        asset.id,
                        kind,
                        f"{asset.platform.value}/switch.cfg.j2",
                        "intended.cfg",
                        self.switch(asset),
                    )
                ]
            return []
        if isinstance(asset, Router):
            if asset.platform == NetworkPlatform.FORTIOS:
                return [
                    Job(
                        asset.id,
                        "fortios",
                        "fortios/firewall.conf.j2",
                        "intended.conf",
                        self.firewall(asset),
                    )
                ]
            if asset.platform == NetworkPlatform.ROUTEROS:
                return [
                    Job(
                        asset.id,
                        "routeros",
                        "routeros/router.rsc.j2",
                        "intended.rsc",
                        self.routeros(asset),
                    )
                ]
            return []
        if isinstance(asset, WirelessController):
            if asset.platform == NetworkPlatform.CISCO_IOS:
                return [
                    Job(
                        asset.id,
                        "ios",
                        "cisco_ios/wlc.cfg.j2",
                        "intended.cfg",
                        self.wireless_controller(asset),
                    )
                ]
            return []
        if isinstance(asset, Server) and asset.id in self.inventory.site.services.dhcp:
            if any(s.kind == ServiceKind.DHCP for s in asset.services):
                return [
                    Job(asset.id, "kea", "kea/kea-dhcp4.conf.j2", "kea-dhcp4.conf", self.kea(asset))
                ]
            return []
        if isinstance(asset, Camera) and asset.vendor.lower() == "hikvision":
            ctx = self.camera(asset)
            return [
                Job(asset.id, "isapi", f"hikvision_isapi/{name}.j2", name, ctx)
                for name in CAMERA_DOCUMENTS
            ]
        if isinstance(asset, Pbx) and asset.platform == "asterisk":
            ctx = self.pbx(asset)
            return [
                Job(asset.id, "asterisk", "asterisk/pjsip.conf.j2", "pjsip.conf", ctx),
                Job(asset.id, "asterisk", "asterisk/extensions.conf.j2", "extensions.conf", ctx),
                Job(asset.id, "yealink", "yealink/common.cfg.j2", "y000000000000.cfg", ctx),
            ]
        if isinstance(asset, Phone) and asset.vendor.lower() == "yealink" and asset.mac:
            phone_ctx = self.phone(asset)
            if phone_ctx is None:
                return []
            return [
                Job(
                    asset.id,
                    "yealink",
                    "yealink/phone.cfg.j2",
                    f"{asset.mac.replace(':', '')}.cfg",
                    phone_ctx,
                )
            ]
        return []

    # ------------------------------------------------------------------ switches
    def switch(self, sw: Switch) -> Context:
        net = self.site.buildings[sw.building]
        vlans = net.vlans
        by_zone = {v.zone: v for v in vlans}
        mgmt = self.vlan_index.get(sw.vlan or "")
        index = self.index
        ports = [self._port(sw, port, index.get(port.connects or ""), by_zone) for port in sw.ports]
        dhcp_vlans = [v.vlan_id for v in vlans if v.dhcp]
        ctx: Context = {
            **self.common,
            "device": self._device(sw),
            "role": sw.role,
            "vlans": [_vlan(v) for v in vlans],
            "mgmt_vlan": _vlan(mgmt) if mgmt else None,
            "ports": ports,
            "snooping_vlans": dhcp_vlans if sw.role == "access" else [],
            "svis": [],
            "acls": [],
            "pbr": None,
            "default_route": mgmt.gateway.compressed if mgmt else None,
            "stp_priority": 32768,
        }
        if sw.role == "core" and net.cores:
            self._core(sw, ctx)
        return ctx

    def _core(self, sw: Switch, ctx: Context) -> None:
        net = self.site.buildings[sw.building]
        position = net.cores.index(sw)
        ha = len(net.cores) > 1
        fhrp = None
        if ha:
            fhrp = "hsrp" if sw.platform == NetworkPlatform.CISCO_IOS else "vrrp"
        svis = []
        acls = []
        for vlan in net.vlans:
            acl_name = f"KENTOPS-{vlan.name.upper()}-IN"
            leg = net.legs.get(vlan.id)
            svis.append(
                {
                    **_vlan(vlan),
                    "address": str(self.site.core_svi_address(sw, vlan)),
                    "fhrp": {
                        "kind": fhrp,
                        "group": vlan.vlan_id,
                        "priority": 110 - 10 * position,
                        "virtual": str(vlan.gateway),
                    }
                    if fhrp
                    else None,
                    "acl": acl_name,
                    "helpers": self.common["services"]["dhcp"] if vlan.dhcp else [],
                    "pbr": f"KENTOPS-PBR-{vlan.name.upper()}" if leg else None,
                    "next_hop": str(leg.address) if leg else None,
                }
            )
            acls.append(
                {
                    "name": acl_name,
                    "vlan_id": vlan.vlan_id,
                    "zone": vlan.zone.value,
                    "rules": self.acl(vlan, fhrp),
                }
            )
        mgmt = self.vlan_index.get(sw.vlan or "")
        mgmt_leg = net.legs.get(mgmt.id) if mgmt else None
        any_leg = next(iter(net.legs.values()), None)
        route = mgmt_leg or any_leg
        ctx["svis"] = svis
        ctx["acls"] = acls
        ctx["pbr"] = {"local": [str(v.subnet) for v in net.vlans]} if net.legs else None
        ctx["default_route"] = str(route.address) if route else None
        ctx["stp_priority"] = 4096 * (1 + position)

    def _port(
        self, sw: Switch, port: Port, target: Asset | None, by_zone: dict[Zone, Vlan]
    ) -> Context:
        vlans = self.site.buildings[sw.building].vlans
        all_ids = [v.vlan_id for v in vlans]
        description = port.description or (
            f"{target.id} {target.kind}" if target is not None else None
        )
        out: Context = {
            "name": port.name,
            "description": description,
            "connects": target.id if target else None,
            "connects_kind": target.kind if target else None,
            "mode": "shutdown",
            "access_vlan": None,
            "voice_vlan": None,
            "native_vlan": None,
            "allowed": [],
            "trusted": False,
            "max_macs": 1,
        }
        if port.mode == "shutdown":
            return out
        forced = self.vlan_index.get(port.vlan or "")
        if port.mode == "trunk" or (port.mode == "auto" and _trunk_target(target)):
            out["mode"] = "trunk"
            out["allowed"] = self._trunk_vlans(sw, target, all_ids)
            if isinstance(target, AccessPoint) and target.vlan:
                own = self.vlan_index.get(target.vlan)
                out["native_vlan"] = own.vlan_id if own else None
            out["trusted"] = isinstance(target, Switch | Router)
            return out
        if target is None and forced is None:
            return out  # nothing plugged in: the port stays shut
        vlan = forced
        if vlan is None and target is not None:
            vlan = self.vlan_index.get(target.vlan or "")
            if vlan is None and target.kind in DEFAULT_ZONE:
                vlan = by_zone.get(DEFAULT_ZONE[target.kind])
            if vlan is None:
                vlan = by_zone.get(Zone.USERS)
        if vlan is None or vlan.building != sw.building:
            self.problem(
                sw,
                ("ports", sw.ports.index(port)),
                f"port {port.name}: no VLAN of building '{sw.building}' for '{port.connects}'",
                "give the port a 'vlan:' or the asset a VLAN",
            )
            return out
        if isinstance(target, Phone):
            data = by_zone.get(Zone.USERS)
            out["mode"] = "phone"
            out["access_vlan"] = data.vlan_id if data else vlan.vlan_id
            out["voice_vlan"] = vlan.vlan_id if data else None
            out["max_macs"] = 3
            return out
        out["mode"] = "access"
        out["access_vlan"] = vlan.vlan_id
        return out

    def _trunk_vlans(self, sw: Switch, target: Asset | None, all_ids: list[int]) -> list[int]:
        inv = self.inventory
        vlan_index = self.vlan_index
        net = self.site.buildings[sw.building]
        if isinstance(target, AccessPoint):
            ids: set[int] = set()
            if target.vlan and target.vlan in vlan_index:
                ids.add(vlan_index[target.vlan].vlan_id)
            controller = self.index.get(target.controller)
            if isinstance(controller, WirelessController):
                for ssid in controller.ssids:
                    vlan = next((v for v in net.vlans if v.zone == ssid.vlan_zone), None)
                    if vlan is not None:
                        ids.add(vlan.vlan_id)
            return sorted(ids)
        if isinstance(target, Router) and target.building == sw.building:
            legs = [
                vlan_index[i.vlan].vlan_id
                for i in target.interfaces
                if i.vlan and i.vlan in vlan_index
            ]
            return sorted(set(legs)) or all_ids
        if isinstance(target, Server):
            wanted = {target.vlan} if target.vlan else set()
            guests = {s.id for s in inv.servers if s.hypervisor == target.id}
            wanted |= {s.vlan for s in inv.servers if s.id in guests and s.vlan}
            wanted |= {p.vlan for p in inv.pbxs if p.host in guests and p.vlan}
            found = sorted(
                vlan_index[v].vlan_id
                for v in wanted
                if v and v in vlan_index and vlan_index[v].building == sw.building
            )
            return found or all_ids
        if isinstance(target, WirelessController):
            # Access points switch client traffic locally (FlexConnect), so the controller's
            # trunk carries its own management VLAN only.
            own = vlan_index.get(target.vlan or "")
            if own is not None and own.building == sw.building:
                return [own.vlan_id]
        return all_ids

    # ------------------------------------------------------------------ firewalls, routers
    def _router_net(self, router: Router) -> Context:
        inv = self.inventory
        net = self.site.buildings[router.building]
        hub_id = hub_building(self.site)
        hub = self.site.buildings.get(hub_id or "")
        vlan_index = self.vlan_index
        legs = []
        mgmt_vlan = vlan_index.get(router.vlan or "")
        for iface in router.interfaces:
            if iface.vlan is None or iface.vlan not in vlan_index:
                continue
            vlan = vlan_index[iface.vlan]
            leg = net.legs.get(vlan.id)
            address = leg.address if leg else vlan.gateway
            legs.append(
                {
                    **_vlan(vlan),
                    "interface": iface.name,
                    "address": str(address),
                    "gateway": bool(leg and leg.gateway),
                    "mgmt": mgmt_vlan is not None and vlan.id == mgmt_vlan.id,
                    "relay": self.common["services"]["dhcp"]
                    if vlan.dhcp and leg and leg.gateway
                    else [],
                    "filtered": vlan.zone in FILTERED_ZONES,
                    "dns_proxy": self.gateway_resolver(vlan) is not None,
                }
            )
        building = next(b for b in inv.buildings if b.id == router.building)
        wans = []
        for iface in router.interfaces:
            if iface.wan is None:
                continue
            uplink = building.uplinks[iface.wan] if iface.wan < len(building.uplinks) else None
            wans.append(
                {
                    "interface": iface.name,
                    "address": str(iface.address) if iface.address else None,
                    "gateway": _wan_gateway(iface.address) if iface.address else None,
                    "uplink": uplink.type.value if uplink else None,
                    "provider": uplink.provider if uplink else None,
                    "circuit": uplink.circuit_id if uplink else None,
                }
            )
        is_hub = hub is not None and hub.id == net.id
        hub_router = hub.primary_router if hub is not None else None
        hub_wan = None
        if hub_router is not None:
            hub_wan = next(
                (
                    str(i.address.ip)
                    for i in hub_router.interfaces
                    if i.wan is not None and i.address is not None
                ),
                None,
            )
        mgmt_leg = next((leg for leg in legs if leg["mgmt"]), None)
        peer = router.ha_peer
        ha = None
        if peer is not None:
            members = sorted([router.id, peer])
            ha = {
                "group": _ha_group(members[0]),
                "peer": peer,
                "priority": 200 if members[0] == router.id else 100,
            }
        own_subnets = [str(v.subnet) for v in net.vlans if v.id in net.legs]
        return {
            "legs": legs,
            "wans": wans,
            "mgmt": {
                "address": str(router.address) if router.address else None,
                "subnet": str(mgmt_vlan.subnet) if mgmt_vlan else None,
                "gateway": str(mgmt_vlan.gateway) if mgmt_vlan else None,
                "on_leg": mgmt_leg["interface"] if mgmt_leg and ha is None else None,
            },
            "ha": ha,
            "tunnel": {
                "role": "hub" if is_hub else "spoke",
                "name": TUNNEL_HUB if is_hub else TUNNEL_SPOKE,
                "remote_gw": None if is_hub else hub_wan,
                "local_subnets": own_subnets,
                "internal": [str(n) for n in self.site.internal_space],
            }
            if hub is not None and (is_hub or hub_wan)
            else None,
            "core_routed": net.core_routed,
        }

    def firewall(self, router: Router) -> Context:
        compiled = firewall_policy(self.site, self.policies.access, router)
        wanted_vips = self._public_hosts(router)
        if len(compiled["vips"]) < len(wanted_vips):
            self.problem(
                router,
                ("interfaces",),
                f"{len(compiled['vips'])} public (WAN) addresses for "
                f"{len(wanted_vips)} hosts the internet may reach",
                "give the firewall another WAN address or reduce the internet flows",
            )
        flows = {flow.id: flow for flow in self.policies.access.flows}
        filtered_zones = {zone.value for zone in FILTERED_ZONES}
        # the site DNS servers are the filtering resolvers: their own lookups on the
        # internet go through the DNS filter, so whoever asks them is filtered too
        resolver_zones = {
            vlan.zone.value
            for address in self._dns_servers
            if (vlan := self.site.vlan_of(address)) is not None
        }
        policies = []
        for policy in compiled["policies"]:
            source = flows[policy["flow"]].from_
            outbound = bool(policy["nat"])
            utm = outbound and source in filtered_zones
            resolver = (
                outbound and not utm and source in resolver_zones and "k-dns" in policy["service"]
            )
            policies.append({**policy, "utm": utm, "resolver": resolver})
        net = self._router_net(router)
        proxies = [leg["interface"] for leg in net["legs"] if leg["dns_proxy"]]
        return {
            **self.common,
            "device": self._device(router),
            **net,
            "fw": {**compiled, "policies": policies},
            "content_filter": {
                "profile": FILTER_PROFILE,
                "categories": [{"id": i, "name": name} for i, name in FILTER_CATEGORIES],
                "used": bool(proxies) or any(p["utm"] or p["resolver"] for p in policies),
                "dns_proxy": proxies,
            },
        }

    # ------------------------------------------------------------------ content filter
    @cached_property
    def _dns_servers(self) -> list[IPv4Address]:
        index = self.index
        out = []
        for server_id in self.inventory.site.services.dns:
            asset = index.get(server_id)
            if asset is not None and asset.address is not None:
                out.append(asset.address)
        return out

    @cached_property
    def _dns_reach(self) -> dict[str, bool]:
        return {}

    def reaches_site_dns(self, zone: str) -> bool:
        """True when the access policy lets ``zone`` ask every site DNS server (udp and tcp 53)."""
        if zone not in self._dns_reach:
            policy = self.policies.access
            site = self.site
            specs = [
                (flow, flow_ports(policy, flow)) for flow in policy.flows if flow.from_ == zone
            ]
            self._dns_reach[zone] = bool(self._dns_servers) and all(
                any(
                    site.end_contains(flow.to, address)
                    and any(s.protocol == proto and s.low <= 53 <= s.high for s in ports)
                    for flow, ports in specs
                )
                for address in self._dns_servers
                for proto in ("udp", "tcp")
            )
        return self._dns_reach[zone]

    def gateway_resolver(self, vlan: Vlan) -> str | None:
        """The resolver of a filtered VLAN whose zone may not ask the site DNS servers.

        Guests (and kiosks) may not reach the domain controllers, so their DNS is answered by
        the building's firewall or router on its leg in the VLAN: a FortiGate DNS proxy with
        the DNS filter, or the RouterOS resolver, both asking only the site DNS servers.
        None when the zone asks the site DNS servers itself, or no such device routes it.
        """
        if vlan.zone not in FILTERED_ZONES or self.reaches_site_dns(vlan.zone.value):
            return None
        net = self.site.buildings.get(vlan.building)
        if net is None or net.primary_router is None or vlan.id not in net.legs:
            return None
        if net.primary_router.platform not in (NetworkPlatform.FORTIOS, NetworkPlatform.ROUTEROS):
            return None
        return str(net.legs[vlan.id].address)

    def _public_hosts(self, router: Router) -> list[str]:
        hosts = []
        for flow in self.policies.access.flows:
            if flow.from_ != "internet":
                continue
            for host in self.site.service_hosts(flow.to):
                vlan = self.site.vlan_by_id[host.vlan]
                if vlan.building == router.building and host.asset not in hosts:
                    hosts.append(host.asset)
        return hosts

    def routeros(self, router: Router) -> Context:
        compiled = router_filter(self.site, self.policies.access, router)
        net = self._router_net(router)
        dns = [str(a) for a in self._dns_servers]
        legs = []
        for leg in net["legs"]:
            if not leg["filtered"]:
                continue
            # A zone that may ask the site DNS servers has its other DNS sent there (the
            # resolver sees the client); any other zone is answered by the router itself.
            mode = "dstnat" if dns and self.reaches_site_dns(leg["zone"]) else "redirect"
            legs.append({"interface": leg["interface"], "zone": leg["zone"], "mode": mode})
        return {
            **self.common,
            "device": self._device(router),
            **net,
            "fw": compiled,
            "content_filter": {
                "dns_servers": dns,
                "legs": legs,
                "resolver": any(leg["mode"] == "redirect" for leg in legs),
            },
        }

    # ------------------------------------------------------------------ wireless
    def wireless_controller(self, wlc: WirelessController) -> Context:
        """A Cisco C9800: its management plane like a switch's, and the WLANs of its SSIDs.

        Access points switch client traffic locally (FlexConnect): each building gets a flex
        profile mapping the SSIDs' zones to its own VLAN ids, a site tag and a policy tag with
        the SSIDs its VLANs can carry; every access point is tagged by its MAC address.
        """
        mgmt = self.vlan_index.get(wlc.vlan or "")
        radius = [s for s in self.common["services"]["aaa"] if s["protocol"] == "radius"]
        if not radius:
            self.problem(
                wlc,
                ("ssids",),
                "no RADIUS server among the site's AAA servers for 802.1X and web login",
                "name a RADIUS server in site.yml services.aaa",
            )
        if mgmt is None:
            self.problem(
                wlc, ("vlan",), "the controller has no management VLAN", "give it a 'vlan:'"
            )
        wlans: list[Context] = []
        for number, ssid in enumerate(wlc.ssids, start=1):
            if not _SSID.fullmatch(ssid.name):
                self.problem(
                    wlc,
                    ("ssids", number - 1, "name"),
                    f"SSID '{ssid.name}' has characters the C9800 CLI cannot take as one word "
                    "(spaces, non-ASCII letters, '?' asks for help, quotes)",
                    "use ASCII letters, digits, '-', '_' and '.' in the SSID name",
                )
            wlans.append(
                {
                    "id": number,
                    "profile": ssid.id,
                    "ssid": ssid.name,
                    "zone": ssid.vlan_zone.value,
                    "security": ssid.security,
                    "hidden": ssid.hidden,
                    "policy": f"KENTOPS-{ssid.id.upper()}",
                    "guest": ssid.security == "open-captive-portal",
                }
            )
        aps = [
            ap
            for ap in self.inventory.access_points
            if ap.controller == wlc.id and ap.mac is not None
        ]
        sites = []
        for building in sorted({ap.building for ap in aps}):
            net = self.site.buildings.get(building)
            if net is None:
                continue
            by_zone = {v.zone.value: v for v in net.vlans}
            own = [ap for ap in aps if ap.building == building]
            native = self.vlan_index.get(own[0].vlan or "")
            served = [w for w in wlans if w["zone"] in by_zone]
            tag = f"KENTOPS-{building.upper()}"
            sites.append(
                {
                    "building": building,
                    "tag": tag,
                    "native_vlan": native.vlan_id if native else None,
                    "vlans": [
                        {"name": zone, "vlan_id": by_zone[zone].vlan_id}
                        for zone in dict.fromkeys(w["zone"] for w in served)
                    ],
                    "wlans": [w["profile"] for w in served],
                    "aps": [{"id": ap.id, "mac": _cisco_mac(ap.mac or "")} for ap in own],
                }
            )
        facing = [
            (sw, port)
            for sw in self.inventory.switches
            for port in sw.ports
            if port.connects == wlc.id and port.mode != "shutdown"
        ]
        defaults = next(
            (ports for prefix, ports in WLC_UPLINKS.items() if wlc.model.startswith(prefix)),
            WLC_UPLINKS["C9800"],
        )
        uplinks = []
        for n, (sw, port) in enumerate(facing or [(None, None)]):
            name = (port.remote_port if port else None) or defaults[min(n, len(defaults) - 1)]
            uplinks.append(
                {
                    "name": name,
                    "description": f"{sw.id} {port.name}" if sw and port else "uplink",
                    # one uplink carries the management VLAN; a second one waits, shut, for
                    # a port-channel on both sides (two trunks without one would loop)
                    "active": n == 0,
                }
            )
        return {
            **self.common,
            "device": self._device(wlc),
            "mgmt_vlan": _vlan(mgmt) if mgmt else None,
            "default_route": str(mgmt.gateway) if mgmt else None,
            "uplinks": uplinks,
            "radius": radius,
            "wlans": wlans,
            "sites": sites,
            "webauth_ip": WEBAUTH_VIRTUAL_IP,
        }

    # ------------------------------------------------------------------ DHCP (Kea)
    def kea(self, server: Server) -> Context:
        site = self.site
        used = {a.address for a in self.inventory.assets() if a.address is not None}
        used |= set(site.derived_addresses())
        subnets = []
        for vlan in site.vlans:
            if not vlan.dhcp:
                continue
            pool = _pool(vlan.subnet, used | {vlan.gateway})
            if pool is None:
                self.problem(
                    server,
                    ("services",),
                    f"VLAN '{vlan.id}' has no free range for a DHCP pool",
                    "use a larger subnet or free some addresses",
                )
                continue
            guest = vlan.zone == Zone.GUEST
            resolver = self.gateway_resolver(vlan)
            subnets.append(
                {
                    **_vlan(vlan),
                    "kea_id": int(vlan.subnet.network_address),
                    "pool": [str(pool[0]), str(pool[1])],
                    "lifetime": 3600 if guest else 28800,
                    "dns": [resolver] if resolver else self.common["services"]["dns"],
                    "ntp": self.common["services"]["ntp"],
                    "guest": guest,
                }
            )
        return {**self.common, "device": self._device(server), "subnets": subnets}

    # ------------------------------------------------------------------ cameras
    def camera(self, camera: Camera) -> Context:
        vlan = self.vlan_index.get(camera.vlan or "")
        nvr = self.index.get(camera.nvr)
        creds = self.policies.access.endpoints
        tz = HIKVISION_TZ.get(self.inventory.site.timezone, "CST-3:00:00")
        return {
            "site": self.common["site"],
            "services": {
                "ntp": self.common["services"]["ntp"],
                "dns": self.common["services"]["dns"],
            },
            "render": self.common["render"],
            "device": self._device(camera),
            "camera": {
                "location": camera.location,
                "netmask": str(vlan.subnet.netmask) if vlan else None,
                "gateway": str(vlan.gateway) if vlan else None,
                "timezone": tz,
                "nvr": nvr.id if isinstance(nvr, Nvr) else None,
                "nvr_address": str(nvr.address) if isinstance(nvr, Nvr) and nvr.address else None,
            },
            "credentials": {
                "admin_password": creds.camera_admin_password,
                "operator_user": creds.camera_operator_user,
                "operator_password": creds.camera_operator_password,
                "onvif_user": creds.camera_onvif_user,
                "onvif_password": creds.camera_onvif_password,
            },
        }

    # ------------------------------------------------------------------ telephony
    @cached_property
    def _phones_by_pbx(self) -> dict[str, dict[str, Phone]]:
        out: dict[str, dict[str, Phone]] = {}
        for phone in self.inventory.phones:
            out.setdefault(phone.pbx, {})[phone.extension] = phone
        return out

    def pbx(self, pbx: Pbx) -> Context:
        phones = self._phones_by_pbx.get(pbx.id, {})
        voice_subnets = [str(v.subnet) for v in self.site.zone_vlans("voice")]
        extensions = []
        for ext in pbx.extensions:
            phone = phones.get(ext.number)
            extensions.append(
                {
                    "number": ext.number,
                    "name": ext.name,
                    "unit": ext.unit,
                    "phone": phone.id if phone else None,
                    "mac": phone.mac if phone else None,
                }
            )
        return {
            "site": self.common["site"],
            "services": {
                "ntp": self.common["services"]["ntp"],
                "dns": self.common["services"]["dns"],
            },
            "render": self.common["render"],
            "device": self._device(pbx),
            "pbx": {
                "sip_domain": pbx.sip_domain,
                "extensions": extensions,
                "voice_subnets": voice_subnets,
                "trunks": pbx.trunks,
                "provisioning_url": f"https://{pbx.address}/provisioning/" if pbx.address else None,
            },
            "credentials": {
                "sip_password": self.policies.access.endpoints.sip_password,
                "phone_admin_password": self.policies.access.endpoints.phone_admin_password,
            },
            "phone_tz": list(YEALINK_TZ.get(self.inventory.site.timezone, ("+3", "Turkey"))),
        }

    def phone(self, phone: Phone) -> Context | None:
        pbx = self.index.get(phone.pbx)
        if not isinstance(pbx, Pbx) or pbx.address is None:
            return None
        label = self._extensions.get((pbx.id, phone.extension))
        vlan = self.vlan_index.get(phone.vlan or "")
        return {
            "site": self.common["site"],
            "services": {"ntp": self.common["services"]["ntp"]},
            "render": self.common["render"],
            "device": self._device(phone),
            "phone": {
                "extension": phone.extension,
                "label": label or phone.extension,
                "voice_vlan": vlan.vlan_id if vlan else None,
            },
            "pbx": {
                "id": pbx.id,
                "address": str(pbx.address),
                "sip_domain": pbx.sip_domain,
                "provisioning_url": f"https://{pbx.address}/provisioning/",
            },
            "credentials": {
                "sip_password": self.policies.access.endpoints.sip_password,
                "phone_admin_password": self.policies.access.endpoints.phone_admin_password,
            },
            "phone_tz": list(YEALINK_TZ.get(self.inventory.site.timezone, ("+3", "Turkey"))),
        }


CAMERA_DOCUMENTS: tuple[str, ...] = (
    "time.xml",
    "ntpServers.xml",
    "ipAddress.xml",
    "users.xml",
    "onvifUsers.xml",
    "upnp.xml",
    "ezviz.xml",
    "telnetd.xml",
    "ssh.xml",
    "integrate.xml",
)


#: What a C9800 takes as an SSID in one CLI word.
_SSID = re.compile(r"[A-Za-z0-9_.-]{1,32}")


def _vlan(vlan: Vlan) -> Context:
    return {
        "id": vlan.id,
        "vlan_id": vlan.vlan_id,
        "name": vlan.name,
        "zone": vlan.zone.value,
        "subnet": str(vlan.subnet),
        "gateway": str(vlan.gateway),
        "dhcp": vlan.dhcp,
    }


def _cisco_mac(mac: str) -> str:
    """aa:bb:cc:dd:ee:ff -> aabb.ccdd.eeff (the notation IOS-XE prints and accepts)."""
    digits = mac.replace(":", "").replace("-", "").replace(".", "").lower()
    return ".".join(digits[i : i + 4] for i in range(0, 12, 4))


def _trunk_target(target: Asset | None) -> bool:
    return isinstance(target, Switch | Router | WirelessController | AccessPoint)


def _ha_group(first: str) -> int:
    """A stable HA group number (1-255) from the name of the pair's first member."""
    return sum(first.encode()) % 255 + 1


def _pool(subnet: IPv4Network, used: set[IPv4Address]) -> tuple[IPv4Address, IPv4Address] | None:
    """The longest run of free addresses between host 10 and the last 6 of the subnet."""
    start = subnet.network_address + 10
    end = subnet.broadcast_address - 6
    best: tuple[IPv4Address, IPv4Address] | None = None
    run_start: IPv4Address | None = None
    address = start
    while address <= end:
        if address in used:
            if run_start is not None:
                best = _longer(best, (run_start, address - 1))
                run_start = None
        elif run_start is None:
            run_start = address
        address += 1
    if run_start is not None:
        best = _longer(best, (run_start, end))
    return best


def _longer(
    a: tuple[IPv4Address, IPv4Address] | None, b: tuple[IPv4Address, IPv4Address]
) -> tuple[IPv4Address, IPv4Address]:
    if a is None or int(b[1]) - int(b[0]) > int(a[1]) - int(a[0]):
        return b
    return a


def _wan_gateway(address: IPv4Interface) -> str:
    """The provider's side of a WAN link: the other host of a /30, else the first host."""
    net = address.network
    first, second = net.network_address + 1, net.network_address + 2
    if net.prefixlen >= 30:
        return str(second if address.ip == first else first)
    return str(first if address.ip != first else second)
