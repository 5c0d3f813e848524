"""Availability controls: services answer, headquarters has two ways out, UPS where it matters."""

from __future__ import annotations

from kentops.compliance.checks import CheckContext
from kentops.compliance.checks._common import listing, payload
from kentops.compliance.model import (
    Finding,
    failed,
    not_applicable,
    not_assessed,
    not_collected,
    passed,
)
from kentops.compliance.payloads import DeviceFacts, ServiceProbe
from kentops.inventory.model import Asset, Building, Criticality, Pbx, Router, Server

HIGH = frozenset({Criticality.HIGH, Criticality.CRITICAL})


def services_reachable(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """AVL-SVC-01: every service with a URL answers, with a valid certificate."""
    if not isinstance(asset, Server):
        return [not_applicable("Sunucu değil", "Not a server")]
    urls = [s.url for s in asset.services if s.url]
    if not urls:
        return [not_applicable("Adresi (URL) olan hizmeti yok", "No service with a URL")]
    probe, stored, missing = payload(ctx, "service_probe", asset.id, ServiceProbe)
    if probe is None or stored is None:
        return [missing] if missing else []
    results = {p.url: p for p in probe.probes}
    findings: list[Finding] = []
    for url in urls:
        result = results.get(url)
        if result is None:
            findings.append(not_assessed(f"{url} denenmedi", f"{url} not probed", stored.ref))
        elif not result.ok:
            findings.append(
                failed(
                    f"{url} yanıt vermedi ({result.status or result.error})",
                    f"{url} did not answer ({result.status or result.error})",
                    stored.ref,
                )
            )
        elif url.startswith("https://") and result.tls_valid is not True:
            findings.append(
                failed(
                    f"{url}: TLS sertifikası geçersiz",
                    f"{url}: TLS certificate invalid",
                    stored.ref,
                )
            )
        else:
            findings.append(
                passed(
                    f"{url} yanıt verdi ({result.status})",
                    f"{url} answered ({result.status})",
                    stored.ref,
                )
            )
    return findings


def redundant_uplinks(ctx: CheckContext, building: Building) -> list[Finding]:
    """AVL-UPLINK-01: headquarters has two uplinks (carriers or media differ), both up."""
    if building.kind != "headquarters":
        return [not_applicable("Merkez bina değil", "Not the headquarters")]
    links = building.uplinks
    distinct = len({u.provider for u in links}) >= 2 or len({u.type for u in links}) >= 2
    desc = ", ".join(f"{u.provider} {u.type.value}" for u in links)
    if len(links) < 2 or not distinct:
        return [failed(f"Yedekli çıkış yok: {desc}", f"No redundant uplink: {desc}")]
    findings = [passed(f"İki çıkış kayıtlı: {desc}", f"Two uplinks recorded: {desc}")]
    if not ctx.collected("device_facts"):
        return [*findings, not_collected("device_facts")]
    routers = [r for r in ctx.inventory.routers if r.building == building.id]
    down: list[str] = []
    seen: set[int] = set()
    refs: list[str] = []
    for router in routers:
        facts, stored, _ = payload(ctx, "device_facts", router.id, DeviceFacts)
        if facts is None or stored is None:
            continue
        refs.append(stored.ref)
        for iface in _wan_interfaces(router):
            state = facts.interfaces.get(iface[0])
            if state is not None and state.up:
                seen.add(iface[1])
            elif state is not None:
                down.append(f"{router.id}:{iface[0]}")
    if not refs:
        return [
            *findings,
            not_assessed("Sınır cihazlarından bilgi okunamadı", "No facts from the edge devices"),
        ]
    missing_links = [i for i in range(len(links)) if i not in seen]
    if missing_links:
        return [
            *findings,
            failed(
                f"Çalışmayan çıkış: {listing(down) or missing_links}",
                f"Uplink down: {listing(down) or missing_links}",
                *refs,
            ),
        ]
    return [*findings, passed("Her iki çıkış da ayakta", "Both uplinks are up", *refs)]


def _wan_interfaces(router: Router) -> list[tuple[str, int]]:
    return [(i.name, i.wan) for i in router.interfaces if i.wan is not None]


def power_source(ctx: CheckContext, asset: Asset, depth: int = 0) -> tuple[str, str] | None:
    """(UPS id, how) feeding an asset: its own, or the one of the machine it runs on."""
    if asset.ups is not None:
        return asset.ups, asset.id
    index = ctx.inventory.index()
    host_id = None
    if isinstance(asset, Server) and asset.virtual and asset.hypervisor:
        host_id = asset.hypervisor
    elif isinstance(asset, Pbx) and asset.host:
        host_id = asset.host
    host = index.get(host_id) if host_id else None
    if host is None or depth > 3:
        return None
    found = power_source(ctx, host, depth + 1)
    return (found[0], f"{host.id}" if found[1] == host.id else found[1]) if found else None


def ups_fed(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """AVL-UPS-01: high and critical equipment is recorded as fed by a UPS.

    A virtual server is fed through its hypervisor, a software PBX through its host.
    """
    if asset.criticality not in HIGH:
        return [not_applicable("Kritikliği yüksek değil", f"Criticality {asset.criticality.value}")]
    if not ctx.collected("inventory"):
        return [not_collected("inventory")]
    found = power_source(ctx, asset)
    if found is None:
        return [
            failed(
                f"Kritiklik {asset.criticality.value}; bir UPS'ten beslendiği kayıtlı değil",
                f"Criticality {asset.criticality.value}; not recorded as fed by a UPS",
            )
        ]
    ups, via = found
    if ups not in ctx.inventory.index():
        return [failed(f"UPS {ups} envanterde yok", f"UPS {ups} not in the inventory")]
    if via == asset.id:
        return [passed(f"{ups} tarafından besleniyor", f"Fed by {ups}")]
    return [passed(f"{via} üzerinden {ups} tarafından besleniyor", f"Fed by {ups} through {via}")]
