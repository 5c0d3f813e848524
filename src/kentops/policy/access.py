"""The access policy (policies/access.yml): zones, allowed flows, administrators, device AAA.

Everything not allowed by a flow is denied. Flows are directional: ``from`` opens the
connection, ``to`` answers (return traffic of an allowed flow is allowed with it). An end of a
flow is a zone, or a service kind naming the hosts that offer it (``nvr``: the recorders,
``pbx``: the phone systems, ``dns``: the servers running DNS, ...). Secrets are references
(``vault:NAME``, ``env:NAME``), never values.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt, StringConstraints

from kentops.inventory.loader import LoadedInventory
from kentops.inventory.model import Server, ServiceKind
from kentops.modelbase import Line, Text
from kentops.policy.common import (
    PolicyId,
    PolicyModel,
    SecretRef,
    load_policy_file,
)
from kentops.policy.flowends import PolicyZone, flow_end_kind
from kentops.policy.zones import Site
from kentops.yamlsource import InvalidInput, Problem, SourceDocument

PortSpec = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{1,5}(-[0-9]{1,5})?$"),
    Field(description="A port (5061) or an inclusive range (10000-20000)"),
]
ServiceName = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,30}$"),
    Field(description="Name of a service of the services catalog (https, sip-tls, ...)"),
]
#: A flow end: a zone name or a service kind (nvr, pbx, dns, dhcp, ntp, syslog, web, ...).
FlowEnd = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9_]+$"),
    Field(description="A zone (users, cameras, internet, ...) or a service kind (nvr, pbx, ...)"),
]
Username = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9._-]{1,31}$"),
    Field(description="A personal login name: lowercase, e.g. ayse.demir"),
]

#: Login names that are shared by nature; a named account may never use them.
SHARED_NAMES = frozenset(
    {
        "root",
        "admin",
        "administrator",
        "cisco",
        "huawei",
        "manager",
        "user",
        "guest",
        "test",
        "operator",
        "support",
        "ubnt",
        "pi",
    }
)


class Protocol(StrEnum):
    TCP = "tcp"
    UDP = "udp"
    ICMP = "icmp"


class ServicePort(PolicyModel):
    """One protocol and its destination ports (icmp: echo requests, no ports)."""

    protocol: Protocol
    ports: list[PortSpec] = Field(default_factory=list)

    def port_ranges(self) -> list[tuple[int, int]]:
        out = []
        for spec in self.ports:
            low, _, high = spec.partition("-")
            out.append((int(low), int(high or low)))
        return out


class Flow(PolicyModel):
    """One allowed flow: who may open connections to whom, with which services."""

    id: PolicyId
    from_: FlowEnd = Field(alias="from")
    to: FlowEnd
    services: list[ServiceName] = Field(min_length=1)
    log: StrictBool = Field(default=False, description="Log every session (Law 5651, SCADA)")
    why: Line = Field(description="Why the flow exists, in a sentence")


class Account(PolicyModel):
    """A named person who administers something; never a shared login."""

    id: Username
    name: Line
    unit: PolicyId = Field(description="Owning unit id from site.units of the inventory")
    ssh_public_key: SecretRef = Field(description="Reference to the person's SSH public key")
    disabled: StrictBool = False


LoginTarget = Literal["network", "servers", "cameras", "pbx", "phones", "firewalls"]


class AdminGroup(PolicyModel):
    id: PolicyId
    name: Text
    members: list[Username] = Field(min_length=1)
    login: list[LoginTarget] = Field(min_length=1, description="Where members may log in")
    privilege: Literal["admin", "operator", "read-only"]
    sudo: StrictBool = Field(default=False, description="Members may use sudo on servers")


class AaaServer(PolicyModel):
    server: PolicyId = Field(description="Server id of the inventory")
    protocol: Literal["radius", "tacacs+"]


class LocalFallback(PolicyModel):
    """The one local account a device keeps for when every AAA server is unreachable."""

    username: Username
    password_hash: SecretRef = Field(description="Reference to the hashed password (type 9)")


class DeviceAaa(PolicyModel):
    """How network devices authenticate administrators.

    The AAA servers are the site's (site.yml ``services.aaa``), speaking ``protocol``;
    ``servers`` overrides them by server id when a site needs another set.
    """

    protocol: Literal["radius", "tacacs+"] = "radius"
    servers: list[AaaServer] = Field(default_factory=list)
    shared_secret: SecretRef
    local_fallback: LocalFallback
    session_timeout_minutes: StrictInt = Field(default=10, ge=1, le=60)


class Snmp(PolicyModel):
    """SNMPv3 only (authPriv); communities v1/v2c are never configured."""

    user: Username
    group: str = Field(default="KENTOPS-RO", pattern=r"^[A-Za-z0-9_-]{1,32}$")
    auth_protocol: Literal["sha", "sha256"]
    auth_key: SecretRef
    priv_protocol: Literal["aes128", "aes256"]
    priv_key: SecretRef


class EndpointCredentials(PolicyModel):
    """References to the credentials cameras and phones are provisioned with."""

    camera_admin_password: SecretRef
    camera_operator_user: Username
    camera_operator_password: SecretRef
    camera_onvif_user: Username
    camera_onvif_password: SecretRef
    phone_admin_password: SecretRef
    sip_password: SecretRef = Field(description="One per extension: use {extension} in the name")


class DirectoryPasswords(PolicyModel):
    """The domain's password and lockout policy, as the domain controllers enforce it.

    The bounds are the floor of BİG Rehberi 3.1.14.9 (strong passwords) and 3.1.12.3
    (lockout): a policy may be stricter, never weaker. DIR-PWD-01 judges each DC against it.
    """

    min_length: StrictInt = Field(ge=12, le=64, description="Minimum password length")
    complexity: Literal[True] = Field(description="Three of: upper, lower, digit, symbol")
    lockout_threshold: StrictInt = Field(ge=1, le=10, description="Failed logons before lockout")
    lockout_minutes: StrictInt = Field(ge=1, le=1440, description="Lockout duration")
    history: StrictInt = Field(ge=1, le=24, description="Earlier passwords that cannot return")
    max_age_days: StrictInt = Field(ge=1, le=365, description="A password expires after this")


class DirectoryPolicy(PolicyModel):
    """The site's Active Directory: what its domain controllers must enforce."""

    passwords: DirectoryPasswords


