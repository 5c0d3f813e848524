"""Cross-reference checks: what the schema alone cannot see.

Every check names the object, the problem and the fix, at the line of the offending field.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from ipaddress import IPv4Address
from pathlib import Path

from kentops.inventory import model as m
from kentops.inventory.loaded import LoadedInventory, Origin
from kentops.yamlsource import Problem

# Which zone an asset kind must sit in, when it has an address.
REQUIRED_ZONE: dict[str, tuple[m.Zone, ...]] = {
    "camera": (m.Zone.CAMERAS,),
    "nvr": (m.Zone.CAMERAS,),
    "phone": (m.Zone.VOICE,),
    "scada": (m.Zone.SCADA,),
}
# Which service kinds make a server fit for a central role.
ROLE_SERVICES: dict[str, tuple[m.ServiceKind, ...]] = {
    "ntp": (m.ServiceKind.NTP,),
    "dns": (m.ServiceKind.DNS,),
    "syslog": (m.ServiceKind.SYSLOG, m.ServiceKind.LOG5651),
    "dhcp": (m.ServiceKind.DHCP,),
    "aaa": (m.ServiceKind.RADIUS,),
}


class _Checker:
    def __init__(self, loaded: LoadedInventory) -> None:
        self.loaded = loaded
        self.inv = loaded.inventory
        self.problems: list[Problem] = []
        self.buildings = {b.id: b for b in self.inv.buildings}
        self.units = {u.id for u in self.inv.site.units}
        self.vlans = {v.id: v for v in self.inv.vlans}
        self.assets: dict[str, m.Asset] = {}

    def add(
        self, origin: Origin, field: tuple[str | int, ...], subject: str, message: str, fix: str
    ) -> None:
        self.problems.append(Problem(origin.doc.file, origin.line(*field), message, fix, subject))

    def objects(self, collection: str) -> Iterator[tuple[int, Origin]]:
        for index, _ in enumerate(getattr(self.inv, collection)):
            yield index, self.loaded.origin(collection, index)

    # ------------------------------------------------------------ identity
    def unique_ids(self) -> None:
        for collection, label in (("buildings", "building"), ("vlans", "VLAN")):
            seen: dict[str, Origin] = {}
            for obj, (_, origin) in zip(
                getattr(self.inv, collection), self.objects(collection), strict=True
            ):
                if obj.id in seen:
                    self.add(
                        origin,
                        ("id",),
                        f"{label} '{obj.id}'",
                        "duplicate id",
                        f"ids must be unique; the first is at {_at(seen[obj.id])}",
                    )
                else:
                    seen[obj.id] = origin
        unit_seen: set[str] = set()
        site_origin = self.loaded.origin("site", 0)
        for i, unit in enumerate(self.inv.site.units):
            if unit.id in unit_seen:
                self.add(
                    site_origin,
                    ("units", i, "id"),
                    f"unit '{unit.id}'",
                    "duplicate unit id",
                    "give each unit its own id",
                )
            unit_seen.add(unit.id)
        first: dict[str, Origin] = {}
        names: dict[str, tuple[str, Origin]] = {}
        for collection in m.ASSET_BY_COLLECTION:
            for asset, (_, origin) in zip(
                getattr(self.inv, collection), self.objects(collection), strict=True
            ):
                subject = _subject(asset)
                if asset.id in first:
                    self.add(
                        origin,
                        ("id",),
                        subject,
                        "duplicate id",
                        f"asset ids must be unique; the first is at {_at(first[asset.id])}",
                    )
                    continue
                first[asset.id] = origin
                self.assets[asset.id] = asset
                host = asset.host_name
                if host in names and names[host][0] != asset.id:
                    self.add(
                        origin,
                        ("hostname",),
                        subject,
                        f"duplicate hostname '{host}'",
                        f"'{names[host][0]}' already uses it; choose another hostname",
                    )
                else:
                    names[host] = (asset.id, origin)

    # ------------------------------------------------------------ addressing
    def vlans_and_subnets(self) -> None:
        per_building: dict[tuple[str, int], str] = {}
        names: dict[tuple[str, str], str] = {}
        ordered = sorted(
            ((v.subnet, i) for i, v in enumerate(self.inv.vlans)),
            key=lambda pair: (int(pair[0].network_address), -pair[0].prefixlen),
        )
        for vlan, (_, origin) in zip(self.inv.vlans, self.objects("vlans"), strict=True):
            subject = f"VLAN '{vlan.id}'"
            if vlan.building not in self.buildings:
                self.add(
                    origin,
                    ("building",),
                    subject,
                    f"unknown building '{vlan.building}'",
                    "use an id from buildings.yml or add the building",
                )
            if vlan.gateway not in vlan.subnet or vlan.gateway in (
                vlan.subnet.network_address,
                vlan.subnet.broadcast_address,
            ):
                self.add(
                    origin,
                    ("gateway",),
                    subject,
                    f"gateway {vlan.gateway} is outside its subnet {vlan.subnet}",
                    "use a host address of the subnet as the gateway",
                )
            key = (vlan.building, vlan.vlan_id)
            if key in per_building:
                self.add(
                    origin,
                    ("vlan_id",),
                    subject,
                    f"VLAN number {vlan.vlan_id} already used in building '{vlan.building}' "
                    f"by '{per_building[key]}'",
                    "choose a free VLAN number",
                )
            else:
                per_building[key] = vlan.id
            name_key = (vlan.building, vlan.name)
            if name_key in names:
                self.add(
                    origin,
                    ("name",),
                    subject,
                    f"VLAN name '{vlan.name}' already used in "
                    f"building '{vlan.building}' by '{names[name_key]}'",
                    "choose another name",
                )
            else:
                names[name_key] = vlan.id
        # Overlapping subnets: sorted by start, a subnet overlaps the widest one before it if
        # that one reaches past its start. Each pair is reported once, at the VLAN written
        # later (usually the one just added).
        reach: tuple[int, int] | None = None  # (broadcast as int, index)
        for subnet, index in ordered:
            if reach is not None and int(subnet.network_address) <= reach[0]:
                first, later = sorted((reach[1], index))
                other = self.inv.vlans[first]
                here = self.inv.vlans[later]
                self.add(
                    self.loaded.origin("vlans", later),
                    ("subnet",),
                    f"VLAN '{here.id}'",
                    f"subnet {here.subnet} overlaps {other.subnet} of VLAN '{other.id}'",
                    "give each VLAN its own, non-overlapping subnet",
                )
            if reach is None or int(subnet.broadcast_address) > reach[0]:
                reach = (int(subnet.broadcast_address), index)

    def asset_references(self) -> None:
        seen_ip: dict[IPv4Address, str] = {}
        for vlan in self.inv.vlans:
            seen_ip[vlan.gateway] = f"the gateway of VLAN '{vlan.id}'"
        seen_mac: dict[str, str] = {}
        for collection in m.ASSET_BY_COLLECTION:
            for asset, (_, origin) in zip(
                getattr(self.inv, collection), self.objects(collection), strict=True
            ):
                self._asset(asset, origin, seen_ip, seen_mac)

    def _asset(
        self,
        asset: m.Asset,
        origin: Origin,
        seen_ip: dict[IPv4Address, str],
        seen_mac: dict[str, str],
    ) -> None:
        subject = _subject(asset)
        if asset.building not in self.buildings:
            self.add(
                origin,
                ("building",),
                subject,
                f"unknown building '{asset.building}'",
                "use an id from buildings.yml or add the building",
            )
        if asset.unit not in self.units:
            self.add(
                origin,
                ("unit",),
                subject,
                f"unknown unit '{asset.unit}'",
                f"use one of the site's units: {', '.join(sorted(self.units))}",
            )
        if asset.ups is not None and not isinstance(self.assets.get(asset.ups), m.Ups):
            self.add(
                origin,
                ("ups",),
                subject,
                f"'{asset.ups}' is not a UPS of the inventory",
                "name a UPS id from the upses collection",
            )
        if asset.mac is not None:
            if asset.mac in seen_mac:
                self.add(
                    origin,
                    ("mac",),
                    subject,
                    f"duplicate MAC {asset.mac}",
                    f"'{seen_mac[asset.mac]}' already has it; check the label on the device",
                )
            else:
                seen_mac[asset.mac] = asset.id
        self._addressing(asset, origin, subject, seen_ip)

    def _addressing(
        self, asset: m.Asset, origin: Origin, subject: str, seen_ip: dict[IPv4Address, str]
    ) -> None:
        if (asset.address is None) != (asset.vlan is None):
            missing = "vlan" if asset.vlan is None else "address"
            self.add(
                origin,
                ("address" if asset.address is not None else "vlan",),
                subject,
                f"an address needs its VLAN and a VLAN needs an address ('{missing}' missing)",
                f"add '{missing}:' or remove the other",
            )
            return
        if asset.address is None or asset.vlan is None:
            return
        vlan = self.vlans.get(asset.vlan)
        if vlan is None:
            self.add(
                origin,
                ("vlan",),
                subject,
                f"unknown VLAN '{asset.vlan}'",
                "use a VLAN id from vlans.yml",
            )
            return
        if vlan.building != asset.building:
            self.add(
                origin,
                ("vlan",),
                subject,
                f"VLAN '{vlan.id}' belongs to building '{vlan.building}', not '{asset.building}'",
                f"use a VLAN of building '{asset.building}'",
            )
        if asset.address not in vlan.subnet or asset.address in (
            vlan.subnet.network_address,
            vlan.subnet.broadcast_address,
        ):
            self.add(
                origin,
                ("address",),
                subject,
                f"{asset.address} is outside VLAN '{vlan.id}' ({vlan.subnet})",
                "change the address or the VLAN",
            )
        if asset.address in seen_ip:
            self.add(
                origin,
                ("address",),
                subject,
                f"duplicate IP {asset.address}",
                f"{seen_ip[asset.address]} already has it; choose a free address",
            )
        else:
            seen_ip[asset.address] = f"'{asset.id}'"
        zones = REQUIRED_ZONE.get(asset.kind)
        if zones and vlan.zone not in zones:
            self.add(
                origin,
                ("vlan",),
                subject,
                f"a {asset.kind} must be in a {'/'.join(zones)} zone, "
                f"but VLAN '{vlan.id}' is in zone '{vlan.zone}'",
                f"move it to the {zones[0]} VLAN of its building",
            )

    # ------------------------------------------------------------ kind-specific
    def kinds(self) -> None:
        self._switch_ports()
        self._routers()
        self._cameras()
        self._voice()
        self._others()

    def _switch_ports(self) -> None:
        for sw, (_, origin) in zip(self.inv.switches, self.objects("switches"), strict=True):
            subject = _subject(sw)
            ports: dict[str, int] = {}
            for i, port in enumerate(sw.ports):
                if port.name in ports:
                    self.add(
                        origin,
                        ("ports", i, "name"),
                        subject,
                        f"port {port.name} is assigned twice "
                        f"(also at line {origin.line('ports', ports[port.name])})",
                        "merge the two entries or correct the port name",
                    )
                    continue
                ports[port.name] = i
                if port.connects is not None and port.connects not in self.assets:
                    self.add(
                        origin,
                        ("ports", i, "connects"),
                        subject,
                        f"port {port.name} connects unknown asset '{port.connects}'",
                        "use an asset id of the inventory",
                    )
                if port.vlan is not None:
                    vlan = self.vlans.get(port.vlan)
                    if vlan is None:
                        self.add(
                            origin,
                            ("ports", i, "vlan"),
                            subject,
                            f"port {port.name}: unknown VLAN '{port.vlan}'",
                            "use a VLAN id from vlans.yml",
                        )
                    elif vlan.building != sw.building:
                        self.add(
                            origin,
                            ("ports", i, "vlan"),
                            subject,
                            f"port {port.name}: VLAN '{vlan.id}' is in building '{vlan.building}'",
                            f"use a VLAN of building '{sw.building}'",
                        )
        plugged: dict[str, str] = {}
        for sw, (_, origin) in zip(self.inv.switches, self.objects("switches"), strict=True):
            for i, port in enumerate(sw.ports):
                target = self.assets.get(port.connects or "")
                if target is None or isinstance(target, m.Switch | m.Router | m.Server):
                    continue  # uplinks and bonded servers legitimately use several ports
                where = f"{sw.id} {port.name}"
                if target.id in plugged:
                    self.add(
                        origin,
                        ("ports", i, "connects"),
                        _subject(sw),
                        f"'{target.id}' is plugged in twice (also at {plugged[target.id]})",
                        "a device has one access port; remove one entry",
                    )
                else:
                    plugged[target.id] = where

    def _routers(self) -> None:
        for router, (_, origin) in zip(self.inv.routers, self.objects("routers"), strict=True):
            subject = _subject(router)
            building = self.buildings.get(router.building)
            for i, iface in enumerate(router.interfaces):
                if iface.vlan is not None and iface.vlan not in self.vlans:
                    self.add(
                        origin,
                        ("interfaces", i, "vlan"),
                        subject,
                        f"interface {iface.name}: unknown VLAN '{iface.vlan}'",
                        "use a VLAN id from vlans.yml",
                    )
                if (
                    iface.wan is not None
                    and building is not None
                    and iface.wan >= len(building.uplinks)
                ):
                    self.add(
                        origin,
                        ("interfaces", i, "wan"),
                        subject,
                        f"interface {iface.name}: building '{building.id}' has no uplink "
                        f"number {iface.wan}",
                        f"use 0..{len(building.uplinks) - 1}",
                    )
            if router.ha_peer is not None and not isinstance(
                self.assets.get(router.ha_peer), m.Router
            ):
                self.add(
                    origin,
                    ("ha_peer",),
                    subject,
                    f"unknown HA peer '{router.ha_peer}'",
                    "name another router/firewall of the inventory",
                )

    def _cameras(self) -> None:
        load: Counter[str] = Counter()
        for cam, (_, origin) in zip(self.inv.cameras, self.objects("cameras"), strict=True):
            nvr = self.assets.get(cam.nvr)
            if not isinstance(nvr, m.Nvr):
                self.add(
                    origin,
                    ("nvr",),
                    _subject(cam),
                    f"unknown NVR '{cam.nvr}'",
                    "name an NVR id from the nvrs collection",
                )
            else:
                load[nvr.id] += 1
        for nvr, (_, origin) in zip(self.inv.nvrs, self.objects("nvrs"), strict=True):
            if load[nvr.id] > nvr.channels:
                self.add(
                    origin,
                    ("channels",),
                    _subject(nvr),
                    f"{load[nvr.id]} cameras record to it but it has {nvr.channels} channels",
                    "add channels (licence) or move cameras to another NVR",
                )

    def _voice(self) -> None:
        extensions: dict[str, dict[str, int]] = {}
        for pbx, (_, origin) in zip(self.inv.pbxs, self.objects("pbxs"), strict=True):
            numbers: dict[str, int] = {}
            for i, ext in enumerate(pbx.extensions):
                if ext.number in numbers:
                    self.add(
                        origin,
                        ("extensions", i, "number"),
                        _subject(pbx),
                        f"duplicate extension {ext.number}",
                        f"line {origin.line('extensions', numbers[ext.number])} has it; "
                        "choose a free number",
                    )
                else:
                    numbers[ext.number] = i
                if ext.unit is not None and ext.unit not in self.units:
                    self.add(
                        origin,
                        ("extensions", i, "unit"),
                        _subject(pbx),
                        f"extension {ext.number}: unknown unit '{ext.unit}'",
                        "use one of the site's units",
                    )
            extensions[pbx.id] = numbers
            if pbx.host is not None and not isinstance(self.assets.get(pbx.host), m.Server):
                self.add(
                    origin,
                    ("host",),
                    _subject(pbx),
                    f"unknown host server '{pbx.host}'",
                    "name the server the PBX runs on",
                )
        taken: dict[tuple[str, str], str] = {}
        for phone, (_, origin) in zip(self.inv.phones, self.objects("phones"), strict=True):
            subject = _subject(phone)
            numbers_of = extensions.get(phone.pbx)
            if numbers_of is None:
                self.add(
                    origin,
                    ("pbx",),
                    subject,
                    f"unknown PBX '{phone.pbx}'",
                    "name a PBX id from the pbxs collection",
                )
                continue
            if phone.extension not in numbers_of:
                self.add(
                    origin,
                    ("extension",),
                    subject,
                    f"extension {phone.extension} is not defined on PBX '{phone.pbx}'",
                    "add it to the PBX's extensions or correct the number",
                )
            key = (phone.pbx, phone.extension)
            if key in taken:
                self.add(
                    origin,
                    ("extension",),
                    subject,
                    f"extension {phone.extension} is already on phone '{taken[key]}'",
                    "give each phone its own extension",
                )
            else:
                taken[key] = phone.id

    def _others(self) -> None:
        for ap, (_, origin) in zip(
            self.inv.access_points, self.objects("access_points"), strict=True
        ):
            if not isinstance(self.assets.get(ap.controller), m.WirelessController):
                self.add(
                    origin,
                    ("controller",),
                    _subject(ap),
                    f"unknown wireless controller '{ap.controller}'",
                    "name a controller id from wireless_controllers",
                )
        for srv, (_, origin) in zip(self.inv.servers, self.objects("servers"), strict=True):
            if srv.hypervisor is not None and not isinstance(
                self.assets.get(srv.hypervisor), m.Server
            ):
                self.add(
                    origin,
                    ("hypervisor",),
                    _subject(srv),
                    f"unknown hypervisor '{srv.hypervisor}'",
                    "name a server id",
                )

    # ------------------------------------------------------------ site-wide
    def site_services(self) -> None:
        origin = self.loaded.origin("site", 0)
        services = self.inv.site.services
        roles: dict[str, list[str]] = {
            "ntp": services.ntp,
            "dns": services.dns,
            "syslog": [services.syslog],
            "dhcp": services.dhcp,
            "aaa": services.aaa,
        }
        for role, ids in roles.items():
            for i, sid in enumerate(ids):
                field: tuple[str | int, ...] = (
                    ("services", role, i) if role != "syslog" else ("services", role)
                )
                server = self.assets.get(sid)
                if not isinstance(server, m.Server):
                    self.add(
                        origin,
                        field,
                        "site",
                        f"services.{role}: unknown server '{sid}'",
                        "name a server id from servers.yml",
                    )
                    continue
                kinds = {s.kind for s in server.services}
                if not kinds.intersection(ROLE_SERVICES[role]):
                    wanted = " or ".join(ROLE_SERVICES[role])
                    self.add(
                        origin,
                        field,
                        "site",
                        f"services.{role}: server '{sid}' offers no {wanted} service",
                        f"add a '{wanted}' service to '{sid}' or name another server",
                    )
                elif server.address is None:
                    self.add(
                        origin,
                        field,
                        "site",
                        f"services.{role}: server '{sid}' has no address",
                        f"give '{sid}' an address",
                    )
        if any(v.dhcp for v in self.inv.vlans) and not services.dhcp:
            self.add(
                origin,
                ("services",),
                "site",
                "VLANs are DHCP-served but no DHCP server is named",
                "list the DHCP servers under services.dhcp",
            )
        # Attestation subjects and waiver controls are checked against the catalogs by the
        # compliance engine, which loads them.
        for waiver, (_, worigin) in zip(self.inv.waivers, self.objects("waivers"), strict=True):
            if waiver.asset not in self.assets:
                self.add(
                    worigin,
                    ("asset",),
                    f"waiver '{waiver.id}'",
                    f"unknown asset '{waiver.asset}'",
                    "name an asset id of the inventory",
                )

    def regulation(self) -> None:
        catalogs = self.loaded.root.resolve().parent.parent / "policies" / "regulations"
        if not catalogs.is_dir():
            return
        known = sorted(p.stem for p in catalogs.glob("*.yml"))
        if self.inv.site.regulation not in known:
            self.add(
                self.loaded.origin("site", 0),
                ("regulation",),
                "site",
                f"unknown regulation '{self.inv.site.regulation}'",
                f"use one of: {', '.join(known)}",
            )


def _subject(asset: m.Asset) -> str:
    return f"{asset.kind.replace('_', ' ')} '{asset.id}'"


def _at(origin: Origin) -> str:
    return f"{Path(origin.doc.file).name}:{origin.line()}"


def cross_reference(loaded: LoadedInventory) -> list[Problem]:
    """Every cross-reference problem of an inventory that passed the schema."""
    checker = _Checker(loaded)
    checker.unique_ids()
    checker.vlans_and_subnets()
    checker.asset_references()
    checker.kinds()
    checker.site_services()
    checker.regulation()
    return checker.problems
