"""Cameras and recorders (Hikvision ISAPI): read their live state, apply the rendered payloads.

Reading (:func:`read_device`, behind :class:`CameraCollector` for ``camera_state``): users,
NTP and time, HTTPS/HTTP, UPnP, the P2P cloud (EZVIZ/Hik-Connect), telnet, firmware and, for
a camera, whether its recorder's channel for it is online and records.

Logging in never triggers the lockout. Hikvision locks a client address out after a number
of failed logins (5 by default, "illegal login lock"); a refused attempt is the only thing
that counts, a challenge without credentials or a ``stale`` nonce does not. Per device and
run the collector makes at most two attempts:

1. an unauthenticated request, which costs nothing; if its answer says the client is locked
   out, nothing is tried at all;
2. one login with the vault's credential (``policies/access.yml`` ``endpoints``);
3. only if that is refused, one login with the vendor's default (``admin`` / ``12345``):
   accepted means the device still runs on its factory password (CAM-CRED-01 fails), refused
   means neither works and the device is reported as unreadable.

A successful login resets the device's failure count, so a camera on its factory password
costs one failed attempt per run, and a camera whose vault credential works costs none.
``max_failed_logins`` (default 2) caps the attempts; it must stay below the device's lockout
threshold.

Applying (:func:`apply_camera`): the rendered documents of ``templates/hikvision_isapi`` (the
same render as ``kentops render``), with the vault's values filled in, are compared with what
the device answers; with ``commit`` each differing document is PUT, the users document last
(it changes the password the session logs in with), then the device is read again and every
document verified. A refused PUT restores the documents already changed from what was read
before, so a camera is never left half-configured.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from kentops.compliance.evidence import CollectContext, EvidenceItem, NotCollected, json_text
from kentops.compliance.payloads import CameraState, CameraUser
from kentops.inventory.loader import LoadedInventory
from kentops.inventory.model import Camera, Nvr
from kentops.lab.state import Endpoint, lab_dir, read_state
from kentops.network import isapi
from kentops.network.isapi import IsapiError, IsapiSession, Login

#: The vendor's factory account: what "still on the default password" means for Hikvision.
VENDOR_DEFAULTS: dict[str, tuple[str, str]] = {"hikvision": ("admin", "12345")}
DEFAULT_TIMEOUT_S = 5.0
DEFAULT_DEVICE_BUDGET_S = 30.0
DEFAULT_WORKERS = 16
DEFAULT_MAX_FAILED_LOGINS = 2

#: Resources read from every device (name in the evidence → ISAPI path).
READ_PATHS: dict[str, str] = {
    "deviceInfo": "/ISAPI/System/deviceInfo",
    "time": "/ISAPI/System/time",
    "ntpServers": "/ISAPI/System/time/ntpServers",
    "adminAccesses": "/ISAPI/Security/adminAccesses",
    "users": "/ISAPI/Security/users",
    "upnp": "/ISAPI/System/Network/UPnP",
    "ezviz": "/ISAPI/System/Network/EZVIZ",
    "telnetd": "/ISAPI/System/Network/telnetd",
}
#: Read from recorders only.
RECORDER_PATHS: dict[str, str] = {
    "channelStatus": "/ISAPI/ContentMgmt/InputProxy/channels/status",
    "tracks": "/ISAPI/ContentMgmt/record/tracks",
}


@dataclass(frozen=True)
class Settings:
    """Limits of one run: per-request timeout, whole-device budget, workers, login attempts."""

    timeout_s: float = DEFAULT_TIMEOUT_S
    device_budget_s: float = DEFAULT_DEVICE_BUDGET_S
    workers: int = DEFAULT_WORKERS
    max_failed_logins: int = DEFAULT_MAX_FAILED_LOGINS

    @classmethod
    def from_env(cls) -> Settings:
        """Defaults, overridden by ``KENTOPS_CAMERA_TIMEOUT``, ``KENTOPS_CAMERA_BUDGET``,
        ``KENTOPS_CAMERA_WORKERS`` and ``KENTOPS_CAMERA_MAX_FAILED_LOGINS``."""

        def number(name: str, default: float) -> float:
            raw = os.environ.get(name)
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError:
                raise ValueError(f"{name}={raw!r}: expected a number") from None
            if value <= 0:
                raise ValueError(f"{name}={raw!r}: expected a positive number")
            return value

        return cls(
            timeout_s=number("KENTOPS_CAMERA_TIMEOUT", DEFAULT_TIMEOUT_S),
            device_budget_s=number("KENTOPS_CAMERA_BUDGET", DEFAULT_DEVICE_BUDGET_S),
            workers=int(number("KENTOPS_CAMERA_WORKERS", DEFAULT_WORKERS)),
            max_failed_logins=int(
                number("KENTOPS_CAMERA_MAX_FAILED_LOGINS", DEFAULT_MAX_FAILED_LOGINS)
            ),
        )


# ------------------------------------------------------------------------ where and who


@dataclass(frozen=True)
class CameraTarget:
    """How to reach one camera or recorder, and the credentials to try."""

    asset: Camera | Nvr
    endpoint: Endpoint
    https: bool
    ca_file: str | None
    vault_user: str
    vault_password: str | None  # None: the vault holds no value here
    default: tuple[str, str] | None  # the vendor's factory account

    @property
    def where(self) -> str:
        scheme = "https" if self.https else "http"
        return f"{scheme}://{self.endpoint.address}:{self.endpoint.port}"


def vault_values(loaded: LoadedInventory, lab: bool) -> dict[str, str]:
    """Secret values this run may use: the lab's own (``extra["secrets"]``), then the
    environment: ``vault:NAME`` is ``KENTOPS_VAULT_NAME``, ``env:NAME`` is ``NAME``."""
    if not lab:
        return {}
    state = read_state(lab_dir(loaded.root))
    values = state.extra.get("secrets", {}) if state is not None else {}
    return {str(k): str(v) for k, v in values.items()}


def resolve_reference(reference: str, lab_values: dict[str, str]) -> str | None:
    """The value of ``vault:NAME`` / ``env:NAME`` (None when not available here)."""
    if reference in lab_values:
        return lab_values[reference]
    kind, _, name = reference.partition(":")
    if kind == "env":
        return os.environ.get(name)
    if kind == "vault":
        return os.environ.get(f"KENTOPS_VAULT_{name}")
    return None


def camera_targets(
    loaded: LoadedInventory, policy_dir: Path, lab: bool, hosts: Sequence[str] | None = None
) -> tuple[list[CameraTarget], dict[str, str]]:
    """Every camera and recorder reachable in this setting, and those that are not (why)."""
    from kentops.inventory.adapters import endpoints
    from kentops.policy import load_policies

    policies = load_policies(policy_dir, loaded)
    creds = policies.access.endpoints
    values = vault_values(loaded, lab)
    password = resolve_reference(creds.camera_admin_password, values)
    ca_file: str | None = os.environ.get("KENTOPS_CAMERA_CA_FILE")
    if lab:
        state = read_state(lab_dir(loaded.root))
        if state is not None:
            ca_file = str(state.extra.get("cameras", {}).get("ca_file") or "") or None
    reachable = endpoints(loaded, lab)
    targets: list[CameraTarget] = []
    skipped: dict[str, str] = {}
    inv = loaded.inventory
    devices: list[Camera | Nvr] = [*inv.nvrs, *inv.cameras]
    for asset in devices:
        if hosts and asset.id not in hosts:
            continue
        target = reachable.get(asset.id)
        if target is None:
            skipped[asset.id] = "no endpoint in this setting (the lab does not run it)"
            continue
        if asset.vendor.lower() not in VENDOR_DEFAULTS:
            skipped[asset.id] = f"vendor {asset.vendor} has no ISAPI reader"
            continue
        endpoint = target.endpoint
        targets.append(
            CameraTarget(
                asset=asset,
                endpoint=endpoint,
                https=endpoint.service != "http",
                ca_file=ca_file,
                vault_user="admin",
                vault_password=password,
                default=VENDOR_DEFAULTS.get(asset.vendor.lower()),
            )
        )
    return targets, skipped


# ------------------------------------------------------------------------ logging in


@dataclass
class LoginOutcome:
    """Which credential a session logged in with, and every attempt made."""

    credential: str | None  # "vault" | "default" | None (nothing accepted)
    attempts: list[str] = field(default_factory=list)
    default_accepted: bool | None = None
    reason: str | None = None


def log_in(session: IsapiSession, target: CameraTarget, max_failed: int) -> LoginOutcome:
    """The lockout-safe login sequence of the module documentation; never more than
    ``max_failed`` refused attempts."""
    outcome = LoginOutcome(credential=None)
    probe = session.probe()
    if probe.status == 200:
        outcome.attempts.append("unauthenticated request answered 200: no password asked")
        outcome.credential, outcome.default_accepted = "none", True
        session.anonymous = True
        return outcome
    locked, unlock = isapi.lock_status(probe.body) if probe.status == 401 else (False, None)
    if locked:
        outcome.reason = (
            f"the device locks this client out (for {unlock} s more); no login was tried"
        )
        return outcome
    if probe.status != 401:
        outcome.reason = f"unauthenticated request answered HTTP {probe.status}, not a challenge"
        return outcome
    tried: set[str] = set()
    if target.vault_password is not None and max_failed >= 1:
        result = session.login(target.vault_user, target.vault_password)
        tried.add(target.vault_password)
        outcome.attempts.append(f"vault credential ({target.vault_user}): {result.value}")
        if result is Login.ACCEPTED:
            outcome.credential = "vault"
            if target.default is not None and target.default[1] == target.vault_password:
                outcome.default_accepted = True  # the vault holds the factory password itself
            else:
                outcome.default_accepted = False
            return outcome
        if result is Login.LOCKED:
            outcome.reason = "the device locked this client out; no further login was tried"
            return outcome
    if target.default is None:
        outcome.reason = "the vault credential was refused"
        return outcome
    if target.default[1] in tried:
        outcome.reason = "the vault credential (the vendor default) was refused"
        return outcome
    if session.failed_logins >= max_failed:
        outcome.reason = (
            f"the vault credential was refused; the default was not tried "
            f"({session.failed_logins} of at most {max_failed} failed logins used)"
        )
        return outcome
    user, password = target.default
    result = session.login(user, password)
    outcome.attempts.append(f"vendor default ({user}): {result.value}")
    if result is Login.ACCEPTED:
        outcome.credential, outcome.default_accepted = "default", True
        return outcome
    if result is Login.LOCKED:
        outcome.reason = "the device locked this client out; no further login was tried"
        return outcome
    if target.vault_password is None:
        # Nothing else to try; what was learnt is that the default is refused.
        outcome.default_accepted = False
        outcome.reason = "the vault holds no credential and the vendor default is refused"
        return outcome
    outcome.reason = "neither the vault credential nor the vendor default is accepted"
    return outcome


# ------------------------------------------------------------------------ reading


@dataclass
class DeviceRead:
    """What was read from one device: raw answers, the payload, or why it failed."""

    asset_id: str
    where: str
    answers: dict[str, str] = field(default_factory=dict)  # resource name → raw text
    login: LoginOutcome | None = None
    state: CameraState | None = None
    channels: list[dict[str, Any]] = field(default_factory=list)  # recorders
    tracks: dict[str, bool] = field(default_factory=dict)  # recorders
    error: str | None = None
    seconds: float = 0.0
    read_at: dt.datetime | None = None


def _within(started: float, budget: float, what: str) -> None:
    if time.monotonic() - started > budget:
        raise IsapiError(f"{what}: the device's budget of {budget:g} s is spent")


def read_device(target: CameraTarget, settings: Settings) -> DeviceRead:
    """Read one camera or recorder; every failure becomes ``error``, never an exception."""
    started = time.monotonic()
    read = DeviceRead(asset_id=target.asset.id, where=target.where)
    try:
        with IsapiSession(
            target.endpoint.address,
            target.endpoint.port,
            https=target.https,
            ca_file=target.ca_file,
            timeout=settings.timeout_s,
        ) as session:
            read.login = log_in(session, target, settings.max_failed_logins)
            if read.login.credential is None:
                if read.login.default_accepted is False:
                    read.state = CameraState(
                        asset_id=target.asset.id, default_password_accepted=False
                    )
                else:
                    read.error = read.login.reason
                return read
            paths = dict(READ_PATHS)
            if isinstance(target.asset, Nvr):
                paths.update(RECORDER_PATHS)
            for name, path in paths.items():
                _within(started, settings.device_budget_s, path)
                sent = dt.datetime.now(dt.UTC)
                reply = session.get(path)
                if name == "time":
                    # the device's clock is compared with ours at the middle of the request
                    read.read_at = sent + (dt.datetime.now(dt.UTC) - sent) / 2
                if reply.status == 200:
                    read.answers[name] = reply.text
                elif reply.status == 404:
                    read.answers[name] = f"HTTP 404 (not supported)\n{reply.text}"
                else:
                    read.answers[name] = f"HTTP {reply.status}\n{reply.text}"
            read.state = _state_from(target, read)
    except (IsapiError, ValueError) as exc:
        read.error = str(exc)
        read.state = None
    finally:
        read.seconds = round(time.monotonic() - started, 3)
    return read


def _answer(read: DeviceRead, name: str) -> str | None:
    text = read.answers.get(name)
    if text is None or text.startswith("HTTP "):
        return None
    return text


def _state_from(target: CameraTarget, read: DeviceRead) -> CameraState:
    assert read.login is not None
    info = isapi.parse_device_info(_answer(read, "deviceInfo") or "<DeviceInfo/>")
    clock = _answer(read, "time")
    mode = offset = None
    if clock is not None:
        parsed = isapi.parse_time(clock)
        mode = parsed["mode"]
        local = parsed["local_time"]
        if isinstance(local, dt.datetime) and local.tzinfo is not None and read.read_at:
            offset = round((local - read.read_at).total_seconds(), 1)
    ntp_text = _answer(read, "ntpServers")
    ntp = isapi.parse_ntp_servers(ntp_text) if ntp_text is not None else None
    access_text = _answer(read, "adminAccesses")
    accesses = isapi.parse_admin_accesses(access_text) if access_text is not None else None
    users_text = _answer(read, "users")
    users = isapi.parse_users(users_text) if users_text is not None else None

    def toggle(name: str) -> bool | None:
        text = _answer(read, name)
        if text is None:
            # a resource the firmware does not have is a service it does not offer
            return False if read.answers.get(name, "").startswith("HTTP 404") else None
        return isapi.parse_enabled(text)

    http_plain: bool | None
    if not target.https:
        http_plain = True  # read over plain HTTP: it is on, whatever the device says
    elif accesses is None:
        http_plain = None
    else:
        http_plain = accesses.get("HTTP", False)
    if isinstance(target.asset, Nvr):
        read.channels = isapi.parse_channel_status(_answer(read, "channelStatus") or "<x/>")
        read.tracks = isapi.parse_tracks(_answer(read, "tracks") or "<x/>")
    return CameraState(
        asset_id=target.asset.id,
        firmware=info["firmware"],
        ntp_enabled=None if mode is None else mode == "NTP",
        ntp_server=(ntp[0] if ntp else None) if ntp is not None else None,
        time_offset_s=offset,
        default_password_accepted=read.login.default_accepted,
        upnp=toggle("upnp"),
        p2p_cloud=toggle("ezviz"),
        telnet=toggle("telnetd"),
        http_plain=http_plain,
        https=None if accesses is None else accesses.get("HTTPS", False),
        users=None
        if users is None
        else [CameraUser(name=u["name"], level=u["level"]) for u in users],
        read_with=read.login.credential,
    )


def _recording(camera: Camera, recorder: DeviceRead | None) -> tuple[bool | None, str]:
    """Whether ``camera``'s channel on its recorder is online and records; and the excerpt."""
    if recorder is None or recorder.state is None or recorder.error:
        return None, f"recorder {camera.nvr} was not read"
    for channel in recorder.channels:
        if channel["ip"] == str(camera.address):
            records = bool(channel["online"]) and recorder.tracks.get(str(channel["id"]), False)
            return records, (
                f"recorder {camera.nvr} channel {channel['id']} ({channel['ip']}): "
                f"online={channel['online']}, records={recorder.tracks.get(str(channel['id']))}"
            )
    return False, f"recorder {camera.nvr} has no channel for {camera.address}"


