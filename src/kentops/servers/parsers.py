"""Parsers of what a Linux server prints: raw command output in, typed records out.

Each parser is a pure function of the text one command printed (``sshd -T``, ``getent
passwd``, ``apt-get -s dist-upgrade``, ``chronyc tracking``, ``nft list ruleset``,
``ss -tlnup``, ``restic snapshots --json``...). The fixture tests in
``tests/unit/servers/fixtures/<parser>/`` hold real output next to the structure expected.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Record(BaseModel):
    model_config = ConfigDict(frozen=True)


# ---------------------------------------------------------------- os-release


class OsRelease(Record):
    id: str
    version_id: str
    pretty_name: str | None = None


def parse_os_release(text: str) -> OsRelease | None:
    """/etc/os-release: ID, VERSION_ID, PRETTY_NAME (None without ID)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip().strip('"').strip("'")
    if "ID" not in values:
        return None
    return OsRelease(
        id=values["ID"],
        version_id=values.get("VERSION_ID", ""),
        pretty_name=values.get("PRETTY_NAME"),
    )


# ---------------------------------------------------------------- sshd -T


class SshdSettings(Record):
    """The effective settings ``sshd -T`` prints (lower-case keys, repeated keys listed)."""

    settings: dict[str, list[str]]

    def first(self, key: str) -> str | None:
        values = self.settings.get(key)
        return values[0] if values else None

    def csv(self, key: str) -> list[str]:
        value = self.first(key)
        return [v for v in value.split(",") if v] if value else []


def parse_sshd_t(text: str) -> SshdSettings | None:
    """``sshd -T``: one ``key value`` per line; None when no setting was printed."""
    settings: dict[str, list[str]] = {}
    for line in text.splitlines():
        key, _, value = line.strip().partition(" ")
        if not key or not re.fullmatch(r"[a-z0-9]+", key):
            continue
        settings.setdefault(key, []).append(value.strip())
    if "port" not in settings and "passwordauthentication" not in settings:
        return None
    return SshdSettings(settings=settings)


# ---------------------------------------------------------------- accounts


class Account(Record):
    name: str
    uid: int
    gid: int
    home: str
    shell: str
    login_shell: bool = Field(description="The shell lets the account log in")
    password_state: str | None = Field(
        default=None, description="passwd -S: P usable password, L locked, NP none"
    )
    groups: list[str] = Field(default_factory=list)
    keys: list[str] = Field(default_factory=list, description="Authorized key fingerprints")


NOLOGIN_SHELLS = ("/nologin", "/false", "/sync", "/shutdown", "/halt")


def parse_passwd(text: str) -> list[Account]:
    """``getent passwd``: name:x:uid:gid:gecos:home:shell."""
    accounts = []
    for line in text.splitlines():
        parts = line.split(":")
        if len(parts) != 7 or not parts[2].isdigit() or not parts[3].isdigit():
            continue
        shell = parts[6]
        accounts.append(
            Account(
                name=parts[0],
                uid=int(parts[2]),
                gid=int(parts[3]),
                home=parts[5],
                shell=shell,
                login_shell=bool(shell) and not shell.endswith(NOLOGIN_SHELLS),
            )
        )
    return accounts


class Group(Record):
    gid: int
    members: list[str] = Field(default_factory=list)


def parse_group(text: str) -> dict[str, Group]:
    """``getent group``: group name → its id and listed members."""
    groups: dict[str, Group] = {}
    for line in text.splitlines():
        parts = line.split(":")
        if len(parts) != 4 or not parts[2].isdigit():
            continue
        groups[parts[0]] = Group(gid=int(parts[2]), members=[m for m in parts[3].split(",") if m])
    return groups


def parse_passwd_status(text: str) -> dict[str, str]:
    """``passwd -S -a``: account → P (usable password), L (locked) or NP (no password)."""
    status: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1] in {"P", "L", "NP", "PS", "LK"}:
            status[parts[0]] = {"PS": "P", "LK": "L"}.get(parts[1], parts[1])
    return status


_KEY_LINE = re.compile(r"^\d+\s+(?P<fp>SHA256:\S+)\s+(?P<rest>.*)$")