class WanTransport(PolicyModel):
    """Site-to-site IPsec between each building and headquarters."""

    ipsec_psk: SecretRef


class AccessPolicy(PolicyModel):
    """The whole of policies/access.yml."""

    admin_zone: PolicyZone = Field(description="The only zone the management plane accepts")
    zones: dict[PolicyZone, Text] = Field(description="Every zone, described")
    services: dict[ServiceName, list[ServicePort]]
    flows: list[Flow]
    accounts: list[Account] = Field(min_length=1)
    admin_groups: list[AdminGroup] = Field(min_length=1)
    device_aaa: DeviceAaa
    snmp: Snmp
    endpoints: EndpointCredentials
    wan: WanTransport
    directory: DirectoryPolicy | None = Field(
        default=None, description="Password and lockout policy of the domain (AD)"
    )
    banner: Text = Field(
        description="Login banner, Turkish first, then English; {site} is the municipality"
    )

    def service(self, name: str) -> list[ServicePort]:
        return self.services[name]

    def flow_ports(self, flow: Flow) -> list[ServicePort]:
        return [port for name in flow.services for port in self.services[name]]

    def aaa_servers(self, site_aaa: list[str]) -> list[AaaServer]:
        """The device AAA servers: the override, or the site's with the policy's protocol."""
        if self.device_aaa.servers:
            return list(self.device_aaa.servers)
        return [AaaServer(server=s, protocol=self.device_aaa.protocol) for s in site_aaa]


