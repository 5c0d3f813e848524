"""What each live evidence kind carries: the contract between collectors and checks.

Static evidence (inventory, policies, rendered configurations, the policy check,
attestations) carries the objects of the engines that made it. The live kinds come from
collectors of later work (device backups, NAPALM facts, pyinfra, Ansible check mode, restic,
the Law 5651 archive, cameras, the PBX, HTTP probes). Each such collector puts one of these
models in ``EvidenceItem.data`` (``subject`` = the asset id, or None for site-wide items) and
its raw form (command output, JSON) in ``content``. Checks accept the model or a plain dict
of the same shape.

Fields a collector could not read stay ``None``: the check then reports "not assessed" for
what depends on them, never a pass.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

M = TypeVar("M", bound="Payload")


class Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


def read_payload(model: type[M], data: Any) -> M | None:
    """``data`` as ``model`` (already one, or a dict of its shape); None if it is neither."""
    if isinstance(data, model):
        return data
    if isinstance(data, dict):
        try:
            return model.model_validate(data)
        except ValidationError:
            return None
    return None


# ---------------------------------------------------------------- network devices


class RunningConfigInfo(Payload):
    """running_config: one device's configuration as backed up (text in ``content``)."""

    device_id: str
    taken_at: dt.datetime = Field(description="When the configuration was read from the device")
    commit: str | None = Field(default=None, description="Commit of var/backups/<site>/")


class NtpState(Payload):
    synchronised: bool | None = None
    offset_ms: float | None = None
    servers: list[str] = Field(default_factory=list)


class LldpNeighbor(Payload):
    local_port: str
    remote_name: str | None = None
    remote_port: str | None = None
    remote_mac: str | None = None


class ArpEntry(Payload):
    ip: str
    mac: str
    interface: str | None = None


class InterfaceState(Payload):
    up: bool
    description: str | None = None


class DeviceFacts(Payload):
    """device_facts: what a network device says about itself (NAPALM get_facts and more)."""

    device_id: str
    vendor: str | None = None
    model: str | None = None
    serial: str | None = None
    os_version: str | None = None
    interfaces: dict[str, InterfaceState] = Field(default_factory=dict)
    lldp_neighbors: list[LldpNeighbor] = Field(default_factory=list)
    lldp_read: bool = Field(
        default=False,
        description="The LLDP table was read in this run (an empty list then means none seen)",
    )
    arp: list[ArpEntry] = Field(default_factory=list)
    ntp: NtpState | None = None


# ---------------------------------------------------------------- servers


class OsInfo(Payload):
    id: str = Field(description="debian, ubuntu, rhel, windows...")
    version_id: str
    pretty_name: str | None = None
    end_of_support: dt.date | None = None


class SshdState(Payload):
    password_authentication: bool | None = None
    permit_root_login: str | None = Field(default=None, description="no, yes, prohibit-password")
    ciphers: list[str] = Field(default_factory=list)
    kex_algorithms: list[str] = Field(default_factory=list)
    macs: list[str] = Field(default_factory=list)


class AdminState(Payload):
    sudo_users: list[str] = Field(default_factory=list, description="Accounts with admin rights")
    uid0_accounts: list[str] = Field(default_factory=list)
    root_password_login: bool | None = None


class PendingUpdate(Payload):
    package: str
    available_since: dt.date


class UpdateState(Payload):
    """Pending updates and reboot state. None is "not read": a collector fills each field
    from what it read on the host (an empty list only when the package manager was asked and
    listed nothing)."""

    pending_security: list[PendingUpdate] | None = None
    reboot_required: bool | None = None
    reboot_required_since: dt.datetime | None = None


class FirewallState(Payload):
    active: bool
    input_policy: str | None = None
    ruleset_sha256: str | None = None
    expected_sha256: str | None = Field(
        default=None, description="Hash of the rules generated from the access policy"
    )


class AntiMalwareState(Payload):
    installed: bool
    running: bool | None = None
    product: str | None = None
    signatures_updated: dt.datetime | None = None