def parse_authorized_keys(text: str) -> dict[str, list[str]]:
    """Our listing of authorized keys: ``== user`` then ``ssh-keygen -lf`` lines.

    Only fingerprints and their comments are read, never the keys themselves.
    """
    keys: dict[str, list[str]] = {}
    user: str | None = None
    for line in text.splitlines():
        if line.startswith("== "):
            user = line[3:].strip()
            keys.setdefault(user, [])
            continue
        match = _KEY_LINE.match(line.strip())
        if user is not None and match:
            keys[user].append(f"{match['fp']} {match['rest']}".strip())
    return keys


# ---------------------------------------------------------------- sudoers


class SudoRule(Record):
    who: list[str] = Field(description="Users and %groups the rule grants")
    spec: str
    all_commands: bool
    file: str | None = None


_SUDO_KEYWORDS = ("Defaults", "Cmnd_Alias", "Host_Alias", "Runas_Alias", "User_Alias")


def parse_sudoers(text: str) -> list[SudoRule]:
    """Concatenated sudoers files (``== path`` before each): the user specifications.

    User_Alias names are expanded; ``#include``/``@include`` lines are ignored (the files
    they name are listed on their own).
    """
    aliases: dict[str, list[str]] = {}
    rules: list[SudoRule] = []
    current: str | None = None
    logical: list[tuple[str | None, str]] = []
    pending = ""
    for raw in text.splitlines():
        if raw.startswith("== "):
            current = raw[3:].strip()
            continue
        line = raw.split("#", 1)[0] if not raw.lstrip().startswith(("#include", "@")) else ""
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if line:
            logical.append((current, line))
    for file, line in logical:
        first = line.split(None, 1)[0]
        if first == "User_Alias":
            for part in line[len(first) :].split(":"):
                name, _, members = part.partition("=")
                aliases[name.strip()] = [m.strip() for m in members.split(",") if m.strip()]
            continue
        if first.startswith(_SUDO_KEYWORDS):
            continue
        users_part, _, spec = line.partition("=")
        if not spec:
            continue
        tokens = users_part.split()
        if len(tokens) < 2:
            continue
        who_text = " ".join(tokens[:-1])
        who: list[str] = []
        for entry in (w.strip() for w in who_text.split(",")):
            who.extend(aliases.get(entry, [entry]) if entry else [])
        commands = spec.split(")", 1)[-1] if ")" in spec else spec
        commands = re.sub(r"\b[A-Z_]+:", "", commands)  # NOPASSWD:, SETENV: ...
        rules.append(
            SudoRule(
                who=who,
                spec=line,
                all_commands="ALL" in [c.strip() for c in commands.split(",")],
                file=file,
            )
        )
    return rules


def group_members(group: str, groups: dict[str, Group], accounts: list[Account]) -> set[str]:
    """Members of a group: those listed, and the accounts whose primary group it is."""
    found = groups.get(group)
    if found is None:
        return set()
    return set(found.members) | {a.name for a in accounts if a.gid == found.gid}


def sudo_users(
    rules: list[SudoRule], groups: dict[str, Group], accounts: list[Account]
) -> list[str]:
    """Accounts other than root that a sudo rule grants, members of granted %groups too."""
    names: set[str] = set()
    for rule in rules:
        for who in rule.who:
            if who.startswith("%"):
                names |= group_members(who[1:], groups, accounts)
            elif who == "ALL":
                names |= {a.name for a in accounts if a.login_shell}
            else:
                names.add(who)
    return sorted(names - {"root"})


# ---------------------------------------------------------------- apt-get -s dist-upgrade


class PackageUpgrade(Record):
    package: str
    current: str | None = Field(description="Installed version (None: a new package)")
    candidate: str
    origins: list[str] = Field(description="Where the candidate comes from: Label:Version/Suite")
    security: bool


_INST = re.compile(
    r"^Inst (?P<pkg>\S+)(?: \[(?P<cur>[^\]]+)\])? \((?P<cand>\S+) (?P<rel>.*?) \[[^\]]+\]\)"
)


def is_security_origin(origin: str) -> bool:
    """An origin (``Debian-Security:12/stable-security``) that carries security updates."""
    label, _, rest = origin.partition(":")
    suite = rest.rpartition("/")[2] if "/" in rest else ""
    return "security" in label.lower() or suite.endswith("-security") or suite == "security"


