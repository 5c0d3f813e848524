"""The MikroTik RouterOS command line: menu paths, ``add``/``set``/``remove``, ``/export``.

Outputs follow what Netmiko's ``mikrotik_routeros`` driver and the ``kentops_routeros``
NAPALM driver read: the login name carries terminal options after ``+`` (Netmiko logs in as
``user+ct511w4098h``), the prompt is ``[user@identity] > `` (``[user@identity] /ip address> ``
inside a menu), ``/system resource print``, ``/system identity print``, ``/system routerboard
print``, ``/interface print [detail|terse]``, ``/ip neighbor print detail`` and
``/export [verbose] [terse] [show-sensitive]``.

The configuration is a set of menus (:class:`Menu`): list menus hold items (``/ip address
add ...``), settings menus hold values (``/system identity set name=...``), and some items
come with the device (ethernet ports, ``/ip service`` entries, the default SNMP community,
the ``admin`` user); ``/export`` shows those as ``set [ find default-name=ether1 ] ...``.
Keywords and menu names may be abbreviated when unambiguous (``/ip addr pr``). RouterOS
applies every command at once: the startup configuration is the running one.

What the simulator does not do: scripting (``:put``, ``:foreach``), ``where`` clauses beyond
``property=value`` and ``property~"regex"``, schema checks of property names outside the
menus that reference interfaces. ``/export`` hides secrets unless ``show-sensitive`` is
given and never shows users, as RouterOS 7 does.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kentops.lab.netsim.device import DeviceState, InterfaceView
from kentops.lab.netsim.ifnames import colon_mac, derived_mac, mac_digits
from kentops.lab.netsim.model import SimDevice
from kentops.lab.netsim.shell import CliSession

PLATFORM = "routeros"
SERVER_VERSION = "ROSSSH"

#: Menus the simulator knows; their prefixes (``/ip``, ``/system``) are menus without items.
MENUS = frozenset(
    line.strip()
    for line in """
    /interface
    /interface ethernet
    /interface bridge
    /interface bridge port
    /interface bridge vlan
    /interface bridge settings
    /interface vlan
    /interface bonding
    /interface list
    /interface list member
    /interface wireguard
    /interface wireguard peers
    /interface eoip
    /interface gre
    /interface vrrp
    /ip address
    /ip route
    /ip dns
    /ip dns static
    /ip dhcp-client
    /ip dhcp-server
    /ip dhcp-server network
    /ip dhcp-relay
    /ip pool
    /ip firewall filter
    /ip firewall nat
    /ip firewall mangle
    /ip firewall raw
    /ip firewall address-list
    /ip firewall service-port
    /ip service
    /ip ssh
    /ip settings
    /ip cloud
    /ip neighbor
    /ip neighbor discovery-settings
    /ip ipsec profile
    /ip ipsec proposal
    /ip ipsec peer
    /ip ipsec identity
    /ip ipsec policy
    /ip arp
    /ipv6 settings
    /ipv6 address
    /ipv6 firewall filter
    /system identity
    /system clock
    /system ntp client
    /system ntp client servers
    /system ntp server
    /system note
    /system logging
    /system logging action
    /system resource
    /system routerboard
    /system routerboard settings
    /system package
    /system scheduler
    /system script
    /system health
    /system license
    /tool bandwidth-server
    /tool mac-server
    /tool mac-server mac-winbox
    /tool romon
    /user
    /user group
    /user aaa
    /user ssh-keys
    /radius
    /radius incoming
    /snmp
    /snmp community
    /routing ospf instance
    /routing ospf area
    /routing bgp connection
    /queue simple
    /certificate
    /file
    /log
    """.splitlines()
    if line.strip()
)

#: Menus that create interfaces, with the type ``/interface print`` shows.
INTERFACE_MENUS = {
    "/interface bridge": "bridge",
    "/interface vlan": "vlan",
    "/interface bonding": "bond",
    "/interface wireguard": "wg",
    "/interface eoip": "eoip-tunnel",
    "/interface gre": "gre-tunnel",
    "/interface vrrp": "vrrp",
}

#: Properties (per menu) whose value must name an existing interface.
INTERFACE_REFERENCES = {
    "/ip address": ("interface",),
    "/interface vlan": ("interface",),
    "/interface bridge port": ("interface", "bridge"),
    "/ip dhcp-client": ("interface",),
    "/ip dhcp-relay": ("interface",),
    "/interface list member": ("interface",),
}

#: Values ``/export`` leaves out because they are the default (``export verbose`` shows them).
DEFAULT_VALUES: dict[str, dict[str, str]] = {
    "/interface bridge": {"protocol-mode": "rstp"},
    "/ip dhcp-client": {
        "add-default-route": "yes",
        "use-peer-dns": "yes",
        "use-peer-ntp": "yes",
        "default-route-distance": "1",
    },
    "/ip dns": {"allow-remote-requests": "no"},
    "/ip neighbor discovery-settings": {"discover-interface-list": "!dynamic"},
}

#: Properties ``/export`` hides unless ``show-sensitive`` is given.
SENSITIVE = frozenset(
    {
        "secret",
        "password",
        "authentication-password",
        "encryption-password",
        "passphrase",
        "pre-shared-key",
        "private-key",
        "wpa2-pre-shared-key",
        "psk",
    }
)

#: Menus ``/export`` never shows (RouterOS keeps users out of exports).
NOT_EXPORTED = frozenset(
    {
        "/user",
        "/user ssh-keys",
        "/system resource",
        "/system routerboard",
        "/ip neighbor",
        "/file",
        "/log",
        "/ip arp",
        "/system health",
        "/system package",
        "/system license",
    }
)

#: The order ``/export`` prints menus in (the others follow in the order they were used).
EXPORT_ORDER = [
    "/interface bridge",
    "/interface ethernet",
    "/interface vlan",
    "/interface bonding",
    "/interface wireguard",
    "/interface list",
    "/ip ipsec profile",
    "/ip ipsec peer",
    "/ip ipsec proposal",
    "/ip pool",
    "/ip dhcp-server",
    "/snmp community",
    "/system logging action",
    "/user group",
    "/interface bridge port",
    "/ip neighbor discovery-settings",
    "/ip settings",
    "/ipv6 settings",
    "/interface list member",
    "/interface wireguard peers",
    "/ip address",
    "/ip dhcp-client",
    "/ip dhcp-relay",
    "/ip dhcp-server network",
    "/ip dns",
    "/ip dns static",
    "/ip firewall address-list",
    "/ip firewall filter",
    "/ip firewall nat",
    "/ip firewall mangle",
    "/ip firewall raw",
    "/ip ipsec identity",
    "/ip ipsec policy",
    "/ip route",
    "/ip service",
    "/ip ssh",
    "/radius",
    "/snmp",
    "/system clock",
    "/system identity",
    "/system logging",
    "/system note",
    "/system ntp client",
    "/system ntp client servers",
    "/system routerboard settings",
    "/tool bandwidth-server",
    "/tool mac-server",
    "/tool mac-server mac-winbox",
    "/user aaa",
]

COMMANDS = (
    "print",
    "add",
    "set",
    "remove",
    "unset",
    "enable",
    "disable",
    "export",
    "find",
    "get",
    "edit",
    "comment",
    "move",
    "reset",
    "monitor",
    "quit",
)

_SERVICES = (
    ("telnet", 23),
    ("ftp", 21),
    ("www", 80),
    ("ssh", 22),
    ("www-ssl", 443),
    ("api", 8728),
    ("winbox", 8291),
    ("api-ssl", 8729),
)

_LOGIN_OPTIONS = re.compile(r"^(?P<user>.+?)\+(?:[cteb]|\d+[wh])+$")
_PHYSICAL = re.compile(r"^(ether|sfp|sfpplus|sfp28|qsfp|combo|wlan|wifi|lte)[\w-]*\d", re.I)
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9_.:,/+@!*%-]+$")


def login_name(username: str) -> str:
    """The account name of a RouterOS login (``admin+ct511w4098h`` -> ``admin``)."""
    match = _LOGIN_OPTIONS.match(username)
    return match.group("user") if match else username


class RosError(Exception):
    """A command RouterOS refuses; the message is what it prints."""


def bad_command(word: str, column: int) -> RosError:
    return RosError(f"bad command name {word} (line 1 column {column})")


# ------------------------------------------------------------------ words and values


def tokens(line: str) -> list[tuple[str, int]]:
    """Words of a command line with their 1-based columns; ``k="a b"`` and ``[ find ... ]``
    are one word each."""
    out: list[tuple[str, int]] = []
    current: list[str] = []
    start = 0
    depth = 0
    quoted = False
    escaped = False
    for index, char in enumerate(line):
        if not current and char.isspace() and depth == 0 and not quoted:
            continue
        if not current:
            start = index
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif not quoted and char == "[":
            depth += 1
        elif not quoted and char == "]":
            depth = max(0, depth - 1)
        elif char.isspace() and depth == 0 and not quoted:
            out.append(("".join(current), start + 1))
            current = []
            continue
        current.append(char)
    if current:
        out.append(("".join(current), start + 1))
    return out


def unquote(value: str) -> str:
    """A value as typed (``"a b"``, ``\\C4\\B0``, ``\\"``) to its text."""
    if not (len(value) >= 2 and value.startswith('"') and value.endswith('"')):
        return value
    body = value[1:-1]
    out = bytearray()
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            pair = body[index + 1 : index + 3]
            if re.fullmatch(r"[0-9A-Fa-f]{2}", pair):
                out.append(int(pair, 16))
                index += 3
                continue
            nxt = body[index + 1]
            out += {"n": b"\n", "t": b"\t", "r": b"\r", "_": b" "}.get(nxt, nxt.encode())
            index += 2
            continue
        out += char.encode()
        index += 1
    return out.decode("utf-8", errors="replace")


def quote(value: str) -> str:
    """A value as ``/export`` writes it: bare when safe, else quoted with escapes."""
    if value and _SAFE_VALUE.match(value):
        return value
    out = []
    for char in value:
        if char in '"\\$?':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif ord(char) < 0x20 or ord(char) > 0x7E:
            out.append("".join(f"\\{b:02X}" for b in char.encode()))
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def join_continuations(text: str) -> list[str]:
    """Lines of a script or export, a line ending in ``\\`` joined with the next."""
    lines: list[str] = []
    pending = ""
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = pending + raw.lstrip() if pending else raw
        if line.endswith("\\") and not line.endswith("\\\\"):
            pending = line[:-1]
            continue
        pending = ""
        lines.append(line)
    if pending:
        lines.append(pending)
    return lines


# ------------------------------------------------------------------ the configuration model


@dataclass
class Item:
    """One entry of a list menu. ``builtin`` says how a factory item is selected in an
    export (``name``, ``default``, ``default-name``); ``""`` for items someone added."""

    props: dict[str, str]
    builtin: str = ""
    baseline: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str | None:
        if key == "default":
            return "yes" if self.builtin == "default" else "no"
        if key in ("dynamic", "invalid"):
            return "no"
        if key == "disabled":
            return self.props.get(key, "no")
        return self.props.get(key)

    @property
    def disabled(self) -> bool:
        return self.props.get("disabled") in ("yes", "true")


@dataclass
class Menu:
    path: str
    items: list[Item] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Command:
    path: str
    verb: str | None
    args: list[tuple[str, int]]


def menu_children() -> dict[str, set[str]]:
    children: dict[str, set[str]] = {"": set()}
    for menu in MENUS:
        words = menu[1:].split()
        for depth in range(len(words)):
            parent = "/" + " ".join(words[:depth]) if depth else ""
            children.setdefault(parent, set()).add(words[depth])
            children.setdefault("/" + " ".join(words[: depth + 1]), set())
    return children


CHILDREN = menu_children()


def parse_command(line: str, cwd: str) -> Command:
    """Split a line into the menu it addresses, its command and the command's arguments."""
    words = tokens(line)
    path = cwd
    verb: str | None = None
    index = 0
    while index < len(words) and verb is None:
        word, column = words[index]
        index += 1
        if word.startswith("/"):
            path = ""
            for part in (p for p in word.split("/") if p):
                if verb is not None:
                    raise bad_command(part, column)
                path, verb = _resolve(path, part, column)
            continue
        if word == "..":
            path = path.rsplit(" ", 1)[0] if " " in path else ""
            continue
        path, verb = _resolve(path, word, column)
    return Command(path, verb, words[index:])


def _resolve(path: str, word: str, column: int) -> tuple[str, str | None]:
    """One word after ``path``: a submenu (new path) or a command. Exact names win over
    abbreviations; an abbreviation must be unambiguous among both."""
    children = CHILDREN.get(path, set())
    lowered = word.lower()
    if lowered in children:
        return _join(path, lowered), None
    if lowered in COMMANDS:
        return path, lowered
    menus = [c for c in children if c.startswith(lowered)]
    commands = [c for c in COMMANDS if c.startswith(lowered)]
    if len(menus) + len(commands) != 1:
        raise bad_command(word, column)
    if menus:
        return _join(path, menus[0]), None
    return path, commands[0]


def _join(path: str, word: str) -> str:
    return f"{path} {word}" if path else f"/{word}"


class RosConfig:
    """The menus of one router and the commands that change them."""

    def __init__(self, ethernet: list[str], users: list[str]) -> None:
        self.menus: dict[str, Menu] = {}
        for name in ethernet:
            props = {"name": name, "default-name": name}
            self.menu("/interface ethernet").items.append(Item(props, "default-name", dict(props)))
        for name, port in _SERVICES:
            props = {"name": name, "port": str(port)}
            self.menu("/ip service").items.append(Item(props, "name", dict(props)))
        public = {
            "name": "public",
            "addresses": "::/0",
            "security": "none",
            "read-access": "yes",
            "write-access": "no",
        }
        self.menu("/snmp community").items.append(Item(public, "default", dict(public)))
        for user in dict.fromkeys(["admin", *users]):
            props = {"name": user, "group": "full"}
            self.menu("/user").items.append(Item(props, "name", dict(props)))

    def menu(self, path: str) -> Menu:
        menu = self.menus.get(path)
        if menu is None:
            menu = Menu(path)
            self.menus[path] = menu
        return menu

    def copy_state(self) -> list[str]:
        return [
            f"{p}|{m.settings}|{[(i.props, i.builtin) for i in m.items]}"
            for p, m in self.menus.items()
        ]

    # -- interfaces ----------------------------------------------------------------------

    def interface_names(self) -> list[str]:
        names = [i.props["name"] for i in self.menu("/interface ethernet").items]
        for path in INTERFACE_MENUS:
            names += [i.props["name"] for i in self.menu(path).items if "name" in i.props]
        return names

    # -- commands ------------------------------------------------------------------------

    def apply(self, command: Command) -> None:
        """Run a configuration command (``add``, ``set``, ``remove``, ...)."""
        verb = command.verb
        if command.path not in MENUS:
            raise bad_command(verb or "", command.args[0][1] if command.args else 1)
        props, selectors = _split_args(command.args)
        menu = self.menu(command.path)
        if verb == "add":
            self._add(menu, props)
        elif verb == "set":
            if not selectors:
                if menu.items and not self._is_settings(menu):
                    raise RosError("failure: which item? (no item number given)")
                for key, value in props.items():
                    menu.settings[key] = value
                return
            for item in self._select(menu, selectors):
                self._check_references(menu.path, props)
                item.props.update(props)
        elif verb == "remove":
            for item in self._select(menu, selectors):
                menu.items.remove(item)
        elif verb == "unset":
            self._unset(menu, selectors, props)
        elif verb in ("enable", "disable"):
            for item in self._select(menu, selectors):
                if verb == "enable":
                    item.props.pop("disabled", None)
                else:
                    item.props["disabled"] = "yes"
        else:
            raise bad_command(verb or "", 1)

    def _unset(self, menu: Menu, selectors: list[str], props: dict[str, str]) -> None:
        """``unset <item> <property>`` on a list menu, ``unset <property>...`` on settings."""
        if props:
            raise RosError("expected end of command")
        if not menu.items:
            for key in selectors:
                menu.settings.pop(key, None)
            return
        if len(selectors) < 2:
            raise RosError("failure: which item and property?")
        for item in self._select(menu, selectors[:-1]):
            item.props.pop(selectors[-1], None)

    def _is_settings(self, menu: Menu) -> bool:
        return bool(menu.settings) and not menu.items

    def _add(self, menu: Menu, props: dict[str, str]) -> None:
        self._check_references(menu.path, props)
        if menu.path in INTERFACE_MENUS or menu.path == "/interface ethernet":
            kind = INTERFACE_MENUS.get(menu.path, "ether")
            if "name" not in props:
                used = set(self.interface_names())
                number = 1
                while f"{kind}{number}" in used:
                    number += 1
                props["name"] = f"{kind}{number}"
            if props["name"] in self.interface_names():
                raise RosError("failure: already have interface with such name")
            if menu.path == "/interface vlan" and "vlan-id" not in props:
                raise RosError("failure: vlan-id not specified")
        elif "name" in props and any(i.props.get("name") == props["name"] for i in menu.items):
            raise RosError("failure: item with such name already exists")
        if menu.path == "/ip address":
            if "address" not in props:
                raise RosError("failure: address not specified")
            try:
                address = ipaddress.IPv4Interface(props["address"])
            except ValueError as exc:
                raise RosError("invalid value for argument address") from exc
            props.setdefault("network", str(address.network.network_address))
            if any(
                i.props.get("address") == props["address"]
                and i.props.get("interface") == props.get("interface")
                for i in menu.items
            ):
                raise RosError("failure: already have such address")
        menu.items.append(Item(props))

    def _check_references(self, path: str, props: dict[str, str]) -> None:
        names = self.interface_names()
        for key in INTERFACE_REFERENCES.get(path, ()):
            if key in props and props[key] not in names and props[key] != "all":
                raise RosError(f"input does not match any value of {key}")

    def _select(self, menu: Menu, selectors: list[str]) -> list[Item]:
        chosen: list[Item] = []
        for selector in selectors:
            if selector.startswith("["):
                chosen += [i for i in find(menu, selector) if i not in chosen]
                continue
            for part in selector.split(","):
                item = self._by_name_or_number(menu, part)
                if item is None:
                    raise RosError("no such item")
                if item not in chosen:
                    chosen.append(item)
        return chosen

    @staticmethod
    def _by_name_or_number(menu: Menu, word: str) -> Item | None:
        name = unquote(word)
        if name.isdigit():
            number = int(name)
            return menu.items[number] if number < len(menu.items) else None
        for item in menu.items:
            if item.props.get("name") == name:
                return item
        return None

    # -- export --------------------------------------------------------------------------

    def export(
        self,
        only: str = "",
        *,
        verbose: bool = False,
        terse: bool = False,
        sensitive: bool = False,
        users: bool = False,
    ) -> list[str]:
        """The configuration as ``/export`` prints it (without its ``#`` header)."""
        order = [p for p in EXPORT_ORDER if p in self.menus]
        order += [p for p in self.menus if p not in order]
        lines: list[str] = []
        for path in order:
            if only and not (path == only or path.startswith(only + " ")):
                continue
            if path in NOT_EXPORTED and not (users and path == "/user"):
                continue
            body = self._menu_lines(self.menus[path], verbose=verbose, sensitive=sensitive)
            if not body:
                continue
            if terse:
                lines += [f"{path} {line}" for line in body]
            else:
                lines.append(path)
                lines += [wrapped for line in body for wrapped in _wrap(line)]
        return lines

    def _menu_lines(self, menu: Menu, *, verbose: bool, sensitive: bool) -> list[str]:
        defaults = {} if verbose else DEFAULT_VALUES.get(menu.path, {})

        def shown(props: dict[str, str]) -> str:
            parts = []
            for key in sorted(props):
                value = props[key]
                if not verbose and (
                    defaults.get(key) == value or (key == "disabled" and value == "no")
                ):
                    continue
                if key in SENSITIVE and not sensitive:
                    continue
                parts.append(f"{key}={quote(value)}")
            return " ".join(parts)

        lines: list[str] = []
        settings = shown(menu.settings)
        if settings:
            lines.append(f"set {settings}")
        for item in menu.items:
            if item.builtin:
                changed = {
                    k: v for k, v in item.props.items() if verbose or item.baseline.get(k) != v
                }
                if item.builtin == "default-name":
                    changed.pop("default-name", None)
                text = shown(changed)
                if not text:
                    continue
                if item.builtin == "name":
                    selector = quote(item.baseline["name"])
                elif item.builtin == "default":
                    selector = "[ find default=yes ]"
                else:
                    selector = f"[ find default-name={quote(item.baseline['default-name'])} ]"
                lines.append(f"set {selector} {text}")
            else:
                lines.append(f"add {shown(item.props)}".rstrip())
        return lines


def _split_args(args: list[tuple[str, int]]) -> tuple[dict[str, str], list[str]]:
    props: dict[str, str] = {}
    selectors: list[str] = []
    for word, _column in args:
        if word.startswith("["):
            selectors.append(word)
        elif "=" in word and not word.startswith("="):
            key, value = word.split("=", 1)
            props[key] = unquote(value)
        else:
            selectors.append(word)
    return props, selectors


def find(menu: Menu, expression: str) -> list[Item]:
    """Items matching ``[ find k=v k2~"re" ]`` (conditions are ANDed; ``where`` optional)."""
    inner = expression.strip()[1:-1].strip()
    words = [w for w, _c in tokens(inner)]
    if not words or words[0] != "find":
        raise RosError("expected find")
    conditions = [w for w in words[1:] if w != "where"]
    matched = []
    for item in menu.items:
        ok = True
        for condition in conditions:
            regex = re.match(r"^([\w-]+)~(.*)$", condition)
            if regex:
                value = item.get(regex.group(1)) or ""
                ok = ok and re.search(unquote(regex.group(2)), value) is not None
                continue
            key, _sep, wanted = condition.partition("=")
            ok = ok and item.get(key) == unquote(wanted)
        if ok:
            matched.append(item)
    return matched


def _wrap(line: str, width: int = 80) -> list[str]:
    if len(line) <= width:
        return [line]
    words = [w for w, _c in tokens(line)]
    out: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        indent = 4 if out else 0
        if current and len(candidate) + indent > width - 2:
            out.append(" " * indent + current + " \\")
            current = word
        else:
            current = candidate
    out.append(" " * (4 if out else 0) + current)
    return out


# ------------------------------------------------------------------ device state


def _duration(seconds: int) -> str:
    weeks, rest = divmod(seconds, 604800)
    days, rest = divmod(rest, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{v}{u}" for v, u in ((weeks, "w"), (days, "d"), (hours, "h"), (minutes, "m")) if v]
    return "".join(parts) + f"{secs}s"


def _key_values(pairs: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _v in pairs) + 2
    return "\n".join(f"{k:>{width}}: {v}" for k, v in pairs) + "\n"


@dataclass(frozen=True)
class RosInterface:
    name: str
    kind: str
    item: Item
    running: bool
    slave: bool
    mac: str
    mtu: int
    view: InterfaceView


class RouterosState(DeviceState):
    """A RouterOS router's menus, interfaces and identity, shared by its sessions."""

    saves_every_change = True  # RouterOS applies every change at once

    def __init__(
        self,
        spec: SimDevice,
        state_dir: Path | None = None,
        peers: Callable[[str], DeviceState | None] | None = None,
    ) -> None:
        # The base class renders the running text while it starts: the menus come first.
        ethernet = [i.name for i in spec.interfaces if _PHYSICAL.match(i.name)]
        self.config = RosConfig(ethernet, [spec.username])
        self.load_errors: list[str] = []
        text = self._starting_text(spec, state_dir)
        self.run_script(text)
        super().__init__(spec, state_dir, peers)
        self.interfaces_spec = {i.name: i for i in spec.interfaces}

    def run_script(self, text: str) -> None:
        """Apply a script (``/export`` output or an ``.rsc`` file), line by line."""
        cwd = ""
        for line in join_continuations(text):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            try:
                command = parse_command(stripped, cwd)
                if command.verb is None:
                    cwd = command.path
                    continue
                self.config.apply(command)
            except RosError as exc:
                self.load_errors.append(f"{stripped}: {exc}")

    # -- identity ------------------------------------------------------------------------

    @property
    def hostname(self) -> str:
        return self.config.menu("/system identity").settings.get("name") or "MikroTik"

    def version_text(self) -> str:
        return f"{self.spec.os_version} (stable)"

    def system_description(self) -> str:
        return f"MikroTik RouterOS {self.version_text()} {self.spec.model}"

    # -- configuration -------------------------------------------------------------------

    def export_header(self) -> str:
        now = dt.datetime.now(dt.UTC)
        if self.spec.os_version.startswith("6"):
            stamp = now.strftime("%b/%d/%Y %H:%M:%S").lower()
        else:
            stamp = now.strftime("%Y-%m-%d %H:%M:%S")
        software = derived_mac(self.spec.serial, 0)[4:12].upper()
        return (
            f"# {stamp} by RouterOS {self.spec.os_version}\n"
            f"# software id = {software[:4]}-{software[4:]}\n#\n"
            f"# model = {self.spec.model}\n# serial number = {self.spec.serial}\n"
        )

    def running_text(self) -> str:
        """``/export show-sensitive``, plus the users (which RouterOS never exports), so a
        restart of the simulator keeps them."""
        lines = self.config.export(sensitive=True)
        users = self.config.menu("/user")
        added = [i for i in users.items if not i.builtin]
        missing = [n for n in ("admin",) if not any(i.props.get("name") == n for i in users.items)]
        if added or missing:
            lines.append("/user")
            lines += [
                f"add {' '.join(f'{k}={quote(v)}' for k, v in sorted(i.props.items()))}"
                for i in added
            ]
            lines += [f"remove [ find name={name} ]" for name in missing]
        return "\n".join(lines) + "\n"

    def _ensure_hostname(self) -> None:
        """The identity lives in ``/system identity``; the menus are built elsewhere."""

    def _generated_config(self) -> str:
        spec = self.spec
        lines = ["/system identity", f"set name={quote(spec.hostname)}"]
        physical = [i for i in spec.interfaces if _PHYSICAL.match(i.name)]
        virtual = [i for i in spec.interfaces if not _PHYSICAL.match(i.name)]
        trunk = physical[1].name if len(physical) > 1 else (physical[0].name if physical else "")
        comments = [i for i in physical if i.description or not i.enabled]
        if comments:
            lines.append("/interface ethernet")
            for interface in comments:
                extra = f" comment={quote(interface.description)}" if interface.description else ""
                if not interface.enabled:
                    extra += " disabled=yes"
                lines.append(f"set [ find default-name={interface.name} ]{extra}")
        vlans = [i for i in virtual if re.match(r"^vlan(\d+)$", i.name)]
        if vlans and trunk:
            lines.append("/interface vlan")
            for interface in vlans:
                number = re.sub(r"\D", "", interface.name)
                comment = (
                    f" comment={quote(interface.description)}" if interface.description else ""
                )
                lines.append(
                    f"add interface={trunk} name={interface.name} vlan-id={number}{comment}"
                )
        addressed = [
            i for i in spec.interfaces if i.ipv4 and (i in physical or (i in vlans and trunk))
        ]
        if addressed:
            lines.append("/ip address")
            lines += [f"add address={i.ipv4} interface={i.name}" for i in addressed]
        return "\n".join(lines) + "\n"

    # -- interfaces ----------------------------------------------------------------------

    def ros_interfaces(self) -> list[RosInterface]:
        """Every interface as ``/interface print`` lists it: ports first, then the rest."""
        config = self.config
        ports = {
            i.props.get("interface"): i.props.get("bridge", "")
            for i in config.menu("/interface bridge port").items
            if not i.disabled
        }
        addresses: dict[str, ipaddress.IPv4Interface] = {}
        for item in config.menu("/ip address").items:
            name = item.props.get("interface", "")
            if name and name not in addresses and not item.disabled:
                try:
                    addresses[name] = ipaddress.IPv4Interface(item.props.get("address", ""))
                except ValueError:
                    continue
        out: list[RosInterface] = []
        by_name: dict[str, RosInterface] = {}
        entries: list[tuple[str, Item]] = [
            ("ether", i) for i in config.menu("/interface ethernet").items
        ]
        for path, kind in INTERFACE_MENUS.items():
            entries += [(kind, i) for i in config.menu(path).items if "name" in i.props]
        for index, (kind, item) in enumerate(entries, start=1):
            name = item.props["name"]
            enabled = not item.disabled
            spec = (
                self.interfaces_spec.get(item.props.get("default-name", name))
                if kind == "ether"
                else None
            )
            if kind == "ether":
                mac = (
                    mac_digits(spec.mac)
                    if spec and spec.mac
                    else derived_mac(self.spec.name, index)
                )
                running = enabled and (spec.enabled if spec else True)
            elif kind == "vlan":
                parent = by_name.get(item.props.get("interface", ""))
                mac = parent.mac if parent else derived_mac(self.spec.name, index)
                running = enabled and bool(parent and parent.running)
            elif kind == "bridge":
                members = [by_name[p] for p, b in ports.items() if b == name and p in by_name]
                admin = item.props.get("admin-mac")
                mac = (
                    mac_digits(admin) if admin else (members[0].mac if members else self.base_mac())
                )
                running = enabled and any(m.running for m in members)
            else:
                mac = derived_mac(self.spec.name, index)
                running = enabled
            mtu = (
                int(item.props.get("mtu", "1500"))
                if item.props.get("mtu", "1500").isdigit()
                else 1500
            )
            view = InterfaceView(
                name=name,
                description=item.props.get("comment", ""),
                enabled=enabled,
                up=running,
                ipv4=addresses.get(name),
                mac=mac,
                speed_mbps=spec.speed_mbps if spec else 1000,
                mode="routed",
                physical=kind == "ether",
            )
            entry = RosInterface(name, kind, item, running, name in ports, mac, mtu, view)
            by_name[name] = entry
            out.append(entry)
        return out

    def interfaces(self) -> list[InterfaceView]:
        return [i.view for i in self.ros_interfaces()]

    def interface(self, name: str) -> InterfaceView | None:
        for view in self.interfaces():
            if view.name == name:
                return view
        return None

    def lldp_enabled(self) -> bool:
        settings = self.config.menu("/ip neighbor discovery-settings").settings
        return settings.get("discover-interface-list", "!dynamic") != "none"


# ------------------------------------------------------------------ the session


class RouterosSession(CliSession):
    """An SSH session on a simulated RouterOS router."""

    def __init__(self, device: DeviceState, user: str, peer: str) -> None:
        super().__init__(device, login_name(user), peer)
        assert isinstance(device, RouterosState)
        self.ros: RouterosState = device
        self.cwd = ""

    def prompt(self) -> str:
        where = f" {self.cwd}" if self.cwd else " "
        return f"[{self.user}@{self.ros.hostname}]{where}> "

    def banner(self) -> str:
        spec = self.ros.spec
        logo = (
            "\n\n\n\n"
            "  MMM      MMM       KKK                          TTTTTTTTTTT      KKK\n"
            "  MMMM    MMMM       KKK                          TTTTTTTTTTT      KKK\n"
            "  MMM MMMM MMM  III  KKK  KKK  RRRRRR     OOOOOO      TTT     III  KKK  KKK\n"
            "  MMM  MM  MMM  III  KKKKK     RRR  RRR  OOO  OOO     TTT     III  KKKKK\n"
            "  MMM      MMM  III  KKK KKK   RRRRRR    OOO  OOO     TTT     III  KKK KKK\n"
            "  MMM      MMM  III  KKK  KKK  RRR  RRR   OOOOOO      TTT     III  KKK  KKK\n\n"
            f"  MikroTik RouterOS {spec.os_version} (c) 1999-2024       https://www.mikrotik.com/\n\n"
            "Press F1 for help\n"
        )
        note = self.ros.config.menu("/system note").settings
        if note.get("show-at-login", "yes") == "yes" and note.get("note"):
            logo += "\n" + note["note"] + "\n"
        return logo

    def handle_line(self, line: str) -> str:
        if not line.strip():
            return ""
        if self.rejected(line):
            first = line.split(maxsplit=1)[0]
            return f"bad command name {first.lstrip('/')} (line 1 column 1)\n"
        try:
            return self._run(line)
        except RosError as exc:
            return f"{exc}\n"

    def _run(self, line: str) -> str:
        command = parse_command(line, self.cwd)
        if command.verb is None:
            self.cwd = command.path
            return ""
        if command.verb == "quit":
            self.closed = True
            return ""
        if command.verb == "print":
            return self._print(command)
        if command.verb == "export":
            return self._export(command)
        if command.verb in ("find", "get", "edit", "comment", "move", "reset", "monitor"):
            return ""
        before = self.ros.config.copy_state()
        self.ros.config.apply(command)
        if self.ros.config.copy_state() != before:
            self.ros.changed(self.user)
        return ""

    def _export(self, command: Command) -> str:
        flags = {w.split("=", 1)[0] for w, _c in command.args}
        lines = self.ros.config.export(
            command.path,
            verbose="verbose" in flags,
            terse="terse" in flags,
            sensitive="show-sensitive" in flags,
        )
        if "file" in flags:
            return ""
        return self.ros.export_header() + "\n".join(lines) + ("\n" if lines else "")

    def _print(self, command: Command) -> str:
        flags = {w.lower() for w, _c in command.args if "=" not in w}
        printer = PRINTERS.get(command.path)
        if printer is not None:
            return printer(self, flags)
        if command.path not in MENUS:
            return ""
        return _generic_print(self.ros.config.menu(command.path), flags)


def _generic_print(menu: Menu, flags: set[str]) -> str:
    if menu.settings and not menu.items:
        return _key_values([(k, v) for k, v in menu.settings.items()])
    if not menu.items:
        return ""
    lines = ["Flags: X - disabled"]
    for number, item in enumerate(menu.items):
        flag = "X" if item.disabled else " "
        props = " ".join(f"{k}={quote(v)}" for k, v in item.props.items() if k != "disabled")
        lines.append(f"{number:>2} {flag} {props}")
        if "terse" not in flags:
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _print_resource(session: RouterosSession, _flags: set[str]) -> str:
    device = session.ros
    spec = device.spec
    return _key_values(
        [
            ("uptime", _duration(device.uptime_seconds())),
            ("version", device.version_text()),
            ("build-time", "2024-07-24 10:39:59"),
            ("factory-software", "6.45.9"),
            ("free-memory", "874.5MiB"),
            ("total-memory", "1024.0MiB"),
            ("cpu", "ARMv7"),
            ("cpu-count", "4"),
            ("cpu-frequency", "1400MHz"),
            ("cpu-load", "1%"),
            ("free-hdd-space", "425.4MiB"),
            ("total-hdd-space", "512.0MiB"),
            ("write-sect-since-reboot", "3520"),
            ("write-sect-total", "97301"),
            ("bad-blocks", "0%"),
            ("architecture-name", "arm"),
            ("board-name", spec.model),
            ("platform", "MikroTik"),
        ]
    )


def _print_identity(session: RouterosSession, _flags: set[str]) -> str:
    return _key_values([("name", session.ros.hostname)])


def _print_routerboard(session: RouterosSession, _flags: set[str]) -> str:
    spec = session.ros.spec
    return _key_values(
        [
            ("routerboard", "yes"),
            ("board-name", spec.model),
            ("model", spec.model),
            ("revision", "r2"),
            ("serial-number", spec.serial),
            ("firmware-type", "al2"),
            ("factory-firmware", "6.45.9"),
            ("current-firmware", spec.os_version),
            ("upgrade-firmware", spec.os_version),
        ]
    )


def _print_clock(session: RouterosSession, _flags: set[str]) -> str:
    now = dt.datetime.now(dt.UTC)
    settings = session.ros.config.menu("/system clock").settings
    return _key_values(
        [
            ("time", now.strftime("%H:%M:%S")),
            ("date", now.strftime("%Y-%m-%d")),
            ("time-zone-autodetect", settings.get("time-zone-autodetect", "yes")),
            ("time-zone-name", settings.get("time-zone-name", "manual")),
            ("gmt-offset", "+00:00"),
            ("dst-active", "no"),
        ]
    )


def _interface_flags(entry: RosInterface) -> str:
    flags = ("X" if not entry.view.enabled else "") + ("R" if entry.running else "")
    return flags + ("S" if entry.slave else "")


def _interface_props(entry: RosInterface, quoted: bool) -> list[str]:
    def q(value: str) -> str:
        return f'"{value}"' if quoted else value

    props = [f"name={q(entry.name)}"]
    default = entry.item.props.get("default-name")
    if default:
        props.append(f"default-name={q(default)}")
    props += [f"type={q(entry.kind)}", f"mtu={entry.mtu}", f"actual-mtu={entry.mtu}"]
    if entry.kind == "ether":
        props += ["l2mtu=1598", "max-l2mtu=9578"]
    props.append(f"mac-address={colon_mac(entry.mac).upper()}")
    if entry.running:
        props += ["last-link-up-time=2024-05-20 10:00:00", "link-downs=0"]
    return props


def _print_interfaces(session: RouterosSession, flags: set[str]) -> str:
    entries = session.ros.ros_interfaces()
    if "detail" in flags:
        lines = ["Flags: D - dynamic; X - disabled; R - running; S - slave; P - passthrough"]
        for number, entry in enumerate(entries):
            head = f"{number:>2}  {_interface_flags(entry):<3}"
            text = " ".join(_interface_props(entry, quoted=True))
            comment = entry.item.props.get("comment")
            if comment:
                lines.append(f"{head};;; {comment}")
                lines.append(f"{'':>7}{text}")
            else:
                lines.append(f"{head}{text}")
            lines.append("")
        return "\n".join(lines)
    if "terse" in flags:
        lines = []
        for number, entry in enumerate(entries):
            comment = entry.item.props.get("comment")
            props = _interface_props(entry, quoted=False)
            if comment:
                props.insert(0, f"comment={quote(comment)}")
            lines.append(f"{number:>2}  {_interface_flags(entry):<3}" + " ".join(props))
        return "\n".join(lines) + ("\n" if lines else "")
    lines = [
        "Flags: X - DISABLED; R - RUNNING; S - SLAVE",
        "Columns: NAME, TYPE, ACTUAL-MTU, L2MTU, MAX-L2MTU, MAC-ADDRESS",
        " #    NAME          TYPE    ACTUAL-MTU  L2MTU  MAX-L2MTU  MAC-ADDRESS",
    ]
    for number, entry in enumerate(entries):
        l2 = ("1598", "9578") if entry.kind == "ether" else ("", "")
        if entry.item.props.get("comment"):
            lines.append(f";;; {entry.item.props['comment']}")
        lines.append(
            f"{number:>2} {_interface_flags(entry):<3} {entry.name:<13} {entry.kind:<7} "
            f"{entry.mtu:>10}  {l2[0]:>5}  {l2[1]:>9}  {colon_mac(entry.mac).upper()}"
        )
    return "\n".join(lines) + "\n"


def _speed_text(mbps: int) -> str:
    return (
        f"{mbps // 1000}G-baseT-full"
        if mbps >= 1000 and mbps % 1000 == 0
        else f"{mbps}M-baseT-full"
    )


def _print_ethernet(session: RouterosSession, flags: set[str]) -> str:
    lines = ["Flags: X - disabled, R - running, S - slave"]
    for number, entry in enumerate(e for e in session.ros.ros_interfaces() if e.kind == "ether"):
        props = [
            f"name={entry.name}",
            f"default-name={entry.item.props.get('default-name', entry.name)}",
            f"mtu={entry.mtu}",
            f"mac-address={colon_mac(entry.mac).upper()}",
            "auto-negotiation=yes",
            f"speed={_speed_text(entry.view.speed_mbps)}",
        ]
        comment = entry.item.props.get("comment")
        if comment:
            props.insert(0, f"comment={quote(comment)}")
        lines.append(f"{number:>2}  {_interface_flags(entry):<3}" + " ".join(props))
        if "terse" not in flags:
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _print_addresses(session: RouterosSession, flags: set[str]) -> str:
    menu = session.ros.config.menu("/ip address")
    if "detail" in flags or "terse" in flags:
        return _generic_print(menu, flags)
    lines = [
        "Flags: X - DISABLED",
        "Columns: ADDRESS, NETWORK, INTERFACE",
        "#   ADDRESS            NETWORK        INTERFACE",
    ]
    for number, item in enumerate(menu.items):
        flag = "X" if item.disabled else " "
        if item.props.get("comment"):
            lines.append(f";;; {item.props['comment']}")
        lines.append(
            f"{number:<2}{flag} {item.props.get('address', ''):<19}"
            f"{item.props.get('network', ''):<15}{item.props.get('interface', '')}"
        )
    return "\n".join(lines) + "\n"


def _print_neighbors(session: RouterosSession, flags: set[str]) -> str:
    device = session.ros
    if not device.lldp_enabled():
        return ""
    bridges = {
        i.props.get("interface"): i.props.get("bridge")
        for i in device.config.menu("/interface bridge port").items
    }
    blocks: list[str] = []
    rows: list[str] = []
    for number, neighbor in enumerate(device.spec.neighbors):
        local = neighbor.local_interface
        if bridges.get(local):
            local = f"{local},{bridges[local]}"
        peer = device.peer(neighbor.remote_hostname)
        remote = peer.interface(neighbor.remote_port) if peer else None
        mac = (
            remote.mac
            if remote and remote.mac
            else (peer.base_mac() if peer else derived_mac(neighbor.remote_hostname, 0))
        )
        address = ""
        if peer is not None:
            address = next((str(v.ipv4.ip) for v in peer.interfaces() if v.ipv4), "")
        description = peer.system_description() if peer else ""
        platform = description.split(",")[0].split(" Software")[0] if description else ""
        version = peer.spec.os_version if peer else ""
        props = [
            f"interface={local}",
            f"address={address}" if address else "",
            f"address4={address}" if address else "",
            f"mac-address={colon_mac(mac).upper()}",
            f'identity="{neighbor.remote_hostname}"',
            f'platform="{platform}"',
            f'version="{version}"',
            "unpack=none",
            "age=21s",
            "uptime=3d4h12m",
            f'interface-name="{neighbor.remote_port}"',
            f'system-description="{description}"',
            "system-caps=bridge,router",
            "system-caps-enabled=bridge,router",
            "discovered-by=lldp",
        ]
        blocks.append(f"{number:>2} " + " ".join(p for p in props if p))
        rows.append(
            f"{number:<2} {local:<18} {address:<15} {colon_mac(mac).upper():<18} "
            f"{neighbor.remote_hostname}"
        )
    if "detail" in flags:
        return "\n\n".join(blocks) + ("\n" if blocks else "")
    header = [
        "Columns: INTERFACE, ADDRESS, MAC-ADDRESS, IDENTITY",
        "#  INTERFACE          ADDRESS         MAC-ADDRESS        IDENTITY",
    ]
    return "\n".join(header + rows) + "\n"


def _print_users(session: RouterosSession, flags: set[str]) -> str:
    items = session.ros.config.menu("/user").items
    if "terse" in flags:
        # The simulator's own login account lives outside the configuration, as on the
        # other simulated platforms: it is not one of the router's local users.
        login = session.ros.spec.username
        return "".join(
            f"{number:>2}   name={quote(item.props.get('name', ''))}"
            f" group={quote(item.props.get('group', ''))}\n"
            for number, item in enumerate(items)
            if item.props.get("name") != login
        )
    lines = ["Columns: NAME, GROUP, LAST-LOGGED-IN", "# NAME            GROUP"]
    for number, item in enumerate(items):
        lines.append(f"{number} {item.props.get('name', ''):<16}{item.props.get('group', '')}")
    return "\n".join(lines) + "\n"


PRINTERS: dict[str, Callable[[RouterosSession, set[str]], str]] = {
    "/system resource": _print_resource,
    "/system identity": _print_identity,
    "/system routerboard": _print_routerboard,
    "/system clock": _print_clock,
    "/interface": _print_interfaces,
    "/interface ethernet": _print_ethernet,
    "/ip address": _print_addresses,
    "/ip neighbor": _print_neighbors,
    "/user": _print_users,
}
