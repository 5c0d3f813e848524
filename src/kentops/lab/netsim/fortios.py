"""The FortiOS command line of a FortiGate: ``config``/``edit`` shells, ``get``, ``show``.

Outputs follow what Netmiko's ``fortinet`` driver and the ``kentops_fortios`` NAPALM driver
read: ``get system status`` (the ``Version:`` line Netmiko checks, ``Virtual domain
configuration`` for VDOM detection), ``get system console`` (the ``output`` mode Netmiko
switches to ``standard`` and back), ``show`` / ``show full-configuration``, ``get system
interface [physical]``, ``diagnose netlink interface list``, ``diagnose lldprx neighbor
summary`` and ``get system performance status``. A ``| grep`` filter works on every command.

The configuration is a tree of ``config`` tables holding settings, nested tables and
``edit`` entries (:class:`Block`). The shell edits it the way FortiOS does: ``config <path>``
opens a table (prompt ``host (path) # ``), ``edit``/``set``/``unset``/``append``/
``unselect``/``delete``/``purge``/``rename`` change it, ``next`` leaves an entry, ``end``
leaves the table and keeps the change, ``abort`` leaves it and drops the change. FortiOS
saves every change at once: the startup configuration is the running one.

What the simulator does not do: output paging (``set output more`` is stored and reported,
never acted on), VDOMs (always ``disable``), schema checks of setting names. Passwords and
secrets are stored the way ``show`` prints them (``ENC ...``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kentops.lab.netsim.commands import CommandTree, Resolved
from kentops.lab.netsim.device import DeviceState, InterfaceView
from kentops.lab.netsim.ifnames import colon_mac, derived_mac, mac_digits
from kentops.lab.netsim.model import SimDevice
from kentops.lab.netsim.shell import CliSession

PLATFORM = "fortios"
SERVER_VERSION = "FortiSSH"

#: Top-level ``config`` path words FortiOS knows (the first word of ``config system dns``).
CONFIG_ROOTS = frozenset(
    """
    system firewall router user vpn log wireless-controller switch-controller antivirus
    webfilter ips application dnsfilter emailfilter endpoint-control alertemail report wanopt
    web-proxy ftp-proxy icap voip dlp certificate authentication extender-controller ssh-filter
    waf videofilter file-filter ztna sctp-filter
    """.split()  # noqa: SIM905 - a word list reads better than a literal
)

#: Settings FortiOS shows as quoted strings (each word quoted: ``set member "a" "b"``).
STRING_SETTINGS = frozenset(
    """
    hostname alias description comments comment name interface device vdom domain member
    srcintf dstintf srcaddr dstaddr service schedule accprofile remote-group group-name extintf
    mappedip phase1name location contact-info buffer server remote-gw-ddns ssl-certificate
    admin-server-cert users usrgrp groups
    """.split()  # noqa: SIM905 - a word list reads better than a literal
)

#: Settings whose value FortiOS stores encrypted and shows as ``ENC ...``.
SECRET_SETTINGS = frozenset({"password", "secret", "psksecret", "auth-pwd", "priv-pwd", "passwd"})

#: Default values ``show`` leaves out (``show full-configuration`` prints them).
DEFAULTS: dict[str, dict[str, str]] = {"system console": {"output": "more"}}

#: Build numbers of FortiOS releases, for ``get system status``.
BUILDS = {"7.4.4": 2662, "7.2.8": 1639, "7.2.7": 1577, "7.0.15": 632, "7.0.14": 601}

_TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"?|\S+')


class FortiError(Exception):
    """A line the CLI refuses; the message is what FortiOS prints."""


def words_of(line: str) -> list[str]:
    """Split a CLI line into words, a double-quoted string being one word (quotes kept)."""
    return _TOKEN_RE.findall(line)


def unquote(word: str) -> str:
    if len(word) >= 2 and word.startswith('"') and word.endswith('"'):
        return re.sub(r"\\(.)", r"\1", word[1:-1])
    return word


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_error(word: str) -> FortiError:
    return FortiError(f"command parse error before '{word}'\nCommand fail. Return code -61")


# ------------------------------------------------------------------ the configuration model


@dataclass
class Block:
    """A ``config`` table or an ``edit`` entry: its settings, nested tables and entries.

    Settings hold the value as ``show`` prints it (``"YONETIM"``, ``10.0.0.1 255.255.255.0``).
    Entries are keyed by their unquoted name.
    """

    settings: dict[str, str] = field(default_factory=dict)
    tables: dict[str, Block] = field(default_factory=dict)
    entries: dict[str, Block] = field(default_factory=dict)

    def copy(self) -> Block:
        return Block(
            dict(self.settings),
            {k: v.copy() for k, v in self.tables.items()},
            {k: v.copy() for k, v in self.entries.items()},
        )

    def restore(self, other: Block) -> None:
        self.settings, self.tables, self.entries = other.settings, other.tables, other.entries

    def value(self, key: str) -> str | None:
        """A setting without its quotes (``None`` when unset)."""
        raw = self.settings.get(key)
        if raw is None:
            return None
        return " ".join(unquote(w) for w in words_of(raw))

    def table(self, path: str) -> Block | None:
        return self.tables.get(path)


def entry_label(name: str) -> str:
    return name if name.isdigit() else quote(name)


def normalized_value(key: str, words: list[str]) -> str:
    """The value of ``set key words...`` as ``show`` prints it."""
    if key in SECRET_SETTINGS:
        plain = " ".join(unquote(w) for w in words)
        if plain.startswith("ENC "):
            return plain
        digest = hashlib.sha256(f"{key}:{plain}".encode()).digest()
        prefix = "SH2" if key == "password" else ""
        return "ENC " + prefix + base64.b64encode(digest).decode()
    if key in STRING_SETTINGS:
        return " ".join(quote(unquote(w)) for w in words)
    return " ".join(words)


def render_table(path: str, table: Block, depth: int, *, full: bool = False) -> list[str]:
    pad = "    " * depth
    lines = [f"{pad}config {path}"]
    lines += render_body(table, depth + 1, path=path, full=full)
    for name, entry in table.entries.items():
        lines.append(f"{pad}    edit {entry_label(name)}")
        lines += render_body(entry, depth + 2, full=full)
        lines.append(f"{pad}    next")
    lines.append(f"{pad}end")
    return lines


def render_body(block: Block, depth: int, *, path: str = "", full: bool = False) -> list[str]:
    pad = "    " * depth
    settings = dict(block.settings)
    if full:
        for key, value in DEFAULTS.get(path, {}).items():
            settings.setdefault(key, value)
    lines = [f"{pad}set {key} {value}" for key, value in settings.items()]
    for sub, table in block.tables.items():
        lines += render_table(sub, table, depth, full=full)
    return lines


def render_config(root: Block, *, full: bool = False) -> str:
    """Every top-level table, as ``show`` prints the configuration (``\\n`` line ends)."""
    lines: list[str] = []
    tables = dict(root.tables)
    if full:
        for path in DEFAULTS:
            tables.setdefault(path, Block())
    for path, table in tables.items():
        lines += render_table(path, table, 0, full=full)
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ editing


@dataclass
class Frame:
    kind: str  # root | table | entry
    block: Block
    label: str
    path: str = ""
    snapshot: Block | None = None  # the table as it was when the shell opened it


class Editor:
    """Applies configuration lines to a :class:`Block` tree the way the FortiOS shell does."""

    def __init__(self, root: Block) -> None:
        self.root = root
        self.frames: list[Frame] = [Frame("root", root, "")]

    @property
    def top(self) -> Frame:
        return self.frames[-1]

    def in_config(self) -> bool:
        return len(self.frames) > 1

    def apply(self, words: list[str]) -> str:
        """Run one configuration line; returns what the CLI prints. Raises :class:`FortiError`."""
        verb = words[0].lower()
        args = words[1:]
        top = self.top
        if verb == "config":
            return self._config(args)
        if top.kind == "root":
            raise FortiError("Unknown action 0")
        handler = _EDIT_VERBS.get(verb)
        if handler is None:
            raise parse_error(words[0])
        return handler(self, args)

    def _config(self, args: list[str]) -> str:
        if not args:
            raise FortiError("Command fail. Return code -61")
        top = self.top
        if top.kind == "root":
            if args[0] not in CONFIG_ROOTS:
                raise parse_error(args[0])
            if len(args) < 2:
                raise parse_error(args[0])
        path = " ".join(args)
        table = top.block.tables.get(path)
        if table is None:
            table = Block()
            top.block.tables[path] = table
        label = unquote(args[-1])
        self.frames.append(Frame("table", table, label, path, snapshot=table.copy()))
        return ""

    def _edit(self, args: list[str]) -> str:
        top = self.top
        if top.kind != "table":
            raise parse_error("edit")
        if len(args) != 1:
            raise parse_error(args[1] if args else "edit")
        name = unquote(args[0])
        message = ""
        entry = top.block.entries.get(name)
        if entry is None:
            entry = Block()
            top.block.entries[name] = entry
            message = f"new entry '{name}' added"
        self.frames.append(Frame("entry", entry, name, top.path))
        return message

    def _set(self, args: list[str]) -> str:
        if len(args) < 2:
            raise parse_error(args[0] if args else "set")
        key = args[0]
        value = normalized_value(key, args[1:])
        block = self.top.block
        if DEFAULTS.get(self.top.path, {}).get(key) == value and self.top.kind == "table":
            block.settings.pop(key, None)
        else:
            block.settings[key] = value
        return ""

    def _unset(self, args: list[str]) -> str:
        if len(args) != 1:
            raise parse_error(args[1] if args else "unset")
        self.top.block.settings.pop(args[0], None)
        return ""

    def _append(self, args: list[str]) -> str:
        if len(args) < 2:
            raise parse_error(args[0] if args else "append")
        current = words_of(self.top.block.settings.get(args[0], ""))
        added = words_of(normalized_value(args[0], args[1:]))
        self.top.block.settings[args[0]] = " ".join(
            current + [w for w in added if w not in current]
        )
        return ""

    def _unselect(self, args: list[str]) -> str:
        if len(args) < 2:
            raise parse_error(args[0] if args else "unselect")
        removed = {unquote(w) for w in args[1:]}
        kept = [
            w
            for w in words_of(self.top.block.settings.get(args[0], ""))
            if unquote(w) not in removed
        ]
        if kept:
            self.top.block.settings[args[0]] = " ".join(kept)
        else:
            self.top.block.settings.pop(args[0], None)
        return ""

    def _next(self, _args: list[str]) -> str:
        if self.top.kind == "entry":
            self.frames.pop()
        return ""

    def _end(self, _args: list[str]) -> str:
        if self.top.kind == "entry":
            self.frames.pop()
        frame = self.frames.pop()
        parent = self.top.block
        if frame.path in DEFAULTS and frame.block == Block():
            parent.tables.pop(frame.path, None)  # a table left at its defaults is not shown
        return ""

    def _abort(self, _args: list[str]) -> str:
        if self.top.kind == "entry":
            self.frames.pop()
        frame = self.frames.pop()
        if frame.snapshot is not None:
            frame.block.restore(frame.snapshot)
        if frame.block == Block():
            self.top.block.tables.pop(frame.path, None)
        return ""

    def _delete(self, args: list[str]) -> str:
        top = self.top
        if top.kind != "table" or len(args) != 1:
            raise parse_error(args[1] if len(args) > 1 else "delete")
        if top.block.entries.pop(unquote(args[0]), None) is None:
            raise FortiError(
                f"entry not found in datasource\n\nvalue parse error before '{args[0]}'\n"
                "Command fail. Return code -3"
            )
        return ""

    def _purge(self, _args: list[str]) -> str:
        if self.top.kind != "table":
            raise parse_error("purge")
        self.top.block.entries.clear()
        return ""

    def _rename(self, args: list[str]) -> str:
        top = self.top
        if top.kind != "table" or len(args) != 3 or args[1] != "to":
            raise parse_error(args[-1] if args else "rename")
        old, new = unquote(args[0]), unquote(args[2])
        if old not in top.block.entries:
            raise FortiError("entry not found in datasource\nCommand fail. Return code -3")
        top.block.entries = {
            (new if name == old else name): entry for name, entry in top.block.entries.items()
        }
        return ""


_EDIT_VERBS: dict[str, Callable[[Editor, list[str]], str]] = {
    "edit": Editor._edit,
    "set": Editor._set,
    "unset": Editor._unset,
    "append": Editor._append,
    "unselect": Editor._unselect,
    "next": Editor._next,
    "end": Editor._end,
    "abort": Editor._abort,
    "delete": Editor._delete,
    "purge": Editor._purge,
    "rename": Editor._rename,
}


def logical_lines(text: str) -> list[str]:
    """Lines of a configuration, a quoted value spanning lines joined into one."""
    out: list[str] = []
    pending = ""
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = f"{pending}\n{raw}" if pending else raw
        if _open_quote(line):
            pending = line
            continue
        pending = ""
        out.append(line)
    if pending:
        out.append(pending)
    return out


def _open_quote(line: str) -> bool:
    inside = False
    escaped = False
    for char in line:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            inside = not inside
    return inside


def parse_fortios(text: str) -> tuple[Block, list[str]]:
    """A configuration as ``show`` prints it (or as typed into the CLI); returns the tree
    and the lines FortiOS would refuse, with their error."""
    root = Block()
    editor = Editor(root)
    errors: list[str] = []
    for line in logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            editor.apply(words_of(stripped))
        except FortiError as exc:
            errors.append(f"{stripped}: {exc}")
    return root, errors


# ------------------------------------------------------------------ device state


def _version_line(model: str, version: str) -> str:
    build = BUILDS.get(version, int(hashlib.sha256(version.encode()).hexdigest()[:3], 16))
    return f"{model} v{version},build{build:04d},240313 (GA.M)"


def _mask(address: ipaddress.IPv4Interface | None) -> str:
    return f"{address.ip} {address.netmask}" if address else "0.0.0.0 0.0.0.0"


class FortiosState(DeviceState):
    """A FortiGate's configuration tree, interfaces and identity, shared by its sessions."""

    saves_every_change = True  # FortiOS saves every change at once

    def __init__(
        self,
        spec: SimDevice,
        state_dir: Path | None = None,
        peers: Callable[[str], DeviceState | None] | None = None,
    ) -> None:
        # The base class renders the running text while it starts: the tree comes first.
        text = self._starting_text(spec, state_dir)
        self.config, self.load_errors = parse_fortios(text)
        super().__init__(spec, state_dir, peers)
        self.interfaces_spec = {i.name: i for i in spec.interfaces}

    # -- identity ------------------------------------------------------------------------

    @property
    def hostname(self) -> str:
        system = self.config.table("system global")
        name = system.value("hostname") if system else None
        return name or self.spec.hostname

    def version_line(self) -> str:
        return _version_line(self.spec.model, self.spec.os_version)

    def system_description(self) -> str:
        return self.version_line()

    def ha_mode(self) -> str:
        ha = self.config.table("system ha")
        mode = ha.value("mode") if ha else None
        return "standalone" if mode in (None, "standalone") else f"{mode}, master"

    def console_output(self) -> str:
        console = self.config.table("system console")
        return (console.value("output") if console else None) or "more"

    # -- configuration -------------------------------------------------------------------

    def running_text(self) -> str:
        return render_config(self.config)

    def config_header(self) -> str:
        model = re.sub(r"^FortiGate-", "FG", self.spec.model)
        build = self.version_line().split(",build", 1)[1][:4]
        digest = hashlib.sha256(self.running_text().encode()).hexdigest()
        return (
            f"#config-version={model}-{self.spec.os_version}-FW-build{build}-240313"
            f":opmode=0:vdom=0:user={self.spec.username}\n"
            f"#conf_file_ver={int(digest[:12], 16)}\n"
            f"#buildno={build}\n#global_vdom=1\n"
        )

    def _ensure_hostname(self) -> None:
        """The hostname lives in ``config system global``; the tree is built elsewhere."""

    def _generated_config(self) -> str:
        spec = self.spec
        lines = ["config system global", f'    set hostname "{spec.hostname}"', "end"]
        lines.append("config system interface")
        for interface in spec.interfaces:
            lines.append(f'    edit "{interface.name}"')
            lines.append('        set vdom "root"')
            if interface.ipv4:
                address = ipaddress.IPv4Interface(interface.ipv4)
                lines.append(f"        set ip {address.ip} {address.netmask}")
                lines.append("        set allowaccess ping https ssh")
            if interface.description:
                lines.append(f"        set alias {quote(interface.description)}")
            if not interface.enabled:
                lines.append("        set status down")
            lines.append("    next")
        lines.append("end")
        return "\n".join(lines) + "\n"

    # -- interfaces ----------------------------------------------------------------------

    def interface_entries(self) -> dict[str, Block]:
        table = self.config.table("system interface")
        return dict(table.entries) if table else {}

    def interfaces(self) -> list[InterfaceView]:
        """Physical ports in spec order, then the other interfaces the configuration holds."""
        entries = self.interface_entries()
        views: list[InterfaceView] = []
        names = list(self.interfaces_spec) + [n for n in entries if n not in self.interfaces_spec]
        for index, name in enumerate(names, start=1):
            spec = self.interfaces_spec.get(name)
            entry = entries.get(name, Block())
            kind = entry.value("type") or "physical"
            if spec is not None and spec.mac:
                mac = mac_digits(spec.mac)
            elif kind in ("physical", "aggregate", "vlan", "hard-switch"):
                mac = derived_mac(self.spec.name, index)
            else:
                mac = ""
            description = entry.value("description") or entry.value("alias") or ""
            if spec is not None and not description:
                description = spec.description
            enabled = entry.value("status") != "down"
            link = spec.enabled if spec is not None else True
            ipv4 = None
            ip_words = (entry.value("ip") or "").split()
            if len(ip_words) == 2 and ip_words[0] != "0.0.0.0":
                try:
                    ipv4 = ipaddress.IPv4Interface(f"{ip_words[0]}/{ip_words[1]}")
                except ValueError:
                    ipv4 = None
            elif len(ip_words) == 1 and "/" in ip_words[0]:
                ipv4 = ipaddress.IPv4Interface(ip_words[0])
            views.append(
                InterfaceView(
                    name=name,
                    description=description,
                    enabled=enabled,
                    up=enabled and link,
                    ipv4=ipv4,
                    mac=mac,
                    speed_mbps=spec.speed_mbps if spec else 1000,
                    mode="routed",
                    physical=kind == "physical",
                )
            )
        return views

    def interface(self, name: str) -> InterfaceView | None:
        for view in self.interfaces():
            if view.name == name:
                return view
        return None

    def lldp_receives(self, name: str) -> bool:
        """LLDP reception on a port: the port's setting, else the global one, else only
        on WAN-role ports (the FortiOS default)."""
        entry = self.interface_entries().get(name, Block())
        own = entry.value("lldp-reception")
        if own in ("enable", "disable"):
            return own == "enable"
        system = self.config.table("system global")
        overall = system.value("lldp-reception") if system else None
        if overall in ("enable", "disable"):
            return overall == "enable"
        return entry.value("role") == "wan"

    def lldp_enabled(self) -> bool:
        return any(self.lldp_receives(n.local_interface) for n in self.spec.neighbors)