def read_all(
    targets: Sequence[CameraTarget],
    settings: Settings,
    progress: Callable[[str, bool], None] | None = None,
) -> dict[str, DeviceRead]:
    """Read every device in parallel (recorders first: cameras need their channels)."""
    reads: dict[str, DeviceRead] = {}

    def one(target: CameraTarget) -> DeviceRead:
        result = read_device(target, settings)
        if progress is not None:
            progress(target.asset.id, result.error is None)
        return result

    recorders = [t for t in targets if isinstance(t.asset, Nvr)]
    cameras = [t for t in targets if not isinstance(t.asset, Nvr)]
    with ThreadPoolExecutor(max_workers=max(1, settings.workers)) as pool:
        for result in pool.map(one, recorders):
            reads[result.asset_id] = result
        for result in pool.map(one, cameras):
            reads[result.asset_id] = result
    for target in cameras:
        read = reads[target.asset.id]
        asset = target.asset
        if read.state is None or not isinstance(asset, Camera) or read.login is None:
            continue
        if read.login.credential is None:
            continue
        recording, excerpt = _recording(asset, reads.get(asset.nvr))
        read.state = read.state.model_copy(update={"recording": recording})
        recorder = reads.get(asset.nvr)
        read.answers["recorder"] = excerpt
        if recorder is not None:
            for name in RECORDER_PATHS:
                if name in recorder.answers:
                    read.answers[f"recorder {asset.nvr} {name}"] = recorder.answers[name]
    return reads