def validate_access(policy: AccessPolicy, doc: SourceDocument) -> list[Problem]:
    """Checks the schema cannot express: names that must exist, the admin-zone rule."""
    problems: list[Problem] = []

    def add(path: tuple[str | int, ...], subject: str, message: str, fix: str) -> None:
        problems.append(Problem(doc.file, doc.line_of(path), message, fix, subject))

    missing = [z.value for z in PolicyZone if z not in policy.zones]
    if missing:
        add(
            ("zones",),
            "zones",
            f"zones not described: {', '.join(missing)}",
            "describe every zone in Turkish and English",
        )
    for name, ports in policy.services.items():
        for i, port in enumerate(ports):
            if port.protocol == Protocol.ICMP and port.ports:
                add(
                    ("services", name, i, "ports"),
                    f"service '{name}'",
                    "icmp has no ports",
                    "remove 'ports' (icmp means echo requests)",
                )
            if port.protocol != Protocol.ICMP and not port.ports:
                add(
                    ("services", name, i),
                    f"service '{name}'",
                    f"{port.protocol} needs ports",
                    "add 'ports: [\"443\"]'",
                )
            for low, high in port.port_ranges():
                if not 1 <= low <= high <= 65535:
                    add(
                        ("services", name, i, "ports"),
                        f"service '{name}'",
                        f"port range {low}-{high} is not within 1-65535, low to high",
                        "write ports between 1 and 65535, the lower first",
                    )
    first: dict[str, int] = {}
    for i, flow in enumerate(policy.flows):
        subject = f"flow '{flow.id}'"
        if flow.id in first:
            where = doc.line_of(("flows", first[flow.id], "id"))
            add(
                ("flows", i, "id"),
                subject,
                "duplicate flow id",
                f"give each flow its own id (the first is at line {where})",
            )
        first.setdefault(flow.id, i)
        for key, end in (("from", flow.from_), ("to", flow.to)):
            kind = flow_end_kind(end)
            if kind is None:
                add(
                    ("flows", i, key),
                    subject,
                    f"'{end}' is neither a zone nor a service kind",
                    f"use a zone ({', '.join(PolicyZone)}) or a service kind "
                    f"({', '.join(ServiceKind)})",
                )
            elif end == PolicyZone.WAN:
                add(
                    ("flows", i, key),
                    subject,
                    "'wan' is the transport between buildings, not an end of a flow",
                    "name the zone at the other building instead",
                )
        if flow.from_ == flow.to == PolicyZone.INTERNET:
            add(
                ("flows", i),
                subject,
                "a flow from the internet to the internet",
                "remove it; it never crosses the municipality",
            )
        for j, name in enumerate(flow.services):
            if name not in policy.services:
                add(
                    ("flows", i, "services", j),
                    subject,
                    f"unknown service '{name}'",
                    f"define it under services: or use one of {', '.join(sorted(policy.services))}",
                )
        if flow.to == policy.admin_zone and flow.from_ != policy.admin_zone:
            add(
                ("flows", i, "from"),
                subject,
                f"the management plane ({policy.admin_zone}) accepts flows only from itself",
                f"remove the flow or start it in '{policy.admin_zone}'",
            )
    accounts = {a.id for a in policy.accounts}
    for i, account in enumerate(policy.accounts):
        if account.id in SHARED_NAMES:
            add(
                ("accounts", i, "id"),
                f"account '{account.id}'",
                "a shared login name is not a named account",
                "use the person's own name (e.g. ayse.demir)",
            )
    if policy.device_aaa.local_fallback.username in SHARED_NAMES:
        add(
            ("device_aaa", "local_fallback", "username"),
            "device_aaa",
            "the local fallback account may not have a shared, guessable name",
            "use a name of the directorate's own (e.g. yerel-acil)",
        )
    for i, group in enumerate(policy.admin_groups):
        for j, member in enumerate(group.members):
            if member not in accounts:
                add(
                    ("admin_groups", i, "members", j),
                    f"admin group '{group.id}'",
                    f"unknown account '{member}'",
                    "add the account under accounts: first",
                )
    return problems


def cross_check_access(
    policy: AccessPolicy, doc: SourceDocument, loaded: LoadedInventory
) -> list[Problem]:
    """Checks against the inventory: AAA servers, units, service kinds that have hosts."""
    inv = loaded.inventory
    problems: list[Problem] = []

    def add(path: tuple[str | int, ...], subject: str, message: str, fix: str) -> None:
        problems.append(Problem(doc.file, doc.line_of(path), message, fix, subject))

    index = inv.index()
    if not policy.device_aaa.servers and not inv.site.services.aaa:
        add(
            ("device_aaa",),
            "device_aaa",
            "the site names no AAA server (services.aaa)",
            "add the AAA servers to site.yml, or list them under device_aaa.servers",
        )
    for i, server in enumerate(policy.device_aaa.servers):
        asset = index.get(server.server)
        if not isinstance(asset, Server):
            add(
                ("device_aaa", "servers", i, "server"),
                "device_aaa",
                f"'{server.server}' is not a server of the inventory",
                "name a server id from servers.yml",
            )
        elif not any(s.kind == ServiceKind.RADIUS for s in asset.services):
            add(
                ("device_aaa", "servers", i, "server"),
                "device_aaa",
                f"server '{server.server}' runs no AAA (radius) service",
                "name the AAA server, or add its service in servers.yml",
            )
        elif asset.address is None:
            add(
                ("device_aaa", "servers", i, "server"),
                "device_aaa",
                f"server '{server.server}' has no address",
                "give it an address in servers.yml",
            )
    units = {u.id for u in inv.site.units}
    for i, account in enumerate(policy.accounts):
        if account.unit not in units:
            add(
                ("accounts", i, "unit"),
                f"account '{account.id}'",
                f"unknown unit '{account.unit}'",
                f"use one of: {', '.join(sorted(units))}",
            )
    site = Site(inv)
    for i, flow in enumerate(policy.flows):
        for key, end in (("from", flow.from_), ("to", flow.to)):
            if flow_end_kind(end) == "service" and not site.service_hosts(end):
                add(
                    ("flows", i, key),
                    f"flow '{flow.id}'",
                    f"no host of the inventory offers service '{end}'",
                    "add the service to a server (or the asset) or remove the flow",
                )
    return problems


def load_access_policy(file: Path, loaded: LoadedInventory | None = None) -> AccessPolicy:
    """Load and validate policies/access.yml; with an inventory, cross-check it too."""
    policy, doc = load_policy_file(file, AccessPolicy, "access")
    problems = validate_access(policy, doc)
    if not problems and loaded is not None:
        problems = cross_check_access(policy, doc, loaded)
    if problems:
        raise InvalidInput(problems)
    return policy