# ------------------------------------------------------------------ the session


FortiHandler = Callable[["FortiosSession", list[str]], str]


class FortiosSession(CliSession):
    """An SSH session on a simulated FortiGate."""

    def __init__(self, device: DeviceState, user: str, peer: str) -> None:
        super().__init__(device, user, peer)
        assert isinstance(device, FortiosState)
        self.forti: FortiosState = device
        self.editor = Editor(device.config)
        self._before = ""

    def prompt(self) -> str:
        host = self.forti.hostname
        if self.editor.in_config():
            return f"{host} ({self.editor.top.label}) # "
        return f"{host} # "

    def handle_line(self, line: str) -> str:
        if not line.strip():
            return ""
        if self.rejected(line):
            return str(parse_error(line.split(maxsplit=1)[0])) + "\n"
        command, grep = _split_grep(line)
        try:
            output = self._run(command)
        except FortiError as exc:
            output = f"{exc}\n"
        if grep is not None:
            output = grep(output)
        return output

    def ctrl_c(self) -> str:
        return ""

    def _run(self, line: str) -> str:
        words = words_of(line.strip())
        if not words:
            return ""
        verb = words[0].lower()
        if self.editor.in_config() and verb in ("show", "get"):
            return self._show_current(verb, words[1:])
        if self.editor.in_config() or verb == "config":
            return self._configure(words)
        result = EXEC_TREE.resolve([unquote(w) for w in words])
        if not isinstance(result, Resolved):
            if result.word_index == 0:
                raise FortiError("Unknown action 0")
            index = min(result.word_index, len(words) - 1)
            raise parse_error(words[index])
        return result.handler(self, result.args)

    def _configure(self, words: list[str]) -> str:
        if not self.editor.in_config():
            self._before = self.forti.running_text()
        message = self.editor.apply(words)
        if not self.editor.in_config() and self.forti.running_text() != self._before:
            self.forti.changed(self.user)
        return message + "\n" if message else ""

    def _show_current(self, verb: str, args: list[str]) -> str:
        top = self.editor.top
        full = bool(args) and "full-configuration".startswith(args[0]) and len(args[0]) > 1
        if verb == "get":
            return _get_lines(top.block)
        if top.kind == "table":
            return "\n".join(render_table(top.path, top.block, 0, full=full)) + "\n"
        lines = [f"config {top.path}", f"    edit {entry_label(top.label)}"]
        lines += render_body(top.block, 2, full=full)
        lines += ["    next", "end"]
        return "\n".join(lines) + "\n"


