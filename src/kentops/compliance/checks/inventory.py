"""Inventory controls: valid, complete, current, and matching what is on the wire."""

from __future__ import annotations

import json

from kentops.compliance.checks import CheckContext
from kentops.compliance.checks._common import in_networks, listing, payload
from kentops.compliance.model import (
    Finding,
    failed,
    not_assessed,
    not_collected,
    passed,
)
from kentops.compliance.payloads import (
    CameraState,
    DeviceFacts,
    Log5651Archive,
    ServerFacts,
    read_payload,
)
from kentops.inventory.model import (
    ASSET_BY_COLLECTION,
    NETWORK_KINDS,
    Asset,
    Pbx,
    Server,
    Site,
    Zone,
)

#: Zones whose clients are not inventoried (staff PCs, visitors' phones).
UNINVENTORIED_ZONES = frozenset({Zone.USERS, Zone.GUEST})


def validates(ctx: CheckContext, _site: Site) -> list[Finding]:
    """INV-VALID-01: the inventory validation recorded by the inventory collector."""
    if not ctx.collected("inventory"):
        return [not_collected("inventory")]
    record = next(
        (s for s in ctx.items("inventory", None) if s.ref.endswith("validation.json")), None
    )
    if record is None:
        return [not_assessed("Doğrulama kaydı yok", "No validation record")]
    result = json.loads(record.text)
    if result.get("valid") is True and not result.get("problems"):
        return [
            passed(
                f"Envanter şemaya ve çapraz başvurulara uyuyor ({result.get('assets')} varlık, "
                f"{len(result.get('files', []))} dosya)",
                f"The inventory matches the schema and cross-references ({result.get('assets')} "
                f"assets, {len(result.get('files', []))} files)",
                record.ref,
            )
        ]
    problems = result.get("problems") or ["?"]
    return [
        failed(
            f"{len(problems)} doğrulama sorunu: {listing(problems, 3)}",
            f"{len(problems)} validation problem(s): {listing(problems, 3)}",
            record.ref,
        )
    ]


def _inventory_ref(ctx: CheckContext, asset: Asset) -> str:
    for collection, index in _positions(ctx).get(asset.id, ()):
        origin = ctx.loaded.origin(collection, index)
        return f"inventory/{origin.doc.file.name}"
    return "inventory/validation.json"


def _positions(ctx: CheckContext) -> dict[str, tuple[tuple[str, int], ...]]:
    def build() -> dict[str, tuple[tuple[str, int], ...]]:
        out: dict[str, tuple[tuple[str, int], ...]] = {}
        inv = ctx.inventory
        for collection in ASSET_BY_COLLECTION:
            for index, asset in enumerate(getattr(inv, collection)):
                out[asset.id] = ((collection, index),)
        return out

    return ctx.memo("inventory_positions", build)


