"""Segmentation controls, judged on the policy check of the rules the devices run.

The same proof runs twice: over kentops' rendered configurations (``policy_check``, a result
about the design, reported apart) and over the running configurations read from the devices
in this run (``running_policy_check``), which alone decides a subject. An enforcement point
whose running configuration was not read leaves what depends on it not assessed.

The policy check (kentops.policycheck) sends representative packets between every pair of
zones through every enforcement point and records each decision that differs from the access
policy as a violation (device, zone pair, packet, expected and actual verdict, deciding rule)
and, per zone pair, the services the policy allows and those the rules let through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from kentops.compliance.checks import CheckContext
from kentops.compliance.checks._common import listing
from kentops.compliance.evidence import StoredEvidence
from kentops.compliance.model import (
    Finding,
    failed,
    not_applicable,
    not_assessed,
    not_collected,
    passed,
)
from kentops.inventory.model import Asset, Router, Switch, Zone

#: How many violations a finding spells out.
SHOWN = 3


@dataclass
class _Index:
    """The policy check result, grouped once per run so each subject is a lookup."""

    result: Any
    stored: StoredEvidence
    by_device: dict[str, list[Any]] = field(default_factory=dict)
    by_zone_subnet: dict[tuple[str, IPv4Network], list[Any]] = field(default_factory=dict)
    zone_cells: dict[str, int] = field(default_factory=dict)
    problems_by_device: dict[str, list[str]] = field(default_factory=dict)
    devices: frozenset[str] = frozenset()
    #: Enforcement points whose configuration this result could not include (not read).
    missing: tuple[str, ...] = ()


def _build_index(
    ctx: CheckContext, result: Any, stored: StoredEvidence, missing: tuple[str, ...] = ()
) -> _Index:
    index = _Index(result, stored, devices=frozenset(result.devices), missing=missing)
    subnets = {v.subnet: v.subnet for v in ctx.inventory.vlans}
    prefixes = sorted({n.prefixlen for n in subnets}, reverse=True)

    cache: dict[IPv4Address, IPv4Network | None] = {}

    def subnet_of(address: IPv4Address) -> IPv4Network | None:
        # the probes are few addresses (one per VLAN, the service hosts): compute each once
        if address not in cache:
            cache[address] = next(
                (
                    found
                    for length in prefixes
                    if (found := subnets.get(IPv4Network((address, length), strict=False)))
                ),
                None,
            )
        return cache[address]

    # Group first (one dict operation per violation), then fan out per group: the probes
    # are few addresses, so the groups are few.
    groups: dict[tuple[str, str, IPv4Address, IPv4Address], list[Any]] = {}
    for violation in result.violations:
        index.by_device.setdefault(violation.device, []).append(violation)
        key = (violation.src_zone, violation.dst_zone, violation.packet.src, violation.packet.dst)
        groups.setdefault(key, []).append(violation)
    for (src_zone, dst_zone, src, dst), members in groups.items():
        ends = {subnet_of(src), subnet_of(dst)} - {None}
        for zone in {src_zone, dst_zone}:
            for net in ends:
                assert net is not None
                index.by_zone_subnet.setdefault((zone, net), []).extend(members)
    for src, dst in result.matrix:
        for zone in {src, dst}:
            index.zone_cells[zone] = index.zone_cells.get(zone, 0) + 1
    device_ids = [a.id for a in ctx.inventory.network_devices()]
    for problem in result.problems:
        text = str(problem)
        for device in device_ids:
            if device in text:
                index.problems_by_device.setdefault(device, []).append(text)
    return index


def _design(ctx: CheckContext) -> _Index | None:
    """The proof over the intended (rendered) configurations: a result about the design."""
    stored = ctx.item("policy_check", None) if ctx.collected("policy_check") else None
    if stored is None or stored.data is None:
        return None
    found = stored
    return ctx.memo("segmentation_design", lambda: _build_index(ctx, found.data, found))


def _running(ctx: CheckContext) -> _Index | Finding:
    """The proof over the running configurations read from the devices: what decides."""
    if not ctx.collected("running_policy_check"):
        return not_collected("running_policy_check")
    stored = ctx.item("running_policy_check", None)
    if stored is None or stored.data is None:
        return not_assessed(
            "Çalışan yapılandırmalar üzerinde politika denetimi sonucu yok",
            "No policy check result over the running configurations",
        )
    found = stored
    return ctx.memo(
        "segmentation_running",
        lambda: _build_index(
            ctx, found.data.result, found, tuple(getattr(found.data, "missing", ()))
        ),
    )


def _on_both(ctx: CheckContext, judge: Callable[[_Index], list[Finding]]) -> list[Finding]:
    """Judge the intended configurations (reported as the design) and the running ones
    (which decide the subject)."""
    findings: list[Finding] = []
    design = _design(ctx)
    if design is not None:
        findings.extend(judge(design))
    running = _running(ctx)
    findings.extend([running] if isinstance(running, Finding) else judge(running))
    return findings


def _describe(violations: list[Any]) -> tuple[str, str]:
    shown = [str(v) for v in violations[:SHOWN]]
    more = len(violations) - len(shown)
    text = "; ".join(shown) + (f" (+{more})" if more > 0 else "")
    return (
        f"{len(violations)} paket politikaya aykırı karar aldı: {text}",
        f"{len(violations)} packet decision(s) contradict the policy: {text}",
    )


def flows_match_policy(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SEG-POLICY-01: this enforcement point blocks every forbidden flow, allows every allowed."""
    return _on_both(ctx, lambda index: _flows(index, asset))