def parse_apt_simulate(text: str) -> list[PackageUpgrade]:
    """``apt-get -s dist-upgrade``: every ``Inst`` line (upgrades and new packages).

    An upgrade is a security one when any origin of its candidate is a security archive
    (Debian-Security, ``*-security`` suites), as unattended-upgrades decides.
    """
    upgrades = []
    for line in text.splitlines():
        match = _INST.match(line)
        if not match:
            continue
        origins = [o.strip() for o in match["rel"].split(",") if o.strip()]
        upgrades.append(
            PackageUpgrade(
                package=match["pkg"],
                current=match["cur"],
                candidate=match["cand"],
                origins=origins,
                security=any(is_security_origin(o) for o in origins),
            )
        )
    return upgrades


class ReleaseFile(Record):
    """The fields of a package index's Release file that name its origin, and its date."""

    origin: str | None = None
    label: str | None = None
    suite: str | None = None
    version: str | None = None
    codename: str | None = None
    date: dt.datetime | None = None

    def origin_text(self) -> str:
        """How ``apt-get -s`` names this origin: Label:Version/Suite."""
        text = self.label or self.origin or ""
        if self.version:
            text += f":{self.version}"
        if self.suite or self.codename:
            text += f"/{self.suite or self.codename}"
        return text


def parse_release_files(text: str) -> list[ReleaseFile]:
    """The head of each Release/InRelease file (``== path`` before each)."""
    found: list[ReleaseFile] = []
    fields: dict[str, str] = {}

    def close() -> None:
        if fields:
            found.append(
                ReleaseFile(
                    origin=fields.get("Origin"),
                    label=fields.get("Label"),
                    suite=fields.get("Suite"),
                    version=fields.get("Version"),
                    codename=fields.get("Codename"),
                    date=_rfc2822(fields.get("Date")),
                )
            )

    for line in text.splitlines():
        if line.startswith("== "):
            close()
            fields = {}
            continue
        key, sep, value = line.partition(":")
        if sep and key in {"Origin", "Label", "Suite", "Version", "Codename", "Date"}:
            fields.setdefault(key, value.strip())
    close()
    return found