def evidence_text(read: DeviceRead) -> str:
    """The raw answers of one device as stored in the evidence (no secret: passwords are
    never returned by the device and credentials are never written)."""
    assert read.login is not None
    lines = [f"# {read.asset_id} read at {read.where}", "# logins:"]
    lines += [f"#   {attempt}" for attempt in read.login.attempts]
    for name, text in read.answers.items():
        path = READ_PATHS.get(name) or RECORDER_PATHS.get(name) or name
        lines.append(f"\n## GET {path}" if path.startswith("/") else f"\n## {path}")
        lines.append(text.rstrip())
    return "\n".join(lines) + "\n"


class CameraCollector:
    """camera_state: every camera and recorder read over ISAPI (lab, or ``KENTOPS_LIVE=1``).

    One item per device read (subject = its id); a device that could not be read gets no
    item and is named, with the reason, in ``cameras/run.json`` (site-wide).
    """

    name = "cameras"
    kinds: tuple[str, ...] = ("camera_state",)

    def collect(self, ctx: CollectContext) -> list[EvidenceItem]:
        live = os.environ.get("KENTOPS_LIVE", "").lower() in {"1", "true", "yes"}
        if not ctx.lab and not live:
            raise NotCollected(
                "cameras are read only from the lab (--lab) or the live estate (KENTOPS_LIVE=1)"
            )
        loaded = ctx.loaded
        if not (loaded.inventory.cameras or loaded.inventory.nvrs):
            raise NotCollected("the inventory has no camera or recorder")
        settings = Settings.from_env()
        targets, skipped = camera_targets(loaded, ctx.policy_dir, ctx.lab, ctx.hosts)
        if not targets:
            raise NotCollected("no camera or recorder is reachable in this setting")
        reads = read_all(targets, settings)
        items: list[EvidenceItem] = []
        failed: dict[str, str] = dict(skipped)
        for target in targets:
            read = reads[target.asset.id]
            if read.state is None or read.login is None:
                failed[target.asset.id] = read.error or "not read"
                continue
            items.append(
                EvidenceItem(
                    kind="camera_state",
                    name=f"camera_state/{target.asset.id}.txt",
                    content=evidence_text(read),
                    source=f"ISAPI {read.where} (digest, {read.login.credential or 'no'} login)",
                    subject=target.asset.id,
                    data=read.state,
                )
            )
        items.append(
            EvidenceItem(
                kind="camera_state",
                name="camera_state/run.json",
                content=json_text(
                    {
                        "read": sorted(i.subject for i in items if i.subject),
                        "failed": failed,
                        "seconds": {k: v.seconds for k, v in sorted(reads.items())},
                        "max_failed_logins": settings.max_failed_logins,
                    }
                ),
                source="kentops.network.cameras",
                subject=None,
            )
        )
        return items


