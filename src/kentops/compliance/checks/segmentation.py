"""Segmentation controls, judged on the static policy check of the rendered rules."""

from __future__ import annotations

from typing import Any

from kentops.compliance.checks import CheckContext
from kentops.compliance.evidence import StoredEvidence
from kentops.compliance.model import Finding, not_assessed, not_collected
from kentops.inventory.model import Asset


def _result(ctx: CheckContext) -> tuple[Any, StoredEvidence] | Finding:
    if not ctx.collected("policy_check"):
        return not_collected("policy_check")
    stored = ctx.item("policy_check", None)
    if stored is None:
        return not_assessed("Politika denetimi sonucu yok", "No policy check result")
    return stored.data, stored


def flows_match_policy(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SEG-POLICY-01: no forbidden flow passes, every allowed flow passes."""
    found = _result(ctx)
    if isinstance(found, Finding):
        return [found]
    return [not_assessed("Politika denetimi okunamadı", "Policy check not readable", found[1].ref)]


def camera_zone_isolated(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SEG-CAM-01: cameras reach only the NVR (and NTP)."""
    return flows_match_policy(ctx, asset)


def guest_zone_isolated(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SEG-GUEST-01: guests reach only the internet."""
    return flows_match_policy(ctx, asset)


def scada_zone_isolated(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SEG-SCADA-01: SCADA reachable only from the named management sources."""
    return flows_match_policy(ctx, asset)


def voice_zone_isolated(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """SEG-VOICE-01: the voice zone reaches only the PBX (and its NTP/provisioning)."""
    return flows_match_policy(ctx, asset)
