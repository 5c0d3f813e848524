"""Checks on the evidence of later collectors (server facts, restic state, the 5651 archive,
cameras, the PBX, probes): each judges what it is given, and says "not assessed" — never
"compliant" — when that evidence was not collected."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from kentops.compliance.catalog import Catalogs
from kentops.compliance.engine import judge_subject
from kentops.compliance.evidence import EvidenceItem, json_text
from kentops.compliance.model import Outcome, combine
from kentops.compliance.payloads import (
    AdminState,
    AntiMalwareState,
    ArchiveDay,
    ArpEntry,
    AuditdState,
    BackupState,
    CameraState,
    DeviceFacts,
    FirewallState,
    InterfaceState,
    Log5651Archive,
    NtpState,
    OffsiteCopy,
    OsInfo,
    PendingUpdate,
    ProbeResult,
    RepositoryCheck,
    RestoreTest,
    ServerFacts,
    ServiceProbe,
    Snapshot,
    SshdState,
    UpdateState,
    VoiceState,
)
from kentops.inventory.loader import LoadedInventory
from kentops.inventory.model import Inventory, Lifecycle
from tests.unit.compliance.conftest import NOW, ContextFactory

TODAY = NOW.date()


def item(kind: str, subject: str | None, data: Any) -> EvidenceItem:
    return EvidenceItem(
        kind=kind,
        name=f"{kind}/{subject or 'site'}.json",
        content=json_text(data),
        source="test",
        subject=subject,
        data=data,
    )


def run(catalogs: Catalogs, control: str, ctx: Any, subject_id: str) -> tuple[Outcome, str]:
    inv = ctx.inventory
    subject: Any = inv.site if subject_id == inv.site.id else None
    if subject is None:
        subject = next((b for b in inv.buildings if b.id == subject_id), None) or inv.asset(
            subject_id
        )
    decision = judge_subject(catalogs.controls[control], ctx, subject)
    return decision.outcome, " | ".join(f.en for f in decision.findings)


# ---------------------------------------------------------------- servers


def hardened(server: str = "hq-srv-web-01", **changes: Any) -> ServerFacts:
    facts = ServerFacts(
        server_id=server,
        os=OsInfo(id="debian", version_id="12", pretty_name="Debian 12"),
        sshd=SshdState(
            password_authentication=False,
            permit_root_login="no",
            ciphers=["chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com"],
            kex_algorithms=["curve25519-sha256"],
            macs=["hmac-sha2-512-etm@openssh.com"],
        ),
        admins=AdminState(
            sudo_users=["ahmet.yilmaz"], uid0_accounts=["root"], root_password_login=False
        ),
        updates=UpdateState(
            pending_security=[
                PendingUpdate(package="openssl", available_since=TODAY - dt.timedelta(days=3))
            ],
            reboot_required=False,
        ),
        time=NtpState(synchronised=True, offset_ms=1.5, servers=["10.10.60.11", "10.10.60.12"]),
        firewall=FirewallState(
            active=True, input_policy="drop", ruleset_sha256="ab", expected_sha256="ab"
        ),
        antimalware=AntiMalwareState(
            installed=True, running=True, product="ClamAV", signatures_updated=NOW
        ),
        auditd=AuditdState(running=True, rules_loaded=42, forwarding=True),
        cleartext_services=[],
    )
    return facts.model_copy(update=changes)


SERVER_CONTROLS = (
    "SRV-ADMIN-01",
    "SRV-SSH-01",
    "SRV-PATCH-01",
    "SRV-REBOOT-01",
    "SRV-TIME-01",
    "SRV-FW-01",
    "SRV-AUDIT-01",
    "SRV-OS-01",
    "SEC-ENC-01",
)


def test_hardened_server_passes(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    ctx = make_ctx([item("server_facts", "hq-srv-web-01", hardened())])
    for control in SERVER_CONTROLS:
        outcome, text = run(catalogs, control, ctx, "hq-srv-web-01")
        assert outcome is Outcome.PASS, (control, text)
    # a web server needs no anti-malware; a Windows file server does
    assert run(catalogs, "SRV-AV-01", ctx, "hq-srv-web-01")[0] is Outcome.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("control", "changes", "why"),
    [
        (
            "SRV-ADMIN-01",
            {
                "admins": AdminState(
                    sudo_users=["ahmet.yilmaz", "stajyer"],
                    uid0_accounts=["root", "toor"],
                    root_password_login=True,
                )
            },
            "stajyer",
        ),
        (
            "SRV-SSH-01",
            {
                "sshd": SshdState(
                    password_authentication=True, permit_root_login="yes", ciphers=["aes128-cbc"]
                )
            },
            "aes128-cbc",
        ),
        (
            "SRV-PATCH-01",
            {
                "updates": UpdateState(
                    pending_security=[
                        PendingUpdate(
                            package="openssh-server", available_since=TODAY - dt.timedelta(days=40)
                        )
                    ]
                )
            },
            "openssh-server",
        ),
        # pending since Wednesday: Thursday night's window has passed
        (
            "SRV-REBOOT-01",
            {
                "updates": UpdateState(
                    reboot_required=True,
                    reboot_required_since=dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC),
                )
            },
            "has passed",
        ),
        (
            "SRV-TIME-01",
            {"time": NtpState(synchronised=True, offset_ms=900, servers=["pool.ntp.org"])},
            "pool.ntp.org",
        ),
        (
            "SRV-FW-01",
            {
                "firewall": FirewallState(
                    active=True, input_policy="accept", ruleset_sha256="ab", expected_sha256="cd"
                )
            },
            "input policy accept",
        ),
        (
            "SRV-AUDIT-01",
            {"auditd": AuditdState(running=False, rules_loaded=0, forwarding=False)},
            "auditd not running",
        ),
        (
            "SRV-OS-01",
            {"os": OsInfo(id="debian", version_id="11", pretty_name="Debian 11")},
            "Debian 11 is not allowed",
        ),
        ("SEC-ENC-01", {"cleartext_services": ["ftp", "telnet"]}, "ftp"),
    ],
)
def test_server_failures_are_named(
    make_ctx: ContextFactory, catalogs: Catalogs, control: str, changes: dict[str, Any], why: str
) -> None:
    ctx = make_ctx([item("server_facts", "hq-srv-web-01", hardened(**changes))])
    outcome, text = run(catalogs, control, ctx, "hq-srv-web-01")
    assert outcome is Outcome.FAIL
    assert why in text


def test_recent_reboot_is_within_the_window(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    since = dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)  # Saturday; next window Tuesday
    facts = hardened(updates=UpdateState(reboot_required=True, reboot_required_since=since))
    ctx = make_ctx([item("server_facts", "hq-srv-web-01", facts)])
    assert run(catalogs, "SRV-REBOOT-01", ctx, "hq-srv-web-01")[0] is Outcome.PASS


def test_windows_file_server_needs_current_antimalware(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    stale = AntiMalwareState(
        installed=True,
        running=True,
        product="Defender",
        signatures_updated=NOW - dt.timedelta(days=10),
    )
    ctx = make_ctx(
        [item("server_facts", "hq-srv-file-01", hardened("hq-srv-file-01", antimalware=stale))]
    )
    outcome, text = run(catalogs, "SRV-AV-01", ctx, "hq-srv-file-01")
    assert outcome is Outcome.FAIL
    assert "signatures out of date" in text


def test_server_evidence_not_collected_is_never_a_pass(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    ctx = make_ctx()
    for control in (*SERVER_CONTROLS, "SRV-AV-01", "BAK-FRESH-01", "BAK-RET-01", "BAK-CHECK-01"):
        for subject in ("hq-srv-file-01", "hq-srv-web-01"):
            assert run(catalogs, control, ctx, subject)[0] is not Outcome.PASS, (control, subject)
    for control in ("LOG-SEAL-01", "LOG-CHAIN-01", "LOG-RET-01", "INV-DISC-01"):
        assert run(catalogs, control, ctx, "ornek")[0] is Outcome.NOT_ASSESSED, control
    for control in ("CAM-CRED-01", "CAM-NTP-01", "CAM-FW-01", "CAM-REC-01", "CAM-SVC-01"):
        assert run(catalogs, control, ctx, "hq-cam-01")[0] is Outcome.NOT_ASSESSED, control
    # collected, but nothing about this server: still not a pass
    ctx = make_ctx([item("server_facts", "hq-srv-mail-01", hardened("hq-srv-mail-01"))])
    assert run(catalogs, "SRV-SSH-01", ctx, "hq-srv-web-01")[0] is Outcome.NOT_ASSESSED


def test_ansible_drift_on_a_control_task_fails_it(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    drift = {
        "host_id": "hq-srv-web-01",
        "tasks": [
            {
                "task": "SRV-SSH-01 | Disable password authentication.",
                "changed": True,
                "controls": ["SRV-SSH-01"],
            }
        ],
    }
    ctx = make_ctx(
        [
            item("server_facts", "hq-srv-web-01", hardened()),
            item("ansible_drift", "hq-srv-web-01", drift),
        ]
    )
    outcome, text = run(catalogs, "SRV-SSH-01", ctx, "hq-srv-web-01")
    assert outcome is Outcome.FAIL
    assert "Disable password authentication" in text
    assert run(catalogs, "SRV-TIME-01", ctx, "hq-srv-web-01")[0] is Outcome.PASS


# ---------------------------------------------------------------- backups


def daily_state(**changes: Any) -> BackupState:
    snaps = [Snapshot(time=NOW - dt.timedelta(hours=2) - dt.timedelta(days=d)) for d in range(400)]
    state = BackupState(
        asset_id="hq-srv-web-01",
        backup_class="daily",
        snapshots=snaps,
        last_check=RepositoryCheck(time=NOW - dt.timedelta(hours=5), ok=True),
        last_restore_test=RestoreTest(time=NOW - dt.timedelta(days=30), ok=True),
        offsite=OffsiteCopy(
            repository="vault:offsite", building="spor", last_snapshot=NOW - dt.timedelta(hours=3)
        ),
        append_only=True,
    )
    return state.model_copy(update=changes)


BACKUP_CONTROLS = (
    "BAK-CLASS-01",
    "BAK-FRESH-01",
    "BAK-RET-01",
    "BAK-CHECK-01",
    "BAK-RESTORE-01",
    "BAK-OFFSITE-01",
    "BAK-APPEND-01",
)


def test_backups_meeting_the_class_pass(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    ctx = make_ctx([item("backup_state", "hq-srv-web-01", daily_state())])
    for control in BACKUP_CONTROLS:
        outcome, text = run(catalogs, control, ctx, "hq-srv-web-01")
        assert outcome is Outcome.PASS, (control, text)


@pytest.mark.parametrize(
    ("control", "changes", "why"),
    [
        (
            "BAK-FRESH-01",
            {"snapshots": [Snapshot(time=NOW - dt.timedelta(days=3))]},
            "Latest snapshot 3 days old",
        ),
        (
            "BAK-RET-01",
            {
                "snapshots": [Snapshot(time=NOW - dt.timedelta(days=d)) for d in range(3)]
                + [Snapshot(time=NOW - dt.timedelta(days=200))]
            },
            "daily 4/7",
        ),
        (
            "BAK-CHECK-01",
            {"last_check": RepositoryCheck(time=NOW, ok=False, errors=["pack 3f2a damaged"])},
            "pack 3f2a damaged",
        ),
        (
            "BAK-RESTORE-01",
            {"last_restore_test": RestoreTest(time=NOW - dt.timedelta(days=120), ok=True)},
            "at most 90 days",
        ),
        (
            "BAK-OFFSITE-01",
            {"offsite": OffsiteCopy(repository="x", building="hq", last_snapshot=NOW)},
            "same building",
        ),
        ("BAK-APPEND-01", {"append_only": False}, "can delete backups"),
    ],
)
def test_backup_failures_are_named(
    make_ctx: ContextFactory, catalogs: Catalogs, control: str, changes: dict[str, Any], why: str
) -> None:
    ctx = make_ctx([item("backup_state", "hq-srv-web-01", daily_state(**changes))])
    outcome, text = run(catalogs, control, ctx, "hq-srv-web-01")
    assert outcome is Outcome.FAIL, text
    assert why in text


def test_restore_test_attested_within_the_class_interval(
    make_ctx: ContextFactory, catalogs: Catalogs, demo_loaded: Any
) -> None:
    attestations = [
        EvidenceItem("attestation", f"attestations/{a.id}.json", json_text(a), "test", a.subject, a)
        for a in demo_loaded.inventory.attestations
    ]
    # the demo attests the EBYS database restore of 2026-11-05; its class asks every 30 days
    ctx = make_ctx(attestations, collected=["attestation"])
    outcome, text = run(catalogs, "BAK-RESTORE-01", ctx, "hq-srv-ebys-db-01")
    assert outcome is Outcome.PASS
    assert "GYT-2026-11" in text
    later = make_ctx(attestations, collected=["attestation"], now=NOW + dt.timedelta(days=40))
    assert run(catalogs, "BAK-RESTORE-01", later, "hq-srv-ebys-db-01")[0] is Outcome.FAIL
    # another server has no attestation and no restic state: not assessed
    assert run(catalogs, "BAK-RESTORE-01", ctx, "hq-srv-web-01")[0] is Outcome.NOT_ASSESSED


def test_backup_class_missing_fails_from_the_inventory(
    make_ctx: ContextFactory, catalogs: Catalogs, demo_loaded: LoadedInventory
) -> None:
    inv = demo_loaded.inventory
    servers = [
        s.model_copy(update={"backup_class": None}) if s.id == "hq-srv-backup-01" else s
        for s in inv.servers
    ]
    without = dataclasses.replace(
        demo_loaded, inventory=Inventory.model_construct(**{**dict(inv), "servers": servers})
    )
    outcome, text = run(catalogs, "BAK-CLASS-01", make_ctx(loaded=without), "hq-srv-backup-01")
    assert outcome is Outcome.FAIL
    assert "No backup class" in text
    ctx = make_ctx()
    assert run(catalogs, "BAK-CLASS-01", ctx, "hq-srv-backup-01")[0] is Outcome.PASS
    assert run(catalogs, "BAK-CLASS-01", ctx, "hq-pbx-01")[0] is Outcome.PASS  # through its host
    assert run(catalogs, "BAK-CLASS-01", ctx, "hq-srv-hv-01")[0] is Outcome.NOT_APPLICABLE


# ---------------------------------------------------------------- Law 5651 archive


def archive(first: int = 800, **changes: Any) -> Log5651Archive:
    days = []
    for n in range(first, 0, -1):
        day = TODAY - dt.timedelta(days=n)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        days.append(
            ArchiveDay(
                day=day,
                records=1200,
                sources=["hq-srv-dhcp-01", "hq-fw-01"],
                sealed=True,
                seal_time=end + dt.timedelta(minutes=20),
                seal_verified=True,
                digest_ok=True,
                link_ok=True,
            )
        )
    value = Log5651Archive(verified_at=NOW, first_day=days[0].day, days=days, chain_intact=True)
    return value.model_copy(update=changes)


def test_sealed_chained_archive_passes(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    ctx = make_ctx([item("log5651_archive", None, archive())])
    assert run(catalogs, "LOG-SEAL-01", ctx, "ornek")[0] is Outcome.PASS
    assert run(catalogs, "LOG-CHAIN-01", ctx, "ornek")[0] is Outcome.PASS
    # retention: policies/logging.yml keeps 730 days and the archive holds every day
    outcome, text = run(catalogs, "LOG-RET-01", ctx, "ornek")
    assert outcome is Outcome.PASS
    assert "The policy keeps 730 days" in text and "Every day kept since" in text


def test_missing_unsealed_and_broken_days_fail(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    data = archive(30)
    days = list(data.days)
    missing = days.pop(10).day
    days[3] = days[3].model_copy(update={"sealed": False})
    days[5] = days[5].model_copy(update={"link_ok": False})
    ctx = make_ctx(
        [
            item(
                "log5651_archive",
                None,
                data.model_copy(update={"days": days, "chain_intact": False}),
            )
        ]
    )
    outcome, text = run(catalogs, "LOG-CHAIN-01", ctx, "ornek")
    assert outcome is Outcome.FAIL
    assert missing.isoformat() in text
    assert days[5].day.isoformat() in text
    outcome, text = run(catalogs, "LOG-SEAL-01", ctx, "ornek")
    assert outcome is Outcome.FAIL
    assert days[3].day.isoformat() in text


def test_a_silent_source_fails_even_without_logging_policy(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    data = archive(5)
    last = data.days[-1].model_copy(update={"sources": ["hq-fw-01"]})
    ctx = make_ctx(
        [item("log5651_archive", None, data.model_copy(update={"days": [*data.days[:-1], last]}))]
    )
    outcome, text = run(catalogs, "LOG-SRC-01", ctx, "hq-srv-dhcp-01")
    assert outcome is Outcome.FAIL
    assert "No records from this source" in text
    assert run(catalogs, "LOG-SRC-01", ctx, "hq-srv-web-01")[0] is Outcome.NOT_APPLICABLE


# ---------------------------------------------------------------- cameras and voice


def test_camera_state_is_judged(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    good = CameraState(
        asset_id="hq-cam-01",
        firmware="V5.7.15",
        ntp_enabled=True,
        ntp_server="10.10.60.11",
        time_offset_s=0.2,
        default_password_accepted=False,
        upnp=False,
        p2p_cloud=False,
        telnet=False,
        http_plain=False,
        recording=True,
    )
    bad = good.model_copy(
        update={
            "asset_id": "garaj-cam-01",
            "firmware": "V5.5.0",
            "default_password_accepted": True,
            "upnp": True,
            "recording": False,
            "ntp_server": "time.windows.com",
        }
    )
    ctx = make_ctx(
        [item("camera_state", "hq-cam-01", good), item("camera_state", "garaj-cam-01", bad)]
    )
    for control in (
        "CAM-NTP-01",
        "CAM-CRED-01",
        "CAM-FW-01",
        "CAM-REC-01",
        "CAM-SVC-01",
        "SEC-ENC-01",
    ):
        assert run(catalogs, control, ctx, "hq-cam-01")[0] is Outcome.PASS, control
    expected = {
        "CAM-NTP-01": "time.windows.com",
        "CAM-CRED-01": "default password is accepted",
        "CAM-FW-01": "V5.5.0 not allowed",
        "CAM-REC-01": "not recording",
        "CAM-SVC-01": "UPnP",
    }
    for control, why in expected.items():
        outcome, text = run(catalogs, control, ctx, "garaj-cam-01")
        assert outcome is Outcome.FAIL, control
        assert why in text
    unreachable = make_ctx(
        [item("camera_state", "hq-cam-01", good.model_copy(update={"reachable": False}))]
    )
    assert run(catalogs, "CAM-CRED-01", unreachable, "hq-cam-01")[0] is Outcome.NOT_ASSESSED


def test_voice_state_is_judged(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    pbx = VoiceState(
        asset_id="hq-pbx-01",
        sip_transports=["tls"],
        srtp_required=True,
        anonymous_calls=False,
        registered_extensions=["1000", "1001"],
    )
    ctx = make_ctx([item("voice_state", "hq-pbx-01", pbx)])
    assert run(catalogs, "VOI-TLS-01", ctx, "hq-pbx-01")[0] is Outcome.PASS
    assert run(catalogs, "VOI-ANON-01", ctx, "hq-pbx-01")[0] is Outcome.PASS
    assert run(catalogs, "VOI-EXT-01", ctx, "hq-tel-1000")[0] is Outcome.PASS
    outcome, text = run(catalogs, "VOI-EXT-01", ctx, "hq-tel-1002")
    assert outcome is Outcome.FAIL
    assert "1002 not registered" in text
    weak = make_ctx(
        [
            item(
                "voice_state",
                "hq-pbx-01",
                pbx.model_copy(update={"sip_transports": ["udp", "tls"], "anonymous_calls": True}),
            )
        ]
    )
    assert "unencrypted SIP: udp" in run(catalogs, "VOI-TLS-01", weak, "hq-pbx-01")[1]
    assert run(catalogs, "VOI-ANON-01", weak, "hq-pbx-01")[0] is Outcome.FAIL


# ---------------------------------------------------------------- availability and inventory


def test_service_probes(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    probe = ServiceProbe(
        asset_id="hq-srv-web-01",
        probes=[
            ProbeResult(url="https://www.ornek.bel.tr/", ok=True, status=200, tls_valid=True),
            ProbeResult(url="https://ebelediye.ornek.bel.tr/", ok=False, status=503),
        ],
    )
    ctx = make_ctx([item("service_probe", "hq-srv-web-01", probe)])
    outcome, text = run(catalogs, "AVL-SVC-01", ctx, "hq-srv-web-01")
    assert outcome is Outcome.FAIL
    assert "ebelediye.ornek.bel.tr/ did not answer (503)" in text
    assert run(catalogs, "AVL-SVC-01", ctx, "hq-srv-dc-01")[0] is Outcome.NOT_APPLICABLE


def test_uplinks_need_inventory_and_facts(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    up = {
        "port3": InterfaceState(up=True),
        "wan1": InterfaceState(up=True),
        "wan2": InterfaceState(up=True),
    }
    ctx = make_ctx(
        [item("device_facts", "hq-fw-01", DeviceFacts(device_id="hq-fw-01", interfaces=up))]
    )
    assert run(catalogs, "AVL-UPLINK-01", ctx, "hq")[0] is Outcome.PASS
    down = dict(up, wan2=InterfaceState(up=False))
    ctx = make_ctx(
        [
            item("device_facts", "hq-fw-01", DeviceFacts(device_id="hq-fw-01", interfaces=down)),
            item("device_facts", "hq-fw-02", DeviceFacts(device_id="hq-fw-02", interfaces=down)),
        ]
    )
    assert "hq-fw-01:wan2" in run(catalogs, "AVL-UPLINK-01", ctx, "hq")[1]
    no_facts = make_ctx()
    assert run(catalogs, "AVL-UPLINK-01", no_facts, "hq")[0] is Outcome.NOT_ASSESSED
    assert run(catalogs, "AVL-UPLINK-01", no_facts, "kutuphane")[0] is Outcome.NOT_APPLICABLE


def test_ups_through_hypervisor(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    ctx = make_ctx()
    outcome, text = run(catalogs, "AVL-UPS-01", ctx, "hq-srv-dc-01")
    assert outcome is Outcome.PASS
    assert "through hq-srv-hv-01" in text
    assert run(catalogs, "AVL-UPS-01", ctx, "kutuphane-rt-01")[0] is Outcome.FAIL


def test_end_of_support(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    ctx = make_ctx()
    asset = ctx.inventory.asset("nikah-rt-01")
    check = catalogs.controls.checks["INV-EOL-01"]
    assert combine(check(ctx, asset)) is Outcome.PASS
    old = asset.model_copy(update={"lifecycle": Lifecycle(end_of_support=dt.date(2026, 6, 30))})
    findings = check(ctx, old)
    assert combine(findings) is Outcome.FAIL
    assert "2026-06-30" in findings[0].en


def test_unknown_devices_on_the_wire(make_ctx: ContextFactory, catalogs: Catalogs) -> None:
    facts = DeviceFacts(
        device_id="hq-sw-core-01",
        arp=[
            ArpEntry(ip="10.10.10.2", mac="70:d3:79:3c:b3:7c"),  # hq-sw-core-01 itself
            ArpEntry(ip="10.10.20.57", mac="aa:bb:cc:00:00:01"),  # a staff PC: users zone, exempt
            ArpEntry(ip="10.10.10.99", mac="de:ad:be:ef:00:01"),  # unknown in the management VLAN
        ],
    )
    ctx = make_ctx(
        [item("device_facts", "hq-sw-core-01", facts)],
        collected=["device_facts", "log5651_archive"],
    )
    outcome, text = run(catalogs, "INV-DISC-01", ctx, "ornek")
    assert outcome is Outcome.FAIL
    assert "10.10.10.99" in text
    assert "10.10.20.57" not in text


def test_literal_secret_in_a_rendered_file_fails(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    rendered = EvidenceItem(
        "rendered_config",
        "rendered_config/hq-sw-k1-01/intended.cfg",
        "hostname x\nusername admin secret 0 Gizli123\n",
        "test",
        "hq-sw-k1-01",
    )
    inventory = EvidenceItem("inventory", "inventory/site.yml", "site:\n  id: ornek\n", "test")
    ctx = make_ctx([rendered, inventory])
    outcome, text = run(catalogs, "SEC-VAULT-01", ctx, "ornek")
    assert outcome is Outcome.FAIL
    assert "rendered_config/hq-sw-k1-01/intended.cfg:2 (secret)" in text
    clean = EvidenceItem(
        "rendered_config",
        "rendered_config/hq-sw-k1-01/intended.cfg",
        "username admin secret 9 {{ vault_network_local_fallback_hash }}\n",
        "test",
        "hq-sw-k1-01",
    )
    assert run(catalogs, "SEC-VAULT-01", make_ctx([clean, inventory]), "ornek")[0] is Outcome.PASS


def test_wifi_from_inventory_and_controller_config(
    make_ctx: ContextFactory, catalogs: Catalogs
) -> None:
    ctx = make_ctx(collected=["rendered_config"])
    outcome, text = run(catalogs, "SEC-WIFI-01", ctx, "hq-wlc-01")
    # the SSIDs are right, but no controller configuration exists to show client isolation
    assert outcome is Outcome.NOT_ASSESSED
    assert "staff SSIDs on enterprise authentication" in text
    controller = ctx.inventory.asset("hq-wlc-01")
    ssids = [
        s.model_copy(update={"security": "wpa2-psk"}) if s.id == "personel" else s
        for s in controller.ssids
    ]  # type: ignore[attr-defined]
    weak = controller.model_copy(update={"ssids": ssids})
    findings = catalogs.controls.checks["SEC-WIFI-01"](ctx, weak)
    assert combine(findings) is Outcome.FAIL
    assert "ORNEK-PERSONEL: wpa2-psk" in findings[0].en
