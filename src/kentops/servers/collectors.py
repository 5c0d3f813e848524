"""Collectors of live server evidence for the audit (the ``Collector`` protocol).

``server_facts`` and ``backup_state`` share one pyinfra read of every Linux server per
audit; ``service_probe`` connects to each service's port; ``ansible_drift`` runs the audit
playbook in check mode; ``directory_state`` reads the directory over LDAP. Each emits one
item per subject it actually read, with the raw output as content; a host that could not
be read gets no item (its controls stay not assessed) and is named, with the reason, in
the collector's site-wide ``unreachable.json``.

They read the estate only with ``--lab`` (the lab's hosts) or, against the real servers,
when ``KENTOPS_SERVERS_LIVE=1`` is set: an audit never reaches real addresses by accident.
"""

from __future__ import annotations

import os

from kentops.compliance.evidence import CollectContext, EvidenceItem, NotCollected, json_text
from kentops.compliance.payloads import ProbeResult, ServiceProbe
from kentops.inventory.adapters import endpoints
from kentops.lab.state import Endpoint
from kentops.servers import evidence as ev
from kentops.servers.facts import SECTION, FactsRun, collect_facts, server_of
from kentops.servers.probes import not_probed, probe_server

LIVE_ENV = "KENTOPS_SERVERS_LIVE"
_RUN_KEY = "kentops.servers.facts_run"


def live_allowed(ctx: CollectContext, what: str) -> None:
    """Raise NotCollected unless this audit may read the estate (``--lab`` or live)."""
    if ctx.lab or os.environ.get(LIVE_ENV) == "1":
        return
    raise NotCollected(
        f"{what}: read only with --lab (the lab's hosts) or with {LIVE_ENV}=1 (the real servers)"
    )


def facts_run(ctx: CollectContext) -> FactsRun:
    """The pyinfra read of this audit, made once and shared by the server collectors."""
    cached = ctx.options.get(_RUN_KEY)
    if isinstance(cached, FactsRun):
        return cached
    run = collect_facts(ctx.loaded, lab=ctx.lab, hosts=ctx.hosts)
    ctx.options[_RUN_KEY] = run
    return run


def failures_item(kind: str, failures: dict[str, str], source: str) -> EvidenceItem:
    """The site-wide list of subjects that could not be read, and why (never about a host)."""
    return EvidenceItem(
        kind=kind,
        name=f"{kind}/unreachable.json",
        content=json_text({"unreachable": failures}),
        source=source,
        subject=None,
        data={"unreachable": failures},
    )


def _sections(raw: str, wanted: tuple[str, ...]) -> str:
    """Only the sections of the raw output whose name starts with one of ``wanted``."""
    out: list[str] = []
    keep = False
    for line in raw.splitlines():
        if line.startswith(SECTION):
            keep = line[len(SECTION) :].strip().startswith(wanted)
        if keep:
            out.append(line)
    return "\n".join(out) + "\n"