def _rfc2822(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(text).astimezone(dt.UTC)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- reboot-required


class RebootState(Record):
    required: bool
    since: dt.datetime | None = None
    packages: list[str] = Field(default_factory=list)


def parse_reboot_required(text: str) -> RebootState:
    """Our probe of /var/run/reboot-required: ``absent``, or ``present <mtime>`` then the
    packages of reboot-required.pkgs."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or lines[0] == "absent":
        return RebootState(required=False)
    head = lines[0].split()
    since = None
    if len(head) == 2 and head[0] == "present" and head[1].isdigit():
        since = dt.datetime.fromtimestamp(int(head[1]), dt.UTC)
    return RebootState(required=True, since=since, packages=sorted(set(lines[1:])))


# ---------------------------------------------------------------- chrony


class ChronyTracking(Record):
    reference: str | None = None
    stratum: int | None = None
    offset_ms: float | None = None
    leap_status: str | None = None
    synchronised: bool


def parse_chrony_tracking(text: str) -> ChronyTracking | None:
    """``chronyc -n tracking``; None when chronyd did not answer."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            values[key.strip()] = value.strip()
    if "Reference ID" not in values:
        return None
    reference = values["Reference ID"]
    ref_match = re.match(r"^([0-9A-F]{8})\s*\((.*)\)$", reference)
    ref_id, ref_name = (ref_match[1], ref_match[2]) if ref_match else (reference, None)
    offset = None
    system = re.match(r"^([\d.]+) seconds (fast|slow)", values.get("System time", ""))
    if system:
        offset = float(system[1]) * 1000.0 * (1 if system[2] == "fast" else -1)
    stratum_text = values.get("Stratum", "")
    leap = values.get("Leap status")
    synced = ref_id != "00000000" and leap not in {None, "Not synchronised"}
    return ChronyTracking(
        reference=ref_name or ref_id,
        stratum=int(stratum_text) if stratum_text.isdigit() else None,
        offset_ms=offset,
        leap_status=leap,
        synchronised=synced,
    )


def parse_chrony_sources(text: str) -> list[str]:
    """``chronyc -n sources``: the addresses of the configured servers and peers."""
    sources = []
    for line in text.splitlines():
        match = re.match(r"^([\^=#])[*+\-?x~ ]\s+(\S+)\s+\d+\s", line)
        if match and match[1] in "^=":
            sources.append(match[2])
    return sources


# ---------------------------------------------------------------- nftables


class NftRuleset(Record):
    active: bool
    input_policy: str | None = None
    tables: list[str] = Field(default_factory=list)
    rules: int = 0
    sha256: str | None = None


def parse_nft_ruleset(text: str) -> NftRuleset:
    """``nft list ruleset``: tables, the policy of the input hook chain, rule count, hash.

    Active means at least one table with a filtering input chain (an empty ruleset is
    not a firewall). The hash is over the printed ruleset, so equal rules hash equal.
    """
    tables: list[str] = []
    input_policy: str | None = None
    rules = 0
    in_chain = False
    for raw in text.splitlines():
        line = raw.strip()
        table = re.match(r"^table (\S+) (\S+) \{", line)
        if table:
            tables.append(f"{table[1]} {table[2]}")
            continue
        if re.match(r"^chain \S+ \{", line):
            in_chain = True
            continue
        hook = re.match(r"^type filter hook input priority [^;]+;(?: policy (\w+);)?", line)
        if hook:
            input_policy = hook[1] or "accept"
            continue
        if line == "}":
            in_chain = False
            continue
        if in_chain and line and not line.startswith("type "):
            rules += 1
    body = text.strip()
    return NftRuleset(
        active=input_policy is not None,
        input_policy=input_policy,
        tables=tables,
        rules=rules,
        sha256=hashlib.sha256(body.encode()).hexdigest() if body else None,
    )


# ---------------------------------------------------------------- ss -Htlnup


class Listener(Record):
    protocol: str
    address: str
    port: int
    process: str | None = None


def parse_ss_listening(text: str) -> list[Listener]:
    """``ss -Htlnup``: listening TCP sockets and bound UDP sockets."""
    found: list[Listener] = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 5 or parts[0] not in {"tcp", "udp"}:
            continue
        local = parts[4]
        address, _, port = local.rpartition(":")
        if not port.isdigit():
            continue
        process = re.search(r'users:\(\("([^"]+)"', line)
        found.append(
            Listener(
                protocol=parts[0],
                address=address.strip("[]"),
                port=int(port),
                process=process[1] if process else None,
            )
        )
    return sorted(set(found), key=lambda x: (x.protocol, x.port, x.address))


#: Listening ports whose protocol carries credentials or data in clear text.
CLEARTEXT_PORTS = {
    ("tcp", 21): "ftp",
    ("tcp", 23): "telnet",
    ("tcp", 513): "rlogin",
    ("tcp", 514): "rsh",
    ("tcp", 110): "pop3",
    ("tcp", 143): "imap",
    ("udp", 69): "tftp",
}


def cleartext_services(listeners: list[Listener]) -> list[str]:
    """Clear-text services among the listeners, by name (telnet, ftp...)."""
    names = {
        CLEARTEXT_PORTS[(x.protocol, x.port)]
        for x in listeners
        if not _loopback(x.address) and (x.protocol, x.port) in CLEARTEXT_PORTS
    }
    return sorted(names)


def _loopback(address: str) -> bool:
    return address.startswith("127.") or address == "::1"


# ---------------------------------------------------------------- df -Pk


class Filesystem(Record):
    mount: str
    size_kib: int
    used_kib: int
    available_kib: int
    use_percent: int


def parse_df(text: str) -> list[Filesystem]:
    """``df -Pk``: size, use and free space of each mounted filesystem."""
    found = []
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 6 or not parts[1].isdigit() or not parts[4].rstrip("%").isdigit():
            continue
        found.append(
            Filesystem(
                mount=" ".join(parts[5:]),
                size_kib=int(parts[1]),
                used_kib=int(parts[2]),
                available_kib=int(parts[3]),
                use_percent=int(parts[4].rstrip("%")),
            )
        )
    return found


# ---------------------------------------------------------------- local facts


def parse_local_facts(text: str) -> tuple[dict[str, Any], dict[str, str]]:
    """/etc/ansible/facts.d/*.fact (``== name.fact`` before each): name → JSON value, and
    name → problem for a file that is not JSON (an INI fact is read as sections)."""
    facts: dict[str, Any] = {}
    problems: dict[str, str] = {}
    name: str | None = None
    lines: list[str] = []

    def close() -> None:
        if name is None:
            return
        body = "\n".join(lines).strip()
        try:
            facts[name] = json.loads(body) if body else {}
        except json.JSONDecodeError as exc:
            ini = _ini(body)
            if ini is None:
                problems[name] = f"neither JSON nor INI: {exc.msg} at line {exc.lineno}"
            else:
                facts[name] = ini

    for line in text.splitlines():
        if line.startswith("== "):
            close()
            name = line[3:].strip().rsplit("/", 1)[-1].removesuffix(".fact")
            lines = []
        else:
            lines.append(line)
    close()
    return facts, problems


def _ini(body: str) -> dict[str, dict[str, str]] | None:
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for raw in body.splitlines():
        line = raw.strip()
        if not line or line.startswith((";", "#")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
        elif "=" in line and current is not None:
            key, _, value = line.partition("=")
            current[key.strip()] = value.strip()
        else:
            return None
    return sections or None


# ---------------------------------------------------------------- restic


class ResticSnapshot(Record):
    id: str
    time: dt.datetime
    hostname: str | None = None
    tags: list[str] = Field(default_factory=list)
    paths: list[str] = Field(default_factory=list)


def parse_restic_snapshots(text: str) -> list[ResticSnapshot] | None:
    """``restic snapshots --json``; None when the output is not restic's JSON list."""
    start = text.find("[")
    if start < 0:
        return None
    try:
        raw = json.loads(text[start:])
    except json.JSONDecodeError:
        return None
    if not isinstance(raw, list):
        return None
    snapshots = []
    for entry in raw:
        if not isinstance(entry, dict) or "time" not in entry:
            continue
        snapshots.append(
            ResticSnapshot(
                id=str(entry.get("short_id") or entry.get("id", ""))[:8],
                time=dt.datetime.fromisoformat(_restic_time(str(entry["time"]))),
                hostname=entry.get("hostname"),
                tags=list(entry.get("tags") or []),
                paths=list(entry.get("paths") or []),
            )
        )
    return sorted(snapshots, key=lambda s: s.time)


def _restic_time(text: str) -> str:
    """restic prints nanoseconds (2026-12-04T22:31:07.123456789+03:00); keep microseconds."""
    return re.sub(r"(\.\d{6})\d+", r"\1", text).replace("Z", "+00:00")


class ResticCheck(Record):
    ok: bool
    errors: list[str] = Field(default_factory=list)


def parse_restic_check(text: str, exit_code: int | None) -> ResticCheck:
    """``restic check`` output and exit code: ok only with exit 0 and "no errors were found"."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    ok = exit_code == 0 and any("no errors were found" in line for line in lines)
    errors = [
        line
        for line in lines
        if re.search(r"(?i)\b(error|fatal|unable|failed|corrupt|no space)\b", line)
        and "no errors were found" not in line
    ]
    if not ok and not errors:
        errors = lines[-3:] or [f"restic check exited {exit_code}"]
    return ResticCheck(ok=ok, errors=errors)


# ---------------------------------------------------------------- auditd, anti-malware


class AuditStatus(Record):
    running: bool
    rules: int | None = None
    forwarding: bool | None = None


def parse_auditd(text: str) -> AuditStatus:
    """Our auditd probe: ``running yes|no``, ``rules N``, ``syslog-plugin yes|no``."""
    values = dict(line.split(None, 1) for line in text.splitlines() if len(line.split()) == 2)
    rules = values.get("rules")
    plugin = values.get("syslog-plugin")
    return AuditStatus(
        running=values.get("running") == "yes",
        rules=int(rules) if rules and rules.isdigit() else None,
        forwarding=None if plugin is None else plugin == "yes",
    )


class ClamavStatus(Record):
    installed: bool
    running: bool | None = None
    signatures_updated: dt.datetime | None = None


def parse_clamav(text: str) -> ClamavStatus:
    """Our ClamAV probe: ``installed yes|no``, ``running yes|no``, ``signatures <mtime>``."""
    values = dict(line.split(None, 1) for line in text.splitlines() if len(line.split()) == 2)
    stamp = values.get("signatures", "")
    return ClamavStatus(
        installed=values.get("installed") == "yes",
        running=None if "running" not in values else values["running"] == "yes",
        signatures_updated=dt.datetime.fromtimestamp(int(stamp), dt.UTC)
        if stamp.isdigit()
        else None,
    )
