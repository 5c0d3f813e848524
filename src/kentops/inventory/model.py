"""The typed inventory: every asset a municipal IT directorate runs.

The model knows nothing of Nornir, Ansible or pyinfra; adapters translate it. Field names are
plain words an engineer reads aloud. Ids are short, stable, ASCII lowercase; names keep their
Turkish characters.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Annotated, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    StringConstraints,
)

from kentops.modelbase import Id, Line, Paragraph, Strict, TimeZone, Word

Mac = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$"),
    Field(description="MAC address, lowercase, colon separated (00:1a:2b:3c:4d:5e)"),
]
Hostname = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]{0,252}$"),
    Field(description="DNS host name, ASCII lowercase"),
]


class Criticality(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class UplinkType(StrEnum):
    METRO_ETHERNET = "metro_ethernet"
    FIBER = "fiber"
    VDSL = "vdsl"
    ADSL = "adsl"
    MOBILE = "mobile"
    RADIO_LINK = "radio_link"


class Zone(StrEnum):
    """Security zones; the access policy says which flows between them are allowed."""

    MANAGEMENT = "management"
    USERS = "users"
    VOICE = "voice"
    CAMERAS = "cameras"
    GUEST = "guest"
    SERVERS = "servers"
    DMZ = "dmz"
    SCADA = "scada"
    PUBLIC = "public"  # kiosks and digital signage in public halls
    PRINTERS = "printers"


# ---------------------------------------------------------------- site and organisation


class Unit(Strict):
    """An owning unit (şeflik/birim) of the directorate, as the regulation organises it."""

    id: Id
    name: Line = Field(description="Name as the regulation writes it, in Turkish")


class TimestampAuthority(Strict):
    """RFC 3161 time-stamp authority that seals the Law 5651 records."""

    name: Line
    url: Word = Field(description="HTTP endpoint of the TSA (application/timestamp-query)")
    policy_oid: Word | None = None


class CentralServices(Strict):
    """Site-wide services, by server id; the addresses come from those servers."""

    ntp: list[Id] = Field(min_length=1, description="NTP servers, preferred first")
    dns: list[Id] = Field(min_length=1)
    syslog: Id = Field(description="Central syslog and Law 5651 collector")
    dhcp: list[Id] = Field(default_factory=list)
    aaa: list[Id] = Field(default_factory=list, description="RADIUS/TACACS+ servers for device AAA")
    upstream_ntp: list[Word] = Field(
        default_factory=list, description="Upstream time sources the site's NTP servers follow"
    )
    tsa: TimestampAuthority | None = None


class DomainRegistration(Strict):
    """A registered domain name of the municipality, as its registration record says."""

    name: Hostname = Field(description="The registered domain, e.g. ornek.bel.tr")
    registrar: Line = Field(description="Who holds the registration (e.g. the .tr registry)")
    expires: dt.date = Field(description="Registration end date, from the registrar's record")


class Site(Strict):
    id: Id
    name: Line = Field(description="Municipality name, e.g. 'Örnek Belediyesi'")
    regulation: Id = Field(description="Duty catalog id in policies/regulations/")
    domain: Hostname
    timezone: TimeZone = "Europe/Istanbul"
    units: list[Unit] = Field(min_length=1)
    services: CentralServices
    domains: list[DomainRegistration] = Field(
        default_factory=list,
        description="Registered domains and their end dates (WEB-DOMAIN-01 judges them)",
    )


class Uplink(Strict):
    type: UplinkType
    provider: Line
    bandwidth_mbps: StrictInt = Field(gt=0)
    circuit_id: Line | None = None


class Building(Strict):
    id: Id
    name: Line
    address: Line
    kind: Literal[
        "headquarters",
        "service",
        "library",
        "culture_centre",
        "wedding_hall",
        "sports_hall",
        "depot",
        "pumping_station",
        "fire_station",
        "social_facility",
        "data_centre",
        "other",
    ]
    uplinks: list[Uplink] = Field(min_length=1)
    has_ups: StrictBool = False


class Vlan(Strict):
    """A VLAN of one building, its subnet and zone."""

    id: Id
    building: Id
    vlan_id: StrictInt = Field(ge=1, le=4094)
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$", description="Name on the switch")
    zone: Zone
    subnet: IPv4Network
    gateway: IPv4Address
    dhcp: StrictBool = Field(
        default=False, description="Addresses leased by the site's DHCP servers"
    )
    description: Line | None = None


class Ssid(Strict):
    id: Id
    name: Line = Field(max_length=32, description="The network name as clients see it")
    vlan_zone: Zone
    security: Literal["wpa2-enterprise", "wpa3-enterprise", "wpa2-psk", "open-captive-portal"]
    hidden: StrictBool = False


# ---------------------------------------------------------------- assets


class Lifecycle(Strict):
    installed: dt.date | None = None
    end_of_support: dt.date | None = None
    warranty_until: dt.date | None = None


class Asset(Strict):
    """What every asset carries, whatever its kind."""

    kind: ClassVar[str] = "asset"
    collection: ClassVar[str] = "assets"

    id: Id
    name: Line | None = Field(default=None, description="Human name, Turkish characters welcome")
    building: Id
    unit: Id = Field(description="Owning unit id from site.units")
    criticality: Criticality
    vendor: Line
    model: Line
    serial: Line | None = None
    os_version: Line | None = Field(default=None, description="OS or firmware version")
    address: IPv4Address | None = Field(default=None, description="Management/primary IPv4")
    vlan: Id | None = Field(default=None, description="VLAN id the address belongs to")
    mac: Mac | None = None
    ups: Id | None = Field(default=None, description="UPS feeding this asset")
    rack: Line | None = None
    lifecycle: Lifecycle | None = None
    description: Line | None = None
    hostname: Hostname | None = Field(default=None, description="Host name if not the id")
    tags: list[Line] = Field(default_factory=list)

    @property
    def host_name(self) -> str:
        """The name the device answers to: its hostname, or its id."""
        return self.hostname or self.id


class NetworkPlatform(StrEnum):
    CISCO_IOS = "cisco_ios"
    HUAWEI_VRP = "huawei_vrp"
    ARUBA_AOSCX = "aruba_aoscx"
    ARISTA_EOS = "arista_eos"
    FORTIOS = "fortios"
    ROUTEROS = "routeros"


class Port(Strict):
    """A switch port and what is plugged into it."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9/.:-]*$")
    connects: Id | None = Field(default=None, description="Asset id plugged into this port")
    remote_port: Line | None = Field(default=None, description="Port on the other side (uplinks)")
    mode: Literal["auto", "access", "trunk", "shutdown"] = Field(
        default="auto",
        description="auto: access VLAN or trunk chosen from what is plugged in",
    )
    vlan: Id | None = Field(default=None, description="Override of the access VLAN (a pc, ...)")
    description: Line | None = None