def _split_grep(line: str) -> tuple[str, Callable[[str], str] | None]:
    match = re.search(r"\|\s*grep\s+(.*)$", line)
    if not match:
        return line, None
    words = [unquote(w) for w in words_of(match.group(1))]
    flags = {"i": False, "v": False, "c": False}
    after = before = 0
    pattern = ""
    index = 0
    while index < len(words):
        word = words[index]
        if word in ("-i", "-v", "-c"):
            flags[word[1]] = True
        elif word in ("-A", "-B") and index + 1 < len(words) and words[index + 1].isdigit():
            index += 1
            if word == "-A":
                after = int(words[index])
            else:
                before = int(words[index])
        elif word == "-f":
            pass
        elif word == "-e" and index + 1 < len(words):
            index += 1
            pattern = words[index]
        else:
            pattern = " ".join(words[index:])
            break
        index += 1
    try:
        regex = re.compile(pattern, re.IGNORECASE if flags["i"] else 0)
    except re.error:
        regex = re.compile(re.escape(pattern), re.IGNORECASE if flags["i"] else 0)

    def grep(text: str) -> str:
        lines = text.rstrip("\n").split("\n")
        hits = [bool(regex.search(line)) != flags["v"] for line in lines]
        if flags["c"]:
            return f"{sum(hits)}\n"
        keep = [False] * len(lines)
        for index, hit in enumerate(hits):
            if hit:
                for near in range(max(0, index - before), min(len(lines), index + after + 1)):
                    keep[near] = True
        kept = [line for line, wanted in zip(lines, keep, strict=True) if wanted]
        return "\n".join(kept) + ("\n" if kept else "")

    return line[: match.start()].rstrip(), grep