def _flows(index: _Index, asset: Asset) -> list[Finding]:
    ref = index.stored.ref
    if asset.id in index.missing:
        return [
            not_assessed(
                "Bu cihazın çalışan yapılandırması okunamadı; kuralları sınanamadı",
                "The running configuration of this device was not read; its rules are unproven",
                ref,
            )
        ]
    problems = index.problems_by_device.get(asset.id, [])
    if problems:
        return [
            failed(
                f"Yapılandırma okunamadı: {listing(problems, 2)}",
                f"Configuration could not be read: {listing(problems, 2)}",
                ref,
            )
        ]
    if asset.id not in index.devices:
        if isinstance(asset, Router | Switch):
            return [
                not_applicable(
                    "Bölgeler arası trafiği süzmüyor (zorlama noktası değil)",
                    "Filters no traffic between zones (not an enforcement point)",
                )
            ]
        return [not_applicable("Ağ cihazı değil", "Not a network device")]
    mine = index.by_device.get(asset.id, [])
    if mine:
        tr, en = _describe(mine)
        return [failed(tr, en, ref)]
    return [
        passed(
            f"Bu cihazın gördüğü her paket politikaya uygun "
            f"({index.result.packets} karar denetlendi)",
            f"Every packet this device sees is decided as the policy says "
            f"({index.result.packets} decisions checked)",
            ref,
        )
    ]


def _subnet(ctx: CheckContext, asset: Asset, zone: str) -> IPv4Network | None:
    """The asset's own VLAN when it sits in ``zone``, else its building's VLAN of the zone."""
    vlan = ctx.inventory.vlan_index().get(asset.vlan) if asset.vlan else None
    if vlan is not None and vlan.zone.value == zone:
        return vlan.subnet
    building = ctx.inventory.building_vlan(asset.building, Zone(zone))
    return building.subnet if building is not None else None


def zone_isolated(ctx: CheckContext, asset: Asset, zone: str) -> list[Finding]:
    """Nothing reaches or leaves ``zone`` against the policy where this asset sits.

    For a router or firewall, the violations of the zone it decides count; for any other
    asset, those with one end in its VLAN of the zone (or its building's VLAN of the zone).
    The flow matrix shows the zone was probed at all; the services it lists as permitted
    may share ports with others, so only violations (decisions against the policy) count.
    """
    return _on_both(ctx, lambda index: _zone(ctx, index, asset, zone))


def _zone(ctx: CheckContext, index: _Index, asset: Asset, zone: str) -> list[Finding]:
    ref = index.stored.ref
    if index.missing:
        return [
            not_assessed(
                f"Çalışan yapılandırması okunamayan zorlama noktası var: {listing(index.missing)}",
                f"Enforcement points whose running configuration was not read: "
                f"{listing(index.missing)}",
                ref,
            )
        ]
    if isinstance(asset, Router):
        if asset.id not in index.devices:
            return [
                not_applicable(
                    "Bölgeler arası trafiği süzmüyor", "Filters no traffic between zones"
                )
            ]
        relevant = [
            v for v in index.by_device.get(asset.id, []) if zone in {v.src_zone, v.dst_zone}
        ]
    else:
        subnet = _subnet(ctx, asset, zone)
        if subnet is None:
            return [
                not_applicable(f"Binada '{zone}' bölgesi yok", f"No '{zone}' zone in this building")
            ]
        relevant = index.by_zone_subnet.get((zone, subnet), [])
    findings: list[Finding] = []
    if relevant:
        tr, en = _describe(relevant)
        findings.append(failed(tr, en, ref))
    cells = index.zone_cells.get(zone, 0)
    if not cells:
        findings.append(
            not_assessed(
                f"Politika denetimi '{zone}' bölgesini hiç sınamadı",
                f"The policy check never probed the '{zone}' zone",
                ref,
            )
        )
    if not findings:
        findings.append(
            passed(
                f"'{zone}' bölgesinin {cells} bölge çiftinde trafik politikaya uygun",
                f"Traffic of the '{zone}' zone matches the policy over {cells} zone pairs",
                ref,
            )
        )
    return findings


def camera_zone_isolated(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SEG-CAM-01: cameras reach only the NVR (and NTP)."""
    return zone_isolated(ctx, asset, "cameras")


def guest_zone_isolated(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SEG-GUEST-01: guests reach only the internet; their records reach the 5651 archive."""
    findings = zone_isolated(ctx, asset, "guest")
    if not ctx.collected("log5651_archive"):
        findings.append(not_collected("log5651_archive"))
    return findings


def scada_zone_isolated(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SEG-SCADA-01: SCADA reachable only from the named management sources."""
    return zone_isolated(ctx, asset, "scada")


def voice_zone_isolated(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SEG-VOICE-01: the voice zone reaches only the PBX (and its NTP/provisioning)."""
    return zone_isolated(ctx, asset, "voice")
