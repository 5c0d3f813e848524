"""Read-only facts of Linux servers, read in parallel with pyinfra.

One shell script (:data:`FACTS_SCRIPT`) runs once per host as root (sudo) over pyinfra's
SSH connector; it prints every command's output in a section of its own, with the exit
code. :func:`parse_host` turns that raw text into :class:`HostFacts`; the raw text is kept,
since it is the evidence. A host that cannot be read (down, wrong host key, refused login)
yields a :class:`HostFailure` with the reason, and the others go on.

Roles leave their own account of a host as local facts (``/etc/ansible/facts.d/*.fact``,
JSON); restic repositories are found by their environment files (``/etc/restic/*.env``,
``RESTIC_REPOSITORY`` and ``RESTIC_PASSWORD_FILE``), as the backup role writes them. See
README.md beside this file for the local facts read.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kentops.inventory.adapters import LINUX_PLATFORMS
from kentops.inventory.adapters.pyinfra import pyinfra_hosts
from kentops.inventory.loader import LoadedInventory
from kentops.inventory.model import Server
from kentops.servers import parsers as p

SECTION = "@@kentops-section "
EXIT = "@@kentops-exit "

#: The commands read from every host, each in its own section. Nothing here changes the
#: host: apt-get only simulates (and takes no lock), restic reads without a lock.
FACTS_SCRIPT = r"""
export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
s() { printf '\n@@kentops-section %s\n' "$1"; }
e() { printf '\n@@kentops-exit %s\n' "$1"; }
s os; cat /etc/os-release 2>&1; e $?
s sshd; sshd -T 2>&1; e $?
s passwd; getent passwd 2>&1; e $?
s group; getent group 2>&1; e $?
s passwd_status; passwd -S -a 2>&1; e $?
s keys
akf=$(sshd -T 2>/dev/null | sed -n 's/^authorizedkeysfile //p')
getent passwd | while IFS=: read -r u _ _ _ _ h _; do
  for f in ${akf:-.ssh/authorized_keys}; do
    f=$(printf '%s' "$f" | sed "s|%h|$h|g; s|%u|$u|g; s|%%|%|g")
    case "$f" in /*) ;; *) f="$h/$f" ;; esac
    if [ -f "$f" ]; then echo "== $u"; ssh-keygen -lf "$f" 2>&1; fi
  done
done; e 0
s sudoers
for f in /etc/sudoers /etc/sudoers.d/*; do
  if [ -f "$f" ]; then echo "== $f"; cat "$f"; echo; fi
done; e 0
s apt; apt-get -s -o Debug::NoLocking=1 dist-upgrade 2>&1; e $?
s apt_release
for f in /var/lib/apt/lists/*Release; do
  if [ -f "$f" ]; then echo "== release"
    grep -E '^(Origin|Label|Suite|Version|Codename|Date):' "$f"; fi
done; e 0
s reboot
if [ -f /var/run/reboot-required ]; then
  echo "present $(stat -c %Y /var/run/reboot-required)"
  cat /var/run/reboot-required.pkgs 2>/dev/null
else echo absent; fi; e 0
s chrony_tracking; chronyc -n tracking 2>&1; e $?
s chrony_sources; chronyc -n sources 2>&1; e $?
s nft; nft list ruleset 2>&1; e $?
s listen; ss -Htlnup 2>&1; e $?
s df; df -Pk 2>&1; e $?
s local_facts
for f in /etc/ansible/facts.d/*.fact; do
  if [ -f "$f" ]; then echo "== ${f##*/}"; cat "$f"; echo; fi
done; e 0
s auditd
if pidof auditd >/dev/null 2>&1; then echo "running yes"; else echo "running no"; fi
if command -v auditctl >/dev/null 2>&1; then
  echo "rules $(auditctl -l 2>/dev/null | grep -vc '^No rules')"; fi
if [ -f /etc/audit/plugins.d/syslog.conf ]; then
  if grep -qiE '^\s*active\s*=\s*yes' /etc/audit/plugins.d/syslog.conf; then
    echo "syslog-plugin yes"; else echo "syslog-plugin no"; fi
fi; e 0
s clamav
if command -v clamscan >/dev/null 2>&1 || [ -x /usr/sbin/clamd ]; then echo "installed yes"
  if pidof clamd >/dev/null 2>&1; then echo "running yes"; else echo "running no"; fi
  db=$(ls -t /var/lib/clamav/daily.c[lv]d 2>/dev/null | head -n 1)
  if [ -n "$db" ]; then echo "signatures $(stat -c %Y "$db")"; fi
else echo "installed no"; fi; e 0
for env in /etc/restic/*.env; do
  [ -f "$env" ] || continue
  name=${env##*/}; name=${name%.env}
  s "restic_snapshots:$name"
  ( set -a; . "$env"; set +a; timeout 60 restic snapshots --json --no-lock 2>&1 ); e $?
