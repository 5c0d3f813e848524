"""Generate a large, valid inventory with every asset kind in realistic proportions.

Used by benchmarks and scale tests (``kentops lab generate --buildings N --devices M OUT``).
The result is deterministic for a given seed.
"""

from __future__ import annotations

import ipaddress
import math
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]

HEADER = "# yaml-language-server: $schema=../schema/inventory.schema.json\n"
UNITS = [
    ("yazilim", "Yazılım Geliştirme ve Destek Birimi"),
    ("teknik-destek", "Teknik Destek Birimi"),
    ("ag-yonetimi", "Ağ Yönetimi Birimi"),
    ("cbs", "Coğrafi Bilgi Sistemi Birimi"),
    ("idari-mali", "İdari ve Mali İşler Birimi"),
]
# zone, vlan number, offset of its /23 inside the building's /20
ZONES = [
    ("management", 10, 0),
    ("users", 20, 1),
    ("voice", 30, 2),
    ("cameras", 40, 3),
    ("guest", 50, 4),
    ("printers", 60, 5),
    ("public", 70, 6),
    ("scada", 90, 7),
]
HQ_ZONES = [("servers", 100, 0), ("dmz", 110, 1)]  # in a second /20 at headquarters
# share of a building's devices by kind (the rest are switches, router, UPS, NVR)
MIX = [
    ("camera", 0.36),
    ("phone", 0.36),
    ("access_point", 0.10),
    ("printer", 0.06),
    ("kiosk", 0.02),
]
BUILDING_KINDS = [
    "service",
    "library",
    "culture_centre",
    "wedding_hall",
    "sports_hall",
    "depot",
    "pumping_station",
    "fire_station",
    "social_facility",
]
UPLINKS = ["metro_ethernet", "fiber", "vdsl", "adsl", "mobile"]