def ownership_recorded(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """INV-ASSET-01: building, owning unit and criticality, all valid."""
    if not ctx.collected("inventory"):
        return [not_collected("inventory")]
    inv = ctx.inventory
    buildings = ctx.memo("building_ids", lambda: {b.id for b in inv.buildings})
    units = ctx.memo("unit_ids", lambda: {u.id for u in inv.site.units})
    ref = _inventory_ref(ctx, asset)
    issues = []
    if asset.building not in buildings:
        issues.append((f"bina '{asset.building}' yok", f"building '{asset.building}' unknown"))
    if asset.unit not in units:
        issues.append((f"birim '{asset.unit}' yok", f"unit '{asset.unit}' unknown"))
    if asset.criticality is None:
        issues.append(("kritiklik yok", "no criticality"))
    if issues:
        return [failed("; ".join(i[0] for i in issues), "; ".join(i[1] for i in issues), ref)]
    return [
        passed(
            f"Bina {asset.building}, birim {asset.unit}, kritiklik {asset.criticality.value}",
            f"Building {asset.building}, unit {asset.unit}, criticality {asset.criticality.value}",
            ref,
        )
    ]


def lifecycle_recorded(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """INV-LIFE-01: vendor, model, serial and version recorded, not contradicted by facts."""
    if not ctx.collected("inventory"):
        return [not_collected("inventory")]
    ref = _inventory_ref(ctx, asset)
    # Software running on another machine (a VM, a PBX on its host) has no serial number.
    hosted = (isinstance(asset, Server) and asset.virtual) or (
        isinstance(asset, Pbx) and asset.host is not None
    )
    missing = [
        name
        for name, value in (
            ("vendor", asset.vendor),
            ("model", asset.model),
            ("serial", "-" if hosted else asset.serial),
            ("os_version", asset.os_version),
        )
        if not value
    ]
    findings: list[Finding] = []
    serial = asset.serial or "-"
    if missing:
        findings.append(
            failed(
                f"Kayıtlı değil: {', '.join(missing)}",
                f"Not recorded: {', '.join(missing)}",
                ref,
            )
        )
    else:
        findings.append(
            passed(
                f"{asset.vendor} {asset.model}, seri {serial}, sürüm {asset.os_version}",
                f"{asset.vendor} {asset.model}, serial {serial}, version {asset.os_version}",
                ref,
            )
        )
    return findings


def facts_match(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """INV-FACTS-01: what the device or server reports in this run does not contradict the
    inventory. Facts that could not be read, or that report nothing comparable, decide
    nothing."""
    if not ctx.collected("inventory"):
        return [not_collected("inventory")]
    ref = _inventory_ref(ctx, asset)
    model: type[DeviceFacts | ServerFacts | CameraState]
    if asset.kind in NETWORK_KINDS:
        kind, model = "device_facts", DeviceFacts
    elif isinstance(asset, Server):
        kind, model = "server_facts", ServerFacts
    else:
        kind, model = "camera_state", CameraState
    facts, stored, missing = payload(ctx, kind, asset.id, model)
    if missing is not None or stored is None:
        return [missing or not_collected(kind)]
    reported: dict[str, str | None] = {}
    if isinstance(facts, DeviceFacts):
        reported = {"serial": facts.serial, "os_version": facts.os_version, "model": facts.model}
    elif isinstance(facts, ServerFacts) and facts.os is not None:
        # "Debian 12" in the inventory, "Debian GNU/Linux 12 (bookworm)" on the host: the
        # distribution and its version are what both say
        reported = {"os_version": f"{facts.os.id} {facts.os.version_id}"}
    elif isinstance(facts, CameraState):
        reported = {"os_version": facts.firmware}
    compared = {
        name: seen for name, seen in reported.items() if seen and getattr(asset, name, None)
    }
    if not compared:
        return [
            not_assessed(
                "Cihazdan envanterle karşılaştırılabilecek bilgi okunamadı",
                "Nothing comparable with the inventory was read from the device",
                stored.ref,
            )
        ]
    contradictions = [
        (name, getattr(asset, name), seen)
        for name, seen in compared.items()
        if not _same(str(getattr(asset, name)), seen)
    ]
    if contradictions:
        text = ", ".join(f"{n}: {a} ≠ {s}" for n, a, s in contradictions)
        return [
            failed(
                f"Envanter cihazla çelişiyor ({text})",
                f"The inventory contradicts the device ({text})",
                ref,
                stored.ref,
            )
        ]
    names = ", ".join(sorted(compared))
    return [
        passed(
            f"Cihazdan okunan bilgiyle uyumlu ({names})",
            f"Matches the facts read from the device ({names})",
            ref,
            stored.ref,
        )
    ]


def _same(recorded: str, seen: str) -> bool:
    a, b = recorded.casefold().strip(), seen.casefold().strip()
    return a == b or a in b or b in a


def within_support(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """INV-EOL-01: no asset past its end-of-support date."""
    if not ctx.collected("inventory"):
        return [not_collected("inventory")]
    ref = _inventory_ref(ctx, asset)
    end = asset.lifecycle.end_of_support if asset.lifecycle else None
    if end is None:
        return [
            not_assessed(
                "Destek bitiş tarihi kayıtlı değil",
                "End-of-support date not recorded",
                ref,
            )
        ]
    if end < ctx.today:
        return [
            failed(
                f"Destek {end.isoformat()} tarihinde bitti",
                f"Support ended on {end.isoformat()}",
                ref,
            )
        ]
    return [
        passed(
            f"Destek {end.isoformat()} tarihine kadar sürüyor",
            f"Supported until {end.isoformat()}",
            ref,
        )
    ]


def no_unknown_devices(ctx: CheckContext, _site: Site) -> list[Finding]:
    """INV-DISC-01: every device seen on the wire (LLDP, ARP, DHCP) is in the inventory."""
    inv = ctx.inventory
    have_facts = ctx.collected("device_facts")
    have_archive = ctx.collected("log5651_archive")
    if not have_facts and not have_archive:
        return [not_collected("device_facts", "log5651_archive")]
    by_mac = {a.mac for a in inv.assets() if a.mac}
    by_ip = {str(a.address) for a in inv.assets() if a.address}
    names = {a.id for a in inv.assets()} | {a.host_name for a in inv.assets()}
    exempt = [v.subnet for v in inv.vlans if v.zone in UNINVENTORIED_ZONES]

    def exempt_ip(ip: str) -> bool:
        return in_networks(ip, exempt)

    unknown: list[str] = []
    refs: list[str] = []
    seen = 0  # neighbours, ARP entries and leases compared with the inventory
    if have_facts:
        for stored in ctx.evidence.of_kind("device_facts"):
            facts = read_payload(DeviceFacts, stored.data)
            if facts is None:
                continue
            refs.append(stored.ref)
            for n in facts.lldp_neighbors:
                seen += 1
                known = (n.remote_mac and n.remote_mac.lower() in by_mac) or (
                    n.remote_name and n.remote_name.split(".")[0].lower() in names
                )
                if not known:
                    unknown.append(
                        f"LLDP {facts.device_id}:{n.local_port} {n.remote_name or n.remote_mac}"
                    )
            for entry in facts.arp:
                if exempt_ip(entry.ip):
                    continue
                seen += 1
                if entry.mac.lower() not in by_mac and entry.ip not in by_ip:
                    unknown.append(f"ARP {entry.ip} {entry.mac}")
    if have_archive:
        archive, archive_item, _ = payload(ctx, "log5651_archive", None, Log5651Archive)
        if archive is not None and archive_item is not None:
            refs.append(archive_item.ref)
            for lease in archive.leases:
                if exempt_ip(lease.ip):
                    continue
                seen += 1
                if lease.mac.lower() not in by_mac and lease.ip not in by_ip:
                    unknown.append(f"DHCP {lease.ip} {lease.mac} {lease.hostname or ''}".strip())
    findings: list[Finding] = []
    if not refs:
        return [
            not_assessed(
                "Hiçbir cihazdan komşu/ARP bilgisi ya da kira kaydı okunamadı",
                "No neighbour, ARP or lease data was read from any device",
            )
        ]
    if not seen:
        return [
            not_assessed(
                "Okunan kanıtta hiç komşu, ARP ya da kira kaydı yok: görülen cihaz yok",
                "The evidence read holds no neighbour, ARP entry or lease: no device was seen",
                *refs,
            )
        ]
    if unknown:
        unique = sorted(set(unknown))
        findings.append(
            failed(
                f"Envanterde olmayan {len(unique)} cihaz: {listing(unique, 5)}",
                f"{len(unique)} device(s) not in the inventory: {listing(unique, 5)}",
                *refs,
            )
        )
    else:
        findings.append(
            passed("Görülen her cihaz envanterde", "Every device seen is in the inventory", *refs)
        )
    if not have_facts:
        findings.append(not_collected("device_facts"))
    if not have_archive:
        findings.append(not_collected("log5651_archive"))
    return findings
