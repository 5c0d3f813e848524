"""What the Ansible roles need, computed once from the inventory and the policies.

The inventory plugin adds these variables to every Linux server, so roles never hold a
second copy of the data: administrators, SSH keys and sudo groups (policies/access.yml),
the host firewall (the flows of policies/access.yml that end on the host), the backup
class (policies/backup.yml), the maintenance window (policies/patching.yml) and the
addresses of the site's NTP, syslog and backup servers.

Secrets stay references: a ``vault:NAME`` becomes the template ``{{ vault_NAME }}`` and an
``env:NAME`` an environment lookup (the same ``secret`` filter the renderer uses), filled
in by Ansible when a task uses them.

With the lab, every address written for a service is the lab's address of the host that
runs it; a service whose host the lab does not run is left out (never its real address),
and the lab's control node counts as the management zone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from kentops.inventory.loader import LoadedInventory
from kentops.inventory.model import Server, ServiceKind
from kentops.policy import Policies
from kentops.policy.access import AccessPolicy
from kentops.policy.compile import flow_ports
from kentops.policy.flowends import PolicyZone, flow_end_kind
from kentops.policy.zones import Site

#: Login targets (policies/access.yml admin_groups[].login) that mean "every server".
SERVER_TARGET = "servers"
#: Where restic's REST server answers when the inventory names no port.
REST_PORT = 8000
#: Lab-only commands of the patching role: the lab host reboots through its own init.
LAB_REBOOT_COMMAND = "/usr/local/sbin/kentops-lab-reboot"
LAB_BOOT_ID_COMMAND = "cat /run/kentops-lab/boot-id"
#: The lab's local package source (kentops.lab.hosts.packages) as an unattended origin.
LAB_SECURITY_ORIGIN = "origin=kentops-lab,codename=${distro_codename}-security"


@dataclass(frozen=True)
class LabView:
    """The lab's addresses: inventory id -> lab address, and the control node's address."""

    addresses: Mapping[str, str]
    control_node: str | None


def _service_servers(loaded: LoadedInventory, kind: ServiceKind) -> list[Server]:
    return [s for s in loaded.inventory.servers if any(v.kind == kind for v in s.services)]


def _service_port(server: Server, kind: ServiceKind, default: int) -> int:
    for service in server.services:
        if service.kind == kind and service.port is not None:
            return service.port
    return default


class RoleVars:
    """Role variables per Linux server; ``secret`` is the shared reference filter."""

    def __init__(
        self,
        loaded: LoadedInventory,
        policies: Policies,
        secret: Callable[..., str],
        lab: LabView | None = None,
    ) -> None:
        self.loaded = loaded
        self.policies = policies
        self.secret = secret
        self.lab = lab
        self.site = Site(loaded.inventory)
        self.servers = {s.id: s for s in loaded.inventory.servers}

    # -- addresses

    def address(self, server_id: str) -> str | None:
        """The address a role writes for a server: the lab's one when in the lab."""
        if self.lab is not None:
            return self.lab.addresses.get(server_id)
        server = self.servers.get(server_id)
        return str(server.address) if server is not None and server.address else None

    def _addresses(self, ids: list[str]) -> list[str]:
        return [a for a in (self.address(i) for i in ids) if a is not None]

    # -- access

    def access(self, server: Server) -> dict[str, Any]:
        policy: AccessPolicy = self.policies.access
        kinds = {s.kind.value for s in server.services}
        accounts = {a.id: a for a in policy.accounts}
        groups = [
            g for g in policy.admin_groups if SERVER_TARGET in g.login or kinds & set(g.login)
        ]
        admins: dict[str, dict[str, Any]] = {}
        for group in groups:
            for member in group.members:
                account = accounts[member]
                if account.disabled:
                    continue
                entry = admins.setdefault(
                    member,
                    {
                        "name": member,
                        "comment": account.name,
                        "ssh_public_key": self.secret(account.ssh_public_key),
                        "groups": [],
                        "sudo": False,
                    },
                )
                entry["groups"].append(group.id)
                entry["sudo"] = entry["sudo"] or group.sudo
        site_name = self.loaded.inventory.site.name
        return {
            "access_admins": [admins[k] for k in sorted(admins)],
            "access_admin_groups": [g.id for g in groups],
            "access_sudo_groups": [g.id for g in groups if g.sudo],
            "access_disabled_accounts": sorted(a.id for a in policy.accounts if a.disabled),
            "access_banner": "\n\n".join(
                [
                    policy.banner.tr.format(site=site_name),
                    policy.banner.en.format(site=site_name),
                ]
            ),
        }

    # -- baseline

    def _end_sources(self, end: str) -> list[str]:
        """Source networks of a flow end; [] means any address (the internet)."""
        if end == PolicyZone.INTERNET:
            return []
        if flow_end_kind(end) == "service":
            hosts = self.site.service_hosts(end)
            if self.lab is not None:
                return sorted(f"{a}/32" for a in self._addresses([h.asset for h in hosts]))
            return sorted(f"{h.address}/32" for h in hosts)
        nets = [str(n) for n in self.site.end_networks(end)]
        if self.lab is not None:
            in_zone = [
                s.id
                for s in self.servers.values()
                if s.address is not None and self.site.zone_of(s.address) == end
            ]
            nets += [f"{a}/32" for a in self._addresses(in_zone)]
            if end == self.policies.access.admin_zone and self.lab.control_node:
                nets.append(f"{self.lab.control_node}/32")
        return sorted(set(nets))

    def firewall(self, server: Server) -> list[dict[str, Any]]:
        """Inbound rules: every flow of the policy that ends on this host (zone or service)."""
        if server.address is None:
            return []
        zone = self.site.zone_of(IPv4Address(server.address))
        kinds = {s.kind.value for s in server.services}
        rules: list[dict[str, Any]] = []
        for flow in self.policies.access.flows:
            if flow.to != zone and flow.to not in kinds:
                continue
            sources = self._end_sources(flow.from_)
            if flow.from_ != PolicyZone.INTERNET and not sources:
                continue  # nobody in the inventory stands at that end
            for spec in flow_ports(self.policies.access, flow):
                rules.append(
                    {
                        "flow": flow.id,
                        "why": flow.why,
                        "protocol": spec.protocol,
                        "ports": []
                        if spec.protocol == "icmp"
                        else [
                            str(spec.low) if spec.low == spec.high else f"{spec.low}-{spec.high}"
                        ],
                        "sources": sources,
                        "log": flow.log,
                    }
                )
        return rules

    def baseline(self, server: Server) -> dict[str, Any]:
        services = self.loaded.inventory.site.services
        syslog = self.address(services.syslog)
        syslog_server = self.servers.get(services.syslog)
        syslog_port = (
            _service_port(syslog_server, ServiceKind.SYSLOG, 514) if syslog_server else 514
        )
        return {
            "baseline_timezone": self.loaded.inventory.site.timezone,
            "baseline_ntp_servers": self._addresses(list(services.ntp)),
            "baseline_syslog_server": syslog or "",
            "baseline_syslog_port": syslog_port,
            "baseline_firewall_rules": self.firewall(server),
            "baseline_unattended_origins": [
                "origin=Debian,codename=${distro_codename}-security,label=Debian-Security",
                *([LAB_SECURITY_ORIGIN] if self.lab is not None else []),
            ],
        }

    # -- backup

    def backup(self, server: Server) -> dict[str, Any]:
        policy = self.policies.backup
        rest_servers = _service_servers(self.loaded, ServiceKind.BACKUP)
        out: dict[str, Any] = {"backup_enabled": False}
        if server.backup_class is None or not rest_servers:
            return out
        cls = policy.by_id()[server.backup_class]
        rest = rest_servers[0]
        # the backup server backs its own system up into its own REST server like any
        # other client; its repositories reach another building only by its class's copy
        address = self.address(rest.id)
        if address is None:
            return out
        port = _service_port(rest, ServiceKind.BACKUP, REST_PORT)
        kinds = {s.kind for s in server.services}
        out.update(
            {
                "backup_enabled": True,
                "backup_class": cls.id,
                "backup_schedule": cls.schedule,
                "backup_keep": {
                    "hourly": cls.keep_hourly,
                    "daily": cls.keep_daily,
                    "weekly": cls.keep_weekly,
                    "monthly": cls.keep_monthly,
                    "yearly": cls.keep_yearly,
                },
                "backup_restore_test_days": cls.restore_test_days,
                "backup_append_only": cls.append_only,
                "backup_repository": f"rest:http://{address}:{port}/{server.id}/",
                "backup_password": self.secret(policy.repository_password),
                "backup_offsite": cls.offsite,
                "backup_offsite_repository": self.secret(policy.offsite.repository),
                "backup_offsite_password": self.secret(policy.offsite.password),
                # the lab keeps its off-site repository on its backup server (lab_vault);
                # a real site's is wherever the vault points, so its building is not known
                "backup_offsite_building": rest.building if self.lab is not None else "",
                "backup_postgresql_dump": cls.consistent_dump and ServiceKind.DATABASE in kinds,
            }
        )
        return out

    def restic_server(self, server: Server) -> dict[str, Any]:
        if not any(s.kind == ServiceKind.BACKUP for s in server.services):
            return {"restic_server_enabled": False}
        clients = [
            s.id for s in self.servers.values() if s.backup_class is not None and s.id != server.id
        ]
        client_addresses = (
            self._addresses(clients)
            if self.lab is not None
            else [str(self.servers[c].address) for c in clients if self.servers[c].address]
        )
        classes = self.policies.backup.by_id()
        repositories = [
            {
                "name": c,
                "class": self.servers[c].backup_class,
                "keep": {
                    period: getattr(classes[str(self.servers[c].backup_class)], f"keep_{period}")
                    for period in ("hourly", "daily", "weekly", "monthly", "yearly")
                },
            }
            for c in sorted([*clients, server.id] if server.backup_class else clients)
            if str(self.servers[c].backup_class) in classes
        ]
        return {
            "restic_server_enabled": True,
            "restic_server_port": _service_port(server, ServiceKind.BACKUP, REST_PORT),
            "restic_server_append_only": True,
            "restic_server_clients": sorted(f"{a}/32" for a in client_addresses),
            # retention runs here, where deleting is possible (clients can only append)
            "restic_server_repositories": repositories,
            "restic_server_password": self.secret(self.policies.backup.repository_password),
        }

    def postgresql(self, server: Server) -> dict[str, Any]:
        if not any(s.kind == ServiceKind.DATABASE for s in server.services):
            return {"postgresql_enabled": False}
        zone = self.site.zone_of(IPv4Address(server.address)) if server.address else None
        peers = self._end_sources(zone) if zone is not None else []
        return {
            "postgresql_enabled": True,
            "postgresql_port": _service_port(server, ServiceKind.DATABASE, 5432),
            "postgresql_clients": [p for p in peers if IPv4Network(p).prefixlen > 0],
        }

    # -- patching

    def patching(self, _server: Server) -> dict[str, Any]:
        policy = self.policies.patching
        window = policy.maintenance_window
        out: dict[str, Any] = {
            "patching_window_days": list(window.days),
            "patching_window_start": window.start,
            "patching_window_hours": window.duration_hours,
            "patching_max_pending_security_days": policy.max_pending_security_days,
            "patching_reboot": policy.reboot,
        }
        if self.lab is not None:
            out["patching_reboot_command"] = LAB_REBOOT_COMMAND
            out["patching_boot_id_command"] = LAB_BOOT_ID_COMMAND
        return out

    def for_server(self, server: Server) -> dict[str, Any]:
        out: dict[str, Any] = {"kentops_lab": self.lab is not None}
        for part in (
            self.access,
            self.baseline,
            self.backup,
            self.restic_server,
            self.postgresql,
            self.patching,
        ):
            out.update(part(server))
        return out