# ------------------------------------------------------------------------ applying

_PUT_COMMENT = re.compile(r"PUT (/ISAPI/[A-Za-z0-9/_]+)")
_PLACEHOLDER = re.compile(
    r"\{\{ (?:vault_(?P<vault>[A-Za-z0-9_]+)|lookup\('ansible\.builtin\.env', '(?P<env>[A-Za-z_]"
    r"[A-Za-z0-9_]*)'\)) \}\}"
)
#: The users document goes last: it changes the password the session logs in with.
LAST_DOCUMENTS = ("users.xml",)


@dataclass(frozen=True)
class Document:
    """One rendered ISAPI document of a camera and where it is PUT."""

    name: str
    path: str
    body: str  # secrets filled in; never printed


@dataclass
class DocumentResult:
    name: str
    path: str
    action: str  # unchanged | would_change | changed | failed | restored
    differences: list[str] = field(default_factory=list)
    detail: str | None = None


@dataclass
class CameraDeployResult:
    """What a deploy did to one camera."""

    asset_id: str
    status: str  # unchanged | would_change | changed | failed | rolled_back
    documents: list[DocumentResult] = field(default_factory=list)
    logged_in_with: str | None = None
    default_password_replaced: bool = False
    verified: bool | None = None
    reason: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in ("unchanged", "would_change", "changed")

    def as_dict(self) -> dict[str, Any]:
        return {
            "camera": self.asset_id,
            "status": self.status,
            "logged_in_with": self.logged_in_with,
            "default_password_replaced": self.default_password_replaced,
            "verified": self.verified,
            "reason": self.reason,
            "seconds": self.seconds,
            "documents": [
                {
                    "name": d.name,
                    "path": d.path,
                    "action": d.action,
                    "differences": d.differences,
                    "detail": d.detail,
                }
                for d in self.documents
            ],
        }