class Switch(Asset):
    kind: ClassVar[str] = "switch"
    collection: ClassVar[str] = "switches"
    platform: NetworkPlatform
    role: Literal["core", "distribution", "access"]
    ports: list[Port] = Field(default_factory=list)


class RouterInterface(Strict):
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9/.:-]*$")
    vlan: Id | None = Field(default=None, description="Inside interface on this VLAN")
    wan: StrictInt | None = Field(
        default=None, ge=0, description="Index into the building's uplinks"
    )
    address: IPv4Interface | None = Field(
        default=None, description="WAN address (inside ones use the VLAN gateway)"
    )


class Router(Asset):
    """Router or firewall: the perimeter of a building."""

    kind: ClassVar[str] = "router"
    collection: ClassVar[str] = "routers"
    platform: NetworkPlatform
    role: Literal["firewall", "router"]
    ha_peer: Id | None = None
    interfaces: list[RouterInterface] = Field(min_length=1)


class WirelessController(Asset):
    kind: ClassVar[str] = "wireless_controller"
    collection: ClassVar[str] = "wireless_controllers"
    platform: NetworkPlatform = Field(
        default=NetworkPlatform.CISCO_IOS, description="CLI of the controller (C9800: IOS-XE)"
    )
    ssids: list[Ssid] = Field(min_length=1)


class AccessPoint(Asset):
    kind: ClassVar[str] = "access_point"
    collection: ClassVar[str] = "access_points"
    controller: Id


