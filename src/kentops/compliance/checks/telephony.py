"""Telephony controls, judged on what the PBX (Asterisk) and the phones report."""

from __future__ import annotations

from kentops.compliance.checks import CheckContext
from kentops.compliance.checks._common import Issue, judge, payload
from kentops.compliance.model import (
    Finding,
    failed,
    not_applicable,
    not_assessed,
    passed,
)
from kentops.compliance.payloads import VoiceState
from kentops.inventory.model import Asset, Pbx, Phone


def extensions_provisioned(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """VOI-EXT-01: the phone is registered on its PBX with its own extension."""
    if not isinstance(asset, Phone):
        return [not_applicable("Telefon değil", f"Not a phone ({asset.kind})")]
    findings: list[Finding] = []
    pbx = ctx.inventory.index().get(asset.pbx)
    if not isinstance(pbx, Pbx):
        return [
            failed(f"Santral {asset.pbx} envanterde yok", f"PBX {asset.pbx} not in the inventory")
        ]
    numbers = ctx.memo(("extension_numbers", pbx.id), lambda: {e.number for e in pbx.extensions})
    if asset.extension not in numbers:
        findings.append(
            failed(
                f"Dahili {asset.extension} santralde tanımlı değil",
                f"Extension {asset.extension} not defined on the PBX",
            )
        )
    taken = ctx.memo(("extension_owners", pbx.id), lambda: _owners(ctx, pbx.id))
    if len(taken.get(asset.extension, [])) > 1:
        findings.append(
            failed(
                f"Dahili {asset.extension} birden çok telefonda",
                f"Extension {asset.extension} on several phones",
            )
        )
    state, stored, missing = payload(ctx, "voice_state", pbx.id, VoiceState)
    if state is None or stored is None:
        return [*findings, missing] if missing else findings
    if asset.extension in state.registered_extensions:
        findings.append(
            passed(
                f"Dahili {asset.extension} santrale kayıtlı",
                f"Extension {asset.extension} registered on the PBX",
                stored.ref,
            )
        )
    else:
        findings.append(
            failed(
                f"Dahili {asset.extension} santrale kayıtlı değil",
                f"Extension {asset.extension} not registered on the PBX",
                stored.ref,
            )
        )
    return findings


def _owners(ctx: CheckContext, pbx_id: str) -> dict[str, list[str]]:
    owners: dict[str, list[str]] = {}
    for phone in ctx.inventory.phones:
        if phone.pbx == pbx_id:
            owners.setdefault(phone.extension, []).append(phone.id)
    return owners


def sip_tls_srtp(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """VOI-TLS-01: SIP signalling over TLS only and SRTP required."""
    if not isinstance(asset, Pbx | Phone):
        return [not_applicable("Santral ya da telefon değil", f"Not a PBX or phone ({asset.kind})")]
    state, stored, missing = payload(ctx, "voice_state", asset.id, VoiceState)
    if state is None or stored is None:
        return [missing] if missing else []
    issues: list[Issue] = []
    if not state.sip_transports:
        return [not_assessed("SIP taşıma bilgisi okunamadı", "SIP transports not read", stored.ref)]
    clear = [t for t in state.sip_transports if t.lower() != "tls"]
    if clear:
        issues.append((f"şifresiz SIP: {', '.join(clear)}", f"unencrypted SIP: {', '.join(clear)}"))
    if state.srtp_required is not True:
        issues.append(("SRTP zorunlu değil", "SRTP not required"))
    return [
        judge(
            issues, "SIP yalnızca TLS, SRTP zorunlu", "SIP over TLS only, SRTP required", stored.ref
        )
    ]


def no_anonymous_calls(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """VOI-ANON-01: the PBX accepts no anonymous or guest calls."""
    if not isinstance(asset, Pbx):
        return [not_applicable("Santral değil", f"Not a PBX ({asset.kind})")]
    state, stored, missing = payload(ctx, "voice_state", asset.id, VoiceState)
    if state is None or stored is None:
        return [missing] if missing else []
    if state.anonymous_calls is None:
        return [
            not_assessed(
                "Anonim arama ayarı okunamadı", "Anonymous call setting not read", stored.ref
            )
        ]
    if state.anonymous_calls:
        return [
            failed(
                "Santral anonim/misafir aramaları kabul ediyor",
                "The PBX accepts anonymous/guest calls",
                stored.ref,
            )
        ]
    return [passed("Anonim aramalar reddediliyor", "Anonymous calls refused", stored.ref)]