class SecretMissing(LookupError):
    """A rendered document names a secret that has no value in this run."""


def fill_secrets(text: str, values: dict[str, str]) -> str:
    """``{{ vault_NAME }}`` / ``{{ lookup('ansible.builtin.env', 'NAME') }}`` → the value,
    XML-escaped; ``SecretMissing`` names the first reference without a value."""

    def value(match: re.Match[str]) -> str:
        if match.group("vault"):
            reference = f"vault:{match.group('vault')}"
        else:
            reference = f"env:{match.group('env')}"
        found = resolve_reference(reference, values)
        if found is None:
            where = (
                f"KENTOPS_VAULT_{match.group('vault')}" if match.group("vault") else reference[4:]
            )
            raise SecretMissing(f"{reference} has no value (set {where})")
        return escape(found)

    return _PLACEHOLDER.sub(value, text)


def camera_documents(
    loaded: LoadedInventory, policy_dir: Path, camera_ids: Sequence[str]
) -> dict[str, list[tuple[str, str, str]]]:
    """The rendered ISAPI documents per camera: (name, PUT path, text with placeholders)."""
    from kentops.render import render_site

    report = render_site(loaded, policy_dir, out=None, hosts=list(camera_ids))
    out: dict[str, list[tuple[str, str, str]]] = {}
    for artefact in report.artefacts:
        if artefact.kind != "isapi":
            continue
        match = _PUT_COMMENT.search(artefact.text)
        if match is None:
            continue
        entry = (artefact.name, match.group(1), artefact.text)
        out.setdefault(artefact.device_id, []).append(entry)
    for entries in out.values():
        entries.sort(key=lambda e: (e[0] in LAST_DOCUMENTS, e[0]))
    return out