class ServerFactsCollector:
    """server_facts: sshd, accounts, sudo, updates, reboot, time, firewall, listeners."""

    name = "server_facts"
    kinds: tuple[str, ...] = ("server_facts",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        live_allowed(ctx, "server facts")
        run = facts_run(ctx)
        if not run.facts and not run.failures:
            raise NotCollected("no Linux server to read (none in the inventory or the lab)")
        items: list[EvidenceItem] = []
        for host, facts in run.facts.items():
            payload = ev.server_facts(facts, server_of(ctx.loaded, host))
            items.append(
                EvidenceItem(
                    kind="server_facts",
                    name=f"server_facts/{host}.txt",
                    content=run.raw[host],
                    source=run.source.get(host, "pyinfra"),
                    subject=host,
                    data=payload,
                    collected_at=facts.read_at,
                )
            )
        if run.failures:
            items.append(
                failures_item(
                    "server_facts",
                    {f.host: f.reason for f in run.failures},
                    "pyinfra (hosts that could not be read)",
                )
            )
        return items


class BackupStateCollector:
    """backup_state: restic snapshots read now, the backup role's last check and restore
    test (local facts), of every Linux server read."""

    name = "backup_state"
    kinds: tuple[str, ...] = ("backup_state",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        live_allowed(ctx, "backup state")
        run = facts_run(ctx)
        if not run.facts and not run.failures:
            raise NotCollected("no Linux server to read (none in the inventory or the lab)")
        items: list[EvidenceItem] = []
        for host, facts in run.facts.items():
            server = server_of(ctx.loaded, host)
            state = ev.backup_state(facts, server)
            raw = _sections(run.raw[host], ("restic_snapshots:", "local_facts", "df"))
            items.append(
                EvidenceItem(
                    kind="backup_state",
                    name=f"backup_state/{host}.txt",
                    content=raw,
                    source=run.source.get(host, "pyinfra") + ": restic snapshots, local facts",
                    subject=host,
                    data=state,
                    collected_at=facts.read_at,
                )
            )
        if run.failures:
            items.append(
                failures_item(
                    "backup_state",
                    {f.host: f.reason for f in run.failures},
                    "pyinfra (hosts that could not be read)",
                )
            )
        return items


class ServiceProbeCollector:
    """service_probe: each TCP/HTTP(S) service of a server answers at its address."""

    name = "service_probe"
    kinds: tuple[str, ...] = ("service_probe",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        live_allowed(ctx, "service probes")
        targets = endpoints(ctx.loaded, lab=ctx.lab)
        wanted = set(ctx.hosts) if ctx.hosts else None
        items: list[EvidenceItem] = []
        for server in ctx.loaded.inventory.servers:
            target = targets.get(server.id)
            if target is None or (wanted is not None and server.id not in wanted):
                continue
            if target.endpoint.service != "ssh":
                continue
            address = target.endpoint.address
            probes = probe_server(server, address)
            if not probes:
                continue
            raw = {
                "server": server.id,
                "address": address,
                "probes": [pr.model_dump(mode="json") for pr in probes],
                "not_probed": not_probed(server),
            }
            items.append(
                EvidenceItem(
                    kind="service_probe",
                    name=f"service_probe/{server.id}.json",
                    content=json_text(raw),
                    source=f"TCP/HTTP(S) from this machine to {address}",
                    subject=server.id,
                    data=ServiceProbe(
                        asset_id=server.id,
                        probes=[
                            ProbeResult(
                                url=pr.key,
                                ok=pr.ok,
                                status=pr.status,
                                tls_valid=pr.tls_valid,
                                error=pr.error,
                            )
                            for pr in probes
                        ],
                    ),
                )
            )
        if not items:
            raise NotCollected("no server with a TCP service to probe is reachable")
        return items


class DirectoryStateCollector:
    """directory_state: each domain controller's directory read over LDAP (ldap3).

    In the lab, a domain controller the lab runs as a Samba AD DC has an endpoint with
    service ``ldap`` (address, LDAPS port, the reader's bind DN and password, the CA of the
    DC's certificate); against the real estate the bind DN and password come from
    ``KENTOPS_LDAP_BIND_DN`` and ``KENTOPS_LDAP_PASSWORD``, and with ``KENTOPS_LDAP_CA_FILE``
    the DCs are read over LDAPS (636) verified against that CA, else over LDAP (389).
    """

    name = "directory_state"
    kinds: tuple[str, ...] = ("directory_state",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        from kentops.inventory.model import ServiceKind
        from kentops.servers import directory

        live_allowed(ctx, "directory")
        dcs = [
            s
            for s in ctx.loaded.inventory.servers
            if any(x.kind is ServiceKind.DIRECTORY for x in s.services)
        ]
        targets = endpoints(ctx.loaded, lab=ctx.lab)
        readable = [
            (dc, targets[dc.id].endpoint)
            for dc in dcs
            if dc.id in targets and targets[dc.id].endpoint.service == "ldap"
        ]
        if not ctx.lab:
            bind_dn = os.environ.get("KENTOPS_LDAP_BIND_DN")
            if not bind_dn or not os.environ.get("KENTOPS_LDAP_PASSWORD"):
                raise NotCollected("directory: set KENTOPS_LDAP_BIND_DN and KENTOPS_LDAP_PASSWORD")
            ca_file = os.environ.get("KENTOPS_LDAP_CA_FILE") or None
            readable = [
                (
                    dc,
                    Endpoint(
                        str(dc.address),
                        636 if ca_file else 389,
                        bind_dn,
                        service="ldap",
                        ca_file=ca_file,
                    ),
                )
                for dc in dcs
                if dc.address is not None
            ]
        if not readable:
            raise NotCollected("no domain controller to read (start the lab's 'directory' part)")
        base = directory.base_dn(ctx.loaded.inventory.site.domain)
        items: list[EvidenceItem] = []
        failures: dict[str, str] = {}
        for dc, endpoint in readable:
            user = endpoint.username or os.environ.get("KENTOPS_LDAP_BIND_DN", "")
            password = endpoint.password or os.environ.get("KENTOPS_LDAP_PASSWORD", "")
            try:
                connection = directory.connect(
                    endpoint.address, endpoint.port, user, password, ca_file=endpoint.ca_file
                )
                raw = directory.read(connection, base)
                connection.unbind()
            except Exception as exc:  # noqa: BLE001 - this DC's reason; the others go on
                failures[dc.id] = f"{type(exc).__name__}: {exc}"
                continue
            items.append(
                EvidenceItem(
                    kind="directory_state",
                    name=f"directory_state/{dc.id}.json",
                    content=json_text(raw),
                    source=f"{'LDAPS' if endpoint.ca_file else 'LDAP'} "
                    f"{endpoint.address}:{endpoint.port} base {base}",
                    subject=dc.id,
                    data=directory.state_from_raw(dc.id, raw),
                )
            )
        if failures:
            items.append(failures_item("directory_state", failures, "LDAP (not read)"))
        return items