class AuditdState(Payload):
    running: bool
    rules_loaded: int | None = None
    forwarding: bool | None = None


class ServerFacts(Payload):
    """server_facts: read-only facts of one server (pyinfra, Windows collectors)."""

    server_id: str
    os: OsInfo | None = None
    sshd: SshdState | None = None
    admins: AdminState | None = None
    updates: UpdateState | None = None
    time: NtpState | None = None
    firewall: FirewallState | None = None
    antimalware: AntiMalwareState | None = None
    auditd: AuditdState | None = None
    cleartext_services: list[str] | None = Field(
        default=None,
        description="Listening clear-text services (telnet, ftp, http without redirect, ldap)",
    )


class DriftTask(Payload):
    task: str
    changed: bool
    controls: list[str] = Field(default_factory=list, description="Control ids in its tags")


class AnsibleDrift(Payload):
    """ansible_drift: a check-mode run of the roles on one host."""

    host_id: str
    tasks: list[DriftTask] = Field(default_factory=list)
    unreachable: bool = False
    failed: bool = False


# ---------------------------------------------------------------- backups


class Snapshot(Payload):
    time: dt.datetime
    tags: list[str] = Field(default_factory=list)


class RepositoryCheck(Payload):
    time: dt.datetime
    ok: bool
    errors: list[str] = Field(default_factory=list)


class RestoreTest(Payload):
    time: dt.datetime
    ok: bool
    note: str | None = None


class OffsiteCopy(Payload):
    repository: str
    building: str | None = None
    last_snapshot: dt.datetime | None = None


class BackupRun(Payload):
    """The last run of the host's backup job, as the job recorded it."""

    time: dt.datetime
    ok: bool
    error: str | None = None


class BackupState(Payload):
    """backup_state: the restic repository state of one server or service."""

    asset_id: str
    backup_class: str | None = None
    snapshots: list[Snapshot] = Field(default_factory=list)
    last_run: BackupRun | None = Field(
        default=None, description="The backup job's last run and, when it failed, why"
    )
    problems: list[str] = Field(
        default_factory=list,
        description="Read in this run: repositories that failed to open, full filesystems",
    )
    last_check: RepositoryCheck | None = None
    last_restore_test: RestoreTest | None = None
    offsite: OffsiteCopy | None = None
    append_only: bool | None = Field(
        default=None, description="The host's credentials can only add to the repository"
    )


# ---------------------------------------------------------------- Law 5651 archive


class ArchiveDay(Payload):
    day: dt.date
    records: int
    sources: list[str] = Field(default_factory=list, description="Source asset ids that day")
    sealed: bool
    seal_time: dt.datetime | None = None
    seal_verified: bool | None = None
    digest_ok: bool | None = None
    link_ok: bool | None = None


class LeaseRecord(Payload):
    ip: str
    mac: str
    hostname: str | None = None
    vlan: str | None = None


class Log5651Archive(Payload):
    """log5651_archive: the verified state of the sealed access-record archive (site-wide)."""

    verified_at: dt.datetime
    first_day: dt.date | None = None
    retention_days: int | None = None
    days: list[ArchiveDay] = Field(default_factory=list)
    chain_intact: bool | None = None
    problems: list[str] = Field(default_factory=list)
    leases: list[LeaseRecord] = Field(
        default_factory=list, description="DHCP leases of the last day (for INV-DISC-01)"
    )
    identified_sessions: dict[str, bool] = Field(
        default_factory=dict,
        description="Per guest network (SSID or VLAN id): sessions carry a verified identity",
    )


# ---------------------------------------------------------------- cameras, voice, services


class CameraUser(Payload):
    name: str
    level: str = Field(description="Administrator, Operator, Viewer")