def _leaves(element: ET.Element, prefix: str = "") -> dict[str, str]:
    """Leaf path → text; list entries are keyed by their ``id`` (or position)."""
    out: dict[str, str] = {}
    counts: dict[str, int] = {}
    for child in element:
        counts[child.tag] = counts.get(child.tag, 0) + 1
        key = child.findtext("id")
        label = f"{child.tag}[{key}]" if key is not None else child.tag
        if counts[child.tag] > 1 and key is None:
            label = f"{child.tag}[{counts[child.tag]}]"
        path = f"{prefix}/{label}" if prefix else label
        if len(child):
            out.update(_leaves(child, path))
        else:
            out[path] = (child.text or "").strip()
    return out


def compare_document(intended: str, running: str) -> list[str]:
    """Differences of a device's answer from an intended document (element by element).

    Passwords are never returned by a device, so they are not compared here (the deploy
    proves them by logging in); an intended element the device does not report is not
    compared either. A list entry (a user) the device has and the document has not is a
    difference, as the PUT replaces the whole list.
    """
    want = _leaves(isapi.parse_xml(intended))
    have = _leaves(isapi.parse_xml(running))
    problems: list[str] = []
    for path, value in want.items():
        if path.endswith("/password"):
            continue
        if path in have and have[path] != value:
            problems.append(f"{path}: {have[path]!r}, intended {value!r}")
    want_entries = {p.split("/", 1)[0] for p in want if "[" in p.split("/", 1)[0]}
    have_entries = {p.split("/", 1)[0] for p in have if "[" in p.split("/", 1)[0]}
    for entry in sorted(want_entries - have_entries):
        problems.append(f"{entry}: missing")
    for entry in sorted(have_entries - want_entries):
        problems.append(f"{entry}: not intended")
    return problems