class _Builder:
    def __init__(self, buildings: int, devices: int, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.n_buildings = buildings
        self.n_devices = devices
        self.counter = 0
        self.data: dict[str, list[dict[str, Any]]] = {}
        self.host_in_vlan: dict[str, int] = {}
        self.subnets: dict[str, ipaddress.IPv4Network] = {}

    def add(self, collection: str, item: dict[str, Any]) -> dict[str, Any]:
        self.data.setdefault(collection, []).append(item)
        return item

    def next_serial(self) -> int:
        self.counter += 1
        return self.counter

    def asset(
        self,
        asset_id: str,
        building: str,
        vlan: str | None,
        vendor: str,
        model: str,
        os_version: str,
        criticality: str = "medium",
    ) -> dict[str, Any]:
        n = self.next_serial()
        item: dict[str, Any] = {
            "id": asset_id,
            "building": building,
            "unit": UNITS[n % len(UNITS)][0],
            "criticality": criticality,
            "vendor": vendor,
            "model": model,
            "serial": f"SN{n:09d}",
            "os_version": os_version,
            "mac": "02:" + ":".join(f"{(n >> s) & 0xFF:02x}" for s in (32, 24, 16, 8, 0)),
        }
        if vlan is not None:
            item["address"] = self.address(vlan)
            item["vlan"] = vlan
        return item

    @staticmethod
    def wan_address(index: int, uplink: int = 0) -> str:
        base = ipaddress.IPv4Address("198.18.0.0") + (index * 2 + uplink) * 4
        return f"{base + 1}/30"

    def address(self, vlan: str) -> str:
        host = self.host_in_vlan.get(vlan, 9) + 1
        self.host_in_vlan[vlan] = host
        return str(self.subnets[vlan].network_address + host)

    # ------------------------------------------------------------------
    def site(self) -> dict[str, Any]:
        return {
            "id": "uretilmis",
            "name": "Üretilmiş Büyükşehir Belediyesi",
            "regulation": "odunpazari-2019",
            "domain": "uretilmis.bel.tr",
            "units": [{"id": i, "name": n} for i, n in UNITS],
            "services": {
                "ntp": ["b000-srv-001", "b000-srv-002"],
                "dns": ["b000-srv-001", "b000-srv-002"],
                "syslog": "b000-srv-003",
                "dhcp": ["b000-srv-004"],
                "aaa": ["b000-srv-005"],
                "upstream_ntp": ["time.ume.tubitak.gov.tr"],
            },
        }

    def building(self, index: int) -> str:
        bid = f"b{index:03d}"
        kind = "headquarters" if index == 0 else BUILDING_KINDS[index % len(BUILDING_KINDS)]
        uplinks = [
            {
                "type": UPLINKS[index % len(UPLINKS)],
                "provider": "Türk Telekom",
                "bandwidth_mbps": 100,
            }
        ]
        if index == 0:
            uplinks.append({"type": "fiber", "provider": "Superonline", "bandwidth_mbps": 1000})
        self.add(
            "buildings",
            {
                "id": bid,
                "name": f"Hizmet binası {index}",
                "address": f"Örnek Mah. {index}. Sok. No:{index + 1}",
                "kind": kind,
                "uplinks": uplinks,
                "has_ups": True,
            },
        )
        base = ipaddress.ip_network("10.0.0.0/8").network_address + index * 4096
        zones = [(z, v, o, base) for z, v, o in ZONES]
        if index == 0:
            zones += [(z, v, o, base + 256 * 4096) for z, v, o in HQ_ZONES]
        for zone, number, offset, start in zones:
            net = ipaddress.IPv4Network(f"{start + offset * 512}/23")
            vid = f"{bid}-{zone}"
            self.subnets[vid] = net
            self.add(
                "vlans",
                {
                    "id": vid,
                    "building": bid,
                    "vlan_id": number,
                    "name": zone.upper(),
                    "zone": zone,
                    "subnet": str(net),
                    "gateway": str(net.network_address + 1),
                    "dhcp": zone in ("users", "voice", "guest"),
                },
            )
        return bid

    def servers(self, count: int) -> None:
        roles = [
            ("directory", "dns", "ntp"),
            ("directory", "dns", "ntp"),
            ("log5651", "syslog"),
            ("dhcp",),
            ("radius",),
            ("ebys",),
            ("database",),
            ("web",),
            ("mail",),
            ("backup",),
            ("pbx",),
            ("cbs",),
            ("mis",),
            ("file",),
        ]
        for k in range(count):
            kinds = roles[k % len(roles)]
            if k >= len(roles) and kinds[0] in ("web", "mail"):
                kinds = ("mis",)  # one published web and one mail server, as municipalities run
            published = kinds[0] in ("web", "mail")  # reachable from the internet: in the DMZ
            item = self.asset(
                f"b000-srv-{k + 1:03d}",
                "b000",
                "b000-dmz" if published else "b000-servers",
                "Sanal makine",
                "VM",
                "Debian 12",
                "high",
            )
            item.update(
                {
                    "platform": "windows" if kinds[0] == "directory" else "debian",
                    "virtual": True,
                    "services": [
                        {"kind": s, "name": s.upper(), "rto_hours": 8, "rpo_hours": 24}
                        for s in kinds
                    ],
                    "backup_class": "daily",
                }
            )
            self.add("servers", item)

    def fill_building(self, bid: str, quota: int, hq: bool) -> list[dict[str, Any]]:
        """Devices of one building except switches; returns what needs a switch port."""
        plugged: list[dict[str, Any]] = []
        router = self.asset(
            f"{bid}-fw-01", bid, f"{bid}-management", "Fortinet", "FortiGate-60F", "7.2.8", "high"
        )
        router.update(
            {
                "platform": "fortios",
                "role": "firewall",
                "interfaces": [
                    # a public /30 per building from the benchmarking range (198.18.0.0/15)
                    {"name": "wan1", "wan": 0, "address": self.wan_address(int(bid[1:]))},
                    # headquarters has a second uplink, and publishes its web and mail servers:
                    # one public address each
                    *(
                        [{"name": "wan2", "wan": 1, "address": self.wan_address(0, 1)}]
                        if bid == "b000"
                        else []
                    ),
                    # a leg in every VLAN of the building: the firewall routes and filters them
                    *(
                        {"name": f"internal{n}", "vlan": vlan["id"]}
                        for n, vlan in enumerate(
                            (v for v in self.data["vlans"] if v["building"] == bid), start=1
                        )
                    ),
                ],
            }
        )
        ups = self.asset(
            f"{bid}-ups-01", bid, f"{bid}-management", "APC", "Smart-UPS 3000", "UPS 03.5"
        )
        ups.update({"capacity_va": 3000, "runtime_minutes": 20})
        router["ups"] = ups["id"]
        self.add("routers", router)
        self.add("upses", ups)
        plugged += [router, ups]
        remaining = max(quota - 2, 0)
        counts = {kind: int(remaining * share) for kind, share in MIX}
        # whatever the shares leave (after the NVR, switches and up to 3 gateways) are phones
        switches = self.switch_count(remaining + 2)
        counts["phone"] += max(remaining - sum(counts.values()) - 1 - switches - 3, 0)
        cameras = counts["camera"]
        if cameras:
            nvr = self.asset(
                f"{bid}-nvr-01",
                bid,
                f"{bid}-cameras",
                "Hikvision",
                "DS-7732NI-K4",
                "V4.72.010",
                "high",
            )
            nvr.update({"channels": max(16, cameras), "retention_days": 30, "ups": ups["id"]})
            self.add("nvrs", nvr)
            plugged.append(nvr)
        makers: dict[str, Callable[[int], dict[str, Any]]] = {
            "camera": lambda k: {
                **self.asset(
                    f"{bid}-cam-{k:04d}",
                    bid,
                    f"{bid}-cameras",
                    "Hikvision",
                    "DS-2CD2143G2-I",
                    "V5.7.15",
                ),
                "nvr": f"{bid}-nvr-01",
                "location": f"Kamera {k}",
            },
            "phone": lambda k: {
                **self.asset(
                    f"{bid}-tel-{k:04d}",
                    bid,
                    f"{bid}-voice",
                    "Yealink",
                    "SIP-T43U",
                    "108.86.0.20",
                    "low",
                ),
                "pbx": "b000-pbx-01",
                "extension": "",
            },
            "access_point": lambda k: {
                **self.asset(
                    f"{bid}-ap-{k:03d}", bid, f"{bid}-management", "Cisco", "C9120AXI-E", "17.9.4a"
                ),
                "controller": "b000-wlc-01",
            },
            "printer": lambda k: self.asset(
                f"{bid}-yzc-{k:03d}",
                bid,
                f"{bid}-printers",
                "HP",
                "LaserJet M507dn",
                "2506116",
                "low",
            ),
            "kiosk": lambda k: {
                **self.asset(
                    f"{bid}-kiosk-{k:03d}",
                    bid,
                    f"{bid}-public",
                    "Samsung",
                    "QM55R",
                    "Tizen 4.0",
                    "low",
                ),
                "purpose": "signage",
            },
        }
        collections = {
            "camera": "cameras",
            "phone": "phones",
            "access_point": "access_points",
            "printer": "printers",
            "kiosk": "kiosks",
        }
        for kind, count in counts.items():
            for k in range(1, count + 1):
                item = makers[kind](k)
                self.add(collections[kind], item)
                plugged.append(item)
        used = 2 + (1 if cameras else 0) + sum(counts.values())
        extra = min(max(quota - used - self.switch_count(len(plugged)), 0), 3)
        station = BUILDING_KINDS[int(bid[1:]) % len(BUILDING_KINDS)] == "pumping_station"
        for k in range(1, extra + 1):
            if station and k <= 2:
                item = self.asset(
                    f"{bid}-plc-{k:02d}",
                    bid,
                    f"{bid}-scada",
                    "Schneider Electric",
                    "Modicon M251",
                    "V5.1.9.34",
                    "critical",
                )
                item.update({"protocol": "modbus_tcp", "station": f"İstasyon {bid}"})
                self.add("scada", item)
            elif k % 2:
                item = self.asset(
                    f"{bid}-telsiz-{k:02d}",
                    bid,
                    f"{bid}-management",
                    "Aselsan",
                    "ARC-4240",
                    "3.2.1",
                    "high",
                )
                item["band"] = "VHF"
                self.add("radio_gateways", item)
            else:
                item = self.asset(
                    f"{bid}-arac-{k:02d}", bid, f"{bid}-management", "Arvento", "AT-GW", "4.8"
                )
                item["fleet_size"] = 20
                self.add("vehicle_gateways", item)
            plugged.append(item)
        if hq:
            wlc = self.asset(
                "b000-wlc-01", bid, f"{bid}-management", "Cisco", "C9800-L-C", "17.9.4a", "high"
            )
            wlc["ssids"] = [
                {
                    "id": "personel",
                    "name": "PERSONEL",
                    "vlan_zone": "users",
                    "security": "wpa2-enterprise",
                }
            ]
            self.add("wireless_controllers", wlc)
            plugged.append(wlc)
        return plugged

    @staticmethod
    def switch_count(plugged: int) -> int:
        return max(1, math.ceil(plugged / 44))

    def switches(self, bid: str, plugged: list[dict[str, Any]], hq: bool) -> None:
        count = self.switch_count(len(plugged))
        platform = "cisco_ios" if hq else "huawei_vrp"
        for s in range(count):
            chunk = plugged[s * 44 : (s + 1) * 44]
            if platform == "cisco_ios":
                names = [f"GigabitEthernet1/0/{p + 1}" for p in range(len(chunk))]
                vendor, model, version = "Cisco", "C9200L-48P-4G", "17.9.4a"
            else:
                names = [f"GigabitEthernet0/0/{p + 1}" for p in range(len(chunk))]
                vendor, model, version = "Huawei", "S5735-L48P4S-A1", "V200R022C00SPC500"
            item = self.asset(
                f"{bid}-sw-{s + 1:02d}", bid, f"{bid}-management", vendor, model, version, "high"
            )
            item.update(
                {
                    "platform": platform,
                    "role": "core" if s == 0 else "access",
                    "ports": [
                        {"name": n, "connects": d["id"]} for n, d in zip(names, chunk, strict=True)
                    ],
                }
            )
            self.add("switches", item)

    def build(self) -> None:
        per_building = max(self.n_devices // self.n_buildings, 12)
        for index in range(self.n_buildings):
            bid = self.building(index)
            hq = index == 0
            quota = per_building
            if hq:
                n_servers = max(14, self.n_devices // 60)
                self.servers(n_servers)
                quota -= n_servers + 1  # servers and the PBX
            plugged = self.fill_building(bid, quota, hq)
            self.switches(bid, plugged, hq)
        phones = self.data.get("phones", [])
        for n, phone in enumerate(phones):
            phone["extension"] = str(10000 + n)
        pbx = self.asset(
            "b000-pbx-01", "b000", "b000-voice", "Sangoma", "Asterisk", "20.9.3", "high"
        )
        pbx.update(
            {
                "platform": "asterisk",
                "sip_domain": "ses.uretilmis.bel.tr",
                "extensions": [
                    {"number": p["extension"], "name": f"Dahili {p['extension']}"} for p in phones
                ]
                or [{"number": "1000", "name": "Santral"}],
            }
        )
        self.add("pbxs", pbx)

    def write(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        files = {
            "site.yml": {"site": self.site()},
            "buildings.yml": {"buildings": self.data["buildings"]},
            "vlans.yml": {"vlans": self.data["vlans"]},
            "network.yml": {k: self.data[k] for k in ("switches", "routers") if k in self.data},
            "wireless.yml": {
                k: self.data[k] for k in ("wireless_controllers", "access_points") if k in self.data
            },
            "servers.yml": {"servers": self.data["servers"]},
            "cameras.yml": {k: self.data[k] for k in ("nvrs", "cameras") if k in self.data},
            "voice.yml": {k: self.data[k] for k in ("pbxs", "phones") if k in self.data},
            "power.yml": {"upses": self.data["upses"]},
            "endpoints.yml": {
                k: self.data[k]
                for k in ("kiosks", "scada", "printers", "radio_gateways", "vehicle_gateways")
                if k in self.data
            },
        }
        for name, content in files.items():
            text = yaml.dump(
                content,
                Dumper=_Dumper,
                allow_unicode=True,
                sort_keys=False,
                default_flow_style=False,
                width=120,
            )
            (out / name).write_text(HEADER + text, encoding="utf-8")
        (out / "kentops.yml").write_text("plugin: kentops\n", encoding="utf-8")


#: The largest generated inventory: ten times the biggest municipality, and a few hundred
#: megabytes of memory while it is built (a bigger request would end in MemoryError).
MAX_DEVICES = 100_000
MAX_BUILDINGS = 4000


def generate_inventory(out_dir: Path, buildings: int, devices: int, seed: int = 1) -> None:
    """Write a valid inventory of about ``devices`` assets in ``buildings`` buildings."""
    if not 1 <= buildings <= MAX_BUILDINGS or devices < 20 * buildings // 10:
        raise ValueError(f"use 1..{MAX_BUILDINGS} buildings and at least 2 devices per building")
    if devices > MAX_DEVICES:
        raise ValueError(f"use at most {MAX_DEVICES:,} devices")
    builder = _Builder(buildings, devices, seed)
    builder.build()
    builder.write(Path(out_dir))