done
s end; e 0
"""


class Section(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    exit_code: int | None


def split_sections(raw: str) -> dict[str, Section]:
    """The sections of the script's output: name → text and exit code."""
    sections: dict[str, Section] = {}
    name: str | None = None
    lines: list[str] = []
    for line in raw.splitlines():
        if line.startswith(SECTION):
            name, lines = line[len(SECTION) :].strip(), []
        elif line.startswith(EXIT) and name is not None:
            code = line[len(EXIT) :].strip()
            sections[name] = Section(
                text="\n".join(lines).strip("\n"),
                exit_code=int(code) if code.lstrip("-").isdigit() else None,
            )
            name = None
        elif name is not None:
            lines.append(line)
    return sections


class ResticRepository(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    ok: bool
    snapshots: list[p.ResticSnapshot] = Field(default_factory=list)
    error: str | None = None


class HostFacts(BaseModel):
    """Everything read from one host, parsed; None where a section could not be read."""

    model_config = ConfigDict(frozen=True)

    host: str
    read_at: dt.datetime
    seconds: float | None = None
    os: p.OsRelease | None = None
    sshd: p.SshdSettings | None = None
    accounts: list[p.Account] | None = None
    groups: dict[str, p.Group] | None = None
    sudo_rules: list[p.SudoRule] | None = None
    sudo_users: list[str] | None = None
    pending: list[p.PackageUpgrade] | None = None
    package_sources: list[p.ReleaseFile] = Field(default_factory=list)
    reboot: p.RebootState | None = None
    chrony: p.ChronyTracking | None = None
    time_sources: list[str] | None = None
    nftables: p.NftRuleset | None = None
    listeners: list[p.Listener] | None = None
    filesystems: list[p.Filesystem] | None = None
    local_facts: dict[str, Any] = Field(default_factory=dict)
    local_fact_problems: dict[str, str] = Field(default_factory=dict)
    auditd: p.AuditStatus | None = None
    clamav: p.ClamavStatus | None = None
    restic: list[ResticRepository] = Field(default_factory=list)
    unread: dict[str, str] = Field(
        default_factory=dict, description="Section → why it could not be read"
    )


@dataclass(frozen=True)
class HostFailure:
    """A host that could not be read at all, and why."""

    host: str
    reason: str


@dataclass
class FactsRun:
    """The outcome of one collection: facts and raw output per host read, failures."""

    facts: dict[str, HostFacts] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    failures: list[HostFailure] = field(default_factory=list)
    seconds: float = 0.0
    source: dict[str, str] = field(default_factory=dict)


def _ok(sections: dict[str, Section], name: str, unread: dict[str, str]) -> str | None:
    section = sections.get(name)
    if section is None:
        unread[name] = "not in the output (the script stopped before it)"
        return None
    if section.exit_code not in (0, None):
        first = section.text.strip().splitlines()[:1]
        unread[name] = f"exit {section.exit_code}: {first[0] if first else 'no output'}"
        return None
    return section.text


def parse_host(
    host: str, raw: str, read_at: dt.datetime, seconds: float | None = None
) -> HostFacts:
    """The facts of one host from the raw output of :data:`FACTS_SCRIPT`."""
    sections = split_sections(raw)
    unread: dict[str, str] = {}
    text = {name: _ok(sections, name, unread) for name in (
        "os", "sshd", "passwd", "group", "passwd_status", "keys", "sudoers", "apt",
        "apt_release", "reboot", "chrony_tracking", "chrony_sources", "nft", "listen", "df",
        "local_facts", "auditd", "clamav",
    )}  # fmt: skip
    accounts = p.parse_passwd(text["passwd"]) if text["passwd"] is not None else None
    groups = p.parse_group(text["group"]) if text["group"] is not None else None
    if accounts is not None:
        status = p.parse_passwd_status(text["passwd_status"] or "")
        keys = p.parse_authorized_keys(text["keys"] or "")
        names = {g: p.group_members(g, groups or {}, accounts) for g in groups or {}}
        accounts = [
            a.model_copy(
                update={
                    "password_state": status.get(a.name),
                    "groups": sorted(g for g, members in names.items() if a.name in members),
                    "keys": keys.get(a.name, []),
                }
            )
            for a in accounts
        ]
    rules = p.parse_sudoers(text["sudoers"]) if text["sudoers"] is not None else None
    sudo = (
        p.sudo_users(rules, groups, accounts)
        if rules is not None and groups is not None and accounts is not None
        else None
    )
    chrony = p.parse_chrony_tracking(text["chrony_tracking"] or "")
    if text["chrony_tracking"] is not None and chrony is None:
        unread["chrony_tracking"] = "no tracking report"
    local, problems = p.parse_local_facts(text["local_facts"] or "")
    restic = []
    for name, section in sorted(sections.items()):
        if not name.startswith("restic_snapshots:"):
            continue
        repo = name.partition(":")[2]
        snaps = p.parse_restic_snapshots(section.text) if section.exit_code == 0 else None
        if snaps is None:
            lines = [x for x in section.text.strip().splitlines() if x.strip()]
            restic.append(
                ResticRepository(
                    name=repo,
                    ok=False,
                    error=(lines[-1] if lines else "no output")
                    + f" (restic exit {section.exit_code})",
                )
            )
        else:
            restic.append(ResticRepository(name=repo, ok=True, snapshots=snaps))
    return HostFacts(
        host=host,
        read_at=read_at,
        seconds=seconds,
        os=p.parse_os_release(text["os"]) if text["os"] is not None else None,
        sshd=p.parse_sshd_t(text["sshd"]) if text["sshd"] is not None else None,
        accounts=accounts,
        groups=groups,
        sudo_rules=rules,
        sudo_users=sudo,
        pending=p.parse_apt_simulate(text["apt"]) if text["apt"] is not None else None,
        package_sources=p.parse_release_files(text["apt_release"] or ""),
        reboot=p.parse_reboot_required(text["reboot"]) if text["reboot"] is not None else None,
        chrony=chrony,
        time_sources=p.parse_chrony_sources(text["chrony_sources"])
        if text["chrony_sources"] is not None
        else None,
        nftables=p.parse_nft_ruleset(text["nft"]) if text["nft"] is not None else None,
        listeners=p.parse_ss_listening(text["listen"]) if text["listen"] is not None else None,
        filesystems=p.parse_df(text["df"]) if text["df"] is not None else None,
        local_facts=local,
        local_fact_problems=problems,
        auditd=p.parse_auditd(text["auditd"]) if text["auditd"] is not None else None,
        clamav=p.parse_clamav(text["clamav"]) if text["clamav"] is not None else None,
        restic=restic,
        unread=unread,
    )


# ---------------------------------------------------------------- collection


Progress = Callable[[str, int, int], None]


def linux_targets(
    loaded: LoadedInventory, lab: bool, hosts: Sequence[str] | None = None
) -> dict[str, dict[str, Any]]:
    """pyinfra connection data of every Linux server to read (the lab's when ``lab``)."""
    groups = pyinfra_hosts(loaded, lab=lab)
    wanted = set(hosts) if hosts else None
    targets: dict[str, dict[str, Any]] = {}
    for members in groups.values():
        for name, data in members:
            if wanted is None or name in wanted:
                targets[name] = data
    return dict(sorted(targets.items()))


def lab_linux_hosts(loaded: LoadedInventory) -> list[str]:
    """Servers of the inventory that run Linux (pyinfra reads those)."""
    return [s.id for s in loaded.inventory.servers if s.platform in LINUX_PLATFORMS]


def run_script(
    targets: dict[str, dict[str, Any]],
    script: str,
    *,
    timeout: float = 180.0,
    progress: Progress | None = None,
) -> tuple[dict[str, dict[str, Any]], float]:
    """Run ``script`` on every target in parallel (pyinfra in its own process).

    Returns host → the runner's result and the wall time. Hosts the runner did not
    report (it died) get an error result saying so.
    """
    request = {"hosts": list(targets.items()), "script": script, "sudo": True, "timeout": 120}
    started = time.monotonic()
    results: dict[str, dict[str, Any]] = {}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kentops.servers.pyinfra_run"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdin.write(json.dumps(request))
    proc.stdin.close()
    try:
        for raw in proc.stdout:
            line = raw.strip()
            if not line.startswith("{"):
                continue
            result = json.loads(line)
            results[result["host"]] = result
            if progress is not None:
                progress(result["host"], len(results), len(targets))
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    stderr = proc.stderr.read().strip()
    for name in targets:
        if name not in results:
            tail = stderr.splitlines()[-1] if stderr else f"exit {proc.returncode}"
            results[name] = {"host": name, "connected": False, "error": f"pyinfra: {tail}"}
    return results, time.monotonic() - started


def collect_facts(
    loaded: LoadedInventory,
    *,
    lab: bool,
    hosts: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> FactsRun:
    """Read every Linux server (of the lab when ``lab``); failures are listed, not raised."""
    targets = linux_targets(loaded, lab, hosts)
    run = FactsRun()
    if not targets:
        return run
    results, run.seconds = run_script(targets, FACTS_SCRIPT, progress=progress)
    for name, result in sorted(results.items()):
        data = targets[name]
        run.source[name] = (
            f"pyinfra ssh {data.get('ssh_user')}@{data.get('ssh_hostname')}:"
            f"{data.get('ssh_port', 22)} (sudo, read-only script)"
        )
        stdout = result.get("stdout") or ""
        if result.get("error") or not result.get("connected"):
            run.failures.append(HostFailure(name, str(result.get("error") or "not connected")))
            continue
        if SECTION + "end" not in stdout:
            stderr = (result.get("stderr") or "").strip().splitlines()
            run.failures.append(
                HostFailure(
                    name,
                    "the facts script did not finish: " + (stderr[-1] if stderr else "no output"),
                )
            )
            continue
        run.raw[name] = stdout
        run.facts[name] = parse_host(
            name, stdout, dt.datetime.now(dt.UTC).replace(microsecond=0), result.get("seconds")
        )
    return run


def server_of(loaded: LoadedInventory, host: str) -> Server | None:
    asset = loaded.inventory.index().get(host)
    return asset if isinstance(asset, Server) else None