class ServiceKind(StrEnum):
    EBYS = "ebys"
    KEP = "kep"
    CBS = "cbs"
    KBS = "kbs"
    MIS = "mis"
    WEB = "web"
    EBELEDIYE = "ebelediye"
    MAIL = "mail"
    DIRECTORY = "directory"
    DHCP = "dhcp"
    DNS = "dns"
    NTP = "ntp"
    DATABASE = "database"
    BACKUP = "backup"
    LOG5651 = "log5651"
    SYSLOG = "syslog"
    PBX = "pbx"
    NVR = "nvr"
    RADIUS = "radius"
    FILE = "file"
    CONTENT_FILTER = "content_filter"
    HYPERVISOR = "hypervisor"


class Service(Strict):
    kind: ServiceKind
    name: Line
    port: StrictInt | None = Field(default=None, ge=1, le=65535)
    url: Word | None = Field(
        default=None, description="Public/internal URL checked for availability"
    )
    personal_data: StrictBool = Field(default=False, description="Holds personal data (KVKK)")
    rto_hours: float | None = Field(default=None, gt=0)
    rpo_hours: float | None = Field(default=None, gt=0)


class Server(Asset):
    kind: ClassVar[str] = "server"
    collection: ClassVar[str] = "servers"
    platform: Literal["debian", "ubuntu", "rhel", "windows", "proxmox"]
    virtual: StrictBool = False
    hypervisor: Id | None = None
    services: list[Service] = Field(default_factory=list)
    backup_class: Id | None = Field(default=None, description="Class from policies/backup.yml")


class Camera(Asset):
    kind: ClassVar[str] = "camera"
    collection: ClassVar[str] = "cameras"
    nvr: Id
    location: Line = Field(description="Where it looks, in Turkish (e.g. 'Ana giriş')")
    ptz: StrictBool = False


class Nvr(Asset):
    kind: ClassVar[str] = "nvr"
    collection: ClassVar[str] = "nvrs"
    channels: StrictInt = Field(gt=0)
    retention_days: StrictInt = Field(gt=0)


class Extension(Strict):
    number: str = Field(pattern=r"^[0-9]{3,6}$")
    name: Line
    unit: Id | None = None


class Pbx(Asset):
    kind: ClassVar[str] = "pbx"
    collection: ClassVar[str] = "pbxs"
    platform: Literal["asterisk", "karel", "alcatel", "panasonic"]
    host: Id | None = Field(default=None, description="Server the PBX software runs on")
    sip_domain: Hostname
    extensions: list[Extension] = Field(min_length=1)
    trunks: list[Line] = Field(default_factory=list)


class Phone(Asset):
    kind: ClassVar[str] = "phone"
    collection: ClassVar[str] = "phones"
    pbx: Id
    extension: str = Field(pattern=r"^[0-9]{3,6}$")


class Ups(Asset):
    kind: ClassVar[str] = "ups"
    collection: ClassVar[str] = "upses"
    capacity_va: StrictInt = Field(gt=0)
    runtime_minutes: StrictInt = Field(gt=0)


class Kiosk(Asset):
    kind: ClassVar[str] = "kiosk"
    collection: ClassVar[str] = "kiosks"
    purpose: Literal["kiosk", "signage", "queue"]


class Scada(Asset):
    kind: ClassVar[str] = "scada"
    collection: ClassVar[str] = "scada"
    protocol: Literal["modbus_tcp", "dnp3", "iec104", "opc_ua"]
    station: Line = Field(description="The station it controls (e.g. 'Terfi istasyonu 2')")


class Printer(Asset):
    kind: ClassVar[str] = "printer"
    collection: ClassVar[str] = "printers"


class RadioGateway(Asset):
    kind: ClassVar[str] = "radio_gateway"
    collection: ClassVar[str] = "radio_gateways"
    band: Line


class VehicleGateway(Asset):
    kind: ClassVar[str] = "vehicle_gateway"
    collection: ClassVar[str] = "vehicle_gateways"
    fleet_size: StrictInt = Field(ge=0)


