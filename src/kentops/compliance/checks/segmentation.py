"""Segmentation controls, judged on the static policy check of the rendered rules.

The policy check (kentops.policycheck) sends representative packets between every pair of
zones through every enforcement point and records each decision that differs from the access
policy as a violation (device, zone pair, packet, expected and actual verdict, deciding rule)
and, per zone pair, the services the policy allows and those the rules let through.
"""

from __future__ import annotations

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


def _result(ctx: CheckContext) -> tuple[Any, StoredEvidence] | Finding:
    if not ctx.collected("policy_check"):
        return not_collected("policy_check")
    stored = ctx.item("policy_check", None)
    if stored is None or stored.data is None:
        return not_assessed("Politika denetimi sonucu yok", "No policy check result")
    return stored.data, stored


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
    found = _result(ctx)
    if isinstance(found, Finding):
        return [found]
    result, stored = found
    problems = [p for p in result.problems if asset.id in str(p)]
    if problems:
        return [
            failed(
                f"Yapılandırma okunamadı: {listing(problems, 2)}",
                f"Configuration could not be read: {listing(problems, 2)}",
                stored.ref,
            )
        ]
    if asset.id not in result.devices:
        if isinstance(asset, Router | Switch):
            return [
                not_applicable(
                    "Bölgeler arası trafiği süzmüyor (zorlama noktası değil)",
                    "Filters no traffic between zones (not an enforcement point)",
                )
            ]
        return [not_applicable("Ağ cihazı değil", "Not a network device")]
    mine = [v for v in result.violations if v.device == asset.id]
    if mine:
        tr, en = _describe(mine)
        return [failed(tr, en, stored.ref)]
    return [
        passed(
            f"Bu cihazın gördüğü her paket politikaya uygun ({result.packets} karar denetlendi)",
            f"Every packet this device sees is decided as the policy says "
            f"({result.packets} decisions checked)",
            stored.ref,
        )
    ]


def _subnet(ctx: CheckContext, asset: Asset, zone: str) -> IPv4Network | None:
    """The asset's own VLAN when it sits in ``zone``, else its building's VLAN of the zone."""
    vlan = ctx.inventory.vlan_index().get(asset.vlan) if asset.vlan else None
    if vlan is not None and vlan.zone.value == zone:
        return vlan.subnet
    building = ctx.inventory.building_vlan(asset.building, Zone(zone))
    return building.subnet if building is not None else None


def _in(network: IPv4Network | None, address: IPv4Address) -> bool:
    return network is not None and address in network


def zone_isolated(
    ctx: CheckContext, asset: Asset, zone: str, *, also: tuple[str, ...] = ()
) -> list[Finding]:
    """Nothing reaches or leaves ``zone`` against the policy where this asset sits.

    For a router or firewall, the violations it decides count; for any other asset, those
    with one end in its VLAN of the zone (or its building's VLAN of the zone).
    The flow matrix shows the zone was probed at all; the services it lists as permitted
    may share ports with others, so only violations (decisions against the policy) count.
    """
    found = _result(ctx)
    if isinstance(found, Finding):
        return [found]
    result, stored = found
    zones = {zone, *also}
    subnet = _subnet(ctx, asset, zone)
    if isinstance(asset, Router):
        if asset.id not in result.devices:
            return [
                not_applicable(
                    "Bölgeler arası trafiği süzmüyor", "Filters no traffic between zones"
                )
            ]

        def mine(v: Any) -> bool:
            return bool(v.device == asset.id)
    elif subnet is None:
        return [
            not_applicable(f"Binada '{zone}' bölgesi yok", f"No '{zone}' zone in this building")
        ]
    else:

        def mine(v: Any) -> bool:
            return _in(subnet, v.packet.src) or _in(subnet, v.packet.dst)

    relevant = [
        v for v in result.violations if (v.src_zone in zones or v.dst_zone in zones) and mine(v)
    ]
    findings: list[Finding] = []
    if relevant:
        tr, en = _describe(relevant)
        findings.append(failed(tr, en, stored.ref))
    covered = any(src in zones or dst in zones for src, dst in result.matrix)
    if not covered:
        findings.append(
            not_assessed(
                f"Politika denetimi '{zone}' bölgesini hiç sınamadı",
                f"The policy check never probed the '{zone}' zone",
                stored.ref,
            )
        )
    if not findings:
        cells = sum(1 for src, dst in result.matrix if src in zones or dst in zones)
        findings.append(
            passed(
                f"'{zone}' bölgesinin {cells} bölge çiftinde trafik politikaya uygun",
                f"Traffic of the '{zone}' zone matches the policy over {cells} zone pairs",
                stored.ref,
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