def apply_camera(
    target: CameraTarget,
    documents: Sequence[Document],
    *,
    commit: bool,
    settings: Settings | None = None,
) -> CameraDeployResult:
    """Compare, and with ``commit`` apply and verify, one camera's documents."""
    limits = settings or Settings.from_env()
    started = time.monotonic()
    result = CameraDeployResult(asset_id=target.asset.id, status="failed")
    try:
        _apply(target, documents, commit, limits, result, started)
    except (IsapiError, ValueError) as exc:
        result.status = "failed" if result.status != "rolled_back" else result.status
        result.reason = str(exc)
    finally:
        result.seconds = round(time.monotonic() - started, 3)
    return result


def _session(target: CameraTarget, limits: Settings) -> IsapiSession:
    return IsapiSession(
        target.endpoint.address,
        target.endpoint.port,
        https=target.https,
        ca_file=target.ca_file,
        timeout=limits.timeout_s,
    )


def _apply(
    target: CameraTarget,
    documents: Sequence[Document],
    commit: bool,
    limits: Settings,
    result: CameraDeployResult,
    started: float,
) -> None:
    with _session(target, limits) as session:
        login = log_in(session, target, limits.max_failed_logins)
        result.logged_in_with = login.credential
        if login.credential is None or login.credential == "none":
            result.reason = login.reason or "no login"
            return
        before: dict[str, str] = {}
        pending: list[tuple[Document, DocumentResult]] = []
        for doc in documents:
            _within(started, limits.device_budget_s, doc.path)
            reply = session.get(doc.path)
            if reply.status != 200:
                raise IsapiError(f"GET {doc.path}: HTTP {reply.status}")
            before[doc.name] = reply.text
            differences = compare_document(doc.body, reply.text)
            if doc.name == "users.xml" and login.credential == "default":
                differences.append("admin password: the vendor default, intended the vault's")
            entry = DocumentResult(doc.name, doc.path, "unchanged", differences)
            result.documents.append(entry)
            if differences:
                entry.action = "would_change" if not commit else "pending"
                pending.append((doc, entry))
        if not pending:
            result.status, result.verified = "unchanged", None
            return
        if not commit:
            result.status = "would_change"
            return
        changed: list[Document] = []
        for doc, entry in pending:
            _within(started, limits.device_budget_s, doc.path)
            reply = session.put(doc.path, doc.body.encode("utf-8"))
            code, sub = isapi.response_status(reply.body)
            if reply.status != 200 or code not in (1, 7):
                entry.action, entry.detail = "failed", f"HTTP {reply.status}, {code} {sub}"
                _restore(session, changed, before, result)
                result.status = "rolled_back"
                result.reason = f"PUT {doc.path} refused ({entry.detail}); earlier changes restored"
                return
            entry.action = "changed"
            changed.append(doc)
    if any(d.name == "users.xml" for d in changed) and login.credential == "default":
        result.default_password_replaced = True
    _verify(target, documents, limits, result, started)