class CameraState(Payload):
    """camera_state: one camera or NVR as its API (Hikvision ISAPI) reports it."""

    asset_id: str
    reachable: bool = True
    firmware: str | None = None
    ntp_enabled: bool | None = None
    ntp_server: str | None = None
    time_offset_s: float | None = None
    default_password_accepted: bool | None = None
    upnp: bool | None = None
    p2p_cloud: bool | None = None
    telnet: bool | None = None
    http_plain: bool | None = None
    recording: bool | None = Field(default=None, description="Camera: its NVR channel records")
    https: bool | None = Field(default=None, description="HTTPS management is enabled")
    users: list[CameraUser] | None = Field(default=None, description="Accounts on the device")
    read_with: str | None = Field(
        default=None, description="Credential the reading logged in with: vault, default, none"
    )


class VoiceState(Payload):
    """voice_state: the PBX (subject = pbx id) or a phone (subject = phone id)."""

    asset_id: str
    sip_transports: list[str] = Field(default_factory=list, description="udp, tcp, tls")
    srtp_required: bool | None = None
    anonymous_calls: bool | None = None
    registered_extensions: list[str] = Field(default_factory=list)
    configured_extensions: list[str] = Field(default_factory=list)
    registered: bool | None = Field(default=None, description="Phone: registered on the PBX")
    extension: str | None = None


class ProbeResult(Payload):
    url: str
    ok: bool
    status: int | None = None
    tls_valid: bool | None = None
    error: str | None = None


class ServiceProbe(Payload):
    """service_probe: HTTP(S) probes of the services of one server."""

    asset_id: str
    probes: list[ProbeResult] = Field(default_factory=list)


class TlsCertificate(Payload):
    """The leaf certificate one TLS service presented in this run."""

    service: str = Field(description="The service's URL, or https://<address>:<port>")
    address: str = Field(description="Where the handshake went (lab or real address)")
    port: int
    server_name: str | None = Field(default=None, description="SNI sent, the URL's host name")
    subject: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime
    names: list[str] = Field(default_factory=list, description="subjectAltName DNS/IP entries")
    sha256: str = Field(description="SHA-256 fingerprint of the DER certificate")
    verified: bool | None = Field(
        default=None, description="Chain and host name verified against the trust store"
    )
    verify_error: str | None = None


class TlsCertificates(Payload):
    """tls_certificate: the certificates of one asset's TLS services, read by a handshake."""

    asset_id: str
    certificates: list[TlsCertificate] = Field(default_factory=list)
    unreachable: dict[str, str] = Field(
        default_factory=dict, description="Service -> why no certificate was read"
    )


# ---------------------------------------------------------------- directory


class DirectoryAccount(Payload):
    """A user account of the directory, as its standard AD attributes say."""

    name: str = Field(description="sAMAccountName")
    enabled: bool = Field(description="userAccountControl without ACCOUNTDISABLE (0x2)")
    last_logon: dt.datetime | None = Field(
        default=None, description="lastLogonTimestamp (None: never logged on)"
    )
    created: dt.datetime | None = Field(default=None, description="whenCreated")
    groups: list[str] = Field(default_factory=list, description="Group names of memberOf")
    builtin_admin: bool = Field(default=False, description="The built-in Administrator (RID 500)")


class DirectoryPasswordPolicy(Payload):
    """The domain object's password and lockout policy."""

    min_length: int | None = Field(default=None, description="minPwdLength")
    complexity: bool | None = Field(default=None, description="pwdProperties bit 0x1")
    lockout_threshold: int | None = Field(default=None, description="lockoutThreshold (0: never)")
    max_age_days: float | None = Field(default=None, description="maxPwdAge (None: never expires)")
    history: int | None = Field(default=None, description="pwdHistoryLength")


class DirectoryState(Payload):
    """directory_state: one domain controller's directory, read over LDAP."""

    server_id: str
    domain: str | None = Field(default=None, description="The naming context read")
    accounts: list[DirectoryAccount] | None = None
    privileged: dict[str, list[str]] | None = Field(
        default=None, description="Privileged group → the accounts that are its members"
    )
    password_policy: DirectoryPasswordPolicy | None = None