# ------------------------------------------------------------------ exec commands


def _get_lines(block: Block) -> str:
    lines = [f"{key:<20}: {block.value(key)}" for key in block.settings]
    lines += [f"{path.split()[-1]:<20}:" for path in block.tables]
    if block.entries:
        lines += [f"== [ {name} ]" for name in block.entries]
    return "\n".join(lines) + ("\n" if lines else "")


def _status(session: FortiosSession, _args: list[str]) -> str:
    device = session.forti
    spec = device.spec
    now = dt.datetime.now(dt.UTC)
    return (
        f"Version: {device.version_line()}\n"
        "Firmware Signature: certified\n"
        "Virus-DB: 92.01234(2024-05-20 08:03)\n"
        "Extended DB: 92.01234(2024-05-20 08:03)\n"
        "IPS-DB: 27.00789(2024-05-19 01:12)\n"
        "IPS-ETDB: 0.00000(2001-01-01 00:00)\n"
        "APP-DB: 27.00789(2024-05-19 01:12)\n"
        "INDUSTRIAL-DB: 27.00789(2024-05-19 01:12)\n"
        "IPS Malicious URL Database: 4.00901(2024-05-20 06:41)\n"
        f"Serial-Number: {spec.serial}\n"
        "BIOS version: 05000011\n"
        "System Part-Number: P24281-05\n"
        "Log hard disk: Not available\n"
        f"Hostname: {device.hostname}\n"
        "Private Encryption: Disable\n"
        "Operation Mode: NAT\n"
        "Current virtual domain: root\n"
        "Max number of virtual domains: 10\n"
        "Virtual domains status: 1 in NAT mode, 0 in TP mode\n"
        "Virtual domain configuration: disable\n"
        "FIPS-CC mode: disable\n"
        f"Current HA mode: {device.ha_mode()}\n"
        f"Branch point: {device.version_line().split(',build', 1)[1][:4].lstrip('0')}\n"
        "Release Version Information: GA\n"
        "FortiOS x86-64: Yes\n"
        f"System time: {now.strftime('%a %b %d %H:%M:%S %Y')}\n"
        "Last reboot reason: warm reboot\n"
    )