ASSET_TYPES: tuple[type[Asset], ...] = (
    Switch,
    Router,
    WirelessController,
    AccessPoint,
    Server,
    Camera,
    Nvr,
    Pbx,
    Phone,
    Ups,
    Kiosk,
    Scada,
    Printer,
    RadioGateway,
    VehicleGateway,
)
ASSET_BY_COLLECTION: dict[str, type[Asset]] = {t.collection: t for t in ASSET_TYPES}
ASSET_BY_KIND: dict[str, type[Asset]] = {t.kind: t for t in ASSET_TYPES}
NETWORK_KINDS = frozenset({"switch", "router", "wireless_controller"})


# ---------------------------------------------------------------- evidence people attest


class Attestation(Strict):
    """A dated, signed statement that a manual duty or control was done."""

    id: Id
    subject: Line = Field(
        description="Duty id (odunpazari-2019:m11/ğ) or control id (BAK-RESTORE-01)"
    )
    by: Line = Field(description="Who attests (name and title)")
    date: dt.date
    valid_until: dt.date
    document: Line = Field(description="Document reference: EBYS number, minutes, report")
    note: Paragraph | None = None


class Waiver(Strict):
    """An accepted exception to a control for one asset, with a reason and an expiry."""

    id: Id
    control: str = Field(pattern=r"^[A-Z]{2,5}-[A-Z0-9]+-[0-9]{2}$")
    asset: Id
    justification: Paragraph
    approved_by: Line
    expires: dt.date


class Inventory(BaseModel):
    """The whole estate of one municipality."""

    model_config = ConfigDict(extra="forbid")

    _index: dict[str, Asset] | None = PrivateAttr(default=None)
    _vlan_index: dict[str, Vlan] | None = PrivateAttr(default=None)

    site: Site
    buildings: list[Building]
    vlans: list[Vlan]
    switches: list[Switch] = Field(default_factory=list)
    routers: list[Router] = Field(default_factory=list)
    wireless_controllers: list[WirelessController] = Field(default_factory=list)
    access_points: list[AccessPoint] = Field(default_factory=list)
    servers: list[Server] = Field(default_factory=list)
    cameras: list[Camera] = Field(default_factory=list)
    nvrs: list[Nvr] = Field(default_factory=list)
    pbxs: list[Pbx] = Field(default_factory=list)
    phones: list[Phone] = Field(default_factory=list)
    upses: list[Ups] = Field(default_factory=list)
    kiosks: list[Kiosk] = Field(default_factory=list)
    scada: list[Scada] = Field(default_factory=list)
    printers: list[Printer] = Field(default_factory=list)
    radio_gateways: list[RadioGateway] = Field(default_factory=list)
    vehicle_gateways: list[VehicleGateway] = Field(default_factory=list)
    attestations: list[Attestation] = Field(default_factory=list)
    waivers: list[Waiver] = Field(default_factory=list)

    def assets(self) -> list[Asset]:
        out: list[Asset] = []
        for collection in ASSET_BY_COLLECTION:
            out.extend(getattr(self, collection))
        return out

    def network_devices(self) -> list[Switch | Router | WirelessController]:
        return [*self.switches, *self.routers, *self.wireless_controllers]

    def asset(self, asset_id: str) -> Asset:
        return self.index()[asset_id]

    def index(self) -> dict[str, Asset]:
        if self._index is None:
            self._index = {a.id: a for a in self.assets()}
        return self._index

    def vlan(self, vlan_id: str) -> Vlan:
        return self.vlan_index()[vlan_id]

    def vlan_index(self) -> dict[str, Vlan]:
        if self._vlan_index is None:
            self._vlan_index = {v.id: v for v in self.vlans}
        return self._vlan_index

    def building_vlan(self, building: str, zone: Zone) -> Vlan | None:
        for vlan in self.vlans:
            if vlan.building == building and vlan.zone == zone:
                return vlan
        return None

    def unit_name(self, unit_id: str) -> str:
        return next((u.name for u in self.site.units if u.id == unit_id), unit_id)

    def server_addresses(self, ids: list[str]) -> list[str]:
        return [str(self.asset(i).address) for i in ids]


TOP_LEVEL_KEYS: tuple[str, ...] = (
    "site",
    "buildings",
    "vlans",
    *ASSET_BY_COLLECTION,
    "attestations",
    "waivers",
)
