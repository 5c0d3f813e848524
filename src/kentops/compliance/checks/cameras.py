"""Camera and NVR controls, judged on what each device's API (Hikvision ISAPI) reports."""

from __future__ import annotations

from kentops.compliance import policyview
from kentops.compliance.checks import CheckContext
from kentops.compliance.checks._common import Issue, judge, payload, site_network
from kentops.compliance.model import (
    Finding,
    failed,
    not_applicable,
    not_assessed,
    passed,
)
from kentops.compliance.payloads import CameraState
from kentops.inventory.model import Asset, Camera, Nvr

#: Camera clock offset accepted when the policy does not give one (seconds).
DEFAULT_CAMERA_OFFSET_S = 2.0


def _state(ctx: CheckContext, asset: Asset) -> tuple[CameraState | None, str | None, list[Finding]]:
    if not isinstance(asset, Camera | Nvr):
        return (
            None,
            None,
            [not_applicable("Kamera ya da NVR değil", f"Not a camera or NVR ({asset.kind})")],
        )
    state, stored, missing = payload(ctx, "camera_state", asset.id, CameraState)
    if missing is not None:
        return None, None, [missing]
    assert state is not None
    assert stored is not None
    if not state.reachable:
        return (
            None,
            stored.ref,
            [not_assessed("Cihaza ulaşılamadı", "The device could not be reached", stored.ref)],
        )
    return state, stored.ref, []


def ntp_synchronised(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """CAM-NTP-01: NTP on, pointing at the site servers, offset below the limit."""
    state, ref, findings = _state(ctx, asset)
    if state is None or ref is None:
        return findings
    limit_ms = policyview.max_time_offset_ms(ctx)
    limit = limit_ms / 1000 if limit_ms is not None else DEFAULT_CAMERA_OFFSET_S
    site = site_network(ctx)
    issues: list[Issue] = []
    if state.ntp_enabled is not True:
        issues.append(("NTP kapalı", "NTP disabled"))
    if state.ntp_server is None or state.ntp_server not in site.ntp:
        issues.append(
            (
                f"NTP sunucusu {state.ntp_server} site sunucusu değil",
                f"NTP server {state.ntp_server} is not a site server",
            )
        )
    if state.time_offset_s is None:
        issues.append(("saat farkı okunamadı", "offset not read"))
    elif abs(state.time_offset_s) > limit:
        issues.append(
            (f"saat farkı {state.time_offset_s:.1f} sn", f"offset {state.time_offset_s:.1f} s")
        )
    return [
        judge(issues, "saat site NTP sunucusuna eşit", "clock synchronised to the site NTP", ref)
    ]


def no_default_password(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """CAM-CRED-01: the vendor's default credentials are refused."""
    state, ref, findings = _state(ctx, asset)
    if state is None or ref is None:
        return findings
    if state.default_password_accepted is None:
        return [not_assessed("Varsayılan parola denenemedi", "Default password not tried", ref)]
    if state.default_password_accepted:
        return [
            failed(
                "Üretici varsayılan parolası kabul ediliyor",
                "The vendor default password is accepted",
                ref,
            )
        ]
    return [passed("Varsayılan parola reddediliyor", "The default password is refused", ref)]


def firmware_allowed(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """CAM-FW-01: the firmware read from the device is allowed for its model."""
    state, ref, findings = _state(ctx, asset)
    if state is None or ref is None:
        return findings
    if state.firmware is None:
        return [not_assessed("Yazılım sürümü okunamadı", "Firmware version not read", ref)]
    rule = policyview.firmware_rule(ctx, asset)
    if rule is None:
        return [
            not_assessed(
                f"Yama politikasında {asset.model} için kural yok",
                f"The patching policy has no rule for {asset.model}",
                ref,
            )
        ]
    allowed = policyview.rule_text(rule)
    if rule.allows(state.firmware):
        return [
            passed(
                f"Sürüm {state.firmware} izinli ({allowed})",
                f"Firmware {state.firmware} allowed ({allowed})",
                ref,
            )
        ]
    return [
        failed(
            f"Sürüm {state.firmware} izinli değil (izinli: {allowed})",
            f"Firmware {state.firmware} not allowed (allowed: {allowed})",
            ref,
        )
    ]


def recording_to_nvr(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """CAM-REC-01: every camera is a channel of an NVR and the NVR records it."""
    if not isinstance(asset, Camera):
        return [not_applicable("Kamera değil", f"Not a camera ({asset.kind})")]
    inv = ctx.inventory
    nvr = inv.index().get(asset.nvr)
    findings: list[Finding] = []
    if not isinstance(nvr, Nvr):
        findings.append(
            failed(
                f"Kayıt cihazı {asset.nvr} envanterde yok", f"NVR {asset.nvr} not in the inventory"
            )
        )
    else:
        load = ctx.memo("nvr_load", lambda: _nvr_load(ctx))
        if load[nvr.id] > nvr.channels:
            findings.append(
                failed(
                    f"{nvr.id}: {load[nvr.id]} kamera, {nvr.channels} kanal",
                    f"{nvr.id}: {load[nvr.id]} cameras on {nvr.channels} channels",
                )
            )
        else:
            findings.append(
                passed(
                    f"{nvr.id} kanalı ({load[nvr.id]}/{nvr.channels})",
                    f"channel of {nvr.id} ({load[nvr.id]}/{nvr.channels})",
                )
            )
    state, ref, missing = _state(ctx, asset)
    if state is None or ref is None:
        return [*findings, *missing]
    if state.recording is None:
        findings.append(not_assessed("Kayıt durumu okunamadı", "Recording state not read", ref))
    elif not state.recording:
        findings.append(
            failed("NVR bu kanalı kaydetmiyor", "The NVR is not recording this channel", ref)
        )
    else:
        findings.append(passed("NVR kaydediyor", "The NVR is recording", ref))
    return findings


def _nvr_load(ctx: CheckContext) -> dict[str, int]:
    load: dict[str, int] = {n.id: 0 for n in ctx.inventory.nvrs}
    for camera in ctx.inventory.cameras:
        load[camera.nvr] = load.get(camera.nvr, 0) + 1
    return load


def risky_services_disabled(ctx: CheckContext, asset: Asset) -> list[Finding]:
    """CAM-SVC-01: UPnP, P2P cloud and telnet all off."""
    state, ref, findings = _state(ctx, asset)
    if state is None or ref is None:
        return findings
    unknown = [
        n
        for n, v in (("UPnP", state.upnp), ("P2P", state.p2p_cloud), ("telnet", state.telnet))
        if v is None
    ]
    on = [
        n
        for n, v in (("UPnP", state.upnp), ("P2P", state.p2p_cloud), ("telnet", state.telnet))
        if v
    ]
    if on:
        return [failed(f"Açık: {', '.join(on)}", f"Enabled: {', '.join(on)}", ref)]
    if unknown:
        return [
            not_assessed(f"Okunamadı: {', '.join(unknown)}", f"Not read: {', '.join(unknown)}", ref)
        ]
    return [passed("UPnP, P2P ve telnet kapalı", "UPnP, P2P and telnet off", ref)]