def _uptime_text(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    return f"{days} days, {hours:2d} hours, {rest // 60:2d} minutes"


def _performance(session: FortiosSession, _args: list[str]) -> str:
    uptime = _uptime_text(session.forti.uptime_seconds())
    return (
        "CPU states: 0% user 0% system 0% nice 100% idle 0% iowait 0% irq 0% softirq\n"
        "CPU0 states: 0% user 0% system 0% nice 100% idle 0% iowait 0% irq 0% softirq\n"
        "Memory: 8167396k total, 1466880k used (18.0%), 6353936k free (77.8%), "
        "346580k freeable (4.2%)\n"
        "Average network usage: 15 / 9 kbps in 1 minute, 15 / 9 kbps in 10 minutes, "
        "14 / 9 kbps in 30 minutes\n"
        "Average sessions: 8 sessions in 1 minute, 8 sessions in 10 minutes, "
        "8 sessions in 30 minutes\n"
        "Average session setup rate: 0 sessions per second in last 1 minute, "
        "0 sessions per second in last 10 minutes, 0 sessions per second in last 30 minutes\n"
        "Virus caught: 0 total in 1 minute\n"
        "IPS attacks blocked: 0 total in 1 minute\n"
        f"Uptime: {uptime}\n"
    )


def _console(session: FortiosSession, _args: list[str]) -> str:
    return (
        f"{'baudrate':<20}: 9600\n"
        f"{'output':<20}: {session.forti.console_output()}\n"
        f"{'login':<20}: enable\n"
        f"{'fortiexplorer':<20}: enable\n"
    )


def _mode(entry: Block) -> str:
    return entry.value("mode") or "static"


def _interface_physical(session: FortiosSession, _args: list[str]) -> str:
    device = session.forti
    entries = device.interface_entries()
    lines = ["== [onboard]"]
    for view in device.interfaces():
        if not view.physical:
            continue
        speed = f"{view.speed_mbps}Mbps (Duplex: full)" if view.up else "n/a"
        lines += [
            f"\t==[{view.name}]",
            f"\t\tmode: {_mode(entries.get(view.name, Block()))}",
            f"\t\tip: {_mask(view.ipv4)}",
            "\t\tipv6: ::/0",
            f"\t\tstatus: {'up' if view.up else 'down'}",
            f"\t\tspeed: {speed}",
        ]
    return "\n".join(lines) + "\n"


def _interface_list(session: FortiosSession, args: list[str]) -> str:
    device = session.forti
    entries = device.interface_entries()
    wanted = {unquote(a) for a in args}
    blocks = []
    for view in device.interfaces():
        if wanted and view.name not in wanted:
            continue
        entry = entries.get(view.name, Block())
        kind = entry.value("type") or "physical"
        blocks.append(
            f"== [ {view.name} ]\n"
            f"name: {view.name}   mode: {_mode(entry)}    ip: {_mask(view.ipv4)}   "
            f"status: {'up' if view.enabled else 'down'}    netbios-forward: disable    "
            f"type: {kind}   netflow-sampler: disable    sflow-sampler: disable    "
            "src-check: enable    explicit-web-proxy: disable    explicit-ftp-proxy: disable    "
            "proxy-captive-portal: disable    mtu-override: disable    wccp: disable    "
            "drop-overlapped-fragment: disable    drop-fragment: disable    "
        )
    return "\n".join(blocks) + ("\n" if blocks else "")


def _netlink(session: FortiosSession, args: list[str]) -> str:
    wanted = {unquote(a) for a in args}
    blocks = []
    for index, view in enumerate(session.forti.interfaces(), start=3):
        if wanted and view.name not in wanted:
            continue
        flags = " ".join(
            f for f, on in (("up", view.enabled), ("broadcast", True), ("run", view.up)) if on
        )
        mac = colon_mac(view.mac) if view.mac else "00:00:00:00:00:00"
        blocks.append(
            f"if={view.name} family=00 type=1 index={index} mtu=1500 link=0 master=0\n"
            f"ref=20 state={'start' if view.up else 'off'} present fw_flags=0 "
            f"flags={flags} multicast \n"
            f"Qdisc=mq hw_addr={mac} broadcast_addr=ff:ff:ff:ff:ff:ff\n"
            "stat: rxp=0 txp=0 rxb=0 txb=0 rxe=0 txe=0 rxd=0 txd=0 mc=0 collision=0 "
            "@ time=1716198000\n"
            "re: rxl=0 rxo=0 rxc=0 rxf=0 rxfi=0 rxm=0\n"
            "te: txa=0 txc=0 txfi=0 txh=0 txw=0 \n"
            "misc rxc=0 txc=0\n"
            f"input_type=0 state=3 arp_entry=0 refcnt=20\n"
        )
    return "\n".join(blocks)


def _lldp_neighbors(session: FortiosSession, args: list[str]) -> str:
    device = session.forti
    details = bool(args) and "details".startswith(args[0].lower())
    indexes = {view.name: i for i, view in enumerate(device.interfaces(), start=3)}
    lines: list[str] = []
    blocks: list[str] = []
    number = 0
    for neighbor in device.spec.neighbors:
        if not device.lldp_receives(neighbor.local_interface):
            continue
        number += 1
        peer = device.peer(neighbor.remote_hostname)
        chassis = peer.base_mac() if peer else derived_mac(neighbor.remote_hostname, 0)
        remote = peer.interface(neighbor.remote_port) if peer else None
        port_mac = remote.mac if remote and remote.mac else chassis
        description = peer.system_description() if peer else ""
        port_description = remote.description if remote else ""
        index = indexes.get(neighbor.local_interface, 0)
        lines.append(
            f"{number} port '{neighbor.local_interface}' {index} mac {colon_mac(port_mac).upper()}"
            f" chassis {colon_mac(chassis).upper()} port '{neighbor.remote_port}'"
            f" system '{neighbor.remote_hostname}'"
        )
        blocks.append(
            "\n".join(
                [
                    f"port.index: {index}",
                    f"port.txt: {neighbor.local_interface}",
                    f"mac: {colon_mac(port_mac)}",
                    f"chassis: {colon_mac(chassis)}",
                    f"port.id: {neighbor.remote_port}",
                    f"port.desc: {port_description}",
                    f"system.name: {neighbor.remote_hostname}",
                    f"system.desc: {description}",
                    "ttl: 120",
                    "capabilities: bridge router",
                    "",
                ]
            )
        )
    if details:
        return "\n".join(blocks)
    return "\n".join(lines) + ("\n" if lines else "")


def _show(session: FortiosSession, args: list[str]) -> str:
    device = session.forti
    full = bool(args) and len(args[0]) > 1 and "full-configuration".startswith(args[0].lower())
    if full:
        args = args[1:]
    if not args:
        return device.config_header() + render_config(device.config, full=full)
    words = list(args)
    for size in range(len(words), 0, -1):
        path = " ".join(words[:size])
        table = device.config.tables.get(path)
        if table is None and path in DEFAULTS and full:
            table = Block()
        if table is None:
            continue
        rest = words[size:]
        if not rest:
            return "\n".join(render_table(path, table, 0, full=full)) + "\n"
        entry = table.entries.get(unquote(rest[0]))
        if entry is None:
            raise FortiError(
                f"entry not found in datasource\n\nvalue parse error before '{rest[0]}'\n"
                "Command fail. Return code -3"
            )
        lines = [f"config {path}", f"    edit {entry_label(unquote(rest[0]))}"]
        lines += render_body(entry, 2, full=full)
        lines += ["    next", "end"]
        return "\n".join(lines) + "\n"
    if words[0] not in CONFIG_ROOTS:
        raise parse_error(words[0])
    return f"config {' '.join(words)}\nend\n"


def _get_path(session: FortiosSession, args: list[str]) -> str:
    path = " ".join(["system", *args]) if args else "system"
    table = session.forti.config.tables.get(path)
    if table is None:
        if not args:
            raise parse_error("system")
        table = Block()
    block = Block(dict(table.settings), table.tables, table.entries)
    for key, value in DEFAULTS.get(path, {}).items():
        block.settings.setdefault(key, value)
    return _get_lines(block)


def _exit(session: FortiosSession, _args: list[str]) -> str:
    session.closed = True
    return ""


def _build_tree() -> CommandTree[FortiHandler]:
    tree: CommandTree[FortiHandler] = CommandTree()
    for spec, handler in (
        ("get system status", _status),
        ("get system performance status", _performance),
        ("get system console", _console),
        ("get system interface physical", _interface_physical),
        ("get system interface <rest>", _interface_list),
        ("get system <rest>", _get_path),
        ("show <rest>", _show),
        ("diagnose lldprx neighbor <rest>", _lldp_neighbors),
        ("diagnose netlink interface list <rest>", _netlink),
        ("exit", _exit),
    ):
        tree.add(spec, handler)
    return tree


EXEC_TREE = _build_tree()