def _restore(
    session: IsapiSession,
    changed: Sequence[Document],
    before: dict[str, str],
    result: CameraDeployResult,
) -> None:
    for doc in reversed(changed):
        reply = session.put(doc.path, before[doc.name].encode("utf-8"))
        code, sub = isapi.response_status(reply.body)
        for entry in result.documents:
            if entry.name == doc.name:
                entry.action = "restored" if code in (1, 7) else "failed"
                entry.detail = None if code in (1, 7) else f"restore refused: {code} {sub}"


def _verify(
    target: CameraTarget,
    documents: Sequence[Document],
    limits: Settings,
    result: CameraDeployResult,
    started: float,
) -> None:
    """A new session with the vault's credential only, and every document read back."""
    vault_only = CameraTarget(
        asset=target.asset,
        endpoint=target.endpoint,
        https=target.https,
        ca_file=target.ca_file,
        vault_user=target.vault_user,
        vault_password=target.vault_password,
        default=None,
    )
    with _session(vault_only, limits) as session:
        login = log_in(session, vault_only, 1)
        if login.credential != "vault":
            result.status, result.verified = "failed", False
            result.reason = f"after the change the vault credential is refused: {login.reason}"
            return
        problems: list[str] = []
        for doc in documents:
            _within(started, limits.device_budget_s, doc.path)
            reply = session.get(doc.path)
            left = compare_document(doc.body, reply.text) if reply.status == 200 else ["unread"]
            problems += [f"{doc.name}: {p}" for p in left]
    result.verified = not problems
    result.status = "changed" if not problems else "failed"
    if problems:
        result.reason = "verification: " + "; ".join(problems)


def deploy_cameras(
    loaded: LoadedInventory,
    policy_dir: Path,
    *,
    lab: bool,
    commit: bool,
    hosts: Sequence[str] | None = None,
    settings: Settings | None = None,
    progress: Callable[[str, bool], None] | None = None,
) -> tuple[list[CameraDeployResult], dict[str, str]]:
    """Deploy the rendered ISAPI documents to every camera (or ``hosts``); results per camera
    and the cameras that were not attempted (why)."""
    limits = settings or Settings.from_env()
    targets, skipped = camera_targets(loaded, policy_dir, lab, hosts)
    cameras = [t for t in targets if isinstance(t.asset, Camera)]
    if hosts:
        for host in hosts:
            if host not in {t.asset.id for t in targets} and host not in skipped:
                skipped[host] = "not a camera of the inventory"
    rendered = camera_documents(loaded, policy_dir, [t.asset.id for t in cameras])
    values = vault_values(loaded, lab)
    results: list[CameraDeployResult] = []

    def one(target: CameraTarget) -> CameraDeployResult:
        try:
            docs = [
                Document(name, path, fill_secrets(text, values))
                for name, path, text in rendered.get(target.asset.id, [])
            ]
        except SecretMissing as exc:
            outcome = CameraDeployResult(target.asset.id, "failed", reason=str(exc))
        else:
            if not docs:
                outcome = CameraDeployResult(
                    target.asset.id, "failed", reason="no rendered ISAPI document"
                )
            else:
                outcome = apply_camera(target, docs, commit=commit, settings=limits)
        if progress is not None:
            progress(target.asset.id, outcome.ok)
        return outcome

    with ThreadPoolExecutor(max_workers=max(1, limits.workers)) as pool:
        results = list(pool.map(one, cameras))
    return results, skipped


def results_json(results: Sequence[CameraDeployResult], skipped: dict[str, str]) -> str:
    return json.dumps(
        {"cameras": [r.as_dict() for r in results], "not_attempted": skipped},
        ensure_ascii=False,
        indent=2,
    )
